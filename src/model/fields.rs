//! The field types: each parses a JSON value (or refuses it, saying why), states the same rule as
//! its OpenAPI schema, and says how it is kept in a column, written in CSV cells and form inputs,
//! and read back from them. A resource's declaration ([`super::resource`]) is a list of these.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};

/// Longest actor name, in characters after trimming.
pub const NAME_MAX: usize = 200;
/// Longest gender, in characters after trimming.
pub const GENDER_MAX: usize = 50;
/// Longest movie title, in characters after trimming.
pub const TITLE_MAX: usize = 300;
/// Longest character (the part an actor plays), in characters after trimming.
pub const CHARACTER_MAX: usize = 200;
/// The oldest age an actor can have, or play.
pub const AGE_MAX: i32 = 150;
/// The range of years a release date may fall in.
pub const YEAR_MIN: i32 = 1800;
pub const YEAR_MAX: i32 = 9999;
/// The heights a profile may give, in centimetres.
pub const HEIGHT_MIN: i32 = 50;
pub const HEIGHT_MAX: i32 = 250;
/// Longest tag (a skill, language or union), in characters after trimming.
pub const TAG_MAX: usize = 50;
/// The most skills, languages and unions a profile holds.
pub const SKILLS_MAX: usize = 30;
pub const LANGUAGES_MAX: usize = 20;
pub const UNIONS_MAX: usize = 10;
/// Longest agency and agent name, email address and phone number.
pub const AGENCY_MAX: usize = 200;
pub const AGENT_NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;
pub const PHONE_MAX: usize = 50;
/// Longest profile notes, in characters after trimming.
pub const NOTES_MAX: usize = 4000;
/// Longest role name (the character), in characters after trimming.
pub const ROLE_NAME_MAX: usize = CHARACTER_MAX;
/// Longest role description, in characters after trimming.
pub const DESCRIPTION_MAX: usize = 4000;
/// The most actors a role books.
pub const POSITIONS_MAX: i32 = 100;
/// The grades a casting office gives its candidates, best first.
pub const RANK_MIN: i32 = 1;
pub const RANK_MAX: i32 = 6;
/// Longest note on a candidate, in characters after trimming.
pub const CANDIDATE_NOTE_MAX: usize = 2000;
/// Longest session name and location, in characters after trimming.
pub const SESSION_NAME_MAX: usize = 200;
pub const LOCATION_MAX: usize = 300;
/// The lengths a session's slots may have, in minutes.
pub const SLOT_MINUTES_MIN: i32 = 5;
pub const SLOT_MINUTES_MAX: i32 = 240;
/// The most slots a session has.
pub const SLOTS_MAX: i32 = 200;
/// Longest comment on a presented candidate, in characters after trimming.
pub const COMMENT_MAX: usize = 1000;
/// Longest presentation title, in characters after trimming.
pub const PRESENTATION_TITLE_MAX: usize = 200;
/// How long a presentation's link may live, in days.
pub const PRESENTATION_DAYS_MAX: i32 = 30;
/// What joins a list's tags in one CSV cell or form input; no tag holds it.
pub const TAG_SEPARATOR: &str = "; ";

/// How a field is kept in its database column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Int,
    Text,
    /// A list or an object, kept as JSON text.
    Json,
    Date,
    /// An instant, kept as a timestamp with its time zone (UTC).
    Time,
}

/// A field's value as its column holds it (`None` is `NULL`).
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Int(Option<i32>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

/// The form control that edits a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Text,
    /// A number input with its bounds.
    Number(i32, i32),
    /// A date input with its bounds (`YYYY-MM-DD`).
    Date(&'static str, &'static str),
    /// Several lines of text.
    TextArea,
    /// Tags in one text input, separated by [`TAG_SEPARATOR`].
    Tags,
}

