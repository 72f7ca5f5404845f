//! Audition sessions: a movie's runs of slots, and the appointments that fill them. A session's
//! slot starts at `starts_at + slot * slot_minutes`; appointments are stored by slot number,
//! so moving a session moves them all.
//!
//! Every write locks the session's movie first, as every write of the movie's cast and pipeline
//! does (storage::roles), then the session: autofill, which also moves candidates, takes the
//! role's lock between the two.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, FromRow, Row};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

use super::candidates::{CandidateActor, candidate_changes};
use super::fields;
use super::history::{Action, Editor, Entry, FieldChanges, record_changes};
use super::photos::PrimaryPhoto;
use super::roles::{lock_movie_with_room, lock_role};
use super::{Database, Kind, Sql, StorageError, StorageResult, Value, bind_args, missed, on_pool};
use crate::model::candidate::invalid;
use crate::model::{
    AppointmentState, Autofill, Booking, CandidateFields, Fields, NewSession, SessionChanges,
    SessionFields, Status, Whole,
};

/// The most sessions a movie has.
pub const SESSIONS_MAX: i64 = 200;

/// A session, with its appointments in slot order.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: i64,
    pub movie_id: i64,
    #[serde(flatten)]
    pub fields: SessionFields,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub appointments: Vec<Appointment>,
    /// Bumped on every change of the session or of its appointments; the ETag.
    #[serde(skip)]
    pub version: i64,
}

impl Session {
    /// The appointment in a slot, if it is taken.
    pub fn appointment(&self, slot: i32) -> Option<&Appointment> {
        self.appointments
            .iter()
            .find(|appointment| appointment.slot == slot)
    }
}

/// A booked slot: which candidate comes, when, and how it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Appointment {
    /// The slot's number, from 0.
    pub slot: i32,
    #[serde(serialize_with = "super::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    pub role_id: i64,
    /// The role's name: the character the actor reads for.
    pub role: String,
    pub actor: CandidateActor,
    #[schema(value_type = String)]
    pub state: AppointmentState,
    #[serde(serialize_with = "super::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl utoipa::PartialSchema for Session {
    fn schema() -> RefOr<Schema> {
        let more = ObjectBuilder::new()
            .property("movie_id", ObjectBuilder::new().schema_type(Type::Integer))
            .required("movie_id")
            .property(
                "appointments",
                ArrayBuilder::new().items(Ref::from_schema_name("Appointment")),
            )
            .required("appointments");
        fields::representation::<SessionFields>(
            "An audition or callback session, with its appointments in slot order.",
            more,
        )
    }
}

impl ToSchema for Session {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            "Appointment".to_owned(),
            <Appointment as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// A session's own row, without its appointments.
struct SessionRow {
    id: i64,
    movie_id: i64,
    fields: SessionFields,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl<'r, R> FromRow<'r, R> for SessionRow
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<chrono::NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            movie_id: row.try_get("movie_id")?,
            fields: fields::read_row(row)?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            version: row.try_get("version")?,
        })
    }
}

impl SessionRow {
    fn with(self, appointments: Vec<Appointment>) -> Session {
        Session {
            id: self.id,
            movie_id: self.movie_id,
            fields: self.fields,
            created_at: self.created_at,
            updated_at: self.updated_at,
            appointments,
            version: self.version,
        }
    }
}

/// The columns of a session's row `s`.
fn columns() -> String {
    format!(
        "s.id, s.movie_id, {}, s.version, s.created_at, s.updated_at",
        fields::read_columns::<SessionFields>("s")
    )
}

/// A row of [`APPOINTMENTS`].
#[derive(FromRow)]
struct AppointmentRow {
    session_id: i64,
    slot: i32,
    role_id: i64,
    role_name: String,
    actor_id: i64,
    actor_name: String,
    actor_age: i32,
    actor_gender: String,
    playing_age_min: Option<i32>,
    playing_age_max: Option<i32>,
    #[sqlx(try_from = "Option<String>")]
    photo: PrimaryPhoto,
    state: String,
    updated_at: DateTime<Utc>,
}

