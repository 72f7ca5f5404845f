//! Candidates: the actors considered for a role, and how far each has come. One function,
//! [`write`], makes every change of the pipeline, for one candidate or a thousand, with its
//! consequences in the same transaction: a booking casts the actor as the role's character and
//! is refused past the role's positions; leaving `booked` leaves the cast; each move is in the
//! history of the role and of the actor.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, FromRow};
use utoipa::ToSchema;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};

use super::history::{Action, Editor, Entry, FieldChanges, record_changes};
use super::photos::{PhotoUrls, PrimaryPhoto};
use super::roles::{Role, lock_role};
use super::{
    Database, KeyType, Keyset, Kind, Page, SortKey, Sql, StorageError, StorageResult, Value,
    bind_args, like_contains, on_pool,
};
use crate::model::candidate::invalid;
use crate::model::{CandidateChanges, CandidateFields, Fields, Status, Whole};

/// What a candidate shows of the actor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateActor {
    pub id: i64,
    pub name: String,
    pub age: i32,
    pub gender: String,
    pub playing_age_min: Option<i32>,
    pub playing_age_max: Option<i32>,
    /// The actor's primary photo's URLs, or null when it has none.
    #[schema(value_type = Option<PhotoUrls>)]
    pub photo: PrimaryPhoto,
}

/// An actor considered for a role.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub role_id: i64,
    pub actor: CandidateActor,
    /// Its `status`, `rank` and `note`.
    #[serde(flatten)]
    pub fields: CandidateFields,
    /// The producers' answers from presentations, or null.
    pub feedback: Option<serde_json::Value>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub added_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The order candidates were added in: the tie-breaker of every sort.
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub version: i64,
}

impl utoipa::PartialSchema for Candidate {
    fn schema() -> RefOr<Schema> {
        let timestamp = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        };
        let builder = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "An actor considered for a role, and where they stand.",
            ))
            .property("role_id", ObjectBuilder::new().schema_type(Type::Integer))
            .required("role_id")
            .property("actor", Ref::from_schema_name("CandidateActor"))
            .required("actor");
        let builder = CandidateFields::properties(builder)
            .property(
                "feedback",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
                    .description(Some("The producers' answers from presentations, or null.")),
            )
            .required("feedback")
            .property("added_at", timestamp())
            .required("added_at")
            .property("updated_at", timestamp())
            .required("updated_at");
        RefOr::T(Schema::Object(builder.build()))
    }
}

impl ToSchema for Candidate {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            "CandidateActor".to_owned(),
            <CandidateActor as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// A row of [`SELECT`].
#[derive(FromRow)]
struct CandidateRow {
    id: i64,
    role_id: i64,
    actor_id: i64,
    actor_name: String,
    actor_age: i32,
    actor_gender: String,
    playing_age_min: Option<i32>,
    playing_age_max: Option<i32>,
    #[sqlx(try_from = "Option<String>")]
    photo: PrimaryPhoto,
    status: String,
    rank: Option<i32>,
    note: Option<String>,
    feedback: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CandidateRow {
    fn into_candidate(self) -> StorageResult<Candidate> {
        let standing = Standing {
            actor_id: self.actor_id,
            status: self.status,
            rank: self.rank,
            note: self.note,
            version: self.version,
        };
        Ok(Candidate {
            fields: standing.fields()?,
            role_id: self.role_id,
            actor: CandidateActor {
                id: self.actor_id,
                name: self.actor_name,
                age: self.actor_age,
                gender: self.actor_gender,
                playing_age_min: self.playing_age_min,
                playing_age_max: self.playing_age_max,
                photo: self.photo,
            },
            feedback: self
                .feedback
                .and_then(|text| serde_json::from_str(&text).ok()),
            added_at: self.created_at,
            updated_at: self.updated_at,
            id: self.id,
            version: self.version,
        })
    }
}

/// A candidate's version, its `ETag`: it shows its actor, so the actor's version counts too.
/// Both only grow, so their sum changes whenever either does.
const VERSION: &str = "c.version + a.version";

/// The standing of candidates `c`, with their version.
const STANDING: &str = "SELECT c.actor_id, c.status, c.rank, c.note, c.version + a.version AS version \
     FROM candidates c JOIN actors a ON a.id = c.actor_id";

/// Candidates with their actors, as a table that lists filter and sort by name (`name_key`)
/// and grade (`rank_key`, where ungraded sorts last in the direction given).
fn select(unranked: i32) -> String {
    format!(
        "SELECT * FROM (SELECT c.id, c.role_id, c.actor_id, a.name AS actor_name, \
         a.name_key AS name_key, a.age AS actor_age, a.gender AS actor_gender, \
         a.playing_age_min, a.playing_age_max, {}, c.status, c.rank, \
         COALESCE(c.rank, {unranked}) AS rank_key, c.note, c.feedback, {VERSION} AS version, \
         c.created_at, c.updated_at \
         FROM candidates c JOIN actors a ON a.id = c.actor_id) AS listed",
        super::photos::primary_column("a")
    )
}

/// Where ungraded candidates sort: after 6 going up, after 1 going down.
fn unranked(descending: bool) -> i32 {
    if descending { 0 } else { 7 }
}

/// The orders of a role's candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateSort {
    /// The order they were added in.
    Added,
    /// By grade, 1 first; ungraded last in either direction.
    Rank,
    /// By the actor's name, regardless of case.
    Name,
}

impl SortKey for CandidateSort {
    const ALL: &'static [Self] = &[Self::Added, Self::Rank, Self::Name];

