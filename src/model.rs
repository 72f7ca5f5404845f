//! The catalogue's fields and request bodies, each rule written once: a field type parses a JSON
//! value (or refuses it, saying why) and states the same rule as its OpenAPI schema, and the
//! request bodies are built from those types by [`request_body!`], which reads a JSON object,
//! reports every broken rule at once, and describes exactly what it accepts. The API, the web app
//! and the CLI all write through these types; the migrations' `CHECK`s repeat the limits for the
//! database's sake, and a test holds them to the constants here.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

/// Longest actor name, in characters after trimming.
pub const NAME_MAX: usize = 200;
/// Longest gender, in characters after trimming.
pub const GENDER_MAX: usize = 50;
/// Longest movie title, in characters after trimming.
pub const TITLE_MAX: usize = 300;
/// Longest character (the part an actor plays), in characters after trimming.
pub const CHARACTER_MAX: usize = 200;
/// The oldest age an actor can have.
pub const AGE_MAX: i32 = 150;
/// The range of years a release date may fall in.
pub const YEAR_MIN: i32 = 1800;
pub const YEAR_MAX: i32 = 9999;

/// Fields the server assigns: writing them is refused with a message that says so.
const SERVER_OWNED: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "cast",
    "movies",
    "success",
];

/// A value of one field of a request body.
pub trait Field: Sized {
    /// The value, or what is wrong with it (a phrase that follows the field's name).
    fn parse(value: &Value) -> Result<Self, String>;
    /// The JSON Schema of exactly the values [`Field::parse`] accepts.
    fn schema() -> Schema;
}

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
macro_rules! request_body {
    (@common $name:ident, [$($doc:literal)*], [$($field:ident: $ty:ty),+], [$(($alias:literal, $canonical:literal)),*], $required:expr, $min_properties:expr) => {
        impl $name {
            /// The names of its fields.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
            const ALIASES: &'static [(&'static str, &'static str)] = &[$(($alias, $canonical)),*];
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let description = [$($doc),*].map(str::trim).join(" ");
                let builder = utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Object)
                    .description(Some(description))
                    .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)))
                    .min_properties($min_properties)
                    $(.property(stringify!($field), <$ty as $crate::model::Field>::schema()))+;
                let builder = if $required {
                    builder $(.required(stringify!($field)))+
                } else {
                    builder
                };
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(builder.build()))
            }
        }

        impl utoipa::ToSchema for $name {}
    };
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident: create { $($field:ident: $ty:ty),+ $(,)? }
        $(aliases: [$(($alias:literal, $canonical:literal)),* $(,)?])?
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(pub $field: $ty,)+
        }

        impl $crate::model::RequestBody for $name {
            fn from_object(object: serde_json::Map<String, serde_json::Value>) -> Result<Self, $crate::model::Invalid> {
                let mut reader = $crate::model::ObjectReader::new(object, Self::FIELDS, Self::ALIASES);
                $(let $field = reader.required::<$ty>(stringify!($field));)+
                let body = (|| Some(Self { $($field: $field?,)+ }))();
                reader.finish(body)
            }
        }

        request_body!(@common $name, [$($doc)*], [$($field: $ty),+], [$($(($alias, $canonical)),*)?], true, None);
    };
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident: changes { $($field:ident: $ty:ty),+ $(,)? }
        $(aliases: [$(($alias:literal, $canonical:literal)),* $(,)?])?
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $(pub $field: Option<$ty>,)+
        }

        impl $crate::model::RequestBody for $name {
            fn from_object(object: serde_json::Map<String, serde_json::Value>) -> Result<Self, $crate::model::Invalid> {
                let mut reader = $crate::model::ObjectReader::new(object, Self::FIELDS, Self::ALIASES);
                reader.require_any(Self::FIELDS);
                let body = Self { $($field: reader.optional::<$ty>(stringify!($field)),)+ };
                reader.finish(Some(body))
            }
        }

        request_body!(@common $name, [$($doc)*], [$($field: $ty),+], [$($(($alias, $canonical)),*)?], false, Some(1));
    };
}

request_body! {
    /// A new actor. No other fields are accepted.
    pub struct NewActor: create { name: Name, age: Age, gender: Gender }
}

request_body! {
    /// Changes to an actor: at least one field, none of them `null`. No other fields are accepted.
    pub struct ActorChanges: changes { name: Name, age: Age, gender: Gender }
}

request_body! {
    /// A new movie. No other fields are accepted. For the seed's clients, `movie` is also
    /// accepted as another name for `title` (not both), and `release_date` as the integer
    /// `YYYYMMDD`.
    pub struct NewMovie: create { title: Title, release_date: ReleaseDate }
    aliases: [("movie", "title")]
}

request_body! {
    /// Changes to a movie: at least one field, none of them `null`. No other fields are accepted.
    /// For the seed's clients, `movie` is also accepted as another name for `title` (not both),
    /// and `release_date` as the integer `YYYYMMDD`.
    pub struct MovieChanges: changes { title: Title, release_date: ReleaseDate }
    aliases: [("movie", "title")]
}

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

