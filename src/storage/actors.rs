//! Actors: their rows, and the movies each is cast in.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;
use utoipa::ToSchema;

use super::{
    Database, Keyset, Kind, Page, Sql, StorageError, StorageResult, Value, bind_args,
    like_contains, on_pool,
};

const COLUMNS: &str = "id, name, age, gender, version, created_at, updated_at";

/// An actor, with the movies it is cast in.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Actor {
    pub id: i64,
    /// 1 to 200 characters.
    pub name: String,
    /// 0 to 150.
    pub age: i32,
    /// 1 to 50 characters.
    pub gender: String,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The movies this actor is cast in, by release date.
    #[sqlx(skip)]
    pub movies: Vec<Role>,
    /// Bumped on every change; the ETag.
    #[serde(skip)]
    pub version: i64,
}

/// A movie an actor is cast in.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Role {
    #[serde(skip)]
    pub actor_id: i64,
    /// The movie's id.
    pub id: i64,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::json::date")]
    pub release_date: NaiveDate,
    /// The part the actor plays, if recorded.
    pub character: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewActor {
    pub name: String,
    pub age: i32,
    pub gender: String,
}

/// The fields a PATCH changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ActorChanges {
    pub name: Option<String>,
    pub age: Option<i32>,
    pub gender: Option<String>,
}

/// What a list keeps; text filters are compared case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct ActorFilter {
    pub name_contains: Option<String>,
    pub gender: Option<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
}

/// The text that case-insensitive filters compare against, folded the same way for both databases.
pub fn search_key(text: &str) -> String {
    text.to_lowercase()
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &Database, actor: &NewActor) -> StorageResult<Actor> {
    let now = super::now();
    let mut sql = Sql::new(
        "INSERT INTO actors (name, name_key, age, gender, gender_key, created_at, updated_at) VALUES (",
    );
    sql.bind(Value::Text(actor.name.clone())).push(", ");
    sql.bind(Value::Text(search_key(&actor.name))).push(", ");
    sql.bind(Value::Int(actor.age.into())).push(", ");
    sql.bind(Value::Text(actor.gender.clone())).push(", ");
    sql.bind(Value::Text(search_key(&actor.gender))).push(", ");
    sql.bind(Value::Time(now)).push(", ");
    sql.bind(Value::Time(now))
        .push(") RETURNING ")
        .push(COLUMNS);
    let actor = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args).fetch_one(pool).await?
    });
    Ok(actor)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Actor> {
    let query = format!("SELECT {COLUMNS} FROM actors WHERE id = $1");
    let actor = on_pool!(db, pool => {
        sqlx::query_as::<_, Actor>(&query).bind(id).fetch_optional(pool).await?
    });
    let mut actor = actor.ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
    actor.movies = roles_of(db, &[id]).await?;
    Ok(actor)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    filter: &ActorFilter,
    keyset: &Keyset,
) -> StorageResult<Page<Actor>> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM actors");
    if let Some(needle) = &filter.name_contains {
        sql.and().push("name_key LIKE ");
        sql.bind(Value::Text(like_contains(&search_key(needle))))
            .push(" ESCAPE '\\'");
    }
    if let Some(gender) = &filter.gender {
        sql.and()
            .push("gender_key = ")
            .bind(Value::Text(search_key(gender)));
    }
    if let Some(min_age) = filter.min_age {
        sql.and().push("age >= ").bind(Value::Int(min_age.into()));
    }
    if let Some(max_age) = filter.max_age {
        sql.and().push("age <= ").bind(Value::Int(max_age.into()));
    }
    keyset.finish(&mut sql);
    let rows = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args).fetch_all(pool).await?
    });
    let mut page = Page::from_rows(rows, keyset, |actor| {
        (sort_value(actor, keyset.column), actor.id)
    });
    attach_roles(db, &mut page.items).await?;
    Ok(page)
}

/// The value of the sort column for a row, as the next page's cursor carries it.
fn sort_value(actor: &Actor, column: &str) -> Value {
    match column {
        "name" => Value::Text(actor.name.clone()),
        "age" => Value::Int(actor.age.into()),
        _ => Value::Int(actor.id),
    }
}

/// Changes the given fields in one `UPDATE`, so concurrent changes of other fields are kept.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &ActorChanges,
    if_match: Option<&[i64]>,
) -> StorageResult<Actor> {
    let mut sql = Sql::new("UPDATE actors SET version = version + 1, updated_at = ");
    sql.bind(Value::Time(super::now()));
    if let Some(name) = &changes.name {
        sql.push(", name = ").bind(Value::Text(name.clone()));
        sql.push(", name_key = ")
            .bind(Value::Text(search_key(name)));
    }
    if let Some(age) = changes.age {
        sql.push(", age = ").bind(Value::Int(age.into()));
    }
    if let Some(gender) = &changes.gender {
        sql.push(", gender = ").bind(Value::Text(gender.clone()));
        sql.push(", gender_key = ")
            .bind(Value::Text(search_key(gender)));
    }
    sql.push(" WHERE id = ").bind(Value::Int(id));
    if let Some(versions) = if_match {
        sql.push(" AND version IN ").bind_list(versions);
    }
    sql.push(" RETURNING ").push(COLUMNS);
    let updated = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args).fetch_optional(pool).await?
    });
    let Some(mut actor) = updated else {
        return Err(super::missed(db, Kind::Actor, id).await);
    };
    actor.movies = roles_of(db, &[id]).await?;
    Ok(actor)
}

pub async fn delete(db: &Database, id: i64, if_match: Option<&[i64]>) -> StorageResult<()> {
    super::delete_row(db, Kind::Actor, id, if_match).await
}

/// The movies of several actors in one query.
async fn roles_of(db: &Database, actor_ids: &[i64]) -> StorageResult<Vec<Role>> {
    let mut sql = Sql::new(
        "SELECT c.actor_id, m.id, m.title, m.release_date, c.character \
         FROM castings c JOIN movies m ON m.id = c.movie_id WHERE c.actor_id IN ",
    );
    sql.bind_list(actor_ids)
        .push(" ORDER BY c.actor_id, m.release_date, m.id");
    let roles = on_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, Role>(&sql.text), sql.args).fetch_all(pool).await?
    });
    Ok(roles)
}

async fn attach_roles(db: &Database, actors: &mut [Actor]) -> StorageResult<()> {
    if actors.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = actors.iter().map(|actor| actor.id).collect();
    let mut by_actor: HashMap<i64, Vec<Role>> = HashMap::new();
    for role in roles_of(db, &ids).await? {
        by_actor.entry(role.actor_id).or_default().push(role);
    }
    for actor in actors {
        actor.movies = by_actor.remove(&actor.id).unwrap_or_default();
    }
    Ok(())
}