    fn column(self) -> &'static str {
        match self {
            Self::Added => "id",
            Self::Rank => "rank_key",
            Self::Name => "name_key",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Rank => "rank",
            Self::Name => "name",
        }
    }

    fn key_type(self) -> KeyType {
        match self {
            Self::Added | Self::Rank => KeyType::Int,
            Self::Name => KeyType::Text,
        }
    }
}

impl CandidateSort {
    fn value(self, candidate: &Candidate, descending: bool) -> Value {
        match self {
            Self::Added => Value::Int(candidate.id),
            Self::Rank => Value::Int(
                candidate
                    .fields
                    .rank
                    .map_or(unranked(descending), Whole::get)
                    .into(),
            ),
            Self::Name => Value::Text(super::search_key(&candidate.actor.name)),
        }
    }
}

/// What a list of candidates keeps: any of the statuses, any of the grades, and a substring
/// of the actor's name. Also what a cursor is bound to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CandidateFilter {
    pub statuses: Vec<Status>,
    pub ranks: Vec<i32>,
    /// A case-folded substring of the actor's name.
    pub name_contains: Option<String>,
}

/// One page of a role's candidates; a role that does not exist is not found.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    role_id: i64,
    filter: &CandidateFilter,
    keyset: &Keyset<CandidateSort>,
) -> StorageResult<Page<Candidate>> {
    let mut sql = Sql::new(&select(unranked(keyset.descending)));
    sql.and().push("role_id = ").bind(Value::Int(role_id));
    if !filter.statuses.is_empty() {
        sql.and().push("status IN (");
        for (index, status) in filter.statuses.iter().enumerate() {
            if index > 0 {
                sql.push(", ");
            }
            sql.bind(Value::Text(status.as_str().to_owned()));
        }
        sql.push(")");
    }
    if !filter.ranks.is_empty() {
        let ranks: Vec<i64> = filter.ranks.iter().map(|rank| i64::from(*rank)).collect();
        sql.and().push("rank IN ").bind_list(&ranks);
    }
    if let Some(needle) = &filter.name_contains {
        sql.and().push("name_key LIKE ");
        sql.bind(Value::Text(like_contains(needle)))
            .push(" ESCAPE '\\'");
    }
    keyset.finish(&mut sql);
    let rows = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let rows = bind_args!(sqlx::query_as::<_, CandidateRow>(&sql.text), sql.args)
            .fetch_all(&mut *connection)
            .await?;
        if rows.is_empty() {
            super::must_exist!(&mut *connection, Kind::Role, role_id);
        }
        rows
    });
    let candidates = rows
        .into_iter()
        .map(CandidateRow::into_candidate)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_rows(candidates, keyset, |candidate| {
        (
            keyset.sort.value(candidate, keyset.descending),
            candidate.id,
        )
    }))
}

