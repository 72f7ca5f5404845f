//! Moving a whole catalogue from one database to another (`movie-manager copy --to URL`), its
//! history, sessions, presentations and its photos' files included, with ids and versions (so ETags) and photo URLs
//! kept; and online backups of SQLite with their photos (`movie-manager backup PATH`). Sign-in
//! sessions are not moved: they are short-lived.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::fields;
use super::history::{CHANGE_COLUMNS, ChangeRow};
use super::photos::PhotoRow;
use super::{Database, Sql, Value, bind_args, on_pool};
use crate::model::{ActorFields, CandidateFields, Fields, MovieFields, RoleFields, SessionFields};
use crate::photos::PhotoStore;

/// Rows read and written per statement: few round trips, well within both databases' limits on
/// bound parameters.
const BATCH: i64 = 500;

/// What a copy moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub actors: u64,
    pub movies: u64,
    pub castings: u64,
    pub roles: u64,
    pub candidates: u64,
    pub photos: u64,
    pub sessions: u64,
    pub appointments: u64,
    pub presentations: u64,
    pub changes: u64,
}

impl std::fmt::Display for Copied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "copied {} actors, {} movies, {} castings, {} roles, {} candidates, {} photos, {} \
             sessions, {} appointments, {} presentations and {} history entries",
            self.actors,
            self.movies,
            self.castings,
            self.roles,
            self.candidates,
            self.photos,
            self.sessions,
            self.appointments,
            self.presentations,
            self.changes
        )
    }
}

/// A row of a table, as read from one database and written to the other.
trait CopiedRow:
    for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
{
    const TABLE: &'static str;
    fn columns() -> String;
    /// The columns rows are read in order of, and the condition for the rows after a key
    /// (bound as `$1`, `$2`).
    const ORDER: &'static str;
    const AFTER: &'static str;
    fn values(self) -> Vec<Value>;
    /// The key values of this row, to read the next batch after it.
    fn key(&self) -> (i64, i64);
    /// The rows of `actor_tags` this row stands for: they are derived, and made again.
    fn tags(&self) -> Vec<(i64, &'static str, String)> {
        Vec::new()
    }
}

/// Defines the row of a table as `copy` moves it: its columns are its fields, in order.
macro_rules! copied_row {
    (
        $row:ident, $table:literal, order $order:literal, after $after:literal,
        key |$this:ident| $key:expr, { $($field:ident: $ty:ty),+ $(,)? }
    ) => {
        #[derive(FromRow)]
        struct $row {
            $($field: $ty,)+
        }

        impl CopiedRow for $row {
            const TABLE: &'static str = $table;

            fn columns() -> String {
                stringify!($($field),+).to_owned()
            }
            const ORDER: &'static str = $order;
            const AFTER: &'static str = $after;

            fn values(self) -> Vec<Value> {
                vec![$(Value::from(self.$field)),+]
            }

            fn key(&self) -> (i64, i64) {
                let $this = self;
                $key
            }
        }
    };
}

/// A row of a declared resource's table: its id, its fields (with their folded twins), its
/// version and timestamps.
#[derive(FromRow)]
struct DeclaredRow<F> {
    id: i64,
    #[sqlx(flatten)]
    fields: F,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Which table holds each declared resource.
trait Table: Fields {
    const TABLE: &'static str;
    /// The tags a row of it stands for.
    fn tags(&self, _id: i64) -> Vec<(i64, &'static str, String)> {
        Vec::new()
    }
}

impl Table for ActorFields {
    const TABLE: &'static str = "actors";

