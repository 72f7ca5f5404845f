//! The S3-compatible server of the photo store's tests: moto's `moto_server` (pinned in
//! tests/s3/requirements.txt, installed under target/ by scripts/test), one per test process,
//! started by the first test that asks for it, with a fresh bucket for each test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::oidc::free_port;

/// How long moto_server may take to answer once started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The running server, shared by the tests of the process and never dropped: it stops when the
/// process ends, however it ends (see [`S3Server::start`]).
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _wrapper: Child,
}

impl S3Server {
    /// The process's server, started on first use.
    pub async fn get() -> &'static S3Server {
        static SERVER: OnceCell<S3Server> = OnceCell::const_new();
        SERVER.get_or_init(S3Server::start).await
    }

    async fn start() -> S3Server {
        let executable = moto_server();
        assert!(
            executable.exists(),
            "moto_server is required and is not at {} (run scripts/test, which installs it)",
            executable.display()
        );
        let port = free_port();
        // A static is never dropped, so kill_on_drop would not stop the server, and moto_server
        // does not exit when its stdin closes. A shell runs it and kills it when the shell's stdin
        // closes, which happens when this process ends and the kernel closes our end of the pipe.
        // std's Child, not tokio's: the server outlives the runtime of the test that starts it.
        let wrapper = Command::new("sh")
            .arg("-c")
            .arg(r#""$@" & read _; kill $!"#)
            .arg("sh")
            .arg(&executable)
            .args(["-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("sh cannot be run to start moto_server: {error}"));
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while client.get(&endpoint).send().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server does not answer at {endpoint} within 30 s (to see why, run it by \
                 hand: {} -H 127.0.0.1 -p {port})",
                executable.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        S3Server {
            endpoint,
            _wrapper: wrapper,
        }
    }

    /// A new, empty bucket for one test; its name.
    pub async fn bucket(&self) -> String {
        let name = format!("photos-{}", uuid::Uuid::new_v4().simple());
        // moto takes an unsigned request as an anonymous one, and lets it create a bucket.
        let response = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .expect("moto_server answers");
        assert!(
            response.status().is_success(),
            "moto_server does not create the bucket {name}: {}",
            response.status()
        );
        name
    }

    /// The environment of a server under test that stores into this one.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
    }
}

/// Where scripts/test installs moto_server.
fn moto_server() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("s3/bin/moto_server")
}
