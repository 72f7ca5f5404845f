//! TLS to PostgreSQL: `sslmode` in DATABASE_URL, against a server of the test's own that takes
//! TCP connections over TLS only and shows a certificate for `localhost` signed by a test CA.

use std::path::Path;

use movie_manager::photos::PhotoStore;
use movie_manager::startup::Application;

use crate::helpers::postgres_tls::{PASSWORD, TlsPostgres};
use crate::helpers::{self, Backend, JwksServer, TestApp};

/// The app on `url`; the SQLite database that `spawn_with` makes stays unused.
async fn spawn_on(url: String) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |settings| settings.database.url = url).await
}

/// Why the app refuses to start on `url`, as `main` prints it.
async fn start_error(url: String) -> String {
    let jwks = JwksServer::publishing(&[]).await;
    let folder = helpers::temp_dir::TempDir::new("photos");
    let photos = PhotoStore::open(folder.path().to_str().unwrap()).unwrap();
    match Application::build(helpers::settings(url, photos, &jwks)).await {
        Ok(_) => panic!("the application started"),
        Err(error) => format!("{error:#}"),
    }
}

/// A write and a read back through the API, so the database is really in use.
async fn assert_round_trip(app: &TestApp) {
    let id = app.create_actor("Ana", 30, "female").await;
    assert_eq!(app.actor(id).await["name"], "Ana");
}

/// The query of a URL that verifies the server's certificate against `ca`, by `sslmode`.
fn verifying(sslmode: &str, ca: &Path) -> String {
    format!("sslmode={sslmode}&sslrootcert={}", ca.display())
}

/// rustls's words for a certificate that no CA of `sslrootcert` signed.
const UNTRUSTED: &str = "invalid peer certificate: UnknownIssuer";
/// rustls's words for a certificate that does not name the host of the URL.
const WRONG_NAME: &str = "certificate not valid for name";

#[track_caller]
fn assert_refused_for(error: &str, reason: &str) {
    assert!(
        error.starts_with("cannot open the database") && error.contains(reason),
        "the error says `{reason}`: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_connects_over_tls() {
    let postgres = TlsPostgres::start();
    let app = spawn_on(postgres.url("127.0.0.1", "sslmode=require")).await;
    assert_round_trip(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_right_ca_connects_to_the_host_the_certificate_names() {
    let postgres = TlsPostgres::start();
    let query = verifying("verify-full", &postgres.ca);
    let app = spawn_on(postgres.url("localhost", &query)).await;
    assert_round_trip(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_wrong_ca_refuses_to_start_and_says_the_certificate_is_not_trusted() {
    let postgres = TlsPostgres::start();
    let query = verifying("verify-full", &postgres.other_ca);
    let error = start_error(postgres.url("localhost", &query)).await;
    assert_refused_for(&error, UNTRUSTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_refuses_a_host_the_certificate_does_not_name() {
    let postgres = TlsPostgres::start();
    let query = verifying("verify-full", &postgres.ca);
    let error = start_error(postgres.url("127.0.0.1", &query)).await;
    assert_refused_for(&error, WRONG_NAME);
}

// verify-ca is tried on a host the certificate names: sqlx 0.8.6 misses rustls's newer
// name-mismatch error, so its verify-ca still refuses a host the certificate does not name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_with_the_right_ca_connects() {
    let postgres = TlsPostgres::start();
    let query = verifying("verify-ca", &postgres.ca);
    let app = spawn_on(postgres.url("localhost", &query)).await;
    assert_round_trip(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_with_the_wrong_ca_refuses_to_start() {
    let postgres = TlsPostgres::start();
    let query = verifying("verify-ca", &postgres.other_ca);
    let error = start_error(postgres.url("localhost", &query)).await;
    assert_refused_for(&error, UNTRUSTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_tls_is_refused_by_the_server() {
    let postgres = TlsPostgres::start();
    let error = start_error(postgres.url("127.0.0.1", "sslmode=disable")).await;
    assert!(
        error.contains("pg_hba.conf") && error.contains("no encryption"),
        "the server refuses a connection without TLS: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heroku_style_url_with_a_password_and_sslmode_require_just_works() {
    let postgres = TlsPostgres::start();
    let app = spawn_on(postgres.password_url("sslmode=require")).await;
    assert_round_trip(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_start_never_shows_the_password_of_the_url() {
    let postgres = TlsPostgres::start();
    let query = verifying("verify-full", &postgres.other_ca);
    let error = start_error(postgres.password_url(&query)).await;
    assert_refused_for(&error, UNTRUSTED);
    assert!(!error.contains(PASSWORD), "the password leaked: {error}");
}