fn not_a_candidate(role_id: i64, actor_id: i64) -> StorageError {
    StorageError::NotCandidate { role_id, actor_id }
}

/// One candidate of a role.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, role_id: i64, actor_id: i64) -> StorageResult<Candidate> {
    let query = format!("{} WHERE role_id = $1 AND actor_id = $2", select(7));
    let row = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let row = sqlx::query_as::<_, CandidateRow>(&query)
            .bind(role_id)
            .bind(actor_id)
            .fetch_optional(&mut *connection)
            .await?;
        if row.is_none() {
            super::must_exist!(&mut *connection, Kind::Role, role_id);
            super::must_exist!(&mut *connection, Kind::Actor, actor_id);
        }
        row
    });
    row.ok_or_else(|| not_a_candidate(role_id, actor_id))?
        .into_candidate()
}

/// Which candidates a write is about.
#[derive(Debug, Clone)]
pub enum Target<'a> {
    /// One actor, added if not a candidate yet; `if_match` names the candidate's versions.
    One {
        actor_id: i64,
        if_match: Option<&'a [i64]>,
    },
    /// Many: an actor that does not exist, or (unless `add`) is not a candidate, is refused.
    Many { actor_ids: &'a [i64], add: bool },
}

impl Target<'_> {
    fn actor_ids(&self) -> &[i64] {
        match self {
            Self::One { actor_id, .. } => std::slice::from_ref(actor_id),
            Self::Many { actor_ids, .. } => actor_ids,
        }
    }
}

/// What [`write`] did: the role as it is now, and how many candidates changed.
#[derive(Debug)]
pub struct Written {
    pub role: Role,
    pub changed: usize,
}

/// A candidate before and after a write.
struct Move {
    actor_id: i64,
    before: Option<CandidateFields>,
    after: CandidateFields,
}

/// A candidate's standing as the history records it.
fn standing(fields: Option<&CandidateFields>) -> [serde_json::Value; 3] {
    match fields {
        Some(fields) => {
            let [status, rank, note]: [serde_json::Value; 3] =
                fields.values().try_into().unwrap_or_default();
            [status, rank, note]
        }
        None => Default::default(),
    }
}

/// The history of one candidate's move: its actor, and each of its fields that changed.
pub(super) fn candidate_changes(
    actor_id: i64,
    before: Option<&CandidateFields>,
    after: Option<&CandidateFields>,
) -> FieldChanges {
    let [from_status, from_rank, from_note] = standing(before);
    let [to_status, to_rank, to_note] = standing(after);
    FieldChanges::new()
        .key("actor_id", actor_id, actor_id)
        .field("status", from_status, to_status)
        .field("rank", from_rank, to_rank)
        .field("note", from_note, to_note)
}

/// A stored candidate's standing.
#[derive(FromRow)]
struct Standing {
    actor_id: i64,
    status: String,
    rank: Option<i32>,
    note: Option<String>,
    version: i64,
}

impl Standing {
    fn fields(&self) -> StorageResult<CandidateFields> {
        let stored = vec![
            crate::model::Stored::Text(Some(self.status.clone())),
            crate::model::Stored::Int(self.rank),
            crate::model::Stored::Text(self.note.clone()),
        ];
        CandidateFields::from_stored(stored)
            .map_err(|message| StorageError::Fault(sqlx::Error::Decode(message.into())))
    }
}

/// Refuses a write whose `If-Match` does not name the candidate's version; a candidate that does
/// not exist yet matches none.
fn expect_version(if_match: Option<&[i64]>, version: Option<i64>) -> StorageResult<()> {
    match (if_match, version) {
        (Some(versions), version)
            if !version.is_some_and(|version| versions.contains(&version)) =>
        {
            Err(StorageError::VersionMismatch("candidate"))
        }
        _ => Ok(()),
    }
}

/// The most history rows written by one statement (each binds nine values).
pub(super) const HISTORY_CHUNK: usize = 500;