    fn tags(&self, id: i64) -> Vec<(i64, &'static str, String)> {
        super::actors::tag_rows(id, self)
    }
}

impl Table for MovieFields {
    const TABLE: &'static str = "movies";
}

impl Table for RoleFields {
    const TABLE: &'static str = "roles";
}

impl Table for SessionFields {
    const TABLE: &'static str = "sessions";
}

/// The row of a movie's role or session: its declared row and its movie. A role's counts are
/// not copied: the candidates' triggers count them again as the candidates arrive (see
/// [`copy`]).
#[derive(FromRow)]
struct OfMovieRow<F> {
    #[sqlx(flatten)]
    declared: DeclaredRow<F>,
    movie_id: i64,
}

impl<F> CopiedRow for OfMovieRow<F>
where
    F: Table
        + for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> FromRow<'r, sqlx::postgres::PgRow>
        + Unpin,
{
    const TABLE: &'static str = F::TABLE;
    const ORDER: &'static str = "id";
    const AFTER: &'static str = "id > $1";

    fn columns() -> String {
        format!("{}, movie_id", DeclaredRow::<F>::columns())
    }

    fn values(self) -> Vec<Value> {
        let mut values = self.declared.values();
        values.push(Value::from(self.movie_id));
        values
    }

    fn key(&self) -> (i64, i64) {
        self.declared.key()
    }
}

/// A candidate's row: its standing, as declared, and what the server keeps beside it.
#[derive(FromRow)]
struct CandidateRow {
    id: i64,
    role_id: i64,
    actor_id: i64,
    #[sqlx(flatten)]
    fields: CandidateFields,
    feedback: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CopiedRow for CandidateRow {
    const TABLE: &'static str = "candidates";
    const ORDER: &'static str = "id";
    const AFTER: &'static str = "id > $1";

    fn columns() -> String {
        format!(
            "id, role_id, actor_id, {}, feedback, version, created_at, updated_at",
            fields::written_columns::<CandidateFields>().join(", ")
        )
    }

    fn values(self) -> Vec<Value> {
        let mut values = vec![
            Value::from(self.id),
            Value::from(self.role_id),
            Value::from(self.actor_id),
        ];
        values.extend(fields::written_values(&self.fields));
        values.extend([
            Value::from(self.feedback),
            Value::from(self.version),
            Value::from(self.created_at),
            Value::from(self.updated_at),
        ]);
        values
    }

    fn key(&self) -> (i64, i64) {
        (self.id, 0)
    }
}

/// A photo's row; its files stay where they are, in the photo store both databases use.
impl CopiedRow for PhotoRow {
    const TABLE: &'static str = "photos";
    const ORDER: &'static str = "id";
    const AFTER: &'static str = "id > $1";

    fn columns() -> String {
        super::photos::COLUMNS.to_owned()
    }

    fn values(self) -> Vec<Value> {
        vec![
            Value::from(self.id),
            Value::from(self.actor_id),
            Value::from(self.is_primary),
            Value::from(self.width),
            Value::from(self.height),
            Value::from(self.bytes),
            Value::from(self.kind),
            Value::from(self.thumb_key),
            Value::from(self.card_key),
            Value::from(self.large_key),
            Value::from(self.original_key),
            Value::from(self.created_at),
        ]
    }

    fn key(&self) -> (i64, i64) {
        (self.id, 0)
    }
}

/// Each copied candidate bumped its role's version once, through the trigger that counted it:
/// this takes the roles back to the versions (so ETags) they had.
const ROLE_VERSIONS_RESTORED: &str = "UPDATE roles SET version = version \
     - (SELECT COUNT(*) FROM candidates c WHERE c.role_id = roles.id)";

impl<F> CopiedRow for DeclaredRow<F>
where
    F: Table
        + for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> FromRow<'r, sqlx::postgres::PgRow>
        + Unpin,
{
    const TABLE: &'static str = F::TABLE;
    const ORDER: &'static str = "id";
    const AFTER: &'static str = "id > $1";

    fn columns() -> String {
        format!(
            "id, {}, version, created_at, updated_at",
            fields::written_columns::<F>().join(", ")
        )
    }

    fn values(self) -> Vec<Value> {
        let mut values = vec![Value::from(self.id)];
        values.extend(fields::written_values(&self.fields));
        values.extend([
            Value::from(self.version),
            Value::from(self.created_at),
            Value::from(self.updated_at),
        ]);
        values
    }

    fn key(&self) -> (i64, i64) {
        (self.id, 0)
    }

    fn tags(&self) -> Vec<(i64, &'static str, String)> {
        self.fields.tags(self.id)
    }
}

copied_row!(
    CastingRow, "castings", order "movie_id, actor_id", after "(movie_id, actor_id) > ($1, $2)",
    key |row| (row.movie_id, row.actor_id),
    {
        movie_id: i64,
        actor_id: i64,
        character: Option<String>,
        created_at: DateTime<Utc>,
    }
);

copied_row!(
    AppointmentRow, "appointments", order "session_id, slot", after "(session_id, slot) > ($1, $2)",
    key |row| (row.session_id, row.slot.into()),
    {
        session_id: i64,
        slot: i32,
        role_id: i64,
        actor_id: i64,
        state: String,
        updated_at: DateTime<Utc>,
    }
);

copied_row!(
    PresentationRow, "presentations", order "id", after "id > $1",
    key |row| (row.id, 0),
    {
        id: i64,
        role_id: i64,
        token_hash: String,
        title: Option<String>,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        revoked_at: Option<DateTime<Utc>>,
    }
);

copied_row!(
    PresentedRow, "presented", order "presentation_id, actor_id",
    after "(presentation_id, actor_id) > ($1, $2)",
    key |row| (row.presentation_id, row.actor_id),
    {
        presentation_id: i64,
        position: i32,
        role_id: i64,
        actor_id: i64,
    }
);

/// The history's rows are the history module's own.
impl CopiedRow for ChangeRow {
    const TABLE: &'static str = "changes";

