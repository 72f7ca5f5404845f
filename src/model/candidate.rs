//! A candidate: an actor considered for a role, where they stand in the pipeline, and how the
//! office grades them.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};

use super::body::{Invalid, Problem, RequestBody};
use super::fields::{CandidateNote, Field, Rank};
use super::resource::resource;

/// Where a candidate stands, in pipeline order. Any status may follow any other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Submitted,
    Shortlisted,
    Audition,
    Callback,
    Hold,
    /// Cast in the movie as the role's character.
    Booked,
    Passed,
}

impl Status {
    /// Every status, in pipeline order.
    pub const ALL: [Status; 7] = [
        Self::Submitted,
        Self::Shortlisted,
        Self::Audition,
        Self::Callback,
        Self::Hold,
        Self::Booked,
        Self::Passed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Shortlisted => "shortlisted",
            Self::Audition => "audition",
            Self::Callback => "callback",
            Self::Hold => "hold",
            Self::Booked => "booked",
            Self::Passed => "passed",
        }
    }

    /// How a page names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::Shortlisted => "Shortlisted",
            Self::Audition => "Audition",
            Self::Callback => "Callback",
            Self::Hold => "Hold",
            Self::Booked => "Booked",
            Self::Passed => "Passed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Its position in [`Status::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    pub fn choices() -> Vec<Value> {
        Self::ALL
            .into_iter()
            .map(|status| json!(status.as_str()))
            .collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Field for Status {
    fn parse(value: &Value) -> Result<Self, String> {
        value
            .as_str()
            .and_then(Self::from_name)
            .ok_or_else(|| format!("must be one of {}", Self::names()))
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(Self::ALL.map(Self::as_str)))
                .description(Some(
                    "Where the candidate stands, in pipeline order; any may follow any other. \
                     `booked` casts the actor as the role's character.",
                ))
                .examples([json!("shortlisted")])
                .build(),
        )
    }
}

resource! {
    /// A candidate's standing: status, grade and note; a new one is `submitted`, ungraded.
    #[derive(Default)]
    pub struct CandidateFields as "NewCandidate", changed by CandidateChanges {
        status: Status => optional "Status",
        rank: Option<Rank> => optional "Rank",
        note: Option<CandidateNote> => optional "Note",
    }
    aliases: [],
    broken: |_: &CandidateFields| Vec::new(),
}

/// The optional body of `PUT /roles/{id}/candidates/{actor_id}`: the fields it names change,
/// the others stay (a new candidate starts as `submitted`, ungraded, without a note). No body,
/// or `{}`, changes nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateWrite(pub CandidateChanges);

impl RequestBody for CandidateWrite {
    fn from_object(object: Map<String, Value>) -> Result<Self, Invalid> {
        if object.is_empty() {
            return Ok(Self::default());
        }
        CandidateChanges::from_object(object).map(Self)
    }
}

impl utoipa::PartialSchema for CandidateWrite {
    fn schema() -> utoipa::openapi::RefOr<Schema> {
        let mut schema = <CandidateChanges as utoipa::PartialSchema>::schema();
        if let utoipa::openapi::RefOr::T(Schema::Object(object)) = &mut schema {
            object.min_properties = None;
            object.description = Some(
                "Optional: the fields to set. A new candidate starts as `submitted`, \
                 ungraded, without a note; `null` clears `rank` or `note`. No other fields \
                 are accepted."
                    .to_owned(),
            );
        }
        schema
    }
}

impl utoipa::ToSchema for CandidateWrite {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("CandidateWrite")
    }
}

/// Refuses a problem with a field, as a body would.
pub fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid(vec![Problem {
        field: Some(field.to_owned()),
        message: message.into(),
    }])
}

/// The most candidates one bulk request moves, grades or adds.
pub const BULK_MAX: usize = 1000;

/// The actors a bulk request is about: 1 to [`BULK_MAX`] distinct ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ActorIds(Vec<i64>);

