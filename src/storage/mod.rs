//! Storage: the connection pool for SQLite or PostgreSQL, the embedded migrations, and the
//! catalogue's queries. Each query is written once, with `$N` placeholders that both databases
//! accept, and runs on either pool through [`on_pool!`].

pub mod actors;
pub mod candidates;
pub mod castings;
pub mod copy;
pub mod events;
mod fields;
pub mod history;
pub mod json;
pub mod movies;
pub mod photos;
pub mod presentations;
pub mod roles;
pub mod seed;
pub mod sessions;
mod sql;

pub(crate) use sql::{Listing, Sql, bind_args, gather, like_contains};

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use sql::{KeyType, Keyset, Page, SortKey, Value};

/// Runs the same code on whichever pool the service uses: the body is compiled once per backend,
/// so one query text serves both without a driver that hides their differences. The second form
/// also names the backend's [`Dialect`], for the few places where their SQL differs.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::storage::Database::Sqlite($pool) => $body,
            $crate::storage::Database::Postgres($pool) => $body,
        }
    };
    ($db:expr, $pool:ident, $dialect:ident => $body:expr) => {
        match $db {
            $crate::storage::Database::Sqlite($pool) => {
                let $dialect = &$crate::storage::Dialect::SQLITE;
                $body
            }
            $crate::storage::Database::Postgres($pool) => {
                let $dialect = &$crate::storage::Dialect::POSTGRES;
                $body
            }
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

/// The text that case-insensitive filters compare against, folded the same way for both databases.
pub fn search_key(text: &str) -> String {
    text.to_lowercase()
}

/// The pool's metrics: connections by state (read when scraped), how long requests waited for
/// one, and the waits that gave up.
pub const POOL_CONNECTIONS: &str = "db_pool_connections";
pub const POOL_ACQUIRE: &str = "db_pool_acquire_seconds";
pub const POOL_TIMEOUTS: &str = "db_pool_acquire_timeouts_total";

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
    /// What the message names does not exist (a slot of a session, an appointment).
    #[error("{0}")]
    Missing(String),
    /// It existed and is no more: an expired or revoked presentation.
    #[error("{0}")]
    Gone(String),
    /// Both exist, but the actor is not in the movie's cast.
    #[error("actor {actor_id} is not in the cast of movie {movie_id}")]
    NotInCast { movie_id: i64, actor_id: i64 },
    /// Both exist, but the actor is not a candidate for the role.
    #[error("actor {actor_id} is not a candidate for role {role_id}")]
    NotCandidate { role_id: i64, actor_id: i64 },
    /// The row exists but its version is not the one the client expected (`If-Match`).
    #[error("the {0} has changed since it was read")]
    VersionMismatch(&'static str),
    /// The write would break a rule of the current state (a role's positions are all booked,
    /// a booked candidate is removed, a role's name is taken); the message says which.
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached right now; the client may retry.
    #[error("database unavailable")]
    Unavailable,
    /// The write would break a rule that joins several fields (checked against what is stored).
    #[error("{0}")]
    Invalid(crate::model::Invalid),
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
                .options([
                    ("statement_timeout", PG_STATEMENT_TIMEOUT_MS),
                    // Every statement here is written for an index walk that suits any value it
                    // is given, so one plan per statement serves: without this, a statement with
                    // a bound pattern or range would be planned anew on every call, which cost
                    // PostgreSQL more than running it (BENCHMARKS.md).
                    ("plan_cache_mode", "force_generic_plan"),
                ]);
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

    /// The pool's connections: how many are open, and how many of them are idle.
    pub fn pool_size(&self) -> (u32, u32) {
        on_pool!(self, pool => (pool.size(), pool.num_idle() as u32))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A connection from the pool, with the wait for it recorded in the metrics.
pub(crate) async fn acquire<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
) -> Result<sqlx::pool::PoolConnection<DB>, sqlx::Error> {
    let started = std::time::Instant::now();
    let connection = pool.acquire().await;
    metrics::histogram!(POOL_ACQUIRE).record(started.elapsed().as_secs_f64());
    if matches!(connection, Err(sqlx::Error::PoolTimedOut)) {
        metrics::counter!(POOL_TIMEOUTS).increment(1);
    }
    connection
}

/// The current time as both databases store it: UTC, to the microsecond.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// The kinds of resource that have a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Actor,
    Movie,
    Role,
    Session,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Actor => "actor",
            Self::Movie => "movie",
            Self::Role => "role",
            Self::Session => "session",
        }
    }

    pub(crate) fn exists_query(self) -> &'static str {
        match self {
            Self::Actor => "SELECT 1 FROM actors WHERE id = $1",
            Self::Movie => "SELECT 1 FROM movies WHERE id = $1",
            Self::Role => "SELECT 1 FROM roles WHERE id = $1",
            Self::Session => "SELECT 1 FROM sessions WHERE id = $1",
        }
    }
}

