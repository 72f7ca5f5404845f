//! A session's appointments as an iCalendar file (RFC 5545), for calendar programs: one event
//! per appointment, at its instants in UTC. `icalendar` writes the file's CRLF line ends and
//! folds its long lines.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::model::AppointmentState;
use crate::storage::sessions::Session;

/// Who made the file (RFC 5545, 3.7.3).
const PRODUCT_ID: &str = "-//movie-manager//audition sessions//EN";

/// The media type of the file.
pub const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

/// The UID of an actor's appointment in a session: the same in every export, wherever the slot
/// moves, so that importing the file again updates the event rather than adding one.
fn uid(session: &Session, actor_id: i64) -> String {
    format!("session-{}-actor-{actor_id}@movie-manager", session.id)
}

/// The file of a session's appointments.
pub fn of_session(session: &Session) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODUCT_ID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name(session.fields.name.as_str());
    for appointment in &session.appointments {
        let mut event = Event::new();
        event
            .uid(&uid(session, appointment.actor.id))
            .timestamp(appointment.updated_at)
            .starts(appointment.starts_at)
            .ends(appointment.ends_at)
            .summary(&format!(
                "{} for {}",
                appointment.actor.name, appointment.role
            ))
            .description(&format!(
                "{} ({}), slot {}: {}",
                session.fields.name,
                session.fields.kind.label(),
                appointment.slot,
                appointment.state.label()
            ))
            .status(match appointment.state {
                AppointmentState::Invited => EventStatus::Tentative,
                AppointmentState::Declined => EventStatus::Cancelled,
                _ => EventStatus::Confirmed,
            });
        if let Some(location) = &session.fields.location {
            event.location(location.as_str());
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