/// Makes `changes` to the candidates `target` names, all or none (see the module's
/// documentation).
#[tracing::instrument(level = "debug", skip(db, target), fields(candidates = target.actor_ids().len()))]
pub async fn write(
    db: &Database,
    role_id: i64,
    target: Target<'_>,
    changes: &CandidateChanges,
    editor: &Editor,
) -> StorageResult<Written> {
    let ids = target.actor_ids();
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let role = lock_role!(tx, dialect, role_id);
        let mut read = Sql::new(&format!("{STANDING} WHERE c.role_id = "));
        read.bind(Value::Int(role_id)).push(" AND c.actor_id IN ").bind_list(ids);
        let stored = bind_args!(sqlx::query_as::<_, Standing>(&read.text), read.args)
            .fetch_all(&mut *tx)
            .await?;
        let mut current: HashMap<i64, Standing> =
            stored.into_iter().map(|standing| (standing.actor_id, standing)).collect();
        let missing: Vec<i64> = ids.iter().copied().filter(|id| !current.contains_key(id)).collect();
        if !missing.is_empty() {
            let mut exists = Sql::new("SELECT id FROM actors WHERE id IN ");
            exists.bind_list(&missing);
            exists.push(dialect.for_update);
            let found: HashSet<i64> = bind_args!(sqlx::query_scalar::<_, i64>(&exists.text), exists.args)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
            let unknown: Vec<i64> = missing.iter().copied().filter(|id| !found.contains(id)).collect();
            match &target {
                Target::One { actor_id, .. } if !unknown.is_empty() => {
                    return Err(StorageError::NotFound(Kind::Actor.name(), *actor_id));
                }
                Target::Many { .. } if !unknown.is_empty() => {
                    return Err(StorageError::Invalid(invalid(
                        "actor_ids",
                        format!("no actor has the id {}", listed(&unknown)),
                    )));
                }
                Target::Many { add: false, .. } => {
                    return Err(StorageError::Invalid(invalid(
                        "actor_ids",
                        format!(
                            "{} not a candidate for this role (send \"add\": true to add {})",
                            describe(&missing),
                            if missing.len() == 1 { "them" } else { "them all" }
                        ),
                    )));
                }
                _ => {}
            }
        }
        if let Target::One { actor_id, if_match } = &target {
            expect_version(*if_match, current.get(actor_id).map(|standing| standing.version))?;
        }
        let mut moves = Vec::with_capacity(ids.len());
        for actor_id in ids {
            let before = current.remove(actor_id).map(|standing| standing.fields()).transpose()?;
            let after = before.clone().unwrap_or_default().changed(changes);
            if before.as_ref() != Some(&after) {
                moves.push(Move { actor_id: *actor_id, before, after });
            }
        }
        let now = super::now();
        let booking = Booking::of(&moves);
        let mut entries = Vec::new();
        if !booking.booked.is_empty() || !booking.unbooked.is_empty() {
            let booked_now = role.candidates.of(Status::Booked) - booking.unbooked.len() as i64
                + booking.booked.len() as i64;
            if booked_now > i64::from(role.fields.positions.get()) {
                return Err(StorageError::Conflict(format!(
                    "the role {:?} books {} and has {} booked: booking {} more is past its positions",
                    role.fields.name.as_str(),
                    role.fields.positions,
                    role.candidates.of(Status::Booked) - booking.unbooked.len() as i64,
                    booking.booked.len()
                )));
            }
            if !booking.booked.is_empty() {
                let mut elsewhere = Sql::new(
                    "SELECT c.actor_id, r.name FROM candidates c JOIN roles r ON r.id = c.role_id \
                     WHERE c.status = 'booked' AND r.movie_id = ",
                );
                elsewhere.bind(Value::Int(role.movie_id));
                elsewhere.push(" AND r.id <> ").bind(Value::Int(role_id));
                elsewhere.push(" AND c.actor_id IN ").bind_list(&booking.booked);
                let taken: Vec<(i64, String)> = bind_args!(sqlx::query_as(&elsewhere.text), elsewhere.args)
                    .fetch_all(&mut *tx)
                    .await?;
                if let Some((actor_id, name)) = taken.first() {
                    return Err(StorageError::Conflict(format!(
                        "actor {actor_id} is already booked for the role {name:?} of this movie"
                    )));
                }
            }
            let mut cast = Sql::new("SELECT actor_id, character FROM castings WHERE movie_id = ");
            cast.bind(Value::Int(role.movie_id));
            let mut touched = booking.booked.clone();
            touched.extend(&booking.unbooked);
            cast.push(" AND actor_id IN ").bind_list(&touched);
            let cast: HashMap<i64, Option<String>> = bind_args!(sqlx::query_as(&cast.text), cast.args)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
            let character = role.fields.name.as_str();
            let mut insert = Sql::new("INSERT INTO castings (movie_id, actor_id, character, created_at) VALUES ");
            let mut inserts = 0;
            for actor_id in &booking.booked {
                let recorded = match cast.get(actor_id) {
                    None => {
                        if inserts > 0 {
                            insert.push(", ");
                        }
                        inserts += 1;
                        insert.push("(").bind(Value::Int(role.movie_id));
                        insert.push(", ").bind(Value::Int(*actor_id));
                        insert.push(", ").bind(Value::Text(character.to_owned()));
                        insert.push(", ").bind(Value::Time(now)).push(")");
                        Some(FieldChanges::new()
                            .key("movie_id", None::<i64>, role.movie_id)
                            .key("actor_id", None::<i64>, *actor_id)
                            .field("character", None::<&str>, character))
                    }
                    Some(existing) if existing.as_deref() != Some(character) => {
                        sqlx::query("UPDATE castings SET character = $3 WHERE movie_id = $1 AND actor_id = $2")
                            .bind(role.movie_id)
                            .bind(*actor_id)
                            .bind(character)
                            .execute(&mut *tx)
                            .await?;
                        Some(FieldChanges::new()
                            .key("movie_id", role.movie_id, role.movie_id)
                            .key("actor_id", *actor_id, *actor_id)
                            .field("character", existing.clone(), character))
                    }
                    Some(_) => None,
                };
                if let Some(changes) = recorded {
                    entries.push(Entry { kind: Kind::Movie, id: role.movie_id, action: Action::Cast, changes: changes.clone() });
                    entries.push(Entry { kind: Kind::Actor, id: *actor_id, action: Action::Cast, changes });
                }
            }
            if inserts > 0 {
                bind_args!(sqlx::query(&insert.text), insert.args).execute(&mut *tx).await?;
            }
            let leaving: Vec<i64> = booking.unbooked.iter().copied().filter(|id| cast.contains_key(id)).collect();
            if !leaving.is_empty() {
                let mut uncast = Sql::new("DELETE FROM castings WHERE movie_id = ");
                uncast.bind(Value::Int(role.movie_id)).push(" AND actor_id IN ").bind_list(&leaving);
                bind_args!(sqlx::query(&uncast.text), uncast.args).execute(&mut *tx).await?;
                for actor_id in &leaving {
                    let changes = super::history::uncasting(role.movie_id, *actor_id, cast[actor_id].clone());
                    entries.push(Entry { kind: Kind::Movie, id: role.movie_id, action: Action::Uncast, changes: changes.clone() });
                    entries.push(Entry { kind: Kind::Actor, id: *actor_id, action: Action::Uncast, changes });
                }
            }
            sqlx::query("UPDATE movies SET version = version + 1, updated_at = $2 WHERE id = $1")
                .bind(role.movie_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let mut bump = Sql::new("UPDATE actors SET version = version + 1 WHERE id IN ");
            bump.bind_list(&touched);
            bind_args!(sqlx::query(&bump.text), bump.args).execute(&mut *tx).await?;
        }
        let added: Vec<&Move> = moves.iter().filter(|change| change.before.is_none()).collect();
        if !added.is_empty() {
            let mut insert = Sql::new(
                "INSERT INTO candidates (role_id, actor_id, status, rank, note, created_at, updated_at) VALUES ",
            );
            for (index, change) in added.iter().enumerate() {
                if index > 0 {
                    insert.push(", ");
                }
                insert.push("(").bind(Value::Int(role_id));
                insert.push(", ").bind(Value::Int(change.actor_id));
                for value in super::fields::written_values(&change.after) {
                    insert.push(", ").bind(value);
                }
                insert.push(", ").bind(Value::Time(now));
                insert.push(", ").bind(Value::Time(now)).push(")");
            }
            bind_args!(sqlx::query(&insert.text), insert.args).execute(&mut *tx).await?;
        }
        let updated: Vec<i64> = moves
            .iter()
            .filter(|change| change.before.is_some())
            .map(|change| change.actor_id)
            .collect();
        if !updated.is_empty() {
            let mut update = Sql::new("UPDATE candidates SET version = version + 1, updated_at = ");
            update.bind(Value::Time(now));
            let template = moves.iter().find(|change| change.before.is_some()).map(|change| &change.after);
            if let Some(after) = template {
                let values = super::fields::written_values(after);
                for ((field, value), set) in CandidateFields::DECLARED.iter().zip(values).zip([
                    changes.status.is_some(),
                    changes.rank.is_some(),
                    changes.note.is_some(),
                ]) {
                    if set {
                        update.push(&format!(", {} = ", field.name)).bind(value);
                    }
                }
            }
            update.push(" WHERE role_id = ").bind(Value::Int(role_id));
            update.push(" AND actor_id IN ").bind_list(&updated);
            bind_args!(sqlx::query(&update.text), update.args).execute(&mut *tx).await?;
        }
        for change in &moves {
            let recorded = candidate_changes(change.actor_id, change.before.as_ref(), Some(&change.after));
            entries.push(Entry { kind: Kind::Role, id: role_id, action: Action::Candidate, changes: recorded.clone() });
            entries.push(Entry { kind: Kind::Actor, id: change.actor_id, action: Action::Candidate, changes: recorded });
        }
        for chunk in entries.chunks(HISTORY_CHUNK) {
            record_changes!(&mut *tx, chunk, editor);
        }
        let role = sqlx::query_as::<_, Role>(&format!("{} WHERE r.id = $1", super::roles::select()))
            .bind(role_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Written { role, changed: moves.len() })
    })
}