/// A value of one field of a resource.
pub trait Field: Sized + Clone + PartialEq + Serialize {
    /// The value, or what is wrong with it (a phrase that follows the field's name).
    fn parse(value: &Value) -> Result<Self, String>;
    /// The JSON Schema of exactly the values [`Field::parse`] accepts.
    fn schema() -> Schema;
    /// Its column's kind.
    const COLUMN: Column = Column::Text;
    /// Names of its parts when it spans several CSV columns or form inputs (each named
    /// `field_part`); empty when it is one, named as the field.
    const PARTS: &'static [&'static str] = &[];
    const CONTROL: Control = Control::Text;

    /// The value as its column holds it.
    fn stored(&self) -> Stored {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        match Self::COLUMN {
            Column::Int => Stored::Int(value.as_i64().and_then(|n| i32::try_from(n).ok())),
            Column::Text => Stored::Text(value.as_str().map(str::to_owned)),
            Column::Json => Stored::Text((!value.is_null()).then(|| value.to_string())),
            Column::Date => Stored::Date(value.as_str().and_then(parse_date)),
            Column::Time => Stored::Time(value.as_str().and_then(parse_instant)),
        }
    }

    /// The value its column held, through the field's own rule. The plain types take theirs
    /// as they are: every write went through the rule, and the database's `CHECK`s hold it too.
    fn from_stored(stored: Stored) -> Result<Self, String> {
        let value = match stored {
            Stored::Int(Some(number)) => Value::from(number),
            Stored::Text(Some(text)) if Self::COLUMN == Column::Json => {
                serde_json::from_str(&text).map_err(|error| error.to_string())?
            }
            Stored::Text(Some(text)) => Value::String(text),
            Stored::Date(Some(date)) => Value::String(date.to_string()),
            Stored::Time(Some(time)) => Value::String(instant_text(&time)),
            Stored::Int(None) | Stored::Text(None) | Stored::Date(None) | Stored::Time(None) => {
                Value::Null
            }
        };
        Self::parse(&value)
    }

    /// Its CSV cells (and form inputs' values), one per part.
    fn cells(&self) -> Vec<String> {
        vec![cell(&serde_json::to_value(self).unwrap_or(Value::Null))]
    }

    /// The JSON value that its cells stand for, to be judged by [`Field::parse`].
    fn from_cells(cells: &[&str]) -> Value {
        Value::String(cells.first().copied().unwrap_or_default().to_owned())
    }
}

/// A JSON value as one cell's text.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(cell)
            .collect::<Vec<_>>()
            .join(TAG_SEPARATOR),
        other => other.to_string(),
    }
}

/// A field that may be unknown: `null` in JSON, `NULL` in its column, empty cells.
impl<T: Field> Field for Option<T> {
    fn parse(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            value => T::parse(value).map(Some),
        }
    }

    fn schema() -> Schema {
        let mut schema = T::schema();
        if let Schema::Object(object) = &mut schema {
            let mut types = match &object.schema_type {
                SchemaType::Type(one) => vec![one.clone()],
                SchemaType::Array(many) => many.clone(),
                SchemaType::AnyValue => Vec::new(),
            };
            types.push(Type::Null);
            object.schema_type = SchemaType::from_iter(types);
        }
        schema
    }

    const COLUMN: Column = T::COLUMN;
    const PARTS: &'static [&'static str] = T::PARTS;
    const CONTROL: Control = T::CONTROL;

    fn from_stored(stored: Stored) -> Result<Self, String> {
        match stored {
            Stored::Int(None) | Stored::Text(None) | Stored::Date(None) | Stored::Time(None) => {
                Ok(None)
            }
            stored => T::from_stored(stored).map(Some),
        }
    }

    fn stored(&self) -> Stored {
        match self {
            Some(value) => value.stored(),
            None => match T::COLUMN {
                Column::Int => Stored::Int(None),
                Column::Text | Column::Json => Stored::Text(None),
                Column::Date => Stored::Date(None),
                Column::Time => Stored::Time(None),
            },
        }
    }

    fn cells(&self) -> Vec<String> {
        match self {
            Some(value) => value.cells(),
            None => vec![String::new(); T::PARTS.len().max(1)],
        }
    }

    fn from_cells(cells: &[&str]) -> Value {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            Value::Null
        } else {
            T::from_cells(cells)
        }
    }
}

/// A field name as it may be echoed back: control characters escaped, length bounded.
pub fn printable(name: &str) -> String {
    name.chars().flat_map(char::escape_debug).take(64).collect()
}

/// What text a field takes, beyond its length: trimmed of outer whitespace, never empty, and
/// free of control characters (save line breaks and tabs, where `lines`) and of `excluded`.
#[derive(Debug, Clone, Copy)]
struct TextRule {
    max: usize,
    lines: bool,
    excluded: &'static str,
}

impl TextRule {
    const fn line(max: usize) -> Self {
        Self {
            max,
            lines: false,
            excluded: "",
        }
    }

    fn allows(&self, c: char) -> bool {
        let control_allowed = self.lines && matches!(c, '\n' | '\r' | '\t');
        (control_allowed || !c.is_control()) && !self.excluded.contains(c)
    }

