//! Roles: a movie's breakdown. A role keeps how many of its candidates are in each status
//! (triggers keep the counts in the candidates' own transactions), so a role reads in one row.
//!
//! Every write of a role or of its candidates locks, in this order, the movie's row, the role's
//! row, then the actors': the order castings lock in too (movie, then actor), so no two writes
//! of one movie's cast and pipeline wait on each other in a circle, and a booking sees every
//! booking committed before it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::SerializeMap;
use sqlx::{Connection, FromRow, Row};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

use super::fields;
use super::history::{Action, Editor, Entry, FieldChanges, record_changes};
use super::{
    Database, Dialect, Kind, Sql, StorageError, StorageResult, Value, bind_args, missed, on_pool,
};
use crate::model::{Fields, NewRole, RoleChanges, RoleFields, Status, Whole};

/// The most roles a movie has.
pub const ROLES_MAX: i64 = 200;

/// How many candidates a role has in each status; every status is present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [i64; 7]);

impl Counts {
    pub fn of(&self, status: Status) -> i64 {
        self.0[status.index()]
    }

    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Status::ALL.len()))?;
        for status in Status::ALL {
            map.serialize_entry(status.as_str(), &self.of(status))?;
        }
        map.end()
    }
}

impl utoipa::PartialSchema for Counts {
    fn schema() -> RefOr<Schema> {
        let builder = Status::ALL.into_iter().fold(
            ObjectBuilder::new().schema_type(Type::Object).description(Some(
                "How many of the role's candidates are in each status; every status is present.",
            )),
            |builder, status| {
                builder
                    .property(
                        status.as_str(),
                        ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)),
                    )
                    .required(status.as_str())
            },
        );
        RefOr::T(Schema::Object(builder.build()))
    }
}

impl ToSchema for Counts {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("CandidateCounts")
    }
}

/// A role, with the counts of its candidates.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: i64,
    pub movie_id: i64,
    #[serde(flatten)]
    pub fields: RoleFields,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub candidates: Counts,
    /// Bumped on every change of the role or of its counts; the ETag.
    #[serde(skip)]
    pub version: i64,
}

impl utoipa::PartialSchema for Role {
    fn schema() -> RefOr<Schema> {
        let more = ObjectBuilder::new()
            .property("movie_id", ObjectBuilder::new().schema_type(Type::Integer))
            .required("movie_id")
            .property("candidates", Ref::from_schema_name("CandidateCounts"))
            .required("candidates");
        fields::representation::<RoleFields>(
            "A role of a movie's breakdown, with how many candidates it has in each status.",
            more,
        )
    }
}

impl ToSchema for Role {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            "CandidateCounts".to_owned(),
            <Counts as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// The column that counts a role's candidates in each status, in [`Status::ALL`]'s order:
/// `{status}_count`.
const COUNT_COLUMNS: [&str; 7] = [
    "submitted_count",
    "shortlisted_count",
    "audition_count",
    "callback_count",
    "hold_count",
    "booked_count",
    "passed_count",
];

fn count_column(status: Status) -> &'static str {
    COUNT_COLUMNS[status.index()]
}

impl<'r, R> FromRow<'r, R> for Role
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<chrono::NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let mut counts = Counts::default();
        for status in Status::ALL {
            let count: i32 = row.try_get(count_column(status))?;
            counts.0[status.index()] = count.into();
        }
        Ok(Self {
            id: row.try_get("id")?,
            movie_id: row.try_get("movie_id")?,
            fields: fields::read_row(row)?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            candidates: counts,
            version: row.try_get("version")?,
        })
    }
}

/// The columns of a whole role, from the row of `roles` named `table`.
fn columns(table: &str) -> String {
    let counts: Vec<String> = Status::ALL
        .into_iter()
        .map(|status| format!("{table}.{}", count_column(status)))
        .collect();
    format!(
        "{table}.id, {table}.movie_id, {}, {}, {table}.version, {table}.created_at, {table}.updated_at",
        fields::read_columns::<RoleFields>(table),
        counts.join(", ")
    )
}

/// `SELECT` of whole roles (alias `r`).
pub(super) fn select() -> String {
    format!("SELECT {} FROM roles r", columns("r"))
}

fn returning() -> String {
    format!(" RETURNING {}", columns("roles"))
}

/// A movie's roles, in the order they were created (a movie has at most [`ROLES_MAX`]).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(db: &Database, movie_id: i64) -> StorageResult<Vec<Role>> {
    let query = format!("{} WHERE r.movie_id = $1 ORDER BY r.id", select());
    on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let roles = sqlx::query_as::<_, Role>(&query)
            .bind(movie_id)
            .fetch_all(&mut *connection)
            .await?;
        if roles.is_empty() {
            super::must_exist!(&mut *connection, Kind::Movie, movie_id);
        }
        Ok(roles)
    })
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Role> {
    let query = format!("{} WHERE r.id = $1", select());
    let role = on_pool!(db, pool => {
        sqlx::query_as::<_, Role>(&query)
            .bind(id)
            .fetch_optional(&mut *super::acquire(pool).await?)
            .await?
    });
    role.ok_or(StorageError::NotFound(Kind::Role.name(), id))
}

