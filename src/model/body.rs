//! Request bodies read from JSON objects: every broken rule reported at once, by field, with
//! server-owned and unknown fields refused.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{Field, printable};

/// Fields the server assigns: writing them is refused with a message that says so.
const SERVER_OWNED: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "cast",
    "movies",
    "success",
];

/// One broken rule of a request body: the field it concerns (if any) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every rule a request body broke, in field order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<Problem>);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// A request body read from a JSON object.
pub trait RequestBody: Sized {
    fn from_object(object: Map<String, Value>) -> Result<Self, Invalid>;
}

/// A JSON object being read into a request body, with the rules it broke so far.
pub struct ObjectReader {
    fields: Map<String, Value>,
    problems: Vec<Problem>,
}

impl ObjectReader {
    /// Refuses server-owned and unknown fields; `aliases` maps another accepted name to the
    /// canonical one (the seed's `movie` for `title`).
    pub fn new(mut fields: Map<String, Value>, known: &[&str], aliases: &[(&str, &str)]) -> Self {
        let mut problems = Vec::new();
        for (alias, canonical) in aliases {
            if let Some(value) = fields.remove(*alias) {
                if fields.contains_key(*canonical) {
                    problems.push(problem(
                        canonical,
                        format!("send either {canonical} or {alias}, not both"),
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
                problems.push(problem(
                    name,
                    "is assigned by the server and cannot be written".into(),
                ));
            } else if !known.contains(&name.as_str()) {
                problems.push(problem(
                    &printable(name),
                    format!("unknown field (expected {})", known.join(", ")),
                ));
            }
        }
        Self { fields, problems }
    }

    /// A field that must be present and valid.
    pub fn required<T: Field>(&mut self, name: &str) -> Option<T> {
        if !self.fields.contains_key(name) {
            self.problems.push(problem(name, "is required".into()));
            return None;
        }
        self.optional(name)
    }

    /// A field that may be absent; if present it must be valid, and `null` is not.
    pub fn optional<T: Field>(&mut self, name: &str) -> Option<T> {
        match self.fields.get(name)? {
            Value::Null => {
                self.problems.push(problem(name, "must not be null".into()));
                None
            }
            value => match T::parse(value) {
                Ok(parsed) => Some(parsed),
                Err(message) => {
                    self.problems.push(problem(name, message));
                    None
                }
            },
        }
    }

    /// A field that may be absent (its type's default); if present, its type judges it, `null`
    /// included.
    pub fn or_default<T: Field + Default>(&mut self, name: &str) -> Option<T> {
        match self.fields.get(name) {
            None => Some(T::default()),
            Some(_) => self.clearable(name),
        }
    }

    /// A field that may be absent; if present, its type judges it, `null` included.
    pub fn clearable<T: Field>(&mut self, name: &str) -> Option<T> {
        let value = self.fields.get(name)?;
        match T::parse(value) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                self.problems.push(problem(name, message));
                None
            }
        }
    }

    /// Rules the body broke that join several fields.
    pub fn add(&mut self, problems: Vec<Problem>) {
        self.problems.extend(problems);
    }

    /// A field that may be absent or `null`, both meaning "none".
    pub fn nullable<T: Field>(&mut self, name: &str) -> Option<T> {
        match self.fields.get(name) {
            None | Some(Value::Null) => None,
            Some(_) => self.optional(name),
        }
    }

    /// Refuses a body that names no field (a PATCH must change something).
    pub fn require_any(&mut self, known: &[&str]) {
        if self.fields.is_empty() {
            self.problems.push(Problem {
                field: None,
                message: format!("the body must change at least one of {}", known.join(", ")),
            });
        }
    }

    /// The body, or every rule it broke.
    pub fn finish<T>(self, body: Option<T>) -> Result<T, Invalid> {
        match body {
            Some(body) if self.problems.is_empty() => Ok(body),
            _ => Err(Invalid(self.problems)),
        }
    }
}

fn problem(field: &str, message: String) -> Problem {
    Problem {
        field: Some(field.to_owned()),
        message,
    }
}
