//! The benchmark's bare handler: the stack's limit. It serves each read scenario with the very
//! SQL the service ran for it (extracted by `bench/run` from PostgreSQL's statement log and passed
//! in as JSON), on axum and sqlx like the service, but with no token, no validation, no logging
//! and plain serde structs: whatever the service costs beyond this is its own. It compresses as
//! the service does (gzip and br, level 4, above tower-http's default size), for the scenario
//! that asks for it.
//!
//! Environment: `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS` (the service's pool size),
//! `BARE_QUERIES` (the JSON file), `PORT` (on 127.0.0.1).
//!
//! Routes: `GET /{scenario}` for a page of actors, `GET /{scenario}/{id}` for one movie (with
//! `If-None-Match`, 304 when it names the movie's ETag). A request runs its scenario's statements
//! in order on one connection, with the parameters the service bound (a movie's id where the
//! service bound the movie's id). Of these, the statement whose columns are a whole actor or
//! movie (found at startup by preparing each one) is decoded into structs: a movie's aggregated
//! JSON cast, or a page's rows joined with their castings, one per casting, gathered per actor as
//! the service gathers them; the rows of any other are fetched and dropped.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sqlx::postgres::{PgArguments, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::{Column, Connection, Executor, FromRow, PgConnection, PgPool, Postgres, Statement as _};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// One statement as the service ran it: its text, the parameters it was bound with (`None`
/// for SQL NULL), and whether it came as a simple query (no parameters, e.g. `BEGIN`).
#[derive(Deserialize)]
struct Statement {
    sql: String,
    #[serde(default)]
    params: Vec<Option<String>>,
    /// Positions (from 0) of the parameters that carry the requested movie's id.
    #[serde(default)]
    id_params: Vec<usize>,
    #[serde(default)]
    simple: bool,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// A page of actors, each with its movies.
    ActorPage,
    /// A movie by id, with its cast.
    Movie,
}

impl Kind {
    /// The columns that make a statement's rows whole actors or movies.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::ActorPage => &[
                "id",
                "name",
                "age",
                "gender",
                "playing_age_min",
                "playing_age_max",
                "height_cm",
                "skills",
                "languages",
                "unions",
                "agent",
                "notes",
                "created_at",
                "movie_id",
                "movie_title",
                "movie_release_date",
                "character",
            ],
            Kind::Movie => &[
                "id",
                "title",
                "release_date",
                "version",
                "created_at",
                "cast",
            ],
        }
    }
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    kind: Kind,
    /// Rows a page shows (the statement fetches one more, to learn whether a page follows).
    #[serde(default)]
    page_size: usize,
    statements: Vec<Statement>,
    /// Which of `statements` answers the rows; set at startup.
    #[serde(skip)]
    main: usize,
}

#[derive(Deserialize)]
struct Queries {
    scenarios: Vec<Scenario>,
}

/// A row of a page: an actor, and one of its movies if it has any.
#[derive(FromRow)]
struct ActorRoleRow {
    id: i64,
    name: String,
    age: i32,
    gender: String,
    playing_age_min: Option<i32>,
    playing_age_max: Option<i32>,
    height_cm: Option<i32>,
    skills: String,
    languages: String,
    unions: String,
    agent: Option<String>,
    notes: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    movie_id: Option<i64>,
    movie_title: Option<String>,
    movie_release_date: Option<NaiveDate>,
    character: Option<String>,
}

#[derive(Serialize)]
struct ActorRow {
    id: i64,
    name: String,
    age: i32,
    gender: String,
    playing_age_min: Option<i32>,
    playing_age_max: Option<i32>,
    height_cm: Option<i32>,
    skills: Box<RawValue>,
    languages: Box<RawValue>,
    unions: Box<RawValue>,
    agent: Option<Box<RawValue>>,
    notes: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    movies: Vec<RoleRow>,
}

impl ActorRow {
    /// The actors of a page's rows, each with its movies, in the rows' order.
    fn gather(rows: Vec<ActorRoleRow>) -> Vec<ActorRow> {
        let mut actors: Vec<ActorRow> = Vec::new();
        for row in rows {
            if actors.last().is_none_or(|actor| actor.id != row.id) {
                // The lists and the agent are JSON text already: passed on as they are.
                let raw = |text: String| RawValue::from_string(text).unwrap_or_else(|_| empty());
                actors.push(ActorRow {
                    id: row.id,
                    name: row.name,
                    age: row.age,
                    gender: row.gender,
                    playing_age_min: row.playing_age_min,
                    playing_age_max: row.playing_age_max,
                    height_cm: row.height_cm,
                    skills: raw(row.skills),
                    languages: raw(row.languages),
                    unions: raw(row.unions),
                    agent: row.agent.map(raw),
                    notes: row.notes,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    movies: Vec::new(),
                });
            }
            if let (Some(actor), Some(id), Some(title), Some(release_date)) = (
                actors.last_mut(),
                row.movie_id,
                row.movie_title,
                row.movie_release_date,
            ) {
                actor.movies.push(RoleRow {
                    id,
                    title,
                    release_date,
                    character: row.character,
                });
            }
        }
        actors
    }
}

fn empty() -> Box<RawValue> {
    RawValue::from_string("[]".to_owned()).expect("[] is JSON")
}