    fn parse(&self, value: &Value) -> Result<String, String> {
        let Value::String(raw) = value else {
            return Err("must be a string".into());
        };
        let trimmed = raw.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            return Err("must not be empty".into());
        }
        if length > self.max {
            return Err(format!("must be at most {} characters", self.max));
        }
        if let Some(refused) = trimmed.chars().find(|c| !self.allows(*c)) {
            return Err(if refused.is_control() {
                "must not contain control characters".into()
            } else {
                format!("must not contain {refused:?}")
            });
        }
        Ok(trimmed.to_owned())
    }

    /// The pattern of [`TextRule::parse`]: any outer whitespace around 1 to `max` characters
    /// that neither start nor end with whitespace. Written with explicit classes, so that JSON
    /// Schema (ECMA-262) and Python regexes read it alike.
    fn pattern(&self, empty_allowed: bool) -> String {
        let excluded = regex_escaped(self.excluded);
        let edge = format!("[^{EDGE_EXCLUDED}{excluded}]");
        let inner = if self.lines {
            format!("[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F{excluded}]")
        } else {
            format!("[^\\u0000-\\u001F\\u007F-\\u009F{excluded}]")
        };
        let core = format!("{edge}(?:{inner}{{0,{}}}{edge})?", self.max - 2);
        let core = if empty_allowed {
            format!("(?:{core}[{WHITESPACE}]*)?")
        } else {
            format!("{core}[{WHITESPACE}]*")
        };
        format!("^[{WHITESPACE}]*{core}$")
    }

    fn schema(&self, description: &str, example: Value) -> Schema {
        let mut rules = format!(
            "Outer whitespace is trimmed; then 1 to {} characters, no control characters",
            self.max
        );
        if self.lines {
            rules.push_str(" but line breaks and tabs");
        }
        if !self.excluded.is_empty() {
            rules.push_str(&format!(", no `{}`", self.excluded));
        }
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(self.pattern(false)))
                .description(Some(format!("{description}. {rules}.")))
                .examples([example])
                .build(),
        )
    }
}

fn regex_escaped(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = matches!(c, '\\' | ']' | '[' | '^' | '-');
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// What Rust's `str::trim` removes (Unicode White_Space), as a regex class body.
const WHITESPACE: &str = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// What may not start or end trimmed text: whitespace and control characters.
const EDGE_EXCLUDED: &str =
    r"\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Text of a field: trimmed, then 1 to `max` characters with no control character.
fn parse_text(value: &Value, max: usize) -> Result<String, String> {
    TextRule::line(max).parse(value)
}

/// Defines a text field type with its rule, description and example.
macro_rules! text_field {
    ($(#[doc = $doc:literal])* $name:ident, $rule:expr, $control:expr, $description:literal, $example:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Field for $name {
            const CONTROL: Control = $control;

            fn parse(value: &Value) -> Result<Self, String> {
                $rule.parse(value).map(Self)
            }

            fn schema() -> Schema {
                $rule.schema($description, json!($example))
            }

            fn from_stored(stored: Stored) -> Result<Self, String> {
                match stored {
                    Stored::Text(Some(text)) => Ok(Self(text)),
                    _ => Err("is not text".into()),
                }
            }
        }
    };
}

text_field!(
    /// An actor's name.
    Name,
    TextRule::line(NAME_MAX),
    Control::Text,
    "The actor's name",
    "Zoë Saldaña"
);
text_field!(
    /// An actor's gender, free text.
    Gender,
    TextRule::line(GENDER_MAX),
    Control::Text,
    "The actor's gender, free text",
    "female"
);
text_field!(
    /// A movie's title.
    Title,
    TextRule::line(TITLE_MAX),
    Control::Text,
    "The movie's title",
    "Avatar"
);
text_field!(
    /// What a casting office notes about a performer: several lines.
    Notes,
    TextRule {
        max: NOTES_MAX,
        lines: true,
        excluded: ""
    },
    Control::TextArea,
    "Notes on the performer",
    "Strong stage combat.\nAvailable from May."
);
text_field!(
    /// An agency's name.
    Agency,
    TextRule::line(AGENCY_MAX),
    Control::Text,
    "The agency",
    "Talent House"
);
text_field!(
    /// An agent's name.
    AgentName,
    TextRule::line(AGENT_NAME_MAX),
    Control::Text,
    "The agent's name",
    "Ada Okafor"
);
text_field!(
    /// A phone number, as written.
    Phone,
    TextRule::line(PHONE_MAX),
    Control::Text,
    "The agent's phone number, as written",
    "+44 20 7946 0000"
);

text_field!(
    /// A role's name: the character, as the cast will name it.
    RoleName,
    TextRule::line(ROLE_NAME_MAX),
    Control::Text,
    "The role: the character's name, unique in its movie regardless of case",
    "Neytiri"
);
text_field!(
    /// What a breakdown says of a role: several lines.
    Description,
    TextRule {
        max: DESCRIPTION_MAX,
        lines: true,
        excluded: ""
    },
    Control::TextArea,
    "What the role is",
    "Na'vi huntress, fierce and warm.\nStage combat required."
);
text_field!(
    /// A casting office's note on a candidate: several lines.
    CandidateNote,
    TextRule {
        max: CANDIDATE_NOTE_MAX,
        lines: true,
        excluded: ""
    },
    Control::TextArea,
    "The office's note on the candidate",
    "Strong self-tape; check availability in May."
);

text_field!(
    /// An audition session's name.
    SessionName,
    TextRule::line(SESSION_NAME_MAX),
    Control::Text,
    "The session's name",
    "Neytiri: first auditions"
);
text_field!(
    /// Where a session is held, as written.
    Location,
    TextRule::line(LOCATION_MAX),
    Control::Text,
    "Where the session is held",
    "Studio 2, 10 Dean Street, London"
);
text_field!(
    /// A presentation's title, as the producers see it.
    PresentationTitle,
    TextRule::line(PRESENTATION_TITLE_MAX),
    Control::Text,
    "The presentation's title, as its viewers see it",
    "Neytiri: our choices"
);
text_field!(
    /// What a viewer of a presentation says of a candidate: several lines.
    Comment,
    TextRule {
        max: COMMENT_MAX,
        lines: true,
        excluded: ""
    },
    Control::TextArea,
    "The viewer's comment",
    "Loved the second reading."
);

/// The part an actor plays; absent, `null`, empty or blank all mean none is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
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
                .pattern(Some(TextRule::line(CHARACTER_MAX).pattern(true)))
                .description(Some(format!(
                    "The part the actor plays. Outer whitespace is trimmed; then up to \
                     {CHARACTER_MAX} characters, no control characters; empty means none."
                )))
                .examples([json!("Neytiri")])
                .build(),
        )
    }
}