/// The appointments of the sessions `ap.session_id` is restricted to, with their actors and
/// roles.
const APPOINTMENTS: &str = "SELECT ap.session_id, ap.slot, ap.role_id, r.name AS role_name, \
     ap.actor_id, a.name AS actor_name, a.age AS actor_age, a.gender AS actor_gender, \
     a.playing_age_min, a.playing_age_max, a.photo, ap.state, ap.updated_at \
     FROM appointments ap JOIN roles r ON r.id = ap.role_id JOIN actors a ON a.id = ap.actor_id";

impl AppointmentRow {
    fn into_appointment(self, session: &SessionFields) -> StorageResult<Appointment> {
        let state = AppointmentState::from_name(&self.state).ok_or_else(|| {
            StorageError::Fault(sqlx::Error::Decode(
                format!("appointment state {:?}", self.state).into(),
            ))
        })?;
        let starts_at = session.slot_start(self.slot);
        Ok(Appointment {
            slot: self.slot,
            starts_at,
            ends_at: starts_at + session.slot_length(),
            role_id: self.role_id,
            role: self.role_name,
            actor: CandidateActor {
                id: self.actor_id,
                name: self.actor_name,
                age: self.actor_age,
                gender: self.actor_gender,
                playing_age_min: self.playing_age_min,
                playing_age_max: self.playing_age_max,
                photo: self.photo,
            },
            state,
            updated_at: self.updated_at,
        })
    }
}

/// Reads sessions' rows and then their appointments, on one connection or transaction.
macro_rules! read_sessions {
    ($executor:expr, $condition:expr, $bind:expr) => {{
        let rows = sqlx::query_as::<_, SessionRow>(&format!(
            "SELECT {} FROM sessions s WHERE {} ORDER BY s.starts_at, s.id",
            columns(),
            $condition
        ))
        .bind($bind)
        .fetch_all(&mut *$executor)
        .await?;
        let mut appointments: HashMap<i64, Vec<AppointmentRow>> = HashMap::new();
        if !rows.is_empty() {
            let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
            let mut sql = Sql::new(&format!("{APPOINTMENTS} WHERE ap.session_id IN "));
            sql.bind_list(&ids).push(" ORDER BY ap.session_id, ap.slot");
            for row in bind_args!(sqlx::query_as::<_, AppointmentRow>(&sql.text), sql.args)
                .fetch_all(&mut *$executor)
                .await?
            {
                appointments.entry(row.session_id).or_default().push(row);
            }
        }
        rows.into_iter()
            .map(|row| {
                let booked = appointments.remove(&row.id).unwrap_or_default();
                let booked = booked
                    .into_iter()
                    .map(|appointment| appointment.into_appointment(&row.fields))
                    .collect::<StorageResult<Vec<_>>>()?;
                Ok(row.with(booked))
            })
            .collect::<StorageResult<Vec<Session>>>()
    }};
}

/// A movie's sessions, in the order they start (a movie has at most [`SESSIONS_MAX`]).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(db: &Database, movie_id: i64) -> StorageResult<Vec<Session>> {
    on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let sessions = read_sessions!(connection, "s.movie_id = $1", movie_id)?;
        if sessions.is_empty() {
            super::must_exist!(&mut *connection, Kind::Movie, movie_id);
        }
        Ok(sessions)
    })
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Session> {
    let sessions = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        read_sessions!(connection, "s.id = $1", id)?
    });
    sessions
        .into_iter()
        .next()
        .ok_or(StorageError::NotFound(Kind::Session.name(), id))
}

