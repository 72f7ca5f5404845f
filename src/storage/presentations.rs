//! Presentations: links that show some of a role's candidates to people who do not sign in,
//! and record their answers. The link's token is 256 random bits; the database keeps only its
//! SHA-256, so the links cannot be rebuilt from a copy of it.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{Connection, FromRow};
use utoipa::ToSchema;

use super::candidates::candidate_changes;
use super::history::{Action, ChangedBy, Editor, Entry, record_changes};
use super::photos::PrimaryPhoto;
use super::roles::lock_role;
use super::{Database, Kind, Sql, StorageError, StorageResult, Value, bind_args, on_pool};
use crate::model::candidate::invalid;
use crate::model::{Feedback, NewPresentation, Whole};

/// A presentation's secret: what its link carries.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareToken([u8; 32]);

impl ShareToken {
    fn random() -> Self {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).expect("the system's random source works");
        Self(bytes)
    }

    /// The token in a link; `None` for anything that cannot be one.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        bytes.try_into().ok().map(Self)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// What the database knows the presentation by.
    fn lookup_key(&self) -> String {
        let mut context = digest::Context::new(&digest::SHA256);
        context.update(b"movie-manager presentation\0");
        context.update(&self.0);
        URL_SAFE_NO_PAD.encode(context.finish())
    }
}