/// Which actors a write books, and which leave `booked`.
struct Booking {
    booked: Vec<i64>,
    unbooked: Vec<i64>,
}

impl Booking {
    fn of(moves: &[Move]) -> Self {
        let was_booked = |change: &Move| {
            change.before.as_ref().map(|before| before.status) == Some(Status::Booked)
        };
        Self {
            booked: moves
                .iter()
                .filter(|change| change.after.status == Status::Booked && !was_booked(change))
                .map(|change| change.actor_id)
                .collect(),
            unbooked: moves
                .iter()
                .filter(|change| change.after.status != Status::Booked && was_booked(change))
                .map(|change| change.actor_id)
                .collect(),
        }
    }
}

/// Ids in a sentence: `3`, `3, 4 and 9`; at most ten, then how many more.
fn listed(ids: &[i64]) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<String> = ids.iter().take(SHOWN).map(i64::to_string).collect();
    let more = ids.len().saturating_sub(SHOWN);
    match (shown.split_last(), more) {
        (None, _) => String::new(),
        (Some((last, [])), _) if more == 0 => last.clone(),
        (Some((last, rest)), 0) => format!("{} and {last}", rest.join(", ")),
        (Some(_), more) => format!("{} and {more} more", shown.join(", ")),
    }
}

/// "actor 3 is", "actors 3 and 4 are".
fn describe(ids: &[i64]) -> String {
    if ids.len() == 1 {
        format!("actor {} is", ids[0])
    } else {
        format!("actors {} are", listed(ids))
    }
}

