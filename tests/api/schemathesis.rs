//! The OpenAPI document against the server, by an outside tool: schemathesis (pinned in
//! tests/schemathesis/requirements.txt) generates requests from `/openapi.json`, valid and
//! invalid, with every check and every phase, once per role, and must find nothing the document
//! and the server disagree on. The only answer it is told to accept beyond its defaults is 412
//! (a stale `If-Match`, by design).

use std::path::{Path, PathBuf};

use movie_manager::storage::{Database, DatabaseSettings, seed};

use crate::helpers::temp_dir::TempDir;
use crate::helpers::{Caller, TestApp, backend_tests};

/// Where the test command installs schemathesis, unless `SCHEMATHESIS` names the executable.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("schemathesis/bin/schemathesis")
}

async fn fuzz(app: &TestApp) {
    let executable = schemathesis();
    assert!(
        executable.exists(),
        "schemathesis is required and is not at {} (the README's test command installs it; \
         or set SCHEMATHESIS)",
        executable.display()
    );
    let db = Database::connect(&DatabaseSettings {
        url: app.database_url().to_owned(),
        max_connections: 1,
    })
    .await
    .unwrap();
    seed::demo(&db).await.unwrap();
    db.close().await;

    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = TempDir::new("schemathesis");
    for caller in [
        Caller::CastingAssistant,
        Caller::CastingDirector,
        Caller::ExecutiveProducer,
    ] {
        let token = app.token(caller).unwrap();
        let output = tokio::process::Command::new(&executable)
            .arg("--config-file")
            .arg(repository.join("tests/schemathesis/schemathesis.toml"))
            .arg("run")
            .arg(format!("{}/openapi.json", app.address))
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .args(["--wait-for-schema", "10"])
            .current_dir(scratch.path())
            .env(
                "SCHEMATHESIS_HOOKS",
                repository.join("tests/schemathesis/hooks.py"),
            )
            .env("HYPOTHESIS_STORAGE_DIRECTORY", scratch.join("hypothesis"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .await
            .expect("schemathesis runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = ["=== FAILURES ===", "=== ERRORS ==="]
            .iter()
            .find_map(|marker| stdout.find(marker))
            .map_or(stdout.as_ref(), |start| &stdout[start..]);
        assert!(
            output.status.success(),
            "schemathesis as {caller:?} on {:?} found problems:\n{summary}\n{}",
            app.backend,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

backend_tests! {
    async fn schemathesis_finds_the_document_and_the_server_in_agreement(app) {
        fuzz(&app).await;
    }
}
