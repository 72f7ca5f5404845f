//! The body of a photo's `PATCH`: the one change a photo takes after its upload.

use serde_json::{Map, Value, json};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::fields::Field;
use super::{Invalid, RequestBody};

/// `{"primary": true}`: makes the photo its actor's primary one. There is no `false`: another
/// photo is made primary instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MakePrimary;

/// `primary`, which can only be `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
struct PrimaryTrue;

impl Field for PrimaryTrue {
    fn parse(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(true) => Ok(Self),
            Value::Bool(false) => {
                Err("must be true: to change the primary photo, make another one primary".into())
            }
            _ => Err("must be true".into()),
        }
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .enum_values(Some([true]))
                .description(Some("Make this photo the actor's primary one."))
                .build(),
        )
    }
}

impl RequestBody for MakePrimary {
    fn from_object(object: Map<String, Value>) -> Result<Self, Invalid> {
        let mut reader = super::ObjectReader::new(object, &["primary"], &[]);
        let primary = reader.required::<PrimaryTrue>("primary");
        reader.finish(primary.map(|_| Self))
    }
}

impl utoipa::PartialSchema for MakePrimary {
    fn schema() -> utoipa::openapi::RefOr<Schema> {
        let builder =
            super::resource::body_schema(["Makes the photo its actor's primary one."], &[], None)
                .property("primary", PrimaryTrue::schema())
                .required("primary")
                .examples([json!({"primary": true})]);
        utoipa::openapi::RefOr::T(Schema::Object(builder.build()))
    }
}

impl utoipa::ToSchema for MakePrimary {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("MakePrimary")
    }
}