/// Locks a session's movie, then the session, and answers the session as it is now (its
/// appointments included): what every write of a session starts with.
macro_rules! lock_session {
    ($tx:expr, $dialect:expr, $id:expr) => {{
        let movie_id: Option<i64> =
            sqlx::query_scalar("SELECT movie_id FROM sessions WHERE id = $1")
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
        let movie_id = movie_id.ok_or(StorageError::NotFound(Kind::Session.name(), $id))?;
        sqlx::query(super::roles::lock_movie_query($dialect).as_str())
            .bind(movie_id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(&format!(
            "SELECT id FROM sessions WHERE id = $1{}",
            $dialect.for_update
        ))
        .bind($id)
        .execute(&mut *$tx)
        .await?;
        read_sessions!($tx, "s.id = $1", $id)?
            .into_iter()
            .next()
            .ok_or(StorageError::NotFound(Kind::Session.name(), $id))?
    }};
}

/// Bumps a session's version after a change of its appointments.
const BUMP: &str = "UPDATE sessions SET version = version + 1, updated_at = $2 WHERE id = $1";

/// Ends the write of one appointment: the session's version, the history's entry, the commit,
/// and the session as it is now.
macro_rules! appointment_written {
    ($tx:expr, $id:expr, $now:expr, $changes:expr, $editor:expr) => {{
        sqlx::query(BUMP)
            .bind($id)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        let entry = Entry {
            kind: Kind::Session,
            id: $id,
            action: Action::Appointment,
            changes: $changes,
        };
        record_changes!(&mut *$tx, &[entry], $editor);
        let session = read_sessions!($tx, "s.id = $1", $id)?;
        $tx.commit().await?;
        session
            .into_iter()
            .next()
            .ok_or(StorageError::NotFound(Kind::Session.name(), $id))
    }};
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(
    db: &Database,
    movie_id: i64,
    session: &NewSession,
    editor: &Editor,
) -> StorageResult<Session> {
    let mut insert = fields::insert_under("sessions", "movie_id", movie_id, session, super::now());
    insert.push(" RETURNING id");
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        lock_movie_with_room!(tx, dialect, movie_id, "sessions", SESSIONS_MAX);
        let id: i64 = bind_args!(sqlx::query_scalar(&insert.text), insert.args)
            .fetch_one(&mut *tx)
            .await?;
        let changes = fields::created(session).key("movie_id", None::<i64>, movie_id);
        record_changes!(&mut *tx, &[Entry { kind: Kind::Session, id, action: Action::Create, changes }], editor);
        let created = read_sessions!(tx, "s.id = $1", id)?;
        tx.commit().await?;
        created.into_iter().next().ok_or(StorageError::NotFound(Kind::Session.name(), id))
    })
}

/// Changes a session. Fewer slots than its last appointment needs is a conflict; a new start
/// or slot length moves every appointment with it.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &SessionChanges,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Session> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = lock_session!(tx, dialect, id);
        super::expect_version(if_match, current.version, Kind::Session)?;
        let changed = current.fields.changed(changes);
        if changed == current.fields {
            tx.commit().await?;
            return Ok(current);
        }
        if let Some(last) = current.appointments.last()
            && last.slot >= changed.slots.get()
        {
            return Err(StorageError::Conflict(format!(
                "slot {} is booked: free it before the session has {} slots",
                last.slot, changed.slots
            )));
        }
        let mut sql = Sql::new("UPDATE sessions SET version = version + 1, updated_at = ");
        sql.bind(Value::Time(super::now()));
        fields::push_assignments(&mut sql, &current.fields, &changed);
        sql.push(" WHERE id = ").bind(Value::Int(id));
        bind_args!(sqlx::query(&sql.text), sql.args).execute(&mut *tx).await?;
        let entry = Entry {
            kind: Kind::Session,
            id,
            action: Action::Update,
            changes: fields::changed(&current.fields, &changed),
        };
        record_changes!(&mut *tx, &[entry], editor);
        let session = read_sessions!(tx, "s.id = $1", id)?;
        tx.commit().await?;
        session.into_iter().next().ok_or(StorageError::NotFound(Kind::Session.name(), id))
    })
}