    fn columns() -> String {
        CHANGE_COLUMNS.to_owned()
    }
    const ORDER: &'static str = "id";
    const AFTER: &'static str = "id > $1";

    fn values(self) -> Vec<Value> {
        vec![
            Value::from(self.id),
            Value::from(self.resource),
            Value::from(self.resource_id),
            Value::from(self.at),
            Value::from(self.by_subject),
            Value::from(self.by_name),
            Value::from(self.action),
            Value::from(self.changes),
            Value::from(self.request_id),
            Value::from(self.client_request_id),
        ]
    }

    fn key(&self) -> (i64, i64) {
        (self.id, 0)
    }
}

/// Where the photos' files are copied from and to.
pub struct Stores<'a> {
    pub from: &'a PhotoStore,
    pub to: &'a PhotoStore,
}

impl Stores<'_> {
    /// Copies the files under `keys`, unless both stores are one folder.
    async fn copy(&self, keys: &[String]) -> anyhow::Result<()> {
        if !self.from.is_same_folder(self.to) {
            self.from.copy_to(self.to, keys).await?;
        }
        Ok(())
    }
}

/// The keys of the photos after the id `$1`, a batch of them.
const PHOTO_KEYS_AFTER: &str = "SELECT id, thumb_key, card_key, large_key, original_key FROM photos \
     WHERE id > $1 ORDER BY id LIMIT $2";

/// Copies the whole catalogue of `source` into `target`, which must be empty (and is migrated
/// first), and its photos' files between `stores`. The target is written in one transaction,
/// committed once every file is copied: a copy that fails leaves the database empty (and the
/// files it copied are orphans, which `photos check --repair` removes).
pub async fn copy(
    source: &Database,
    target: &Database,
    stores: &Stores<'_>,
) -> anyhow::Result<Copied> {
    target.migrate().await?;
    let held = rows_held(target).await?;
    if held > 0 {
        anyhow::bail!(
            "the target database is not empty ({held} rows of actors, movies, castings and history); \
             copy only into an empty one"
        );
    }
    let copied = on_pool!(source, from, source_dialect => {
        // One read transaction: every table as of one moment, while the source stays online.
        let mut reader = from.begin().await?;
        on_pool!(target, to, dialect => {
            let mut writer = to.begin_with(dialect.begin_write).await?;
            let overriding = dialect.explicit_ids;
            let mut copied = Copied::default();
            macro_rules! transfer {
                ($row:ty) => {{
                    let mut count = 0;
                    let mut after = (0_i64, 0_i64);
                    loop {
                        let read = format!(
                            "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {BATCH}",
                            <$row>::columns(),
                            <$row>::TABLE,
                            <$row>::AFTER,
                            <$row>::ORDER,
                        );
                        let mut query = sqlx::query_as::<_, $row>(&read).bind(after.0);
                        if <$row>::AFTER.contains("$2") {
                            query = query.bind(after.1);
                        }
                        let rows = query.fetch_all(&mut *reader).await?;
                        let Some(last) = rows.last() else { break };
                        after = last.key();
                        count += rows.len() as u64;
                        let mut insert = Sql::new(&format!(
                            "INSERT INTO {} ({}){overriding} VALUES ",
                            <$row>::TABLE,
                            <$row>::columns()
                        ));
                        let tags: Vec<_> = rows.iter().flat_map(CopiedRow::tags).collect();
                        for (index, row) in rows.into_iter().enumerate() {
                            insert.push(if index == 0 { "(" } else { ", (" });
                            for (column, value) in row.values().into_iter().enumerate() {
                                if column > 0 {
                                    insert.push(", ");
                                }
                                insert.bind(value);
                            }
                            insert.push(")");
                        }
                        bind_args!(sqlx::query(&insert.text), insert.args)
                            .execute(&mut *writer)
                            .await?;
                        for sql in super::actors::tag_inserts(&tags) {
                            bind_args!(sqlx::query(&sql.text), sql.args)
                                .execute(&mut *writer)
                                .await?;
                        }
                    }
                    count
                }};
            }
            copied.actors = transfer!(DeclaredRow<ActorFields>);
            copied.movies = transfer!(DeclaredRow<MovieFields>);
            copied.castings = transfer!(CastingRow);
            copied.roles = transfer!(OfMovieRow<RoleFields>);
            copied.candidates = transfer!(CandidateRow);
            copied.photos = transfer!(PhotoRow);
            let set_primary =
                super::photos::set_primary("id IN (SELECT actor_id FROM photos WHERE is_primary)");
            sqlx::query(&set_primary).execute(&mut *writer).await?;
            let mut after = 0_i64;
            loop {
                let rows: Vec<(i64, String, String, String, String)> =
                    sqlx::query_as(PHOTO_KEYS_AFTER)
                        .bind(after)
                        .bind(BATCH)
                        .fetch_all(&mut *reader)
                        .await?;
                let Some(last) = rows.last() else { break };
                after = last.0;
                let keys: Vec<String> = rows
                    .into_iter()
                    .flat_map(|(_, thumb, card, large, original)| [thumb, card, large, original])
                    .collect();
                stores.copy(&keys).await?;
            }
            sqlx::query(ROLE_VERSIONS_RESTORED).execute(&mut *writer).await?;
            copied.sessions = transfer!(OfMovieRow<SessionFields>);
            copied.appointments = transfer!(AppointmentRow);
            copied.presentations = transfer!(PresentationRow);
            transfer!(PresentedRow);
            copied.changes = transfer!(ChangeRow);
            // Ids go on after the highest the source ever assigned: a deleted actor's id (and
            // its history) is never given to another.
            for table in [
                "actors",
                "movies",
                "roles",
                "candidates",
                "photos",
                "sessions",
                "presentations",
                "changes",
            ] {
                let last: i64 = sqlx::query_scalar(&source_dialect.last_id(table))
                    .fetch_one(&mut *reader)
                    .await?;
                for statement in dialect.continue_ids_after(table) {
                    let query = sqlx::query(&statement);
                    let query = if statement.contains("$1") { query.bind(last) } else { query };
                    query.execute(&mut *writer).await?;
                }
            }
            writer.commit().await?;
            copied
        })
    });
    Ok(copied)
}

