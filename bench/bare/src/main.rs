//! The benchmark's bare handler: the stack's limit. It serves each read scenario with the very
//! SQL the service ran for it (extracted by `bench/run` from PostgreSQL's statement log and passed
//! in as JSON), on axum and sqlx like the service, but with no token, no validation, no
//! middleware and plain serde structs: whatever the service costs beyond this is its own.
//!
//! Environment: `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS` (the service's pool size),
//! `BARE_QUERIES` (the JSON file), `PORT` (on 127.0.0.1).
//!
//! Routes: `GET /{scenario}` for a page of actors (the page statement with the parameters the
//! service bound, then the roles of the page's actors), `GET /{scenario}/{id}` for one movie
//! (the movie, then its cast).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::serve::ListenerExt;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgArguments, PgPoolOptions};
use sqlx::query::QueryAs;
use sqlx::{FromRow, PgPool, Postgres};

/// One statement as the service ran it: its text, and the parameters it was bound with.
#[derive(Deserialize)]
struct Statement {
    sql: String,
    #[serde(default)]
    params: Vec<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// A page of actors, then the movies of the actors on it.
    ActorPage,
    /// A movie by id, then its cast.
    Movie,
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    kind: Kind,
    /// Rows a page shows (the statement fetches one more, to learn whether a page follows).
    #[serde(default)]
    page_size: usize,
    page: Statement,
    attach: Statement,
}

#[derive(Deserialize)]
struct Queries {
    scenarios: Vec<Scenario>,
}

#[derive(FromRow, Serialize)]
struct ActorRow {
    id: i64,
    name: String,
    age: i32,
    gender: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    movies: Vec<RoleRow>,
}

#[derive(FromRow, Serialize)]
struct RoleRow {
    #[serde(skip)]
    actor_id: i64,
    id: i64,
    title: String,
    release_date: NaiveDate,
    character: Option<String>,
}

#[derive(FromRow, Serialize)]
struct MovieRow {
    id: i64,
    title: String,
    release_date: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    cast: Vec<CastRow>,
}

#[derive(FromRow, Serialize)]
struct CastRow {
    id: i64,
    name: String,
    character: Option<String>,
}

#[derive(Serialize)]
struct ActorPage {
    success: bool,
    actors: Vec<ActorRow>,
    next_id: Option<i64>,
}

#[derive(Serialize)]
struct MovieReply {
    success: bool,
    movie: MovieRow,
}

struct AppState {
    pool: PgPool,
    scenarios: HashMap<String, Scenario>,
}

type Reply<T> = Result<Json<T>, (StatusCode, String)>;

fn fault(error: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

/// Binds a parameter as the service did: integers as BIGINT, anything else as TEXT.
fn bind<'q, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    param: &'q str,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    match param.parse::<i64>() {
        Ok(number) => query.bind(number),
        Err(_) => query.bind(param),
    }
}

async fn actor_page(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Reply<ActorPage> {
    let scenario = state
        .scenarios
        .get(&name)
        .filter(|scenario| scenario.kind == Kind::ActorPage)
        .ok_or((StatusCode::NOT_FOUND, name))?;
    let mut query = sqlx::query_as::<_, ActorRow>(&scenario.page.sql);
    for param in &scenario.page.params {
        query = bind(query, param);
    }
    let mut actors = query.fetch_all(&state.pool).await.map_err(fault)?;
    let next_id = if actors.len() > scenario.page_size {
        actors.truncate(scenario.page_size);
        actors.last().map(|actor| actor.id)
    } else {
        None
    };
    if !actors.is_empty() {
        let mut query = sqlx::query_as::<_, RoleRow>(&scenario.attach.sql);
        for actor in &actors {
            query = query.bind(actor.id);
        }
        let mut by_actor: HashMap<i64, Vec<RoleRow>> = HashMap::new();
        for role in query.fetch_all(&state.pool).await.map_err(fault)? {
            by_actor.entry(role.actor_id).or_default().push(role);
        }
        for actor in &mut actors {
            actor.movies = by_actor.remove(&actor.id).unwrap_or_default();
        }
    }
    Ok(Json(ActorPage {
        success: true,
        actors,
        next_id,
    }))
}

async fn movie(
    State(state): State<Arc<AppState>>,
    Path((name, id)): Path<(String, i64)>,
) -> Reply<MovieReply> {
    let scenario = state
        .scenarios
        .get(&name)
        .filter(|scenario| scenario.kind == Kind::Movie)
        .ok_or((StatusCode::NOT_FOUND, name))?;
    let mut movie = sqlx::query_as::<_, MovieRow>(&scenario.page.sql)
        .bind(id)
        .fetch_optional(&state.pool)
        .await
        .map_err(fault)?
        .ok_or((StatusCode::NOT_FOUND, id.to_string()))?;
    movie.cast = sqlx::query_as::<_, CastRow>(&scenario.attach.sql)
        .bind(id)
        .fetch_all(&state.pool)
        .await
        .map_err(fault)?;
    Ok(Json(MovieReply {
        success: true,
        movie,
    }))
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} must be set"))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let url = env("DATABASE_URL")?;
    let connections: u32 = env("DATABASE_MAX_CONNECTIONS")?
        .parse()
        .map_err(|_| "DATABASE_MAX_CONNECTIONS must be a number".to_owned())?;
    let port: u16 = env("PORT")?
        .parse()
        .map_err(|_| "PORT must be a number".to_owned())?;
    let file = env("BARE_QUERIES")?;
    let text = std::fs::read_to_string(&file).map_err(|error| format!("{file}: {error}"))?;
    let queries: Queries =
        serde_json::from_str(&text).map_err(|error| format!("{file}: {error}"))?;
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .connect(&url)
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    let scenarios = queries
        .scenarios
        .into_iter()
        .map(|scenario| (scenario.name.clone(), scenario))
        .collect();
    let state = Arc::new(AppState { pool, scenarios });
    let app = Router::new()
        .route("/{name}", get(actor_page))
        .route("/{name}/{id}", get(movie))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| format!("cannot listen on port {port}: {error}"))?
        .tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
    println!("listening on 127.0.0.1:{port}");
    axum::serve(listener, app)
        .await
        .map_err(|error| error.to_string())
}