/// Deletes a session and its appointments.
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
        let current = lock_session!(tx, dialect, id);
        super::expect_version(if_match, current.version, Kind::Session)?;
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(missed!(&mut *tx, Kind::Session, id));
        }
        let changes = fields::deleted(&current.fields)
            .key("movie_id", current.movie_id, None::<i64>)
            .field("appointments", current.appointments.len(), None::<i64>);
        record_changes!(&mut *tx, &[Entry { kind: Kind::Session, id, action: Action::Delete, changes }], editor);
        tx.commit().await?;
        Ok(())
    })
}

/// Refuses a slot number the session does not have.
fn within(session: &Session, slot: i32) -> StorageResult<()> {
    let slots = session.fields.slots.get();
    if (0..slots).contains(&slot) {
        Ok(())
    } else {
        Err(StorageError::Missing(format!(
            "session {} has no slot {slot}: its slots are 0 to {}",
            session.id,
            slots - 1
        )))
    }
}

fn free_slot(session: &Session, slot: i32) -> StorageError {
    StorageError::Missing(format!("slot {slot} of session {} is free", session.id))
}

/// The history of an appointment: which slot, whose, and its state before and after.
fn appointment_changes(
    slot: i32,
    role_id: i64,
    actor_id: i64,
    from: Option<AppointmentState>,
    to: Option<AppointmentState>,
) -> FieldChanges {
    FieldChanges::new()
        .key("slot", slot, slot)
        .key("role_id", role_id, role_id)
        .key("actor_id", actor_id, actor_id)
        .field(
            "state",
            from.map(AppointmentState::as_str),
            to.map(AppointmentState::as_str),
        )
}

/// Books a slot with a candidate of one of the movie's roles, as `invited`. The same booking
/// again changes nothing.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn book(
    db: &Database,
    id: i64,
    slot: i32,
    booking: &Booking,
    editor: &Editor,
) -> StorageResult<Session> {
    let (role_id, actor_id) = (booking.role_id.get(), booking.actor_id.get());
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = lock_session!(tx, dialect, id);
        within(&current, slot)?;
        let role_movie: Option<i64> = sqlx::query_scalar("SELECT movie_id FROM roles WHERE id = $1")
            .bind(role_id)
            .fetch_optional(&mut *tx)
            .await?;
        match role_movie {
            None => return Err(StorageError::Invalid(invalid("role_id", format!("no role has the id {role_id}")))),
            Some(movie_id) if movie_id != current.movie_id => {
                return Err(StorageError::Invalid(invalid(
                    "role_id",
                    format!("role {role_id} is not of this session's movie"),
                )));
            }
            Some(_) => {}
        }
        let candidate = sqlx::query("SELECT 1 FROM candidates WHERE role_id = $1 AND actor_id = $2")
            .bind(role_id)
            .bind(actor_id)
            .fetch_optional(&mut *tx)
            .await?;
        if candidate.is_none() {
            return Err(StorageError::Invalid(invalid(
                "actor_id",
                format!("actor {actor_id} is not a candidate for role {role_id}"),
            )));
        }
        if let Some(taken) = current.appointment(slot) {
            if taken.actor.id == actor_id && taken.role_id == role_id {
                tx.commit().await?;
                return Ok(current);
            }
            return Err(StorageError::Conflict(format!(
                "slot {slot} is taken by actor {} ({}): free it first",
                taken.actor.id, taken.actor.name
            )));
        }
        if let Some(elsewhere) = current.appointments.iter().find(|appointment| appointment.actor.id == actor_id) {
            return Err(StorageError::Conflict(format!(
                "actor {actor_id} already has slot {} of this session: one appointment per actor",
                elsewhere.slot
            )));
        }
        let now = super::now();
        sqlx::query(
            "INSERT INTO appointments (session_id, slot, role_id, actor_id, state, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        // As autofill's statement of the same text binds it: PostgreSQL keeps one prepared
        // statement per text, with its parameters' types.
        .bind(i64::from(slot))
        .bind(role_id)
        .bind(actor_id)
        .bind(AppointmentState::Invited.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let changes = appointment_changes(slot, role_id, actor_id, None, Some(AppointmentState::Invited));
        appointment_written!(tx, id, now, changes, editor)
    })
}