/// Removes a candidate; a booked one is refused (move them first, which takes them out of the
/// cast).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn remove(
    db: &Database,
    role_id: i64,
    actor_id: i64,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<()> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        lock_role!(tx, dialect, role_id);
        let standing = sqlx::query_as::<_, Standing>(
            &format!("{STANDING} WHERE c.role_id = $1 AND c.actor_id = $2"),
        )
        .bind(role_id)
        .bind(actor_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| not_a_candidate(role_id, actor_id))?;
        expect_version(if_match, Some(standing.version))?;
        let before = standing.fields()?;
        if before.status == Status::Booked {
            return Err(StorageError::Conflict(format!(
                "actor {actor_id} is booked for this role: move them to another status first"
            )));
        }
        sqlx::query("DELETE FROM candidates WHERE role_id = $1 AND actor_id = $2")
            .bind(role_id)
            .bind(actor_id)
            .execute(&mut *tx)
            .await?;
        let recorded = candidate_changes(actor_id, Some(&before), None);
        let entries = [
            Entry { kind: Kind::Role, id: role_id, action: Action::Candidate, changes: recorded.clone() },
            Entry { kind: Kind::Actor, id: actor_id, action: Action::Candidate, changes: recorded },
        ];
        record_changes!(&mut *tx, &entries, editor);
        tx.commit().await?;
        Ok(())
    })
}