/// Locks a movie's row for the rest of the transaction: the first lock of every write of its
/// cast or pipeline.
pub(super) fn lock_movie_query(dialect: &Dialect) -> String {
    format!(
        "SELECT version FROM movies WHERE id = $1{}",
        dialect.for_update
    )
}

/// Locks a movie's row for a new role or session (`$table`), and refuses one past `$max`.
macro_rules! lock_movie_with_room {
    ($tx:expr, $dialect:expr, $movie_id:expr, $table:literal, $max:expr) => {{
        sqlx::query(&$crate::storage::roles::lock_movie_query($dialect))
            .bind($movie_id)
            .fetch_optional(&mut *$tx)
            .await?
            .ok_or(StorageError::NotFound(Kind::Movie.name(), $movie_id))?;
        let count: i64 = sqlx::query_scalar(concat!(
            "SELECT count(*) FROM ",
            $table,
            " WHERE movie_id = $1"
        ))
        .bind($movie_id)
        .fetch_one(&mut *$tx)
        .await?;
        if count >= $max {
            return Err(StorageError::Conflict(format!(
                concat!("a movie has at most {} ", $table),
                $max
            )));
        }
    }};
}
pub(crate) use lock_movie_with_room;

/// Reads and locks a role's row, after its movie's.
pub(super) fn lock_role_query(dialect: &Dialect) -> String {
    format!("{} WHERE r.id = $1{}", select(), dialect.for_update)
}

/// Locks a role's movie, then the role, and answers the role as it is now: what every write of
/// a role or its candidates starts with (see the module's documentation).
macro_rules! lock_role {
    ($tx:expr, $dialect:expr, $role_id:expr) => {{
        let movie_id: Option<i64> = sqlx::query_scalar("SELECT movie_id FROM roles WHERE id = $1")
            .bind($role_id)
            .fetch_optional(&mut *$tx)
            .await?;
        let movie_id = movie_id.ok_or(StorageError::NotFound(Kind::Role.name(), $role_id))?;
        sqlx::query($crate::storage::roles::lock_movie_query($dialect).as_str())
            .bind(movie_id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query_as::<_, $crate::storage::roles::Role>(
            $crate::storage::roles::lock_role_query($dialect).as_str(),
        )
        .bind($role_id)
        .fetch_optional(&mut *$tx)
        .await?
        .ok_or(StorageError::NotFound(Kind::Role.name(), $role_id))?
    }};
}
pub(crate) use lock_role;

/// The conflict of a name another role of the movie has, regardless of case.
fn name_taken(name: &str) -> StorageError {
    StorageError::Conflict(format!(
        "the movie already has a role named {name:?} (names are compared regardless of case)"
    ))
}

/// The cast members who play a character without being booked for the role `$3`: a role of
/// that name would be held by someone not booked for it.
const CHARACTER_HELD: &str = "SELECT actor_id FROM castings WHERE movie_id = $1 AND character = $2 \
     AND actor_id NOT IN (SELECT actor_id FROM candidates WHERE role_id = $3 AND status = 'booked')";

fn character_held(actor_id: i64, name: &str) -> StorageError {
    StorageError::Conflict(format!(
        "actor {actor_id} is cast as {name:?} without being booked for a role of that name: \
         change their character, or name the role otherwise"
    ))
}

const NAME_IN_USE: &str = "SELECT 1 FROM roles WHERE movie_id = $1 AND name_key = $2 AND id <> $3";

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(
    db: &Database,
    movie_id: i64,
    role: &NewRole,
    editor: &Editor,
) -> StorageResult<Role> {
    let mut insert = fields::insert_under("roles", "movie_id", movie_id, role, super::now());
    insert.push(&returning());
    let name_key = super::search_key(role.name.as_str());
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        lock_movie_with_room!(tx, dialect, movie_id, "roles", ROLES_MAX);
        let taken = sqlx::query(NAME_IN_USE)
            .bind(movie_id)
            .bind(&name_key)
            .bind(0_i64)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(name_taken(role.name.as_str()));
        }
        let holders: Vec<i64> = sqlx::query_scalar(CHARACTER_HELD)
            .bind(movie_id)
            .bind(role.name.as_str())
            .bind(0_i64)
            .fetch_all(&mut *tx)
            .await?;
        if let Some(actor_id) = holders.first() {
            return Err(character_held(*actor_id, role.name.as_str()));
        }
        let created = bind_args!(sqlx::query_as::<_, Role>(&insert.text), insert.args)
            .fetch_one(&mut *tx)
            .await?;
        let changes = fields::created(role).key("movie_id", None::<i64>, movie_id);
        let entry = Entry { kind: Kind::Role, id: created.id, action: Action::Create, changes };
        record_changes!(&mut *tx, &[entry], editor);
        tx.commit().await?;
        Ok(created)
    })
}

