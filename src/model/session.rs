//! An audition or callback session: a run of equal slots from a start, in a place, each of
//! which may hold one appointment with a role's candidate.

use super::candidate::Status;
use super::fields::{
    AppointmentState, Id, Instant, Location, SessionKind, SessionName, SlotCount, SlotMinutes,
    TimeZoneName,
};
use super::resource::{request_body, resource};

resource! {
    /// An audition or callback session of a movie: `slots` slots of `slot_minutes` each, from
    /// `starts_at`.
    pub struct SessionFields as "NewSession", changed by SessionChanges {
        name: SessionName => required "Name",
        kind: SessionKind => optional "Kind",
        starts_at: Instant => required "Starts at",
        time_zone: TimeZoneName => optional "Time zone",
        slot_minutes: SlotMinutes => optional "Slot length (minutes)",
        slots: SlotCount => optional "Slots",
        location: Option<Location> => optional "Location",
    }
    aliases: [],
    broken: |_: &SessionFields| Vec::new(),
}

/// A new session: the request body of `POST /movies/{id}/sessions`.
pub type NewSession = SessionFields;

impl SessionFields {
    /// When a slot starts (the slot is within the session).
    pub fn slot_start(&self, slot: i32) -> chrono::DateTime<chrono::Utc> {
        self.starts_at.time() + self.slot_length() * slot
    }

    pub fn slot_length(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(self.slot_minutes.get().into())
    }

    /// The status autofill moves its candidates to.
    pub fn status(&self) -> Status {
        match self.kind {
            SessionKind::Audition => Status::Audition,
            SessionKind::Callback => Status::Callback,
        }
    }
}

use super::fields::Whole;

request_body! {
    /// A slot's appointment: a candidate of one of the movie's roles.
    pub struct Booking as "Booking" {
        role_id: Id => required,
        actor_id: Id => required,
    }
}

request_body! {
    /// An appointment's new state. The office sets `invited`, `confirmed` and `declined`
    /// (`patch:movie`); the door sets `checked_in`, `seen` and `no_show` (`patch:session`).
    pub struct StateChange as "AppointmentStateChange" {
        state: AppointmentState => required,
    }
}

request_body! {
    /// Fills the session's free slots, in order, with the role's candidates in `status` who are
    /// not in the session yet, best rank first.
    pub struct Autofill as "Autofill" {
        role_id: Id => required,
        status: Status => required,
    }
}