/// Why a conditional write touched no row, asked on the connection that tried it: the row is
/// gone, or its version moved on.
macro_rules! missed {
    ($executor:expr, $kind:expr, $id:expr) => {
        match sqlx::query($kind.exists_query())
            .bind($id)
            .fetch_optional($executor)
            .await
        {
            Ok(Some(_)) => $crate::storage::StorageError::VersionMismatch($kind.name()),
            Ok(None) => $crate::storage::StorageError::NotFound($kind.name(), $id),
            Err(error) => error.into(),
        }
    };
}
pub(crate) use missed;

/// Returns `NotFound` unless the row exists: asked when a read about it found nothing, to tell
/// "none" from "no such".
macro_rules! must_exist {
    ($executor:expr, $kind:expr, $id:expr) => {
        if sqlx::query($kind.exists_query())
            .bind($id)
            .fetch_optional($executor)
            .await?
            .is_none()
        {
            return Err($crate::storage::StorageError::NotFound($kind.name(), $id));
        }
    };
}
pub(crate) use must_exist;

/// Where the two databases' SQL differs.
pub struct Dialect {
    /// Starts a transaction that writes. SQLite's `IMMEDIATE` takes the write lock at once, so
    /// that a transaction never has to upgrade a read lock (which can fail) and every read in it
    /// sees the latest data.
    pub begin_write: &'static str,
    /// Appended to a `SELECT` that locks the rows it reads until the transaction ends; SQLite's
    /// write lock already covers the whole database.
    pub for_update: &'static str,
    /// Follows `INSERT INTO table (columns)` to write ids the database would otherwise assign.
    pub explicit_ids: &'static str,
    /// Whether `id IN (subquery)` is read as the subquery's whole list before any row, rather
    /// than joined in id order (PostgreSQL does that, and so can stop at a page).
    pub reads_lists_first: bool,
    sqlite: bool,
}

impl Dialect {
    pub const SQLITE: Dialect = Dialect {
        begin_write: "BEGIN IMMEDIATE",
        for_update: "",
        explicit_ids: "",
        reads_lists_first: true,
        sqlite: true,
    };
    pub const POSTGRES: Dialect = Dialect {
        begin_write: "BEGIN",
        for_update: " FOR UPDATE",
        explicit_ids: " OVERRIDING SYSTEM VALUE",
        reads_lists_first: false,
        sqlite: false,
    };

    /// The highest id `table` has ever assigned (deleted rows' included), or 0.
    pub fn last_id(&self, table: &str) -> String {
        if self.sqlite {
            format!("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0)")
        } else {
            format!(
                "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')::regclass), 0)"
            )
        }
    }

    /// The statements that make `table` assign ids after `$1` from now on, never one it assigned
    /// before, as after a copy that wrote ids of its own.
    pub fn continue_ids_after(&self, table: &str) -> Vec<String> {
        if self.sqlite {
            vec![
                format!(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', 0 \
                     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}')"
                ),
                format!("UPDATE sqlite_sequence SET seq = MAX(seq, $1) WHERE name = '{table}'"),
            ]
        } else {
            vec![format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST($1, 1), $1 > 0)"
            )]
        }
    }

    /// The start and end of a condition that the row's id is one of those that the conditions
    /// between them find in `actor_tags`, read before the rows, whatever order the list is in:
    /// as an array, PostgreSQL reads those rows by id instead of walking the list in its order
    /// and checking each; SQLite reads an `IN` list that way already.
    pub fn leads_to_ids(&self) -> (&'static str, &'static str) {
        if self.sqlite {
            ("id IN (SELECT actor_id FROM actor_tags WHERE ", ")")
        } else {
            (
                "id = ANY(ARRAY(SELECT actor_id FROM actor_tags WHERE ",
                "))",
            )
        }
    }

    /// A JSON array (as the database's JSON type) with one object per row of `from`, built from
    /// `fields` (`'key', expression, ...`) in `order`; `[]` when there are no rows.
    pub fn json_rows(&self, fields: &str, from: &str, order: &str) -> String {
        if self.sqlite {
            format!("(SELECT json_group_array(json_object({fields}) ORDER BY {order}) FROM {from})")
        } else {
            format!(
                "(SELECT coalesce(json_agg(json_build_object({fields}) ORDER BY {order}), '[]'::json) FROM {from})"
            )
        }
    }
}

/// Refuses a write whose `If-Match` does not name the version the resource is at.
fn expect_version(if_match: Option<&[i64]>, version: i64, kind: Kind) -> StorageResult<()> {
    match if_match {
        Some(versions) if !versions.contains(&version) => {
            Err(StorageError::VersionMismatch(kind.name()))
        }
        _ => Ok(()),
    }
}

/// How many times a write that lost a race to another (and so must lock in order again) is
/// tried before the request is answered 503.
const WRITE_ATTEMPTS: usize = 5;
