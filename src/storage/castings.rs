//! Castings: who is cast in what. Casting changes the movie (its version and `updated_at`) and
//! the actor's version, since both representations list the casting.

use super::movies::{self, Movie};
use super::{Database, Kind, Sql, StorageError, StorageResult, Value, bind_args, on_pool};

/// What a casting write does once both sides are known to exist.
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
    character: Option<String>,
    if_match: Option<&[i64]>,
) -> StorageResult<Movie> {
    write(db, movie_id, actor_id, Change::Upsert(character), if_match).await?;
    movies::get(db, movie_id).await
}

/// Removes an actor from a movie's cast.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn uncast(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    if_match: Option<&[i64]>,
) -> StorageResult<Movie> {
    write(db, movie_id, actor_id, Change::Remove, if_match).await?;
    movies::get(db, movie_id).await
}

/// One transaction that only writes (so SQLite never has to upgrade a read lock): bump both
/// sides' versions, which also proves they exist, then change the casting row; roll back if
/// any step finds nothing to do.
async fn write(
    db: &Database,
    movie_id: i64,
    actor_id: i64,
    change: Change,
    if_match: Option<&[i64]>,
) -> StorageResult<()> {
    let mut bump_movie = Sql::new("UPDATE movies SET version = version + 1, updated_at = ");
    bump_movie.bind(Value::Time(super::now()));
    bump_movie.push(" WHERE id = ").bind(Value::Int(movie_id));
    if let Some(versions) = if_match {
        bump_movie.push(" AND version IN ").bind_list(versions);
    }
    let outcome: Result<(), StorageError> = on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        let movie_bumped = bind_args!(sqlx::query(&bump_movie.text), bump_movie.args)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let actor_bumped = sqlx::query("UPDATE actors SET version = version + 1 WHERE id = $1")
            .bind(actor_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if movie_bumped == 0 {
            Err(super::missed(db, Kind::Movie, movie_id).await)
        } else if actor_bumped == 0 {
            Err(StorageError::NotFound(Kind::Actor.name(), actor_id))
        } else {
            let changed = match &change {
                Change::Upsert(character) => sqlx::query(
                    "INSERT INTO castings (movie_id, actor_id, character, created_at) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (movie_id, actor_id) DO UPDATE SET character = excluded.character \
                     WHERE castings.character IS DISTINCT FROM excluded.character",
                )
                .bind(movie_id)
                .bind(actor_id)
                .bind(character.as_deref())
                .bind(super::now())
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Change::Remove => sqlx::query("DELETE FROM castings WHERE movie_id = $1 AND actor_id = $2")
                    .bind(movie_id)
                    .bind(actor_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
            };
            match (changed, &change) {
                (0, Change::Remove) => Err(StorageError::NotInCast { movie_id, actor_id }),
                (0, Change::Upsert(_)) => Ok(()),
                _ => {
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    });
    outcome
}
