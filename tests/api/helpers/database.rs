//! A fresh database per test: a SQLite file in its own temporary directory, or a PostgreSQL
//! database created for the test and dropped after it. Each is a copy of one template migrated
//! once per set of migrations (a file copy for SQLite, `CREATE DATABASE ... TEMPLATE` for
//! PostgreSQL), so no test runs the migrations itself. PostgreSQL never skips: if it cannot be
//! reached the test fails and says how to point it elsewhere.

use std::path::{Path, PathBuf};

use movie_manager::photos::PhotoStore;
use movie_manager::storage::{Database, DatabaseSettings};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tokio::sync::OnceCell;

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
    /// The photo folder beside it, removed when dropped.
    photo_folder: TempDir,
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
    /// A migrated database, copied from the template.
    pub async fn create(backend: Backend) -> Self {
        let template = match backend {
            Backend::Sqlite => sqlite_template().await.to_str().expect("a UTF-8 path"),
            Backend::Postgres => postgres_template().await.as_str(),
        };
        Self::create_from(backend, Some(template)).await
    }

    /// An empty database, for tests of what migrates it.
    pub async fn create_empty(backend: Backend) -> Self {
        Self::create_from(backend, None).await
    }

    async fn create_from(backend: Backend, template: Option<&str>) -> Self {
        match backend {
            Backend::Sqlite => {
                let directory = TempDir::new("test");
                let file = directory.join("test.db");
                if let Some(template) = template {
                    std::fs::copy(template, &file).expect("the template is copied");
                }
                Self {
                    url: format!("sqlite://{}", file.display()),
                    photo_folder: TempDir::new("photos"),
                    _directory: Some(directory),
                    _postgres: None,
                }
            }
            Backend::Postgres => {
                let unique = uuid::Uuid::new_v4().simple().to_string();
                let admin_url = postgres_admin_url();
                let name = format!("movie_manager_test_{unique}");
                let mut admin = connect_admin(&admin_url).await;
                let copy = template.map_or(String::new(), |template| {
                    format!(" TEMPLATE \"{template}\"")
                });
                sqlx::query(&format!("CREATE DATABASE \"{name}\"{copy}"))
                    .execute(&mut admin)
                    .await
                    .expect("a test database is created");
                Self {
                    url: database_url(&admin_url, &name),
                    photo_folder: TempDir::new("photos"),
                    _directory: None,
                    _postgres: Some(PostgresDatabase { admin_url, name }),
                }
            }
        }
    }
}

impl TestDatabase {
    /// The folder store of the apps on this database.
    pub fn photos(&self) -> PhotoStore {
        PhotoStore::open(self.photo_folder.path().to_str().expect("a UTF-8 path"))
            .expect("the photo folder opens")
    }

    /// The photo folder, for tests that look at the files.
    pub fn photo_folder(&self) -> &std::path::Path {
        self.photo_folder.path()
    }
}

async fn connect_admin(admin_url: &str) -> PgConnection {
    PgConnection::connect(admin_url).await.unwrap_or_else(|error| {
        panic!(
            "PostgreSQL is required for the tests and is not reachable at {admin_url} ({error}); \
             start it or set TEST_DATABASE_URL"
        )
    })
}

/// The URL of database `name` on the server of `admin_url`.
fn database_url(admin_url: &str, name: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// A digest of the migrations the server embeds: a template is named by it, so a changed
/// migration makes a new template and an unchanged one is reused.
fn migrations_digest() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = ["sqlite", "postgres"]
        .iter()
        .flat_map(|backend| std::fs::read_dir(root.join(backend)).expect("the migrations"))
        .map(|entry| entry.expect("a migration").path())
        .collect();
    files.sort();
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for file in files {
        context.update(file.to_string_lossy().as_bytes());
        context.update(&std::fs::read(&file).expect("a migration's text"));
    }
    context
        .finish()
        .as_ref()
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Migrates the database at `url` as the server does, and closes it.
async fn migrate(url: String) {
    let database = Database::connect(&DatabaseSettings {
        url,
        max_connections: 1,
    })
    .await
    .expect("the template opens");
    database.migrate().await.expect("the template migrates");
    database.close().await;
}

/// The SQLite template: a migrated file, made once per set of migrations (under another name,
/// then renamed, so that no test ever copies a half-made one).
async fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let file = std::env::temp_dir()
                .join(format!("movie-manager-template-{}.db", migrations_digest()));
            if !file.exists() {
                let making = file.with_extension(format!("{}.db", uuid::Uuid::new_v4().simple()));
                migrate(format!("sqlite://{}", making.display())).await;
                std::fs::rename(&making, &file).expect("the template is put in place");
            }
            file
        })
        .await
}

/// The PostgreSQL template: a migrated database, made once per set of migrations (under another
/// name, then renamed, so that no test ever copies a half-made one).
async fn postgres_template() -> &'static String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let admin_url = postgres_admin_url();
            let name = format!("movie_manager_template_{}", migrations_digest());
            let mut admin = connect_admin(&admin_url).await;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .expect("the server lists its databases");
            if !exists {
                let making = format!("movie_manager_making_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(&format!("CREATE DATABASE \"{making}\""))
                    .execute(&mut admin)
                    .await
                    .expect("a template database is created");
                migrate(database_url(&admin_url, &making)).await;
                let renamed =
                    sqlx::query(&format!("ALTER DATABASE \"{making}\" RENAME TO \"{name}\""))
                        .execute(&mut admin)
                        .await;
                if renamed.is_err() {
                    // Another test run made it first: theirs is as good.
                    sqlx::query(&format!("DROP DATABASE \"{making}\""))
                        .execute(&mut admin)
                        .await
                        .expect("the spare template is dropped");
                }
            }
            name
        })
        .await
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
