//! A fresh database per test: a SQLite file in its own temporary directory, or a PostgreSQL
//! database created for the test and dropped after it. PostgreSQL never skips: if it cannot be
//! reached the test fails and says how to point it elsewhere.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::temp_dir::TempDir;

/// The server tests expect unless `TEST_DATABASE_URL` names another.
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    pub url: String,
    /// The SQLite file's directory, removed when dropped.
    _directory: Option<TempDir>,
    /// The PostgreSQL database, removed when dropped.
    _postgres: Option<PostgresDatabase>,
}

struct PostgresDatabase {
    admin_url: String,
    name: String,
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let directory = TempDir::new("test");
                Self {
                    url: format!("sqlite://{}", directory.join("test.db").display()),
                    _directory: Some(directory),
                    _postgres: None,
                }
            }
            Backend::Postgres => {
                let unique = uuid::Uuid::new_v4().simple().to_string();
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
                    _directory: None,
                    _postgres: Some(PostgresDatabase { admin_url, name }),
                }
            }
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread with a
        // runtime of its own.
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
