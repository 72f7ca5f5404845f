//! The "History" section of a detail page: who changed what, when, from what to what, newest
//! first, read through the same page function as the API's history.

use serde_json::Value;

use crate::kit::lists::read_page;
use crate::kit::query::{CursorText, Param, ParamValue};
use crate::model::{
    ActorFields, CandidateFields, Fields, MovieFields, RoleFields, SessionFields, TAG_SEPARATOR,
};
use crate::storage::Kind;
use crate::storage::history::{Action, Change};

use super::Web;
use super::session::SignedIn;
use crate::kit::page::Refused;

/// Changes shown at once; "Older changes" pages on.
const SHOWN: &str = "10";

/// One change, as a person reads it.
pub struct Entry {
    /// RFC 3339, for `<time datetime>`.
    pub at: String,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub when: String,
    pub who: String,
    pub action: &'static str,
    pub fields: Vec<FieldChange>,
}

pub struct FieldChange {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

/// A page of a resource's history, and the cursor of the older ones.
pub struct History {
    pub entries: Vec<Entry>,
    pub older: Option<String>,
}

/// The history of `kind` `id` from `cursor` (empty: the newest changes).
pub async fn section(
    web: &Web,
    session: &SignedIn,
    kind: Kind,
    id: i64,
    cursor: &str,
) -> Result<History, Refused> {
    let refused = |message: String| session.refuse(axum::http::StatusCode::BAD_REQUEST, message);
    let limit = ParamValue::parse(SHOWN).map(Param).map_err(refused)?;
    let cursor = CursorText::parse(cursor).map(Param).map_err(refused)?;
    let page = read_page(&web.db, kind, id, Some(&limit), Some(&cursor))
        .await
        .map_err(|refusal| session.refused(refusal))?;
    Ok(History {
        entries: page.history.into_iter().map(entry).collect(),
        older: page.next_cursor,
    })
}

fn entry(change: Change) -> Entry {
    let mut fields: Vec<FieldChange> = change
        .changes
        .as_object()
        .into_iter()
        .flatten()
        .map(|(field, values)| FieldChange {
            field: label(field),
            from: shown(field, &values["from"]),
            to: shown(field, &values["to"]),
        })
        .collect();
    fields.sort_by_key(|change| order(change.field));
    Entry {
        at: change.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        when: change.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        who: change.by.name.unwrap_or(change.by.sub),
        action: match change.action {
            Action::Create => "Created",
            Action::Update => "Changed",
            Action::Delete => "Deleted",
            Action::Cast => "Cast",
            Action::Uncast => "Removed from the cast",
            Action::Candidate => "Candidate",
            Action::Photo => "Photo",
            Action::Appointment => "Appointment",
            Action::Feedback => "Producers' answer",
        },
        fields,
    }
}

/// The fields of a casting, which the history of both sides records.
const CASTING_LABELS: &[(&str, &str)] = &[
    ("movie_id", "Movie"),
    ("actor_id", "Actor"),
    ("character", "Character"),
    ("role_id", "Role"),
];

/// The fields of an appointment, which a session's history records.
const APPOINTMENT_LABELS: &[(&str, &str)] = &[("slot", "Slot"), ("state", "State")];

/// The fields of the resources, as the forms name them, in the forms' order.
fn labels() -> impl Iterator<Item = (&'static str, &'static str)> {
    ActorFields::DECLARED
        .iter()
        .chain(MovieFields::DECLARED)
        .chain(RoleFields::DECLARED)
        .chain(CandidateFields::DECLARED)
        .chain(SessionFields::DECLARED)
        .map(|field| (field.name, field.label))
        .chain(CASTING_LABELS.iter().copied())
        .chain(APPOINTMENT_LABELS.iter().copied())
}

fn label(field: &str) -> &'static str {
    labels()
        .find(|(name, _)| *name == field)
        .map_or("Other", |(_, label)| label)
}

fn order(label: &str) -> usize {
    labels()
        .position(|(_, shown)| shown == label)
        .unwrap_or(usize::MAX)
}

fn shown(field: &str, value: &Value) -> String {
    match (field, value) {
        (_, Value::Null) => "—".to_owned(),
        ("movie_id", Value::Number(id)) => format!("movie {id}"),
        ("actor_id", Value::Number(id)) => format!("actor {id}"),
        (_, Value::String(text)) => text.clone(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|item| shown(field, item))
            .collect::<Vec<_>>()
            .join(TAG_SEPARATOR),
        (_, Value::Object(object)) => object
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| format!("{key}: {}", shown(field, value)))
            .collect::<Vec<_>>()
            .join(", "),
        (_, other) => other.to_string(),
    }
}
