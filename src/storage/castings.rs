//! Castings: who is cast in what. Casting changes the movie (its version and `updated_at`) and
//! the actor's version, since both representations list the casting; both histories record it.

use sqlx::Connection;

use super::history::{Action, Editor, Entry, FieldChanges, record_changes, uncasting};
use super::movies::{self, Movie};
use super::{Database, Kind, Sql, StorageError, StorageResult, Value, bind_args, missed, on_pool};
use crate::model::Character;

/// The role an actor is booked for in a movie, if any: its id and name, which is their
/// character in the cast.
const BOOKED_AS: &str = "SELECT r.id, r.name FROM candidates c JOIN roles r ON r.id = c.role_id \
     WHERE r.movie_id = $1 AND c.actor_id = $2 AND c.status = 'booked'";

/// What a casting write asks for once both sides are known to exist.
#[derive(Debug)]
enum Change {
    Upsert(Option<String>),
    Remove,
}

/// Casts an actor in a movie, or changes the character of an existing casting. Repeating it
/// changes nothing, not even the movie's ETag.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn cast(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    character: Character,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Movie> {
    let change = Change::Upsert(character.into_text());
    write(db, movie_id, actor_id, change, if_match, editor).await
}

/// Removes an actor from a movie's cast.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn uncast(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Movie> {
    write(db, movie_id, actor_id, Change::Remove, if_match, editor).await
}

/// One transaction: bump the movie's version (which locks it, and proves it exists at the version
/// the client expects), then the actor's, then change the casting row, record it on both sides,
/// and read the movie back. A change that changes nothing is rolled back and the movie read as
/// it is.
async fn write(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    change: Change,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Movie> {
    let mut bump_movie = Sql::new("UPDATE movies SET version = version + 1, updated_at = ");
    bump_movie.bind(Value::Time(super::now()));
    bump_movie.push(" WHERE id = ").bind(Value::Int(movie_id));
    if let Some(versions) = if_match {
        bump_movie.push(" AND version IN ").bind_list(versions);
    }
    let changed: Option<Movie> = on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let movie_bumped = bind_args!(sqlx::query(&bump_movie.text), bump_movie.args)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if movie_bumped == 0 {
            return Err(missed!(&mut *tx, Kind::Movie, movie_id));
        }
        let actor_bumped = sqlx::query("UPDATE actors SET version = version + 1 WHERE id = $1")
            .bind(actor_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if actor_bumped == 0 {
            return Err(StorageError::NotFound(Kind::Actor.name(), actor_id));
        }
        let existing: Option<Option<String>> = sqlx::query_scalar(
            "SELECT character FROM castings WHERE movie_id = $1 AND actor_id = $2",
        )
        .bind(movie_id)
        .bind(actor_id)
        .fetch_optional(&mut *tx)
        .await?;
        let booked_as: Option<(i64, String)> = sqlx::query_as(BOOKED_AS)
            .bind(movie_id)
            .bind(actor_id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Change::Upsert(Some(character)) = &change {
            let role: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM roles WHERE movie_id = $1 AND name = $2")
                    .bind(movie_id)
                    .bind(character)
                    .fetch_optional(&mut *tx)
                    .await?;
            let booked_for = booked_as.as_ref().map(|(role_id, _)| *role_id);
            if let Some((role_id,)) = role.filter(|(role_id,)| Some(*role_id) != booked_for) {
                return Err(StorageError::Conflict(format!(
                    "{character:?} is the character of role {role_id}: book the actor as its \
                     candidate instead"
                )));
            }
        }
        let mut entries = Vec::new();
        let recorded = match (&change, existing) {
            (Change::Remove, None) => {
                return Err(StorageError::NotInCast { movie_id, actor_id });
            }
            (Change::Upsert(character), Some(_))
                if booked_as.as_ref().is_some_and(|(_, role)| character.as_deref() != Some(role.as_str())) =>
            {
                let role = booked_as.map(|(_, role)| role).unwrap_or_default();
                return Err(StorageError::Conflict(format!(
                    "actor {actor_id} is booked for the role {role:?}, which names their \
                     character: rename the role instead"
                )));
            }
            (Change::Upsert(character), Some(existing)) if *character == existing => None,
            (Change::Upsert(character), None) => {
                sqlx::query(
                    "INSERT INTO castings (movie_id, actor_id, character, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(movie_id)
                .bind(actor_id)
                .bind(character.as_deref())
                .bind(super::now())
                .execute(&mut *tx)
                .await?;
                let changes = FieldChanges::new()
                    .key("movie_id", None::<i64>, movie_id)
                    .key("actor_id", None::<i64>, actor_id)
                    .field("character", None::<&str>, character.as_deref());
                Some((Action::Cast, changes))
            }
            (Change::Upsert(character), Some(existing)) => {
                sqlx::query(
                    "UPDATE castings SET character = $3 WHERE movie_id = $1 AND actor_id = $2",
                )
                .bind(movie_id)
                .bind(actor_id)
                .bind(character.as_deref())
                .execute(&mut *tx)
                .await?;
                let changes = FieldChanges::new()
                    .key("movie_id", movie_id, movie_id)
                    .key("actor_id", actor_id, actor_id)
                    .field("character", existing, character.as_deref());
                Some((Action::Cast, changes))
            }
            (Change::Remove, Some(existing)) => {
                sqlx::query("DELETE FROM castings WHERE movie_id = $1 AND actor_id = $2")
                    .bind(movie_id)
                    .bind(actor_id)
                    .execute(&mut *tx)
                    .await?;
                if let Some((role_id, _)) = booked_as {
                    sqlx::query(
                        "UPDATE candidates SET status = 'hold', version = version + 1, \
                         updated_at = $3 WHERE role_id = $1 AND actor_id = $2",
                    )
                    .bind(role_id)
                    .bind(actor_id)
                    .bind(super::now())
                    .execute(&mut *tx)
                    .await?;
                    let held = FieldChanges::new()
                        .key("actor_id", actor_id, actor_id)
                        .field("status", "booked", "hold");
                    entries.push(Entry { kind: Kind::Role, id: role_id, action: Action::Candidate, changes: held.clone() });
                    entries.push(Entry { kind: Kind::Actor, id: actor_id, action: Action::Candidate, changes: held });
                }
                Some((Action::Uncast, uncasting(movie_id, actor_id, existing)))
            }
        };
        match recorded {
            None => None,
            Some((action, changes)) => {
                entries.splice(0..0, [
                    Entry { kind: Kind::Movie, id: movie_id, action, changes: changes.clone() },
                    Entry { kind: Kind::Actor, id: actor_id, action, changes },
                ]);
                record_changes!(&mut *tx, &entries, editor);
                let query = format!("{} WHERE m.id = $1", movies::select(dialect));
                let movie = sqlx::query_as::<_, Movie>(&query)
                    .bind(movie_id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Some(movie)
            }
        }
    });
    match changed {
        Some(movie) => Ok(movie),
        // The transaction is over and its connection back in the pool: one connection at a time.
        None => movies::get(db, movie_id).await,
    }
}
