//! Field rules for request bodies (SPEC.md, Resources): each write reads a JSON object field by
//! field, collects every broken rule, and answers 422 naming the fields.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Fields the server assigns; writing them is refused rather than ignored.
const SERVER_OWNED: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "cast",
    "movies",
    "success",
];

pub const NAME_MAX: usize = 200;
pub const GENDER_MAX: usize = 50;
pub const TITLE_MAX: usize = 300;
pub const CHARACTER_MAX: usize = 200;
pub const AGE_MAX: i64 = 150;
pub const YEAR_MIN: i32 = 1800;
pub const YEAR_MAX: i32 = 9999;

/// A JSON object being read into a write, with the rules it broke so far.
pub struct Body {
    fields: Map<String, Value>,
    errors: Vec<String>,
}

impl Body {
    /// Refuses server-owned and unknown fields; `aliases` maps another accepted name to the
    /// canonical one (the seed's `movie` for `title`).
    pub fn new(
        mut fields: Map<String, Value>,
        writable: &[&str],
        aliases: &[(&str, &str)],
    ) -> Self {
        let mut errors = Vec::new();
        for (alias, canonical) in aliases {
            if let Some(value) = fields.remove(*alias) {
                if fields.contains_key(*canonical) {
                    errors.push(format!(
                        "{canonical}: send either {canonical} or {alias}, not both"
                    ));
                } else {
                    fields.insert((*canonical).to_owned(), value);
                }
            }
        }
        let mut names: Vec<&String> = fields.keys().collect();
        names.sort();
        for name in names {
            if SERVER_OWNED.contains(&name.as_str()) {
                errors.push(format!(
                    "{name}: is assigned by the server and cannot be written"
                ));
            } else if !writable.contains(&name.as_str()) {
                errors.push(format!(
                    "{}: unknown field (expected {})",
                    printable(name),
                    writable.join(", ")
                ));
            }
        }
        Self { fields, errors }
    }

    /// Like [`Body::new`], for a PATCH: the body must change at least one field.
    pub fn changes(
        fields: Map<String, Value>,
        writable: &[&str],
        aliases: &[(&str, &str)],
    ) -> Self {
        let mut body = Self::new(fields, writable, aliases);
        if body.fields.is_empty() {
            body.reject(format!(
                "the body must change at least one of {}",
                writable.join(", ")
            ));
        }
        body
    }

    /// A field that must be present and valid.
    pub fn required<T>(
        &mut self,
        name: &str,
        rule: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.fields.get(name) {
            None => {
                self.errors.push(format!("{name}: is required"));
                None
            }
            Some(value) => self.check(name, value.clone(), rule),
        }
    }

    /// A field that may be absent; if present it must be valid and not `null`.
    pub fn optional<T>(
        &mut self,
        name: &str,
        rule: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.fields.get(name)?.clone();
        self.check(name, value, rule)
    }

    /// A field that may be absent or `null`, both meaning "none".
    pub fn nullable<T>(
        &mut self,
        name: &str,
        rule: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.fields.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => {
                let value = value.clone();
                self.check(name, value, rule)
            }
        }
    }

    fn check<T>(
        &mut self,
        name: &str,
        value: Value,
        rule: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<T> {
        if value.is_null() {
            self.errors.push(format!("{name}: must not be null"));
            return None;
        }
        match rule(&value) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                self.errors.push(format!("{name}: {message}"));
                None
            }
        }
    }

    /// Adds a rule broken by the body as a whole.
    fn reject(&mut self, message: String) {
        self.errors.push(message);
    }

    /// 422 with every broken rule, or the parsed value.
    pub fn finish<T>(self, parsed: Option<T>) -> Result<T, ApiError> {
        match parsed {
            Some(parsed) if self.errors.is_empty() => Ok(parsed),
            _ if self.errors.is_empty() => Err(ApiError::Validation("the body is invalid".into())),
            _ => Err(ApiError::Validation(self.errors.join("; "))),
        }
    }
}

