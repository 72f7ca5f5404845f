//! `movie-manager`: the server, and the tools around it.

fn main() -> std::process::ExitCode {
    movie_manager::cli::run()
}