/// A whole number from `min` to `max`; written with a fraction of zero (`46.0`) it is still
/// one, as in JSON Schema.
fn parse_whole(value: &Value, min: i32, max: i32) -> Result<i32, String> {
    let whole = match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|float| float.fract() == 0.0 && float.abs() < 1e15)
                .map(|float| float as i64)
        }),
        _ => None,
    };
    let range = i64::from(min)..=i64::from(max);
    match whole {
        Some(number) if range.contains(&number) => Ok(number as i32),
        Some(_) => Err(format!("must be between {min} and {max}")),
        None if value.is_number() => Err(format!("must be between {min} and {max}")),
        None => Err(format!("must be an integer between {min} and {max}")),
    }
}

/// A field that is a whole number within bounds.
pub trait Whole: Field + Copy {
    const MIN: i32;
    const MAX: i32;
    /// The number, if it is within the bounds.
    fn new(number: i64) -> Option<Self>;
    fn get(self) -> i32;
}

/// Defines a whole-number field type with its bounds, description and example.
macro_rules! whole_field {
    ($(#[doc = $doc:literal])* $name:ident, $min:expr, $max:expr, $description:literal, $example:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(i32);

        impl Whole for $name {
            const MIN: i32 = $min;
            const MAX: i32 = $max;

            fn new(number: i64) -> Option<Self> {
                (i64::from($min)..=i64::from($max))
                    .contains(&number)
                    .then_some(Self(number as i32))
            }

            fn get(self) -> i32 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Field for $name {
            const COLUMN: Column = Column::Int;
            const CONTROL: Control = Control::Number($min, $max);

            fn parse(value: &Value) -> Result<Self, String> {
                parse_whole(value, $min, $max).map(Self)
            }

            fn from_stored(stored: Stored) -> Result<Self, String> {
                match stored {
                    Stored::Int(Some(number)) => Self::new(number.into())
                        .ok_or_else(|| format!("{number} is out of bounds")),
                    _ => Err("is not a number".into()),
                }
            }

            fn schema() -> Schema {
                Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some($min))
                        .maximum(Some($max))
                        .description(Some(format!(concat!($description, ", {} to {}."), $min, $max)))
                        .examples([json!($example)])
                        .build(),
                )
            }

            /// A cell that reads as an integer is one, so that the field's own rule judges it.
            fn from_cells(cells: &[&str]) -> Value {
                let text = cells.first().copied().unwrap_or_default();
                text.trim()
                    .parse::<i64>()
                    .map_or_else(|_| Value::String(text.to_owned()), Value::from)
            }
        }
    };
}

