//! A PostgreSQL server of the test's own, started with `ssl=on` and a certificate for `localhost`
//! signed by a CA the test makes, that accepts TCP connections over TLS only. Its binaries are
//! required: without them the test fails.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};

use super::temp_dir::TempDir;

/// A role that logs in with a password, as on a managed PostgreSQL.
pub const PASSWORD_USER: &str = "casting_agency";
pub const PASSWORD: &str = "s3cret-Pa55word";
pub const PASSWORD_DATABASE: &str = "casting_agency";

/// How long the server may take to accept connections, and then to stop.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

pub struct TlsPostgres {
    pub port: u16,
    /// The CA that signed the server's certificate (PEM).
    pub ca: PathBuf,
    /// A CA that signed nothing the server shows (PEM).
    pub other_ca: PathBuf,
    server: Child,
    /// Removed once `drop` has stopped the server: fields drop after it.
    directory: TempDir,
}

impl TlsPostgres {
    /// Makes the certificates, initialises a cluster in a temporary directory, and starts it.
    pub fn start() -> Self {
        let bin = postgres_bin_dir();
        let owner = server_owner();
        let guard = TempDir::new("tls");
        let directory = guard.path().to_owned();
        fs::set_permissions(&directory, fs::Permissions::from_mode(0o700)).unwrap();

        let ca = make_ca("movie-manager test CA");
        let other_ca = make_ca("an unrelated CA");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let paths = Paths::in_directory(&directory);
        fs::write(&paths.ca, ca.as_ref().pem()).unwrap();
        fs::write(&paths.other_ca, other_ca.as_ref().pem()).unwrap();
        fs::write(&paths.server_cert, server_cert.pem()).unwrap();
        fs::write(&paths.server_key, server_key.serialize_pem()).unwrap();
        // PostgreSQL refuses a key that others can read.
        fs::set_permissions(&paths.server_key, fs::Permissions::from_mode(0o600)).unwrap();
        if let Some((uid, gid)) = owner {
            for path in [&directory, &paths.server_cert, &paths.server_key] {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
            }
        }

        run(as_owner(Command::new(bin.join("initdb")), owner)
            .current_dir(&directory)
            .arg("--pgdata")
            .arg(&paths.data)
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--no-locale", "--no-sync"]));
        // The first matching line wins: the password role must log in with its password, everyone
        // else is trusted over TLS, and a TCP connection without TLS is refused.
        fs::write(
            paths.data.join("pg_hba.conf"),
            format!(
                "local all all trust\n\
                 hostssl all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n\
                 hostssl all all 127.0.0.1/32 trust\n\
                 hostnossl all all 127.0.0.1/32 reject\n"
            ),
        )
        .unwrap();

        let port = free_port();
        let log = fs::File::create(&paths.log).unwrap();
        let server = as_owner(Command::new(bin.join("postgres")), owner)
            .current_dir(&directory)
            .arg("-D")
            .arg(&paths.data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-c")
            .arg("listen_addresses=127.0.0.1")
            .arg("-c")
            .arg(format!("unix_socket_directories={}", directory.display()))
            .args(["-c", "ssl=on"])
            .arg("-c")
            .arg(format!("ssl_cert_file={}", paths.server_cert.display()))
            .arg("-c")
            .arg(format!("ssl_key_file={}", paths.server_key.display()))
            // A throwaway cluster: durability would only slow the migrations down.
            .args(["-c", "fsync=off"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        // From here on, Drop stops the server, even if a step fails.
        let mut postgres = Self {
            port,
            ca: paths.ca,
            other_ca: paths.other_ca,
            server,
            directory: guard,
        };
        postgres.wait_until_ready(&bin, &paths.log);
        postgres.psql(
            &bin,
            &format!("CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'"),
        );
        postgres.psql(
            &bin,
            &format!("CREATE DATABASE {PASSWORD_DATABASE} OWNER {PASSWORD_USER}"),
        );
        postgres
    }

    /// A URL for the trusted superuser on `host`, with `query` (e.g. `sslmode=require`).
    pub fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{query}", self.port)
    }

    /// A URL as a managed PostgreSQL hands it out: user, password, host, port, database, `sslmode`.
    pub fn password_url(&self, query: &str) -> String {
        format!(
            "postgres://{PASSWORD_USER}:{PASSWORD}@localhost:{}/{PASSWORD_DATABASE}?{query}",
            self.port
        )
    }

    fn wait_until_ready(&mut self, bin: &Path, log: &Path) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.server.try_wait().unwrap() {
                panic!(
                    "postgres exited with {status}:\n{}",
                    fs::read_to_string(log).unwrap_or_default()
                );
            }
            let ready = Command::new(bin.join("pg_isready"))
                .arg("--host")
                .arg(self.directory.path())
                .args(["--port", &self.port.to_string(), "--quiet"])
                .status()
                .expect("pg_isready runs")
                .success();
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not accept connections within {STARTUP_TIMEOUT:?}:\n{}",
                fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs one statement as the superuser, over the Unix socket.
    fn psql(&self, bin: &Path, statement: &str) {
        run(Command::new(bin.join("psql"))
            .arg("--host")
            .arg(self.directory.path())
            .args(["--port", &self.port.to_string()])
            .args([
                "--username=postgres",
                "--dbname=postgres",
                "--no-psqlrc",
                "--quiet",
            ])
            .args(["--set=ON_ERROR_STOP=1", "--command", statement]));
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and stops at once.
        let _ = Command::new("kill")
            .args(["-INT", &self.server.id().to_string()])
            .status();
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        while matches!(self.server.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if matches!(self.server.try_wait(), Ok(None)) {
            let _ = self.server.kill();
            let _ = self.server.wait();
        }
    }
}

struct Paths {
    ca: PathBuf,
    other_ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    data: PathBuf,
    log: PathBuf,
}

impl Paths {
    fn in_directory(directory: &Path) -> Self {
        Self {
            ca: directory.join("ca.pem"),
            other_ca: directory.join("other-ca.pem"),
            server_cert: directory.join("server.crt"),
            server_key: directory.join("server.key"),
            data: directory.join("data"),
            log: directory.join("postgres.log"),
        }
    }
}

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// The newest installed PostgreSQL's `bin` directory, as Debian lays it out.
fn postgres_bin_dir() -> PathBuf {
    const ROOT: &str = "/usr/lib/postgresql";
    let newest = fs::read_dir(ROOT)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version);
    match newest {
        Some((_, bin)) => bin,
        None => panic!(
            "the TLS tests start a PostgreSQL server of their own and need its binaries in \
             {ROOT}/<version>/bin (Debian's postgresql package); none were found"
        ),
    }
}

/// PostgreSQL refuses to run as root: then its files and processes belong to the `postgres` user.
fn server_owner() -> Option<(u32, u32)> {
    // /proc/self belongs to the user this process runs as.
    let running_as_root = fs::metadata("/proc/self").expect("a Linux /proc").uid() == 0;
    if !running_as_root {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    let fields: Vec<&str> = passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"postgres"))
        .expect("a `postgres` user to run PostgreSQL as, since the tests run as root");
    Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
}

fn as_owner(mut command: Command, owner: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid);
    }
    command
}

#[track_caller]
fn run(command: &mut Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}
