//! The catalogue's resources, each declared once ([`resource`]) from field types that hold one
//! rule each ([`fields`]); the request bodies read a JSON object, report every broken rule at
//! once, and describe exactly what they accept. The API, the web app and the CLI all write
//! through these types; the migrations' `CHECK`s repeat the limits for the database's sake, and
//! a test holds them to the constants here.

pub mod actor;
pub mod fields;
pub mod movie;
pub mod resource;

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

pub use actor::{ActorChanges, ActorFields, NewActor};
pub use fields::*;
pub use movie::{MovieChanges, MovieFields, NewMovie};
pub use resource::{Declared, Fields, Flag};

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

/// A field name as it may be echoed back: control characters escaped, length bounded.
pub fn printable(name: &str) -> String {
    name.chars().flat_map(char::escape_debug).take(64).collect()
}

/// Defines a request body from field types: the struct, its reading from a JSON object, and its
/// OpenAPI schema (no other properties; for `changes`, at least one and none `null`).
/// A casting's details. The whole body is optional; no other fields are accepted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Casting {
    pub character: Character,
}

impl Casting {
    pub const FIELDS: &'static [&'static str] = &["character"];
}

impl RequestBody for Casting {
    fn from_object(object: Map<String, Value>) -> Result<Self, Invalid> {
        let mut reader = ObjectReader::new(object, Self::FIELDS, &[]);
        let character = reader.nullable::<Character>("character");
        reader.finish(Some(Self {
            character: character.unwrap_or_default(),
        }))
    }
}

impl utoipa::PartialSchema for Casting {
    fn schema() -> RefOr<Schema> {
        let mut character = Character::schema();
        if let Schema::Object(object) = &mut character {
            object.schema_type =
                utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]);
        }
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "The part the actor plays. The whole body is optional; no other fields are accepted.",
                ))
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
                .property("character", character)
                .build(),
        ))
    }
}

impl utoipa::ToSchema for Casting {}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read<T: RequestBody>(body: Value) -> Result<T, String> {
        match body {
            Value::Object(object) => T::from_object(object).map_err(|e| e.to_string()),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn a_body_reports_every_broken_rule_at_once() {
        let error =
            read::<NewActor>(json!({"name": " ", "age": 151, "id": 3, "nick": 1})).unwrap_err();
        assert!(
            error.starts_with(
                "id: is assigned by the server and cannot be written; \
                 nick: unknown field (expected name, age, gender, playing_age_min"
            ),
            "{error}"
        );
        assert!(
            error.ends_with(
                "name: must not be empty; age: must be between 0 and 150; gender: is required"
            ),
            "{error}"
        );
    }

    #[test]
    fn the_seeds_movie_field_is_another_name_for_the_title() {
        let movie = read::<NewMovie>(json!({"movie": "Avatar", "release_date": 20091218})).unwrap();
        assert_eq!(movie.title.as_str(), "Avatar");
        assert!(
            read::<NewMovie>(json!({"movie": "A", "title": "B", "release_date": 20091218}))
                .is_err()
        );
    }

    #[test]
    fn changes_must_name_a_field_and_only_optional_ones_may_be_null() {
        assert!(read::<ActorChanges>(json!({})).is_err());
        assert!(read::<ActorChanges>(json!({"age": null})).is_err());
        let changes = read::<ActorChanges>(json!({"age": 47, "height_cm": null})).unwrap();
        assert_eq!(changes.age, Age::new(47));
        assert_eq!(changes.height_cm, Some(None));
        assert_eq!(changes.name, None);
        let cleared = read::<ActorChanges>(json!({"skills": null, "languages": []})).unwrap();
        assert_eq!(cleared.skills, Some(Skills::default()));
        assert_eq!(cleared.languages, Some(Languages::default()));
    }

    #[test]
    fn a_profile_is_optional_and_its_playing_ages_in_order() {
        let actor = read::<NewActor>(json!({"name": "Ada", "age": 36, "gender": "f"})).unwrap();
        assert_eq!(actor.agent, None);
        assert!(actor.skills.tags().is_empty());
        let crossed = json!({"name": "Ada", "age": 36, "gender": "f",
            "playing_age_min": 40, "playing_age_max": 30});
        let error = read::<NewActor>(crossed).unwrap_err();
        assert!(
            error.starts_with("playing_age_min: must not be above"),
            "{error}"
        );
    }
}