/// Text of a field: trimmed of outer whitespace, then 1 to `max` characters (Unicode scalar
/// values), with no control character.
fn parse_text(value: &Value, max: usize) -> Result<String, String> {
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

/// What Rust's `str::trim` removes (Unicode White_Space), as a regex class body.
const WHITESPACE: &str = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// A character that may start or end trimmed text: neither whitespace nor a control character.
const EDGE: &str =
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// A character inside trimmed text: anything but a control character.
const INNER: &str = r"[^\u0000-\u001F\u007F-\u009F]";

/// The pattern of [`parse_text`]: any outer whitespace around 1 to `max` characters that
/// neither start nor end with whitespace and hold no control character. Written with
/// explicit classes, so that JSON Schema (ECMA-262) and Python regexes read it alike.
fn text_pattern(max: usize, empty_allowed: bool) -> String {
    let core = format!("{EDGE}(?:{INNER}{{0,{}}}{EDGE})?", max - 2);
    let core = if empty_allowed {
        format!("(?:{core}[{WHITESPACE}]*)?")
    } else {
        format!("{core}[{WHITESPACE}]*")
    };
    format!("^[{WHITESPACE}]*{core}$")
}

fn text_schema(max: usize, description: &str, example: &str) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(text_pattern(max, false)))
            .description(Some(format!(
                "{description}. Outer whitespace is trimmed; then 1 to {max} characters, \
                 no control characters."
            )))
            .examples([json!(example)])
            .build(),
    )
}

/// Defines a text field type with its limit, description and example.
macro_rules! text_field {
    ($(#[doc = $doc:literal])* $name:ident, $max:expr, $description:literal, $example:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Field for $name {
            fn parse(value: &Value) -> Result<Self, String> {
                parse_text(value, $max).map(Self)
            }

            fn schema() -> Schema {
                text_schema($max, $description, $example)
            }
        }
    };
}

text_field!(
    /// An actor's name.
    Name,
    NAME_MAX,
    "The actor's name",
    "Zoë Saldaña"
);
text_field!(
    /// An actor's gender, free text.
    Gender,
    GENDER_MAX,
    "The actor's gender, free text",
    "female"
);
text_field!(
    /// A movie's title.
    Title,
    TITLE_MAX,
    "The movie's title",
    "Avatar"
);

/// The part an actor plays; absent, `null`, empty or blank all mean none is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Character(Option<String>);

impl Character {
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }

    pub fn into_text(self) -> Option<String> {
        self.0
    }
}

impl Field for Character {
    fn parse(value: &Value) -> Result<Self, String> {
        match value {
            Value::String(raw) if raw.trim().is_empty() => Ok(Self(None)),
            _ => parse_text(value, CHARACTER_MAX).map(|text| Self(Some(text))),
        }
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(text_pattern(CHARACTER_MAX, true)))
                .description(Some(format!(
                    "The part the actor plays. Outer whitespace is trimmed; then up to \
                     {CHARACTER_MAX} characters, no control characters; empty means none."
                )))
                .examples([json!("Neytiri")])
                .build(),
        )
    }
}

/// An actor's age in years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Age(i32);

impl Age {
    /// The age, if it is one an actor can have.
    pub fn new(years: i64) -> Option<Self> {
        (0..=i64::from(AGE_MAX))
            .contains(&years)
            .then_some(Self(years as i32))
    }

    pub fn years(self) -> i32 {
        self.0
    }
}

impl Field for Age {
    /// A whole number; written with a fraction of zero (`46.0`) it is still one, as in JSON Schema.
    fn parse(value: &Value) -> Result<Self, String> {
        let whole = match value {
            Value::Number(number) => number.as_i64().or_else(|| {
                number
                    .as_f64()
                    .filter(|float| float.fract() == 0.0 && float.abs() < 1e15)
                    .map(|float| float as i64)
            }),
            _ => None,
        };
        match whole {
            Some(years) => {
                Self::new(years).ok_or_else(|| format!("must be between 0 and {AGE_MAX}"))
            }
            None if value.is_number() => Err(format!("must be between 0 and {AGE_MAX}")),
            None => Err(format!("must be an integer between 0 and {AGE_MAX}")),
        }
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(AGE_MAX))
                .description(Some(format!("The actor's age in years, 0 to {AGE_MAX}.")))
                .examples([json!(46)])
                .build(),
        )
    }
}

/// A movie's release date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReleaseDate(NaiveDate);