/// Frees a booked slot.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn free(db: &Database, id: i64, slot: i32, editor: &Editor) -> StorageResult<Session> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = lock_session!(tx, dialect, id);
        within(&current, slot)?;
        let taken = current.appointment(slot).ok_or_else(|| free_slot(&current, slot))?;
        sqlx::query("DELETE FROM appointments WHERE session_id = $1 AND slot = $2")
            .bind(id)
            .bind(slot)
            .execute(&mut *tx)
            .await?;
        let now = super::now();
        let changes = appointment_changes(slot, taken.role_id, taken.actor.id, Some(taken.state), None);
        appointment_written!(tx, id, now, changes, editor)
    })
}

/// Sets a booked slot's state. Who may set which state is the caller's to check.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn set_state(
    db: &Database,
    id: i64,
    slot: i32,
    state: AppointmentState,
    editor: &Editor,
) -> StorageResult<Session> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let current = lock_session!(tx, dialect, id);
        within(&current, slot)?;
        let taken = current.appointment(slot).ok_or_else(|| free_slot(&current, slot))?;
        if taken.state == state {
            tx.commit().await?;
            return Ok(current);
        }
        let now = super::now();
        sqlx::query("UPDATE appointments SET state = $3, updated_at = $4 WHERE session_id = $1 AND slot = $2")
            .bind(id)
            .bind(slot)
            .bind(state.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let changes = appointment_changes(slot, taken.role_id, taken.actor.id, Some(taken.state), Some(state));
        appointment_written!(tx, id, now, changes, editor)
    })
}

/// What autofill did: the session afterwards, and how many it scheduled.
#[derive(Debug)]
pub struct Filled {
    pub session: Session,
    pub scheduled: usize,
}

/// A candidate autofill may schedule.
#[derive(FromRow)]
struct Waiting {
    actor_id: i64,
    rank: Option<i32>,
    note: Option<String>,
}