/// A field name as it may be echoed back: control characters escaped, length bounded.
fn printable(name: &str) -> String {
    let escaped: String = name.chars().flat_map(char::escape_debug).take(64).collect();
    escaped
}

/// Text trimmed of outer whitespace, 1 to `max` characters, without control characters.
pub fn text(max: usize) -> impl Fn(&Value) -> Result<String, String> {
    move |value| {
        let Value::String(raw) = value else {
            return Err("must be a string".into());
        };
        let trimmed = raw.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            return Err("must not be empty".into());
        }
        if length > max {
            return Err(format!("must be at most {max} characters"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(trimmed.to_owned())
    }
}

/// Like [`text`], but empty text means "none".
pub fn optional_text(max: usize) -> impl Fn(&Value) -> Result<Option<String>, String> {
    move |value| match value {
        Value::String(raw) if raw.trim().is_empty() => Ok(None),
        _ => text(max)(value).map(Some),
    }
}

/// A whole number from 0 to 150.
pub fn age(value: &Value) -> Result<i32, String> {
    match value.as_i64() {
        Some(age) if (0..=AGE_MAX).contains(&age) => Ok(age as i32),
        Some(_) => Err(format!("must be between 0 and {AGE_MAX}")),
        None => Err(format!("must be an integer between 0 and {AGE_MAX}")),
    }
}

/// `"YYYY-MM-DD"`, or the seed's integer `YYYYMMDD`; a real calendar date, years 1800 to 9999.
pub fn release_date(value: &Value) -> Result<NaiveDate, String> {
    let date = match value {
        Value::String(text) => parse_date(text),
        Value::Number(number) => number
            .as_u64()
            .filter(|n| (10_000_101..=99_991_231).contains(n))
            .and_then(|n| {
                NaiveDate::from_ymd_opt(
                    (n / 10_000) as i32,
                    (n / 100 % 100) as u32,
                    (n % 100) as u32,
                )
            }),
        _ => return Err("must be a date, \"YYYY-MM-DD\"".into()),
    };
    let date = date.ok_or_else(|| "must be a real calendar date, \"YYYY-MM-DD\"".to_owned())?;
    if (YEAR_MIN..=YEAR_MAX).contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!("must be in the years {YEAR_MIN} to {YEAR_MAX}"))
    }
}

/// Strictly `YYYY-MM-DD`: ten characters, zero-padded, a date that exists.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text(5)(&json!("  Zoë ")), Ok("Zoë".to_owned()));
        assert!(text(5)(&json!("   ")).is_err());
        assert!(text(3)(&json!("abcd")).is_err());
        assert!(text(9)(&json!("a\u{0}b")).is_err());
        assert!(text(9)(&json!(5)).is_err());
    }

    #[test]
    fn an_age_is_a_whole_number_from_0_to_150() {
        assert_eq!(age(&json!(0)), Ok(0));
        assert_eq!(age(&json!(150)), Ok(150));
        assert!(age(&json!(151)).is_err());
        assert!(age(&json!(-1)).is_err());
        assert!(age(&json!(30.5)).is_err());
        assert!(age(&json!("30")).is_err());
        assert!(age(&json!(u64::MAX)).is_err());
    }

    #[test]
    fn release_dates_come_as_iso_text_or_the_seeds_integer() {
        let expected = NaiveDate::from_ymd_opt(2020, 10, 10).unwrap();
        assert_eq!(release_date(&json!("2020-10-10")), Ok(expected));
        assert_eq!(release_date(&json!(20201010)), Ok(expected));
        assert!(release_date(&json!("2023-02-29")).is_err());
        assert!(release_date(&json!(20230229)).is_err());
        assert!(release_date(&json!("2020-1-10")).is_err());
        assert!(release_date(&json!("1799-12-31")).is_err());
        assert!(release_date(&json!("+2020-10-10")).is_err());
    }
}