whole_field!(
    /// An actor's age in years.
    Age,
    0,
    AGE_MAX,
    "The actor's age in years",
    46
);
whole_field!(
    /// One end of the ages a performer can play.
    PlayingAge,
    0,
    AGE_MAX,
    "An age the performer can play, in years",
    25
);
whole_field!(
    /// A performer's height.
    Height,
    HEIGHT_MIN,
    HEIGHT_MAX,
    "The performer's height in centimetres",
    172
);

whole_field!(
    /// How many actors a role books.
    Positions,
    1,
    POSITIONS_MAX,
    "How many actors the role books",
    1
);
whole_field!(
    /// A candidate's grade ("selects"): 1 is the best.
    Rank,
    RANK_MIN,
    RANK_MAX,
    "The office's grade of the candidate, 1 the best",
    2
);

whole_field!(
    /// How long each slot of a session is.
    SlotMinutes,
    SLOT_MINUTES_MIN,
    SLOT_MINUTES_MAX,
    "How long each slot is, in minutes",
    15
);
whole_field!(
    /// How many slots a session has.
    SlotCount,
    1,
    SLOTS_MAX,
    "How many slots the session has",
    20
);
whole_field!(
    /// How many days a presentation's link lives.
    ExpiresInDays,
    1,
    PRESENTATION_DAYS_MAX,
    "How many days the link lives",
    7
);

/// A session's slots are a quarter of an hour unless it says otherwise.
impl Default for SlotMinutes {
    fn default() -> Self {
        Self(15)
    }
}

/// A session has twenty slots unless it says otherwise: a morning and an afternoon.
impl Default for SlotCount {
    fn default() -> Self {
        Self(20)
    }
}

/// A presentation's link lives a week unless it says otherwise.
impl Default for ExpiresInDays {
    fn default() -> Self {
        Self(7)
    }
}

/// A role books one actor unless it says otherwise.
impl Default for Positions {
    fn default() -> Self {
        Self(1)
    }
}

impl Age {
    pub fn years(self) -> i32 {
        self.0
    }
}

/// Defines a list of tags with its longest length: distinct when compared case-insensitively,
/// kept as typed.
macro_rules! tags_field {
    ($(#[doc = $doc:literal])* $name:ident, $max:expr, $what:literal, $example:expr) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(Vec<String>);

        impl $name {
            pub fn tags(&self) -> &[String] {
                &self.0
            }
        }

        impl Field for $name {
            const COLUMN: Column = Column::Json;
            const CONTROL: Control = Control::Tags;

            fn parse(value: &Value) -> Result<Self, String> {
                parse_tags(value, $max).map(Self)
            }

            fn from_stored(stored: Stored) -> Result<Self, String> {
                match stored {
                    Stored::Text(Some(text)) => serde_json::from_str(&text)
                        .map(Self)
                        .map_err(|error| error.to_string()),
                    _ => Err("is not a list".into()),
                }
            }

            fn schema() -> Schema {
                tags_schema($max, $what, $example)
            }

            fn from_cells(cells: &[&str]) -> Value {
                tags_from_cell(cells.first().copied().unwrap_or_default())
            }
        }
    };
}

const TAG_RULE: TextRule = TextRule {
    max: TAG_MAX,
    lines: false,
    excluded: ";",
};

/// A list of distinct tags (`null` is none), each by [`TAG_RULE`].
fn parse_tags(value: &Value, max: usize) -> Result<Vec<String>, String> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err("must be an array of texts".into()),
    };
    if items.len() > max {
        return Err(format!("must hold at most {max} tags"));
    }
    let mut tags: Vec<String> = Vec::with_capacity(items.len());
    let mut keys: Vec<String> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let tag = TAG_RULE
            .parse(item)
            .map_err(|message| format!("item {index} {message}"))?;
        let key = tag.to_lowercase();
        if keys.contains(&key) {
            return Err(format!(
                "item {index} repeats {tag:?} (tags are compared regardless of case)"
            ));
        }
        keys.push(key);
        tags.push(tag);
    }
    Ok(tags)
}

fn tags_schema(max: usize, what: &str, example: [&str; 2]) -> Schema {
    let item = TAG_RULE.schema(&format!("One of the performer's {what}"), json!(example[0]));
    Schema::Array(
        ArrayBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
            .items(utoipa::openapi::RefOr::T(item))
            .max_items(Some(max))
            .unique_items(true)
            .description(Some(format!(
                "The performer's {what}: at most {max} distinct tags, compared regardless of \
                 case and kept as typed; `[]` (or `null` on writes) when unknown."
            )))
            .examples([json!(example)])
            .build(),
    )
}

/// A cell of tags joined by `;`, as the array the API would receive.
fn tags_from_cell(text: &str) -> Value {
    Value::Array(
        text.split(';')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(Value::from)
            .collect(),
    )
}

