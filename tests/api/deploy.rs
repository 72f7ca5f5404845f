//! A Heroku-style deploy: the `Procfile`'s release phase migrates, and its web process listens on
//! the `PORT` it is given, on every interface, with `DATABASE_URL`, `PHOTO_STORE` and an external
//! identity provider from the environment. The commands are the Procfile's own, run against the binary.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::database::TestDatabase;
use crate::helpers::identity::{AUDIENCE, ISSUER, JwksServer, keys};
use crate::helpers::temp_dir::TempDir;
use crate::helpers::{Backend, Reply};

/// The command of a process type of the Procfile, with the built binary as its program.
fn procfile_command(process: &str) -> Vec<String> {
    let procfile = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Procfile"))
        .expect("a Procfile");
    let line = procfile
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{process}:")))
        .unwrap_or_else(|| panic!("the Procfile has a {process} process"));
    let mut words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    assert_eq!(
        words[0], "./target/release/movie-manager",
        "the Procfile runs the release binary"
    );
    words[0] = env!("CARGO_BIN_EXE_movie-manager").to_owned();
    words
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_procfile_migrates_in_its_release_phase_and_serves_on_the_given_port() {
    let database = TestDatabase::create_empty(Backend::Postgres).await;
    let jwks = JwksServer::publishing(&[&keys()[0]]).await;
    let dir = TempDir::new("procfile");
    let environment = [
        ("DATABASE_URL", database.url.clone()),
        (
            "PHOTO_STORE",
            dir.path().join("photos").display().to_string(),
        ),
        ("JWT_ISSUER", ISSUER.to_owned()),
        ("JWKS_URL", jwks.url()),
        ("API_AUDIENCE", AUDIENCE.to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let command = |process: &str| {
        let words = procfile_command(process);
        let mut command = tokio::process::Command::new(&words[0]);
        command
            .args(&words[1..])
            .current_dir(dir.path())
            .env_clear()
            .envs(environment.iter().cloned())
            .kill_on_drop(true);
        command
    };

    let release = command("release").output().await.unwrap();
    assert!(
        release.status.success(),
        "{}",
        String::from_utf8_lossy(&release.stderr)
    );

    let port = free_port();
    let mut web = command("web")
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the web process listens on PORT"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Ready: the database the release phase migrated answers, and the keys are loaded.
    Reply::of(client.get(format!("http://127.0.0.1:{port}/readyz")))
        .await
        .assert_status(200);
    let token = keys()[0].sign(&crate::helpers::identity::claims(&["get:actors"]));
    let actors = Reply::of(
        client
            .get(format!("http://127.0.0.1:{port}/actors"))
            .bearer_auth(token),
    )
    .await;
    actors.assert_status(200);

    // Heroku stops a dyno with SIGTERM: the process finishes what it serves and exits cleanly.
    let pid = web.id().expect("a running process").to_string();
    let signalled = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(signalled.success());
    let status = tokio::time::timeout(Duration::from_secs(20), web.wait())
        .await
        .expect("it exits")
        .unwrap();
    assert!(status.success(), "{status}");
}
