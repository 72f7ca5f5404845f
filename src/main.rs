//! `movie-manager`: the server, and the tools around it.

/// mimalloc rather than glibc's malloc: memory allocated on one runtime worker thread and freed
/// on another made glibc's arena locks the service's most frequent system call under load
/// (BENCHMARKS.md, "Changes made for performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    movie_manager::cli::run()
}