/// A presentation just made: the only time its token is known.
#[derive(Debug)]
pub struct Created {
    pub id: i64,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A presentation as the office sees it (never its token).
#[derive(Debug, Clone, Serialize, ToSchema, FromRow)]
pub struct Presentation {
    pub id: i64,
    pub role_id: i64,
    pub title: Option<String>,
    /// How many candidates it shows.
    pub candidates: i64,
    #[serde(serialize_with = "super::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Presentation {
    /// Whether its link still opens.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What a presentation's page shows of one candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub actor_id: i64,
    pub name: String,
    pub playing_age_min: Option<i32>,
    pub playing_age_max: Option<i32>,
    /// The primary photo; the page serves it through the link's own URLs.
    #[serde(skip)]
    pub photo: PrimaryPhoto,
    /// The office's note on the candidate.
    pub note: Option<String>,
    /// The latest answer about them through this link, if any.
    pub feedback: Option<serde_json::Value>,
}

#[derive(FromRow)]
struct ShownRow {
    actor_id: i64,
    name: String,
    playing_age_min: Option<i32>,
    playing_age_max: Option<i32>,
    #[sqlx(try_from = "Option<String>")]
    photo: PrimaryPhoto,
    note: Option<String>,
    feedback: Option<String>,
}

/// An open presentation: what its page shows.
#[derive(Debug, Clone)]
pub struct Opened {
    pub id: i64,
    pub title: Option<String>,
    pub role: String,
    pub movie: String,
    pub expires_at: DateTime<Utc>,
    pub candidates: Vec<Shown>,
}

#[derive(FromRow)]
struct Found {
    id: i64,
    role_id: i64,
    title: Option<String>,
    role: String,
    movie: String,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

const FOUND: &str = "SELECT p.id, p.role_id, p.title, r.name AS role, m.title AS movie, p.expires_at, \
     p.revoked_at FROM presentations p JOIN roles r ON r.id = p.role_id \
     JOIN movies m ON m.id = r.movie_id WHERE p.token_hash = $1";

const SHOWN: &str = "SELECT c.actor_id, a.name, a.playing_age_min, a.playing_age_max, a.photo, \
     c.note, c.feedback FROM presented s JOIN candidates c ON c.role_id = s.role_id \
     AND c.actor_id = s.actor_id JOIN actors a ON a.id = s.actor_id \
     WHERE s.presentation_id = $1 ORDER BY s.position";

const LISTED: &str = "SELECT p.id, p.role_id, p.title, p.created_at, p.expires_at, p.revoked_at, \
     (SELECT count(*) FROM presented s WHERE s.presentation_id = p.id) AS candidates \
     FROM presentations p";

fn no_such() -> StorageError {
    StorageError::Missing("there is no such presentation".into())
}

/// The presentation a token opens: 404 for one that never existed, 410 for one revoked or
/// expired.
fn judged(found: Option<Found>) -> StorageResult<Found> {
    let found = found.ok_or_else(no_such)?;
    if found.revoked_at.is_some() {
        return Err(StorageError::Gone("this presentation was withdrawn".into()));
    }
    if found.expires_at <= super::now() {
        return Err(StorageError::Gone("this presentation has expired".into()));
    }
    Ok(found)
}

/// Makes a presentation of some of a role's candidates; every one named must be a candidate.
#[tracing::instrument(level = "debug", skip(db, new), fields(candidates = new.actor_ids.ids().len()))]
pub async fn create(db: &Database, role_id: i64, new: &NewPresentation) -> StorageResult<Created> {
    let ids = new.actor_ids.ids();
    let token = ShareToken::random();
    let now = super::now();
    let expires_at = now + chrono::TimeDelta::days(new.expires_in_days.get().into());
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        lock_role!(tx, dialect, role_id);
        let mut read = Sql::new("SELECT actor_id FROM candidates WHERE role_id = ");
        read.bind(Value::Int(role_id)).push(" AND actor_id IN ").bind_list(ids);
        let found: std::collections::HashSet<i64> =
            bind_args!(sqlx::query_scalar::<_, i64>(&read.text), read.args)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let strangers: Vec<String> =
            ids.iter().filter(|id| !found.contains(id)).map(i64::to_string).collect();
        if !strangers.is_empty() {
            return Err(StorageError::Invalid(invalid(
                "actor_ids",
                format!("not candidates for this role: {}", strangers.join(", ")),
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO presentations (role_id, token_hash, title, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(role_id)
        .bind(token.lookup_key())
        .bind(new.title.as_ref().map(|title| title.as_str()))
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let mut insert = Sql::new("INSERT INTO presented (presentation_id, position, role_id, actor_id) VALUES ");
        for (position, actor_id) in ids.iter().enumerate() {
            if position > 0 {
                insert.push(", ");
            }
            insert.push("(").bind(Value::Int(id));
            insert.push(", ").bind(Value::Int(position as i64));
            insert.push(", ").bind(Value::Int(role_id));
            insert.push(", ").bind(Value::Int(*actor_id)).push(")");
        }
        bind_args!(sqlx::query(&insert.text), insert.args).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Created { id, token: token.encode(), expires_at })
    })
}

/// A role's presentations, newest first.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(db: &Database, role_id: i64) -> StorageResult<Vec<Presentation>> {
    let query = format!("{LISTED} WHERE p.role_id = $1 ORDER BY p.id DESC");
    on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let presentations = sqlx::query_as::<_, Presentation>(&query)
            .bind(role_id)
            .fetch_all(&mut *connection)
            .await?;
        if presentations.is_empty() {
            super::must_exist!(&mut *connection, Kind::Role, role_id);
        }
        Ok(presentations)
    })
}

/// Withdraws a presentation: its link answers 410 from now on. Withdrawing it again changes
/// nothing.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn revoke(db: &Database, id: i64) -> StorageResult<Presentation> {
    let query = format!("{LISTED} WHERE p.id = $1");
    on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        sqlx::query("UPDATE presentations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(super::now())
            .execute(&mut *connection)
            .await?;
        sqlx::query_as::<_, Presentation>(&query)
            .bind(id)
            .fetch_optional(&mut *connection)
            .await?
            .ok_or(StorageError::NotFound("presentation", id))
    })
}