/// An actor's candidacies, as [`withdrawn`] takes them.
pub(super) const OF_ACTOR: &str =
    "SELECT role_id, status, rank, note FROM candidates WHERE actor_id = $1";

/// The history of the candidacies a deleted actor leaves: one entry on each role.
pub(super) fn withdrawn(
    actor_id: i64,
    candidacies: Vec<(i64, String, Option<i32>, Option<String>)>,
) -> StorageResult<Vec<Entry>> {
    candidacies
        .into_iter()
        .map(|(role_id, status, rank, note)| {
            let standing = Standing {
                actor_id,
                status,
                rank,
                note,
                version: 0,
            };
            Ok(Entry {
                kind: Kind::Role,
                id: role_id,
                action: Action::Candidate,
                changes: candidate_changes(actor_id, Some(&standing.fields()?), None),
            })
        })
        .collect()
}

/// A role an actor is a candidate for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidacy {
    pub role: RoleRef,
    pub movie: MovieRef,
    #[schema(value_type = String)]
    pub status: Status,
    pub rank: Option<i32>,
    pub note: Option<String>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub added_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MovieRef {
    pub id: i64,
    pub title: String,
}

#[derive(FromRow)]
struct CandidacyRow {
    id: i64,
    role_id: i64,
    role_name: String,
    movie_id: i64,
    movie_title: String,
    status: String,
    rank: Option<i32>,
    note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The order of an actor's candidacies: the order they began in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Begun;

impl SortKey for Begun {
    const ALL: &'static [Self] = &[Self];

    fn column(self) -> &'static str {
        "id"
    }

    fn key_type(self) -> KeyType {
        KeyType::Int
    }
}

/// One page of the roles an actor is a candidate for, with their movies.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn candidacies(
    db: &Database,
    actor_id: i64,
    keyset: &Keyset<Begun>,
) -> StorageResult<Page<Candidacy>> {
    let mut sql = Sql::new(
        "SELECT * FROM (SELECT c.id, c.actor_id, c.role_id, r.name AS role_name, r.movie_id, \
         m.title AS movie_title, c.status, c.rank, c.note, c.created_at, c.updated_at \
         FROM candidates c JOIN roles r ON r.id = c.role_id JOIN movies m ON m.id = r.movie_id) \
         AS listed",
    );
    sql.and().push("actor_id = ").bind(Value::Int(actor_id));
    keyset.finish(&mut sql);
    let rows = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let rows = bind_args!(sqlx::query_as::<_, CandidacyRow>(&sql.text), sql.args)
            .fetch_all(&mut *connection)
            .await?;
        if rows.is_empty() {
            super::must_exist!(&mut *connection, Kind::Actor, actor_id);
        }
        rows
    });
    let candidacies = rows
        .into_iter()
        .map(|row| {
            Ok(Candidacy {
                role: RoleRef {
                    id: row.role_id,
                    name: row.role_name,
                },
                movie: MovieRef {
                    id: row.movie_id,
                    title: row.movie_title,
                },
                status: Status::from_name(&row.status).ok_or_else(|| {
                    StorageError::Fault(sqlx::Error::Decode("unknown status".into()))
                })?,
                rank: row.rank,
                note: row.note,
                added_at: row.created_at,
                updated_at: row.updated_at,
                id: row.id,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_rows(candidacies, keyset, |candidacy| {
        (Value::Int(candidacy.id), candidacy.id)
    }))
}