#[derive(Serialize)]
struct RoleRow {
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
    #[sqlx(json)]
    cast: Vec<CastRow>,
    #[serde(skip)]
    version: i64,
}

#[derive(Deserialize, Serialize)]
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

type Failure = (StatusCode, String);

fn fault(error: impl std::fmt::Display) -> Failure {
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

/// Binds a parameter as the service did: integers as BIGINT, anything else as TEXT.
fn bind<'q>(
    query: Query<'q, Postgres, PgArguments>,
    param: Option<&'q str>,
) -> Query<'q, Postgres, PgArguments> {
    match param {
        None => query.bind(None::<String>),
        Some(text) => match text.parse::<i64>() {
            Ok(number) => query.bind(number),
            Err(_) => query.bind(text),
        },
    }
}

/// The statement with its parameters, the requested id in place of the one the service bound.
fn query<'q>(statement: &'q Statement, id: Option<i64>) -> Query<'q, Postgres, PgArguments> {
    let mut query = sqlx::query(&statement.sql);
    for (position, param) in statement.params.iter().enumerate() {
        query = match id {
            Some(id) if statement.id_params.contains(&position) => query.bind(id),
            _ => bind(query, param.as_deref()),
        };
    }
    query
}

/// Runs the scenario's statements in order on one connection, and answers the main one's rows.
async fn run(
    state: &AppState,
    scenario: &Scenario,
    id: Option<i64>,
) -> Result<Vec<PgRow>, Failure> {
    let mut connection = state.pool.acquire().await.map_err(fault)?;
    let mut rows = Vec::new();
    for (index, statement) in scenario.statements.iter().enumerate() {
        if statement.simple {
            // Without arguments, sqlx sends the text as a simple query, as the service did.
            connection
                .execute(statement.sql.as_str())
                .await
                .map_err(fault)?;
            continue;
        }
        let fetched = query(statement, id)
            .fetch_all(&mut *connection)
            .await
            .map_err(fault)?;
        if index == scenario.main {
            rows = fetched;
        }
    }
    Ok(rows)
}

fn scenario<'s>(state: &'s AppState, name: &str, kind: Kind) -> Result<&'s Scenario, Failure> {
    state
        .scenarios
        .get(name)
        .filter(|scenario| scenario.kind == kind)
        .ok_or((StatusCode::NOT_FOUND, name.to_owned()))
}

async fn actor_page(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Json<ActorPage>, Failure> {
    let scenario = scenario(&state, &name, Kind::ActorPage)?;
    let rows = run(&state, scenario, None)
        .await?
        .iter()
        .map(ActorRoleRow::from_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fault)?;
    let mut actors = ActorRow::gather(rows);
    let next_id = if actors.len() > scenario.page_size {
        actors.truncate(scenario.page_size);
        actors.last().map(|actor| actor.id)
    } else {
        None
    };
    Ok(Json(ActorPage {
        success: true,
        actors,
        next_id,
    }))
}

/// Whether an `If-None-Match` names this tag (weak comparison, as RFC 9110 wants for GET).
fn none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim())
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

async fn movie(
    State(state): State<Arc<AppState>>,
    Path((name, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let scenario = scenario(&state, &name, Kind::Movie)?;
    let rows = run(&state, scenario, Some(id)).await?;
    let row = rows
        .first()
        .ok_or((StatusCode::NOT_FOUND, id.to_string()))?;
    let movie = MovieRow::from_row(row).map_err(fault)?;
    // The service's ETag: the version, quoted, after a `v`.
    let tag = format!("\"v{}\"", movie.version);
    let etag = HeaderValue::from_str(&tag).map_err(fault)?;
    if none_match(&headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response());
    }
    let reply = MovieReply {
        success: true,
        movie,
    };
    Ok(([(ETAG, etag)], Json(reply)).into_response())
}

/// Finds, by preparing each statement on a connection of its own, the one whose columns are a
/// whole actor or movie. (A connection of its own: the pool's statement cache then holds only
/// statements prepared with the types the handlers bind.)
async fn find_main(connection: &mut PgConnection, scenario: &mut Scenario) -> Result<(), String> {
    let wanted = scenario.kind.columns();
    let mut found = Vec::new();
    for (index, statement) in scenario.statements.iter().enumerate() {
        if statement.simple {
            continue;
        }
        let prepared = connection.prepare(&statement.sql).await.map_err(|error| {
            format!(
                "{}: cannot prepare {}: {error}",
                scenario.name, statement.sql
            )
        })?;
        let columns: Vec<&str> = prepared
            .columns()
            .iter()
            .map(|column| column.name())
            .collect();
        if wanted.iter().all(|name| columns.contains(name)) {
            found.push(index);
        }
    }
    match found[..] {
        [main] => {
            scenario.main = main;
            Ok(())
        }
        _ => Err(format!(
            "{}: {} of its {} statements return the columns {wanted:?}; the bare handler needs \
             exactly one",
            scenario.name,
            found.len(),
            scenario.statements.len()
        )),
    }
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
    let mut queries: Queries =
        serde_json::from_str(&text).map_err(|error| format!("{file}: {error}"))?;
    let mut probe = PgConnection::connect(&url)
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    for scenario in &mut queries.scenarios {
        find_main(&mut probe, scenario).await?;
    }
    probe.close().await.map_err(|error| error.to_string())?;
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
        .with_state(state)
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(CompressionLevel::Precise(4)),
        );
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