/// The actors booked for a role: the cast members whose character is its name.
const BOOKED: &str = "SELECT actor_id FROM candidates WHERE role_id = $1 AND status = 'booked'";

/// Changes a role. A new name renames the character of its booked actors in the cast, in the
/// same transaction; fewer positions than it has booked is a conflict.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &RoleChanges,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Role> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = lock_role!(tx, dialect, id);
        super::expect_version(if_match, current.version, Kind::Role)?;
        let changed = current.fields.changed(changes).checked().map_err(StorageError::Invalid)?;
        if changed == current.fields {
            tx.commit().await?;
            return Ok(current);
        }
        let booked = current.candidates.of(Status::Booked);
        if i64::from(changed.positions.get()) < booked {
            return Err(StorageError::Conflict(format!(
                "the role has {booked} actors booked: move some to another status before \
                 lowering its positions to {}",
                changed.positions
            )));
        }
        let renamed = changed.name != current.fields.name;
        if renamed {
            let taken = sqlx::query(NAME_IN_USE)
                .bind(current.movie_id)
                .bind(super::search_key(changed.name.as_str()))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(name_taken(changed.name.as_str()));
            }
            let holders: Vec<i64> = sqlx::query_scalar(CHARACTER_HELD)
                .bind(current.movie_id)
                .bind(changed.name.as_str())
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            if let Some(actor_id) = holders.first() {
                return Err(character_held(*actor_id, changed.name.as_str()));
            }
        }
        let mut sql = Sql::new("UPDATE roles SET version = version + 1, updated_at = ");
        sql.bind(Value::Time(super::now()));
        fields::push_assignments(&mut sql, &current.fields, &changed);
        sql.push(" WHERE id = ").bind(Value::Int(id));
        sql.push(&returning());
        let role = bind_args!(sqlx::query_as::<_, Role>(&sql.text), sql.args)
            .fetch_one(&mut *tx)
            .await?;
        let mut entries = vec![Entry {
            kind: Kind::Role,
            id,
            action: Action::Update,
            changes: fields::changed(&current.fields, &changed),
        }];
        if renamed && booked > 0 {
            let actors: Vec<i64> = sqlx::query_scalar(BOOKED).bind(id).fetch_all(&mut *tx).await?;
            let mut rename = Sql::new("UPDATE castings SET character = ");
            rename.bind(Value::Text(changed.name.as_str().to_owned()));
            rename.push(" WHERE movie_id = ").bind(Value::Int(current.movie_id));
            rename.push(" AND actor_id IN ").bind_list(&actors);
            bind_args!(sqlx::query(&rename.text), rename.args).execute(&mut *tx).await?;
            let mut bump = Sql::new("UPDATE actors SET version = version + 1 WHERE id IN ");
            bump.bind_list(&actors);
            bind_args!(sqlx::query(&bump.text), bump.args).execute(&mut *tx).await?;
            sqlx::query("UPDATE movies SET version = version + 1, updated_at = $2 WHERE id = $1")
                .bind(current.movie_id)
                .bind(super::now())
                .execute(&mut *tx)
                .await?;
            for actor_id in actors {
                let recast = FieldChanges::new()
                    .key("movie_id", current.movie_id, current.movie_id)
                    .key("actor_id", actor_id, actor_id)
                    .field("character", current.fields.name.as_str(), changed.name.as_str());
                entries.push(Entry { kind: Kind::Movie, id: current.movie_id, action: Action::Cast, changes: recast.clone() });
                entries.push(Entry { kind: Kind::Actor, id: actor_id, action: Action::Cast, changes: recast });
            }
        }
        record_changes!(&mut *tx, &entries, editor);
        tx.commit().await?;
        Ok(role)
    })
}

/// Deletes a role and its candidates; refused while one of them is booked (move them first,
/// which takes them out of the cast).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete(
    db: &Database,
    id: i64,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<()> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = lock_role!(tx, dialect, id);
        super::expect_version(if_match, current.version, Kind::Role)?;
        let booked = current.candidates.of(Status::Booked);
        if booked > 0 {
            return Err(StorageError::Conflict(format!(
                "the role has {booked} booked: move them to another status before deleting it"
            )));
        }
        let deleted = sqlx::query("DELETE FROM roles WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(missed!(&mut *tx, Kind::Role, id));
        }
        let changes = fields::deleted(&current.fields)
            .key("movie_id", current.movie_id, None::<i64>)
            .field("candidates", current.candidates.total(), None::<i64>);
        let entry = Entry { kind: Kind::Role, id, action: Action::Delete, changes };
        record_changes!(&mut *tx, &[entry], editor);
        tx.commit().await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_has_its_count_column() {
        for status in Status::ALL {
            assert_eq!(count_column(status), format!("{status}_count"));
        }
    }
}
