//! List parameters (SPEC.md, Lists): strict query parsing, page size, sort order, and the opaque
//! cursor that carries the last row's sort key together with the sort and filters it belongs to.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::storage::{Keyset, Value};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
/// Longest accepted text filter, in characters.
pub const FILTER_TEXT_MAX: usize = 200;
/// Longest accepted cursor; real ones are far shorter.
const CURSOR_MAX: usize = 1024;

/// The type of a sortable column's values, which is how its cursor key is read back.
#[derive(Debug, Clone, Copy)]
pub enum KeyType {
    Int,
    Text,
    Date,
}

/// A column a list can be sorted by: its name in `sort=` and in SQL, and its type.
pub type SortColumn = (&'static str, KeyType);

/// The parsed query string of a list request.
pub struct ListQuery {
    params: HashMap<String, String>,
}

impl ListQuery {
    /// Refuses parameters not in `allowed` and repeated parameters.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut params = HashMap::new();
        for (name, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !allowed.contains(&name.as_ref()) {
                let shown: String = name.chars().flat_map(char::escape_debug).take(64).collect();
                return Err(ApiError::BadRequest(format!(
                    "{shown}: unknown query parameter (expected one of {})",
                    allowed.join(", ")
                )));
            }
            if params
                .insert(name.to_string(), value.into_owned())
                .is_some()
            {
                return Err(ApiError::BadRequest(format!(
                    "{name}: given more than once"
                )));
            }
        }
        Ok(Self { params })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A case-insensitive text filter; empty means no filter.
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let trimmed = raw.trim();
        if trimmed.chars().count() > FILTER_TEXT_MAX {
            return Err(bad(
                name,
                &format!("must be at most {FILTER_TEXT_MAX} characters"),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(bad(name, "must not contain control characters"));
        }
        Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
    }

    pub fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|raw| match raw.parse::<i64>() {
                Ok(value) if (min..=max).contains(&value) => Ok(value),
                _ => Err(bad(
                    name,
                    &format!("must be an integer from {min} to {max}"),
                )),
            })
            .transpose()
    }

    pub fn date(&self, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        self.get(name)
            .map(|raw| {
                super::validate::parse_date(raw)
                    .ok_or_else(|| bad(name, "must be a real calendar date, YYYY-MM-DD"))
            })
            .transpose()
    }

    /// The page to read: its size, its order, and where the previous page ended. `filters` is the
    /// canonical form of the filters in force, which the cursor must have been made with.
    pub fn keyset(&self, columns: &[SortColumn], filters: &str) -> Result<Keyset, ApiError> {
        let limit = self
            .integer("limit", 1, i64::from(MAX_LIMIT))?
            .map_or(DEFAULT_LIMIT, |limit| limit as u32);
        let sort = self.get("sort").unwrap_or("id");
        let (descending, name) = match sort.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, sort),
        };
        let &(column, key_type) = columns
            .iter()
            .find(|(column, _)| *column == name)
            .ok_or_else(|| {
                let names: Vec<&str> = columns.iter().map(|(column, _)| *column).collect();
                bad(
                    "sort",
                    &format!(
                        "must be one of {}, optionally with a leading -",
                        names.join(", ")
                    ),
                )
            })?;
        let after = match self.get("cursor") {
            None => None,
            Some(raw) => Some(Cursor::decode(raw, sort, filters, key_type)?),
        };
        Ok(Keyset {
            column,
            descending,
            after,
            limit,
        })
    }

    /// The cursor of the page after this one.
    pub fn next_cursor(&self, next: Option<(Value, i64)>, filters: &str) -> Option<String> {
        let (key, id) = next?;
        Some(Cursor::encode(
            self.get("sort").unwrap_or("id"),
            filters,
            key,
            id,
        ))
    }
}

fn bad(name: &str, message: &str) -> ApiError {
    ApiError::BadRequest(format!("{name}: {message}"))
}

/// What a cursor holds: base64url of this JSON. It is opaque to clients but not secret; it is
/// checked against the request, so it can only ever select rows that request could see.
#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The `sort` parameter it was made for.
    s: String,
    /// The canonical filters it was made for.
    f: String,
    /// The last row's sort key.
    k: serde_json::Value,
    /// The last row's id.
    i: i64,
}

impl Cursor {
    fn encode(sort: &str, filters: &str, key: Value, id: i64) -> String {
        let k = match key {
            Value::Int(value) => value.into(),
            Value::Text(value) => value.into(),
            Value::Date(value) => value.to_string().into(),
            Value::Time(value) => value.to_rfc3339().into(),
        };
        let cursor = Cursor {
            s: sort.to_owned(),
            f: filters.to_owned(),
            k,
            i: id,
        };
        let json = serde_json::to_vec(&cursor).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(
        raw: &str,
        sort: &str,
        filters: &str,
        key_type: KeyType,
    ) -> Result<(Value, i64), ApiError> {
        let malformed = || bad("cursor", "is not a cursor this list issued");
        if raw.len() > CURSOR_MAX {
            return Err(malformed());
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        if cursor.s != sort || cursor.f != filters {
            return Err(bad("cursor", "was made for another sort or filter"));
        }
        let key = match key_type {
            KeyType::Int => cursor.k.as_i64().map(Value::Int),
            KeyType::Text => cursor.k.as_str().map(|text| Value::Text(text.to_owned())),
            KeyType::Date => cursor
                .k
                .as_str()
                .and_then(super::validate::parse_date)
                .map(Value::Date),
        };
        match key {
            Some(key) if cursor.i > 0 => Ok((key, cursor.i)),
            _ => Err(malformed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[SortColumn] = &[("id", KeyType::Int), ("name", KeyType::Text)];

    #[test]
    fn a_cursor_round_trips_for_the_same_sort_and_filters() {
        let cursor = Cursor::encode("-name", "q=ab", Value::Text("Zoë".into()), 7);
        let query = ListQuery::parse(
            Some(&format!("sort=-name&cursor={cursor}")),
            &["sort", "cursor"],
        )
        .unwrap();
        let keyset = query.keyset(COLUMNS, "q=ab").unwrap();
        assert_eq!(keyset.after, Some((Value::Text("Zoë".into()), 7)));
        assert!(keyset.descending);
        assert!(query.keyset(COLUMNS, "q=abc").is_err());
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused() {
        assert!(ListQuery::parse(Some("limit=1&limit=2"), &["limit"]).is_err());
        assert!(ListQuery::parse(Some("access_token=x"), &["limit"]).is_err());
    }
}