impl ActorIds {
    pub fn ids(&self) -> &[i64] {
        &self.0
    }
}

impl Field for ActorIds {
    fn parse(value: &Value) -> Result<Self, String> {
        parse_ids(value, BULK_MAX).map(Self)
    }

    fn schema() -> Schema {
        ids_schema(BULK_MAX)
    }
}

/// 1 to `max` distinct actor ids.
pub fn parse_ids(value: &Value, max: usize) -> Result<Vec<i64>, String> {
    let Value::Array(items) = value else {
        return Err("must be an array of actor ids".into());
    };
    if items.is_empty() || items.len() > max {
        return Err(format!(
            "must hold 1 to {max} actor ids, not {}",
            items.len()
        ));
    }
    let mut ids = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let id = item
            .as_i64()
            .filter(|id| *id >= 1)
            .ok_or_else(|| format!("item {index} must be an actor id, a positive integer"))?;
        if !seen.insert(id) {
            return Err(format!("holds {id} more than once"));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// The schema of [`parse_ids`].
pub fn ids_schema(max: usize) -> Schema {
    let id = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(i64::MAX));
    Schema::Array(
        ArrayBuilder::new()
            .items(id)
            .min_items(Some(1))
            .max_items(Some(max))
            .unique_items(true)
            .description(Some(format!("1 to {max} distinct actor ids.")))
            .examples([json!([12, 15, 31])])
            .build(),
    )
}

/// Whether a bulk request adds the actors that are not candidates yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AddMissing(pub bool);

impl Field for AddMissing {
    fn parse(value: &Value) -> Result<Self, String> {
        value
            .as_bool()
            .map(Self)
            .ok_or_else(|| "must be true or false".into())
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .default(Some(json!(false)))
                .description(Some(
                    "Add the actors that are not candidates yet (as `submitted`, unless \
                     `status` says otherwise); without it, naming one is refused.",
                ))
                .build(),
        )
    }
}

/// The body of `POST /roles/{id}/candidates/bulk`: one change for many candidates, all or none.
#[derive(Debug, Clone, PartialEq)]
pub struct Bulk {
    pub actor_ids: ActorIds,
    pub status: Option<Status>,
    /// `Some(None)` clears the grade.
    pub rank: Option<Option<Rank>>,
    pub add: bool,
}

impl Bulk {
    const FIELDS: [&'static str; 4] = ["actor_ids", "status", "rank", "add"];
}

impl RequestBody for Bulk {
    fn from_object(object: Map<String, Value>) -> Result<Self, Invalid> {
        let mut reader = super::ObjectReader::new(object, &Self::FIELDS, &[]);
        let actor_ids = reader.required::<ActorIds>("actor_ids");
        let status = reader.optional::<Status>("status");
        let rank = reader.clearable::<Option<Rank>>("rank");
        let add = reader.or_default::<AddMissing>("add");
        if let (None, None, Some(AddMissing(false))) = (&status, &rank, &add) {
            reader.add(vec![Problem {
                field: None,
                message: "give status or rank to set, or add: true".to_owned(),
            }]);
        }
        let body = actor_ids.zip(add).map(|(actor_ids, add)| Self {
            actor_ids,
            status,
            rank,
            add: add.0,
        });
        reader.finish(body)
    }
}

impl utoipa::PartialSchema for Bulk {
    fn schema() -> utoipa::openapi::RefOr<Schema> {
        let builder = super::resource::body_schema(
            ["One change for many candidates of a role, made for all of them or none."],
            &[],
            None,
        )
        .property("actor_ids", ActorIds::schema())
        .required("actor_ids")
        .property("status", Status::schema())
        .property("rank", <Option<Rank>>::schema())
        .property("add", AddMissing::schema());
        utoipa::openapi::RefOr::T(Schema::Object(builder.build()))
    }
}

impl utoipa::ToSchema for Bulk {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("BulkCandidates")
    }
}