tags_field!(
    /// The performer's skills.
    Skills,
    SKILLS_MAX,
    "skills",
    ["stage combat", "horse riding"]
);
tags_field!(
    /// The languages the performer speaks.
    Languages,
    LANGUAGES_MAX,
    "languages",
    ["English", "Yoruba"]
);
tags_field!(
    /// The performer's unions.
    Unions,
    UNIONS_MAX,
    "unions",
    ["SAG-AFTRA", "Equity"]
);

/// An email address: something, `@`, and a domain of dot-separated labels, with no whitespace
/// or control character anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    fn plain(c: char) -> bool {
        !(c <= ' ' || ('\u{7f}'..='\u{a0}').contains(&c) || c == '@')
    }

    fn pattern() -> String {
        let plain = r"[^@\u0000-\u0020\u007F-\u00A0]";
        let label = r"[^@.\u0000-\u0020\u007F-\u00A0]+";
        format!("^{plain}+@{label}(?:\\.{label})+$")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Field for Email {
    fn parse(value: &Value) -> Result<Self, String> {
        let Value::String(text) = value else {
            return Err("must be a string".into());
        };
        let well_formed = text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.chars().all(Self::plain)
                && domain.contains('.')
                && domain
                    .split('.')
                    .all(|label| !label.is_empty() && label.chars().all(Self::plain))
        });
        if text.chars().count() > EMAIL_MAX {
            Err(format!("must be at most {EMAIL_MAX} characters"))
        } else if well_formed {
            Ok(Self(text.clone()))
        } else {
            Err("must be an email address, like name@example.com".into())
        }
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(Self::pattern()))
                .max_length(Some(EMAIL_MAX))
                .description(Some(format!(
                    "An email address, up to {EMAIL_MAX} characters: no whitespace, one `@`, \
                     and a domain with a dot."
                )))
                .examples([json!("ada@talenthouse.example")])
                .build(),
        )
    }
}

/// The performer's agent: the agency, and who to reach there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agent {
    pub agency: Agency,
    pub name: Option<AgentName>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
}

impl Agent {
    const KEYS: [&'static str; 4] = ["agency", "name", "email", "phone"];
}

impl Field for Agent {
    const COLUMN: Column = Column::Json;
    const PARTS: &'static [&'static str] = &Self::KEYS;

    fn parse(value: &Value) -> Result<Self, String> {
        let Value::Object(object) = value else {
            return Err("must be an object with agency, name, email and phone".into());
        };
        if let Some(unknown) = object
            .keys()
            .find(|key| !Self::KEYS.contains(&key.as_str()))
        {
            return Err(format!(
                "{} is not a field of an agent (expected {})",
                printable(unknown),
                Self::KEYS.join(", ")
            ));
        }
        fn part<T: Field>(object: &Map<String, Value>, key: &str) -> Result<T, String> {
            T::parse(object.get(key).unwrap_or(&Value::Null))
                .map_err(|message| format!("{key} {message}"))
        }
        if object.get("agency").is_none_or(Value::is_null) {
            return Err("agency is required".into());
        }
        Ok(Self {
            agency: part(object, "agency")?,
            name: part(object, "name")?,
            email: part(object, "email")?,
            phone: part(object, "phone")?,
        })
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("The performer's agent. No other fields are accepted."))
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                .property("agency", Agency::schema())
                .property("name", <Option<AgentName>>::schema())
                .property("email", <Option<Email>>::schema())
                .property("phone", <Option<Phone>>::schema())
                .required("agency")
                .build(),
        )
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.agency.to_string(),
            self.name
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.phone
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ]
    }

    /// An empty part is one not given.
    fn from_cells(cells: &[&str]) -> Value {
        let object: Map<String, Value> = Self::KEYS
            .iter()
            .zip(cells)
            .filter(|(_, cell)| !cell.trim().is_empty())
            .map(|(key, cell)| ((*key).to_owned(), Value::from(*cell)))
            .collect();
        Value::Object(object)
    }
}

/// A movie's release date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
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

impl fmt::Display for ReleaseDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The shape of both accepted forms, for messages.
const DATE_FORMS: &str = "\"YYYY-MM-DD\" or the integer YYYYMMDD";

impl Field for ReleaseDate {
    const COLUMN: Column = Column::Date;

    fn from_stored(stored: Stored) -> Result<Self, String> {
        match stored {
            Stored::Date(Some(date)) => Ok(Self(date)),
            _ => Err("is not a date".into()),
        }
    }

    const CONTROL: Control = Control::Date("1800-01-01", "9999-12-31");

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

/// An instant: RFC 3339 with a `Z` or an offset, kept and answered in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instant(DateTime<Utc>);

impl Instant {
    pub fn new(time: DateTime<Utc>) -> Self {
        Self(time)
    }

