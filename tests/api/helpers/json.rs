//! Reading and varying the JSON of requests and answers.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// `body` with one field set to `value`.
pub fn with_field(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

/// `body` without one field.
pub fn without_field(mut body: Value, field: &str) -> Value {
    body.as_object_mut().expect("an object").remove(field);
    body
}

/// A timestamp of an answer, which must be RFC 3339 in UTC.
#[track_caller]
pub fn timestamp(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().expect("a timestamp");
    assert!(
        text.ends_with('Z') || text.ends_with("+00:00"),
        "not UTC: {text}"
    );
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("not RFC 3339: {text}"))
        .with_timezone(&Utc)
}

/// The `id` of each item of a list.
pub fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|item| item["id"].as_i64().expect("an id"))
        .collect()
}

/// The movie's `cast` entries as (actor id, character).
pub fn cast(movie: &Value) -> Vec<(i64, Value)> {
    entries(&movie["cast"])
}

/// The actor's `movies` entries as (movie id, character).
pub fn roles(actor: &Value) -> Vec<(i64, Value)> {
    entries(&actor["movies"])
}

fn entries(list: &Value) -> Vec<(i64, Value)> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list of castings, not {list}"))
        .iter()
        .map(|entry| {
            let id = entry["id"].as_i64().expect("an id");
            (id, entry["character"].clone())
        })
        .collect()
}