/// What a token's page shows: 404 if it never existed, 410 if withdrawn or expired.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn open(db: &Database, token: &ShareToken) -> StorageResult<Opened> {
    on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let found = sqlx::query_as::<_, Found>(FOUND)
            .bind(token.lookup_key())
            .fetch_optional(&mut *connection)
            .await?;
        let found = judged(found)?;
        let rows = sqlx::query_as::<_, ShownRow>(SHOWN)
            .bind(found.id)
            .fetch_all(&mut *connection)
            .await?;
        let candidates = rows
            .into_iter()
            .map(|row| Shown {
                actor_id: row.actor_id,
                name: row.name,
                playing_age_min: row.playing_age_min,
                playing_age_max: row.playing_age_max,
                photo: row.photo,
                note: row.note,
                feedback: row
                    .feedback
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                    .filter(|feedback| feedback["presentation_id"] == json!(found.id)),
            })
            .collect();
        Ok(Opened {
            id: found.id,
            title: found.title,
            role: found.role,
            movie: found.movie,
            expires_at: found.expires_at,
            candidates,
        })
    })
}

/// Records a viewer's answer about one of the presentation's candidates: on the candidate (its
/// `feedback`, the latest answer) and in the role's history, as written by the presentation.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn answer(
    db: &Database,
    token: &ShareToken,
    feedback: &Feedback,
    request: &Editor,
) -> StorageResult<serde_json::Value> {
    let actor_id = feedback.actor_id.get();
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let found = sqlx::query_as::<_, Found>(FOUND)
            .bind(token.lookup_key())
            .fetch_optional(&mut *connection)
            .await?;
        let found = judged(found)?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        lock_role!(tx, dialect, found.role_id);
        let previous: Option<Option<String>> = sqlx::query_scalar(
            "SELECT c.feedback FROM presented s JOIN candidates c ON c.role_id = s.role_id \
             AND c.actor_id = s.actor_id WHERE s.presentation_id = $1 AND s.actor_id = $2",
        )
        .bind(found.id)
        .bind(actor_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(previous) = previous else {
            return Err(StorageError::Invalid(invalid(
                "actor_id",
                format!("actor {actor_id} is not in this presentation"),
            )));
        };
        let previous: serde_json::Value = previous
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        let now = super::now();
        let recorded = json!({
            "answer": feedback.answer.as_str(),
            "comment": feedback.comment.as_ref().map(|comment| comment.as_str()),
            "presentation_id": found.id,
            "at": now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        });
        sqlx::query(
            "UPDATE candidates SET feedback = $3, version = version + 1, updated_at = $4 \
             WHERE role_id = $1 AND actor_id = $2",
        )
        .bind(found.role_id)
        .bind(actor_id)
        .bind(recorded.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let changes = candidate_changes(actor_id, None, None)
            .key("presentation_id", found.id, found.id)
            .field("answer", previous.get("answer"), feedback.answer.as_str())
            .field("comment", previous.get("comment"), recorded["comment"].clone());
        let editor = Editor {
            subject: ChangedBy::presentation_subject(found.id),
            name: found.title.clone(),
            ..request.clone()
        };
        let entries = [
            Entry { kind: Kind::Role, id: found.role_id, action: Action::Feedback, changes: changes.clone() },
            Entry { kind: Kind::Actor, id: actor_id, action: Action::Feedback, changes },
        ];
        record_changes!(&mut *tx, &entries, &editor);
        tx.commit().await?;
        Ok(recorded)
    })
}

/// Whether a photo file may be served through a presentation's link: it is one of the
/// renditions a page shows (not the original) of the primary photo of one of its candidates.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn shows_file(db: &Database, token: &ShareToken, key: &str) -> StorageResult<bool> {
    let opened = open(db, token).await?;
    Ok(opened.candidates.iter().any(|candidate| {
        candidate.photo.0.as_ref().is_some_and(|photo| {
            [&photo.urls.thumb, &photo.urls.card, &photo.urls.large]
                .into_iter()
                .any(|url| url.strip_prefix(super::photos::PHOTO_PATH) == Some(key))
        })
    }))
}
