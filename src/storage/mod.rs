//! Storage: the connection pool for SQLite or PostgreSQL, the embedded migrations, and the
//! catalogue's queries. Each query is written once, with `$N` placeholders that both databases
//! accept, and runs on either pool through [`on_pool!`].

pub mod actors;
pub mod castings;
mod json;
pub mod movies;
pub mod seed;
mod sql;

pub(crate) use sql::{Sql, bind_args, like_contains};

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use sql::{Keyset, Page, Value};

/// Runs the same code on whichever pool the service uses: the body is compiled once per backend,
/// so one query text serves both without a driver that hides their differences.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::storage::Database::Sqlite($pool) => $body,
            $crate::storage::Database::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// How long a request waits for a free connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// SQLite waits this long for a competing writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// PostgreSQL cancels any statement that runs longer.
const PG_STATEMENT_TIMEOUT_MS: &str = "10000";

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No row of this kind (`"actor"`, `"movie"`) has this id.
    #[error("{0} {1} not found")]
    NotFound(&'static str, i64),
    /// Both exist, but the actor is not in the movie's cast.
    #[error("actor {actor_id} is not in the cast of movie {movie_id}")]
    NotInCast { movie_id: i64, actor_id: i64 },
    /// The row exists but its version is not the one the client expected (`If-Match`).
    #[error("the {0} has changed since it was read")]
    VersionMismatch(&'static str),
    /// The database cannot be reached right now; the client may retry.
    #[error("database unavailable")]
    Unavailable,
    /// Anything else: logged, never shown.
    #[error(transparent)]
    Fault(sqlx::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable,
            sqlx::Error::Database(ref db) if is_unavailable_code(db.code().as_deref()) => {
                Self::Unavailable
            }
            other => Self::Fault(other),
        }
    }
}

/// Errors that say "not now" rather than "never": the client may retry the same request.
const RETRYABLE_CODES: &[&str] = &[
    // PostgreSQL: shutting down, cannot connect now, too many connections, connection failures,
    // a serialization failure or a deadlock (another transaction won), a cancelled statement.
    "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006", "40001", "40P01", "57014",
    // SQLite: busy and locked, with their extended codes.
    "5", "6", "261", "262", "517",
];

fn is_unavailable_code(code: Option<&str>) -> bool {
    code.is_some_and(|code| RETRYABLE_CODES.contains(&code))
}

pub type StorageResult<T> = Result<T, StorageError>;

impl Database {
    /// Opens a pool for `sqlite://PATH` (the file is created if missing) or `postgres://...`.
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let url = settings.url.as_str();
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?
                .application_name("movie-manager")
                .options([("statement_timeout", PG_STATEMENT_TIMEOUT_MS)]);
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Ok(Self::Postgres(pool))
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://")
        }
    }

    /// Applies the migrations embedded in the binary that the database has not seen yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Answers whether the database responds to a trivial query.
    pub async fn ping(&self) -> bool {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.is_ok())
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// The current time as both databases store it: UTC, to the microsecond.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// The two kinds of resource, for the statements they share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Actor,
    Movie,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Actor => "actor",
            Self::Movie => "movie",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Actor => "actors",
            Self::Movie => "movies",
        }
    }

    /// Bumps the version of the other side of this row's castings: their representation lists it.
    fn bump_related(self) -> &'static str {
        match self {
            Self::Actor => {
                "UPDATE movies SET version = version + 1 \
                 WHERE id IN (SELECT movie_id FROM castings WHERE actor_id = $1)"
            }
            Self::Movie => {
                "UPDATE actors SET version = version + 1 \
                 WHERE id IN (SELECT actor_id FROM castings WHERE movie_id = $1)"
            }
        }
    }
}

pub async fn exists(db: &Database, kind: Kind, id: i64) -> StorageResult<bool> {
    let query = format!("SELECT 1 FROM {} WHERE id = $1", kind.table());
    let found = on_pool!(db, pool => {
        sqlx::query(&query).bind(id).fetch_optional(pool).await?.is_some()
    });
    Ok(found)
}

/// Why a conditional write touched no row: the row is gone, or its version moved on.
async fn missed(db: &Database, kind: Kind, id: i64) -> StorageError {
    match exists(db, kind, id).await {
        Ok(true) => StorageError::VersionMismatch(kind.name()),
        Ok(false) => StorageError::NotFound(kind.name(), id),
        Err(error) => error,
    }
}

/// Deletes a row and (by cascade) its castings, in one transaction with the version bump of the
/// rows on the other side of those castings, which are otherwise untouched.
///
/// Every transaction that writes both tables locks movie rows before actor rows (casting does
/// too), so two of them can never wait on each other in PostgreSQL.
#[tracing::instrument(level = "debug", skip(db))]
async fn delete_row(
    db: &Database,
    kind: Kind,
    id: i64,
    if_match: Option<&[i64]>,
) -> StorageResult<()> {
    // Locks the row, and checks that it exists at the version the client expects.
    let mut claim = Sql::new("UPDATE ");
    claim
        .push(kind.table())
        .push(" SET version = version + 1 WHERE id = ")
        .bind(Value::Int(id));
    if let Some(versions) = if_match {
        claim.push(" AND version IN ").bind_list(versions);
    }
    let delete = format!("DELETE FROM {} WHERE id = $1", kind.table());
    let claimed = on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        if kind == Kind::Actor {
            sqlx::query(kind.bump_related()).bind(id).execute(&mut *tx).await?;
        }
        let claimed = bind_args!(sqlx::query(&claim.text), claim.args)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed > 0 {
            if kind == Kind::Movie {
                sqlx::query(kind.bump_related()).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query(&delete).bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
        }
        claimed
    });
    if claimed == 0 {
        return Err(missed(db, kind, id).await);
    }
    Ok(())
}