impl ReleaseDate {
    /// The date, if it falls in the accepted years.
    pub fn new(date: NaiveDate) -> Option<Self> {
        (YEAR_MIN..=YEAR_MAX)
            .contains(&date.year())
            .then_some(Self(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// The shape of both accepted forms, for messages.
const DATE_FORMS: &str = "\"YYYY-MM-DD\" or the integer YYYYMMDD";

impl Field for ReleaseDate {
    /// `"YYYY-MM-DD"`, or the seed's integer `YYYYMMDD`; a real calendar date.
    fn parse(value: &Value) -> Result<Self, String> {
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
            _ => return Err(format!("must be a date, {DATE_FORMS}")),
        };
        let date = date.ok_or_else(|| format!("must be a real calendar date, {DATE_FORMS}"))?;
        Self::new(date).ok_or_else(|| format!("must be in the years {YEAR_MIN} to {YEAR_MAX}"))
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .pattern(Some(year_pattern()))
                .description(Some(format!(
                    "A real calendar date, `YYYY-MM-DD`, in the years {YEAR_MIN} to {YEAR_MAX}. \
                     The seed's integer `YYYYMMDD` (e.g. 20201010) is accepted too."
                )))
                .examples([json!("2009-12-18")])
                .build(),
        )
    }
}

/// `YYYY-MM-DD` with a year from [`YEAR_MIN`] to [`YEAR_MAX`] (the calendar is `format: date`'s).
fn year_pattern() -> String {
    debug_assert_eq!((YEAR_MIN, YEAR_MAX), (1800, 9999));
    "^(?:1[89]|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$".to_owned()
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

    fn read<T: RequestBody>(body: Value) -> Result<T, String> {
        match body {
            Value::Object(object) => T::from_object(object).map_err(|e| e.to_string()),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(parse_text(&json!("  Zoë "), 5), Ok("Zoë".to_owned()));
        assert!(parse_text(&json!("   "), 5).is_err());
        assert!(parse_text(&json!("abcd"), 3).is_err());
        assert!(parse_text(&json!("a\u{0}b"), 9).is_err());
        assert!(parse_text(&json!(5), 9).is_err());
    }

    #[test]
    fn an_age_is_a_whole_number_from_0_to_150() {
        assert_eq!(Age::parse(&json!(0)), Ok(Age(0)));
        assert_eq!(Age::parse(&json!(150)), Ok(Age(150)));
        assert_eq!(Age::parse(&json!(117.0)), Ok(Age(117)));
        assert!(Age::parse(&json!(151)).is_err());
        assert!(Age::parse(&json!(-1)).is_err());
        assert!(Age::parse(&json!(30.5)).is_err());
        assert!(Age::parse(&json!("30")).is_err());
        assert!(Age::parse(&json!(u64::MAX)).is_err());
        assert!(Age::parse(&json!(1e300)).is_err());
    }

    #[test]
    fn release_dates_come_as_iso_text_or_the_seeds_integer() {
        let expected = ReleaseDate(NaiveDate::from_ymd_opt(2020, 10, 10).unwrap());
        assert_eq!(ReleaseDate::parse(&json!("2020-10-10")), Ok(expected));
        assert_eq!(ReleaseDate::parse(&json!(20201010)), Ok(expected));
        assert!(ReleaseDate::parse(&json!("2023-02-29")).is_err());
        assert!(ReleaseDate::parse(&json!(20230229)).is_err());
        assert!(ReleaseDate::parse(&json!("2020-1-10")).is_err());
        assert!(ReleaseDate::parse(&json!("1799-12-31")).is_err());
        assert!(ReleaseDate::parse(&json!("+2020-10-10")).is_err());
    }

    #[test]
    fn a_year_that_is_not_a_date_is_told_both_accepted_forms() {
        let message = ReleaseDate::parse(&json!(1995)).unwrap_err();
        assert!(message.contains("\"YYYY-MM-DD\""), "{message}");
        assert!(message.contains("integer YYYYMMDD"), "{message}");
    }

    #[test]
    fn a_body_reports_every_broken_rule_at_once() {
        let error =
            read::<NewActor>(json!({"name": " ", "age": 151, "id": 3, "nick": 1})).unwrap_err();
        assert_eq!(
            error,
            "id: is assigned by the server and cannot be written; \
             nick: unknown field (expected name, age, gender); \
             name: must not be empty; age: must be between 0 and 150; gender: is required"
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
    fn changes_must_name_a_field_and_none_may_be_null() {
        assert!(read::<ActorChanges>(json!({})).is_err());
        assert!(read::<ActorChanges>(json!({"age": null})).is_err());
        let changes = read::<ActorChanges>(json!({"age": 47})).unwrap();
        assert_eq!(changes.age, Some(Age(47)));
        assert_eq!(changes.name, None);
    }

    /// The schema's pattern, run by a regex engine, agrees with the parser on tricky text.
    #[test]
    fn the_text_pattern_accepts_exactly_what_the_parser_accepts() {
        let pattern = regex::Regex::new(&text_pattern(5, false)).unwrap();
        let optional = regex::Regex::new(&text_pattern(5, true)).unwrap();
        let cases = [
            "a",
            " a ",
            "ab",
            "abcde",
            "  abcde\t\n",
            "a b c",
            "abcdef",
            "",
            "   ",
            "a\u{1}b",
            "\u{a0}x",
            "x\u{3000}",
            "a\u{85}",
            "\u{feff}",
            "é",
            "ééééé",
            "éééééé",
            "a\u{7f}",
            "\u{2028}ab\u{2029}",
            "a\u{200b}b",
        ];
        for case in cases {
            let accepted = parse_text(&json!(case), 5).is_ok();
            assert_eq!(pattern.is_match(case), accepted, "{case:?}");
            let none_or_accepted = case.trim().is_empty() || accepted;
            assert_eq!(optional.is_match(case), none_or_accepted, "{case:?}");
        }
    }
}
