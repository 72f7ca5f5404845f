//! A fresh database per test: a SQLite file in its own temporary directory, or a PostgreSQL
//! database created for the test and dropped after it. PostgreSQL never skips: if it cannot be
//! reached the test fails and says how to point it elsewhere.

use std::path::PathBuf;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// The server tests expect unless `TEST_DATABASE_URL` names another.
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let directory = std::env::temp_dir().join(format!("movie-manager-test-{unique}"));
                std::fs::create_dir_all(&directory).expect("a temporary directory");
                Self {
                    url: format!("sqlite://{}", directory.join("test.db").display()),
                    cleanup: Cleanup::Directory(directory),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("movie_manager_test_{unique}");
                let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!(
                        "PostgreSQL is required for the tests and is not reachable at {admin_url} ({error}); \
                         start it or set TEST_DATABASE_URL"
                    )
                });
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut admin)
                    .await
                    .expect("a test database is created");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    cleanup: Cleanup::PostgresDatabase { admin_url, name },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(directory) => {
                let _ = std::fs::remove_dir_all(directory);
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, which cannot be blocked on: use a thread
                // with a runtime of its own.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut admin)
                            .await
                            .ok()
                    })
                });
                let _ = dropped.join();
            }
        }
    }
}