/// Copies the files that the backup at `path` names: those of its moment, whatever the live
/// database did since.
async fn copy_backup_files(path: &str, stores: &Stores<'_>) -> anyhow::Result<usize> {
    let backup = Database::connect(&super::DatabaseSettings {
        url: format!("sqlite://{path}"),
        max_connections: 1,
    })
    .await?;
    let keys = super::photos::all_keys(&backup).await?;
    backup.close().await;
    stores.copy(&keys).await.map_err(|error| {
        error.context(
            "a photo was deleted while it was backed up, or the store failed: back up again",
        )
    })?;
    Ok(keys.len())
}

async fn rows_held(db: &Database) -> anyhow::Result<i64> {
    let held = on_pool!(db, pool => {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT COUNT(*) FROM actors) + (SELECT COUNT(*) FROM movies) \
             + (SELECT COUNT(*) FROM castings) + (SELECT COUNT(*) FROM changes)",
        )
        .fetch_one(pool)
        .await?
    });
    Ok(held)
}

/// The SQLite database to back up. PostgreSQL has its own tool for this, and the error says
/// which.
pub fn backed_up(db: &Database) -> anyhow::Result<&sqlx::SqlitePool> {
    match db {
        Database::Sqlite(pool) => Ok(pool),
        Database::Postgres(_) => anyhow::bail!(
            "back up PostgreSQL with its own tool, which copies a live database consistently: \
             pg_dump --format=custom --file=BACKUP \"$DATABASE_URL\" (and pg_restore to bring it \
             back), and the photo store with the store's own (or `movie-manager copy --to \
             sqlite://FILE --photos-to FOLDER`, which copies both)"
        ),
    }
}

/// Writes a consistent copy of a live SQLite database to `path`, which must not exist yet, and
/// copies the files its photos name between `stores`; answers how many. A backup that fails
/// leaves no database file behind.
pub async fn backup(
    db: &Database,
    path: &std::path::Path,
    stores: &Stores<'_>,
) -> anyhow::Result<usize> {
    let pool = backed_up(db)?;
    if path.exists() {
        anyhow::bail!(
            "{} already exists; a backup never replaces a file",
            path.display()
        );
    }
    let path = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path is not valid UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await?;
    let copied = copy_backup_files(path, stores).await;
    if copied.is_err() {
        let _ = std::fs::remove_file(path);
    }
    copied
}