/// Fills the free slots, in order, with the role's candidates in `status` who are not in the
/// session yet, best rank first (unranked last, then in the order they were added), and moves
/// them to the session's kind (`audition` or `callback`), in one transaction.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn autofill(
    db: &Database,
    id: i64,
    request: &Autofill,
    editor: &Editor,
) -> StorageResult<Filled> {
    let role_id = request.role_id.get();
    if request.status == Status::Booked {
        return Err(StorageError::Invalid(invalid(
            "status",
            "booked candidates are cast already: autofill schedules those still auditioning",
        )));
    }
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let movie_id: Option<i64> = sqlx::query_scalar("SELECT movie_id FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let movie_id = movie_id.ok_or(StorageError::NotFound(Kind::Session.name(), id))?;
        let role_movie: Option<i64> = sqlx::query_scalar("SELECT movie_id FROM roles WHERE id = $1")
            .bind(role_id)
            .fetch_optional(&mut *tx)
            .await?;
        if role_movie != Some(movie_id) {
            return Err(StorageError::Invalid(invalid(
                "role_id",
                format!("role {role_id} is not a role of this session's movie"),
            )));
        }
        lock_role!(tx, dialect, role_id);
        let current = lock_session!(tx, dialect, id);
        let taken: std::collections::HashSet<i32> =
            current.appointments.iter().map(|appointment| appointment.slot).collect();
        let free: Vec<i32> = (0..current.fields.slots.get()).filter(|slot| !taken.contains(slot)).collect();
        if free.is_empty() {
            tx.commit().await?;
            return Ok(Filled { session: current, scheduled: 0 });
        }
        let waiting = sqlx::query_as::<_, Waiting>(
            "SELECT c.actor_id, c.rank, c.note FROM candidates c WHERE c.role_id = $1 AND c.status = $2 \
             AND c.actor_id NOT IN (SELECT actor_id FROM appointments WHERE session_id = $3) \
             ORDER BY c.rank IS NULL, c.rank, c.id LIMIT $4",
        )
        .bind(role_id)
        .bind(request.status.as_str())
        .bind(id)
        .bind(free.len() as i64)
        .fetch_all(&mut *tx)
        .await?;
        if waiting.is_empty() {
            tx.commit().await?;
            return Ok(Filled { session: current, scheduled: 0 });
        }
        let now = super::now();
        let mut insert = Sql::new(
            "INSERT INTO appointments (session_id, slot, role_id, actor_id, state, updated_at) VALUES ",
        );
        let mut entries = Vec::with_capacity(waiting.len() * 3);
        for (index, (candidate, slot)) in waiting.iter().zip(&free).enumerate() {
            if index > 0 {
                insert.push(", ");
            }
            insert.push("(").bind(Value::Int(id));
            insert.push(", ").bind(Value::Int((*slot).into()));
            insert.push(", ").bind(Value::Int(role_id));
            insert.push(", ").bind(Value::Int(candidate.actor_id));
            insert.push(", ").bind(Value::Text(AppointmentState::Invited.as_str().to_owned()));
            insert.push(", ").bind(Value::Time(now)).push(")");
            let changes = appointment_changes(*slot, role_id, candidate.actor_id, None, Some(AppointmentState::Invited));
            entries.push(Entry { kind: Kind::Session, id, action: Action::Appointment, changes });
        }
        bind_args!(sqlx::query(&insert.text), insert.args).execute(&mut *tx).await?;
        let target = current.fields.status();
        if target != request.status {
            let moved: Vec<i64> = waiting.iter().map(|candidate| candidate.actor_id).collect();
            let mut update = Sql::new("UPDATE candidates SET version = version + 1, status = ");
            update.bind(Value::Text(target.as_str().to_owned()));
            update.push(", updated_at = ").bind(Value::Time(now));
            update.push(" WHERE role_id = ").bind(Value::Int(role_id));
            update.push(" AND actor_id IN ").bind_list(&moved);
            bind_args!(sqlx::query(&update.text), update.args).execute(&mut *tx).await?;
            for candidate in &waiting {
                let standing = |status| {
                    CandidateFields::from_stored(vec![
                        crate::model::Stored::Text(Some(Status::as_str(status).to_owned())),
                        crate::model::Stored::Int(candidate.rank),
                        crate::model::Stored::Text(candidate.note.clone()),
                    ])
                    .map_err(|message| StorageError::Fault(sqlx::Error::Decode(message.into())))
                };
                let (before, after) = (standing(request.status)?, standing(target)?);
                let changes = candidate_changes(candidate.actor_id, Some(&before), Some(&after));
                entries.push(Entry { kind: Kind::Role, id: role_id, action: Action::Candidate, changes: changes.clone() });
                entries.push(Entry { kind: Kind::Actor, id: candidate.actor_id, action: Action::Candidate, changes });
            }
        }
        sqlx::query(BUMP).bind(id).bind(now).execute(&mut *tx).await?;
        for chunk in entries.chunks(super::candidates::HISTORY_CHUNK) {
            record_changes!(&mut *tx, chunk, editor);
        }
        let session = read_sessions!(tx, "s.id = $1", id)?
            .into_iter()
            .next()
            .ok_or(StorageError::NotFound(Kind::Session.name(), id))?;
        tx.commit().await?;
        Ok(Filled { session, scheduled: waiting.len() })
    })
}
