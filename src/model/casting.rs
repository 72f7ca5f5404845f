//! A casting's request body: the part the actor plays.

use serde_json::{Map, Value};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::body::{Invalid, ObjectReader, RequestBody};
use super::fields::{Character, Field};

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
