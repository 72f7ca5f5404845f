//! The real binary, run as a user would run its commands.

use std::path::Path;
use std::process::Output;

/// Runs `movie-manager` with `args` in `dir`, with a clean environment: no identity provider,
/// database or address configured by the caller's shell.
pub async fn run_cli(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_movie-manager"));
        command.args(&args).current_dir(&dir);
        for variable in [
            "AUTH0_DOMAIN",
            "AUTH0_CLIENT_ID",
            "JWKS_URL",
            "JWT_ISSUER",
            "API_AUDIENCE",
            "LOCAL_KEY_FILE",
            "DATABASE_URL",
            "HOST",
            "PORT",
            "RUST_LOG",
        ] {
            command.env_remove(variable);
        }
        command.output().expect("the binary runs")
    })
    .await
    .expect("the binary's runner does not panic")
}
