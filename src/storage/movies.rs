//! Movies: their rows, and each movie's cast.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;
use utoipa::ToSchema;

use super::actors::search_key;
use super::{
    Database, Keyset, Kind, Page, Sql, StorageError, StorageResult, Value, bind_args,
    like_contains, on_pool,
};

const COLUMNS: &str = "id, title, release_date, version, created_at, updated_at";

/// A movie, with its cast.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Movie {
    pub id: i64,
    /// 1 to 300 characters.
    pub title: String,
    /// A calendar date, years 1800 to 9999.
    #[schema(value_type = String, format = Date, example = "2020-10-10")]
    #[serde(serialize_with = "super::json::date")]
    pub release_date: NaiveDate,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The actors cast in this movie, in the order they were cast.
    #[sqlx(skip)]
    pub cast: Vec<CastMember>,
    /// Bumped on every change, the cast's included; the ETag.
    #[serde(skip)]
    pub version: i64,
}

/// An actor in a movie's cast.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct CastMember {
    #[serde(skip)]
    pub movie_id: i64,
    /// The actor's id.
    pub id: i64,
    pub name: String,
    /// The part the actor plays, if recorded.
    pub character: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewMovie {
    pub title: String,
    pub release_date: NaiveDate,
}

/// The fields a PATCH changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MovieChanges {
    pub title: Option<String>,
    pub release_date: Option<NaiveDate>,
}

/// What a list keeps; the title filter is case-insensitive, dates are inclusive.
#[derive(Debug, Clone, Default)]
pub struct MovieFilter {
    pub title_contains: Option<String>,
    pub released_after: Option<NaiveDate>,
    pub released_before: Option<NaiveDate>,
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &Database, movie: &NewMovie) -> StorageResult<Movie> {
    let now = super::now();
    let mut sql = Sql::new(
        "INSERT INTO movies (title, title_key, release_date, created_at, updated_at) VALUES (",
    );
    sql.bind(Value::Text(movie.title.clone())).push(", ");
    sql.bind(Value::Text(search_key(&movie.title))).push(", ");
    sql.bind(Value::Date(movie.release_date)).push(", ");
    sql.bind(Value::Time(now)).push(", ");
    sql.bind(Value::Time(now))
        .push(") RETURNING ")
        .push(COLUMNS);
    let movie = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Movie>(&sql.text), sql.args).fetch_one(pool).await?
    });
    Ok(movie)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Movie> {
    let query = format!("SELECT {COLUMNS} FROM movies WHERE id = $1");
    let movie = on_pool!(db, pool => {
        sqlx::query_as::<_, Movie>(&query).bind(id).fetch_optional(pool).await?
    });
    let mut movie = movie.ok_or(StorageError::NotFound(Kind::Movie.name(), id))?;
    movie.cast = cast_of(db, &[id]).await?;
    Ok(movie)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    filter: &MovieFilter,
    keyset: &Keyset,
) -> StorageResult<Page<Movie>> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM movies");
    if let Some(needle) = &filter.title_contains {
        sql.and().push("title_key LIKE ");
        sql.bind(Value::Text(like_contains(&search_key(needle))))
            .push(" ESCAPE '\\'");
    }
    if let Some(after) = filter.released_after {
        sql.and().push("release_date >= ").bind(Value::Date(after));
    }
    if let Some(before) = filter.released_before {
        sql.and().push("release_date <= ").bind(Value::Date(before));
    }
    keyset.finish(&mut sql);
    let rows = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Movie>(&sql.text), sql.args).fetch_all(pool).await?
    });
    let mut page = Page::from_rows(rows, keyset, |movie| {
        (sort_value(movie, keyset.column), movie.id)
    });
    attach_cast(db, &mut page.items).await?;
    Ok(page)
}

fn sort_value(movie: &Movie, column: &str) -> Value {
    match column {
        "title" => Value::Text(movie.title.clone()),
        "release_date" => Value::Date(movie.release_date),
        _ => Value::Int(movie.id),
    }
}

/// Changes the given fields in one `UPDATE`, so concurrent changes of other fields are kept.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &MovieChanges,
    if_match: Option<&[i64]>,
) -> StorageResult<Movie> {
    let mut sql = Sql::new("UPDATE movies SET version = version + 1, updated_at = ");
    sql.bind(Value::Time(super::now()));
    if let Some(title) = &changes.title {
        sql.push(", title = ").bind(Value::Text(title.clone()));
        sql.push(", title_key = ")
            .bind(Value::Text(search_key(title)));
    }
    if let Some(release_date) = changes.release_date {
        sql.push(", release_date = ")
            .bind(Value::Date(release_date));
    }
    sql.push(" WHERE id = ").bind(Value::Int(id));
    if let Some(versions) = if_match {
        sql.push(" AND version IN ").bind_list(versions);
    }
    sql.push(" RETURNING ").push(COLUMNS);
    let updated = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Movie>(&sql.text), sql.args).fetch_optional(pool).await?
    });
    let Some(mut movie) = updated else {
        return Err(super::missed(db, Kind::Movie, id).await);
    };
    movie.cast = cast_of(db, &[id]).await?;
    Ok(movie)
}

pub async fn delete(db: &Database, id: i64, if_match: Option<&[i64]>) -> StorageResult<()> {
    super::delete_row(db, Kind::Movie, id, if_match).await
}

/// The casts of several movies in one query.
async fn cast_of(db: &Database, movie_ids: &[i64]) -> StorageResult<Vec<CastMember>> {
    let mut sql = Sql::new(
        "SELECT c.movie_id, a.id, a.name, c.character \
         FROM castings c JOIN actors a ON a.id = c.actor_id WHERE c.movie_id IN ",
    );
    sql.bind_list(movie_ids)
        .push(" ORDER BY c.movie_id, c.created_at, a.id");
    let cast = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, CastMember>(&sql.text), sql.args).fetch_all(pool).await?
    });
    Ok(cast)
}

async fn attach_cast(db: &Database, movies: &mut [Movie]) -> StorageResult<()> {
    if movies.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = movies.iter().map(|movie| movie.id).collect();
    let mut by_movie: HashMap<i64, Vec<CastMember>> = HashMap::new();
    for member in cast_of(db, &ids).await? {
        by_movie.entry(member.movie_id).or_default().push(member);
    }
    for movie in movies {
        movie.cast = by_movie.remove(&movie.id).unwrap_or_default();
    }
    Ok(())
}