    pub fn time(self) -> DateTime<Utc> {
        self.0
    }
}

impl Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&instant_text(&self.0))
    }
}

/// An instant's shape: a date in the accepted years, `T`, a time with optional fraction, and `Z`
/// or an offset.
const INSTANT_PATTERN: &str = "^(?:1[89]|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})$";

/// An instant as the API writes it: RFC 3339 in UTC, with a `Z`.
fn instant_text(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// RFC 3339 with an offset, in the years a date may have; as [`INSTANT_PATTERN`] writes it (an
/// upper-case `T` and `Z`, which RFC 3339 prefers and JSON Schema's `date-time` pattern here
/// states).
fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let zone_ok = bytes.last() == Some(&b'Z')
        || (bytes.len() > 6 && matches!(bytes[bytes.len() - 6], b'+' | b'-'));
    if bytes.get(10) != Some(&b'T') || !zone_ok {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
        .filter(|time| (YEAR_MIN..=YEAR_MAX).contains(&time.year()))
}

impl Field for Instant {
    const COLUMN: Column = Column::Time;

    fn parse(value: &Value) -> Result<Self, String> {
        value
            .as_str()
            .and_then(parse_instant)
            .map(Self)
            .ok_or_else(|| {
                format!(
                    "must be an instant, RFC 3339 with an offset such as \"2027-03-28T09:00:00+01:00\", \
                     in the years {YEAR_MIN} to {YEAR_MAX}"
                )
            })
    }

    fn from_stored(stored: Stored) -> Result<Self, String> {
        match stored {
            Stored::Time(Some(time)) => Ok(Self(time)),
            _ => Err("is not an instant".into()),
        }
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .pattern(Some(INSTANT_PATTERN))
                .description(Some(format!(
                    "An instant, RFC 3339 with `Z` or an offset, in the years {YEAR_MIN} to \
                     {YEAR_MAX}; answered in UTC."
                )))
                .examples([json!("2027-03-28T09:00:00+01:00")])
                .build(),
        )
    }
}

/// An IANA time zone, such as `Europe/London`: the zone a session's times are shown and taken
/// in. Its rules (summer time included) come from the tz database `chrono-tz` embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneName(chrono_tz::Tz);

impl TimeZoneName {
    pub fn zone(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl Default for TimeZoneName {
    fn default() -> Self {
        Self(chrono_tz::Tz::UTC)
    }
}

impl Serialize for TimeZoneName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
    }
}

impl Field for TimeZoneName {
    fn parse(value: &Value) -> Result<Self, String> {
        value
            .as_str()
            .and_then(|name| name.parse::<chrono_tz::Tz>().ok())
            .map(Self)
            .ok_or_else(|| "must be an IANA time zone name, such as \"Europe/London\"".into())
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name())))
                .default(Some(json!("UTC")))
                .description(Some(
                    "An IANA time zone name: the zone the session's times are shown and taken in.",
                ))
                .examples([json!("Europe/London")])
                .build(),
        )
    }
}

/// Defines a field that is one of a few names.
macro_rules! choice_field {
    (
        $(#[doc = $doc:literal])* $(#[derive($derive:ident)])? $name:ident, $description:literal,
        { $($(#[$variant_meta:meta])* $variant:ident => $text:literal $label:literal,)+ }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize $(, $derive)?)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// How a page names it.
            pub fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|choice| choice.as_str() == name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Field for $name {
            fn parse(value: &Value) -> Result<Self, String> {
                value.as_str().and_then(Self::from_name).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|choice| choice.as_str()).collect();
                    format!("must be one of {}", names.join(", "))
                })
            }

            fn schema() -> Schema {
                Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(Self::ALL.iter().map(|choice| choice.as_str())))
                        .description(Some($description))
                        .build(),
                )
            }
        }
    };
}

choice_field!(
    /// What a session is for; autofill moves its candidates to the status of the same name.
    #[derive(Default)]
    SessionKind,
    "What the session is for: `audition` or `callback`; autofill moves its candidates to that status.",
    {
        #[default]
        Audition => "audition" "Audition",
        Callback => "callback" "Callback",
    }
);

choice_field!(
    /// Where an appointment stands. The office invites, and records the actor's answer; the
    /// door (`patch:session`) records who came.
    AppointmentState,
    "Where the appointment stands: the office's `invited`, `confirmed`, `declined`; the door's `checked_in`, `seen`, `no_show`.",
    {
        Invited => "invited" "Invited",
        Confirmed => "confirmed" "Confirmed",
        Declined => "declined" "Declined",
        CheckedIn => "checked_in" "Checked in",
        Seen => "seen" "Seen",
        NoShow => "no_show" "No show",
    }
);

impl AppointmentState {
    /// Whether whoever keeps the door (`patch:session`) may set it.
    pub fn at_the_door(self) -> bool {
        matches!(self, Self::CheckedIn | Self::Seen | Self::NoShow)
    }
}

choice_field!(
    /// A presentation viewer's answer about a candidate.
    Answer,
    "The viewer's answer: `yes`, `maybe` or `no`.",
    {
        Yes => "yes" "Yes",
        Maybe => "maybe" "Maybe",
        No => "no" "No",
    }
);

/// The id of a resource, named in a body: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(i64);

impl Id {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl Field for Id {
    fn parse(value: &Value) -> Result<Self, String> {
        value
            .as_i64()
            .filter(|id| *id >= 1)
            .map(Self)
            .ok_or_else(|| "must be an id, a positive integer".into())
    }

    /// A form's or a CSV's cell that reads as an integer is one.
    fn from_cells(cells: &[&str]) -> Value {
        let text = cells.first().copied().unwrap_or_default();
        text.trim()
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.to_owned()), Value::from)
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(i64::MAX))
                .build(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn tags_are_distinct_regardless_of_case_and_kept_as_typed() {
        let skills = Skills::parse(&json!([" Stage combat ", "Singing"])).unwrap();
        assert_eq!(skills.tags(), ["Stage combat", "Singing"]);
        assert!(Skills::parse(&json!(["Singing", "SINGING"])).is_err());
        assert!(Skills::parse(&json!(["a;b"])).is_err());
        assert!(Skills::parse(&json!([""])).is_err());
        assert!(Unions::parse(&json!(vec!["u"; 11])).is_err());
        assert_eq!(Skills::parse(&json!(null)), Ok(Skills::default()));
        assert_eq!(
            tags_from_cell("Singing; stage combat ;"),
            json!(["Singing", "stage combat"])
        );
    }

    #[test]
    fn an_agent_needs_an_agency_and_a_real_looking_email() {
        let agent = Agent::parse(&json!({"agency": "Talent House", "email": "a@b.example"}));
        assert!(agent.is_ok());
        assert!(Agent::parse(&json!({"name": "Ada"})).is_err());
        assert!(Agent::parse(&json!({"agency": "T", "email": "nobody"})).is_err());
        assert!(Agent::parse(&json!({"agency": "T", "fax": "1"})).is_err());
        assert_eq!(
            Agent::from_cells(&["Talent House", "", "", " "]),
            json!({"agency": "Talent House"})
        );
    }

    /// A schema's pattern, run by a regex engine, agrees with its parser on tricky text.
    fn agrees(pattern: &str, parse: impl Fn(&Value) -> bool, cases: &[&str]) {
        let pattern = regex::Regex::new(pattern).unwrap();
        for case in cases {
            assert_eq!(pattern.is_match(case), parse(&json!(case)), "{case:?}");
        }
    }

    const TRICKY: &[&str] = &[
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
        "a\nb",
        "a\r\nb",
        "a\tb",
        "a;b",
        ";",
    ];

    #[test]
    fn the_text_patterns_accept_exactly_what_the_parsers_accept() {
        let line = TextRule::line(5);
        agrees(&line.pattern(false), |v| line.parse(v).is_ok(), TRICKY);
        let optional = regex::Regex::new(&line.pattern(true)).unwrap();
        for case in TRICKY {
            let none_or_accepted = case.trim().is_empty() || line.parse(&json!(case)).is_ok();
            assert_eq!(optional.is_match(case), none_or_accepted, "{case:?}");
        }
        let notes = TextRule {
            max: 5,
            lines: true,
            excluded: "",
        };
        agrees(&notes.pattern(false), |v| notes.parse(v).is_ok(), TRICKY);
        let tag = TextRule { max: 5, ..TAG_RULE };
        agrees(&tag.pattern(false), |v| tag.parse(v).is_ok(), TRICKY);
    }

    #[test]
    fn the_email_pattern_accepts_exactly_what_the_parser_accepts() {
        let cases = [
            "a@b.c",
            "ada.okafor+casting@talent-house.example",
            "a@b",
            "@b.c",
            "a@.c",
            "a@b.",
            "a@b..c",
            "a b@c.d",
            "a@b@c.d",
            "ä@ö.example",
            "a\u{a0}@b.c",
            "a@b.c ",
        ];
        agrees(&Email::pattern(), |v| Email::parse(v).is_ok(), &cases);
    }
}
