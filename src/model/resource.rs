//! A resource declared once. [`resource!`] takes a resource's fields, each a line with its
//! type (which carries its rule and schema, see [`super::fields`]), whether it is required,
//! its label and its flags, and derives the rest from them: the request bodies that create and
//! change it, their schemas and the representation's, its columns and how each is stored and
//! read back, its history, its CSV cells both ways and its form's inputs. Storage, the API,
//! the web app and the command line work from [`Fields::DECLARED`] and the trait's methods, so
//! a new field is one line here (and a migration, and a template line where a page shows it).

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::ObjectBuilder;

use super::body::{Invalid, Problem, RequestBody};
use super::fields::{Column, Control, Stored};

/// What a field is, beyond its type's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Also kept case-folded in a column `{name}_key`, for case-insensitive filters.
    Folded,
    /// A list whose tags are indexed one row each, for filters by tag.
    Indexed,
}

/// One declared field.
#[derive(Debug)]
pub struct Declared {
    /// Its name in JSON, its column, and the first part of its CSV columns' and inputs' names.
    pub name: &'static str,
    /// How forms, pages and the history name it.
    pub label: &'static str,
    /// Whether a new resource must give it; an optional one is `null` or `[]` when unknown.
    pub required: bool,
    pub column: Column,
    pub parts: &'static [&'static str],
    pub control: Control,
    pub flags: &'static [Flag],
}

impl Declared {
    /// Its CSV columns and form inputs: its name, or `name_part` for each of its parts.
    pub fn cells(&self) -> Vec<String> {
        cell_names(self.name, self.parts)
    }

    pub fn is(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}

pub fn cell_names(name: &str, parts: &[&str]) -> Vec<String> {
    if parts.is_empty() {
        vec![name.to_owned()]
    } else {
        parts.iter().map(|part| format!("{name}_{part}")).collect()
    }
}

/// A resource's writable fields, as [`resource!`] declares them.
pub trait Fields: RequestBody + Clone + PartialEq + Serialize + Send + Sync + 'static {
    /// The body of a change: any of the fields, `null` clearing an optional one.
    type Changes: RequestBody + Clone + Send + Sync + std::fmt::Debug;
    const DECLARED: &'static [Declared];

    /// Each field as its column holds it, in declared order.
    fn stored(&self) -> Vec<Stored>;
    /// The fields from their columns' values, in declared order.
    fn from_stored(stored: Vec<Stored>) -> Result<Self, String>;
    /// Each field as JSON, in declared order: what the history records.
    fn values(&self) -> Vec<Value>;
    /// Every field's cells, in declared order.
    fn cells(&self) -> Vec<String>;
    /// The object the API would receive, from cells named as [`Declared::cells`] (a CSV row or
    /// a form); a field none of whose cells is there is left out.
    fn object_from_cells<'a>(cell: impl Fn(&str) -> Option<&'a str>) -> Map<String, Value>;
    /// These fields with `changes` made.
    fn changed(&self, changes: &Self::Changes) -> Self;
    /// The rules that join several fields, broken.
    fn broken(&self) -> Vec<Problem>;
    /// The representation's schema of the fields: every one present.
    fn properties(builder: ObjectBuilder) -> ObjectBuilder;

    /// The names of the fields.
    fn names() -> Vec<&'static str> {
        Self::DECLARED.iter().map(|field| field.name).collect()
    }

    /// These fields, or the rules they break together.
    fn checked(self) -> Result<Self, Invalid> {
        let broken = self.broken();
        if broken.is_empty() {
            Ok(self)
        } else {
            Err(Invalid(broken))
        }
    }
}

/// Reads a field of a new resource by its presence: a required one must be there, an optional
/// one is its type's default when absent.
#[doc(hidden)]
#[macro_export]
macro_rules! read_new {
    ($reader:ident, required, $ty:ty, $name:expr) => {
        $reader.required::<$ty>($name)
    };
    ($reader:ident, optional, $ty:ty, $name:expr) => {
        $reader.or_default::<$ty>($name)
    };
}

/// Reads a field of a change: `null` is refused for a required one and clears an optional one.
#[doc(hidden)]
#[macro_export]
macro_rules! read_change {
    ($reader:ident, required, $ty:ty, $name:expr) => {
        $reader.optional::<$ty>($name)
    };
    ($reader:ident, optional, $ty:ty, $name:expr) => {
        $reader.clearable::<$ty>($name)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! is_required {
    (required) => {
        true
    };
    (optional) => {
        false
    };
}

/// Declares a resource's fields once; see the module's documentation.
macro_rules! resource {
    (
        $(#[doc = $doc:literal])*
        $(#[derive($($derive:ident),+)])?
        pub struct $fields:ident as $new:literal, changed by $changes:ident {
            $($field:ident: $ty:ty => $presence:ident $label:literal $([$($flag:ident),*])?,)+
        }
        aliases: [$(($alias:literal, $canonical:literal)),*],
        broken: $broken:expr $(,)?
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize $($(, $derive)+)?)]
        pub struct $fields {
            $(pub $field: $ty,)+
        }

        /// A change: the fields it sets (`None` leaves one as it is); setting an optional field
        /// to its own "none" clears it.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $changes {
            $(pub $field: Option<$ty>,)+
        }

        impl $fields {
            const ALIASES: &'static [(&'static str, &'static str)] = &[$(($alias, $canonical)),*];
        }

        impl $crate::model::resource::Fields for $fields {
            type Changes = $changes;

            const DECLARED: &'static [$crate::model::resource::Declared] = &[$(
                $crate::model::resource::Declared {
                    name: stringify!($field),
                    label: $label,
                    required: $crate::is_required!($presence),
                    column: <$ty as $crate::model::Field>::COLUMN,
                    parts: <$ty as $crate::model::Field>::PARTS,
                    control: <$ty as $crate::model::Field>::CONTROL,
                    flags: &[$($($crate::model::resource::Flag::$flag),*)?],
                },
            )+];

            fn stored(&self) -> Vec<$crate::model::Stored> {
                vec![$($crate::model::Field::stored(&self.$field)),+]
            }

            fn from_stored(stored: Vec<$crate::model::Stored>) -> Result<Self, String> {
                let mut stored = stored.into_iter();
                Ok(Self {$(
                    $field: <$ty as $crate::model::Field>::from_stored(
                        stored.next().ok_or("a column is missing")?,
                    )
                    .map_err(|message| format!("{}: {message}", stringify!($field)))?,
                )+})
            }

            fn values(&self) -> Vec<serde_json::Value> {
                vec![$(serde_json::to_value(&self.$field).unwrap_or_default()),+]
            }

            fn cells(&self) -> Vec<String> {
                let mut cells = Vec::new();
                $(cells.extend($crate::model::Field::cells(&self.$field));)+
                cells
            }

            fn object_from_cells<'a>(
                cell: impl Fn(&str) -> Option<&'a str>,
            ) -> serde_json::Map<String, serde_json::Value> {
                let mut object = serde_json::Map::new();
                $(
                    let names = $crate::model::resource::cell_names(
                        stringify!($field),
                        <$ty as $crate::model::Field>::PARTS,
                    );
                    let found: Vec<Option<&str>> = names.iter().map(|name| cell(name)).collect();
                    if found.iter().any(Option::is_some) {
                        let cells: Vec<&str> = found.iter().map(|c| c.unwrap_or_default()).collect();
                        object.insert(
                            stringify!($field).to_owned(),
                            <$ty as $crate::model::Field>::from_cells(&cells),
                        );
                    }
                )+
                object
            }

            fn changed(&self, changes: &$changes) -> Self {
                Self {$(
                    $field: changes.$field.clone().unwrap_or_else(|| self.$field.clone()),
                )+}
            }

            fn broken(&self) -> Vec<$crate::model::Problem> {
                ($broken)(self)
            }

            fn properties(
                builder: utoipa::openapi::schema::ObjectBuilder,
            ) -> utoipa::openapi::schema::ObjectBuilder {
                builder
                    $(.property(stringify!($field), <$ty as $crate::model::Field>::schema())
                    .required(stringify!($field)))+
            }
        }

        impl $crate::model::RequestBody for $fields {
            fn from_object(
                object: serde_json::Map<String, serde_json::Value>,
            ) -> Result<Self, $crate::model::Invalid> {
                use $crate::model::resource::Fields;
                let names = Self::names();
                let mut reader = $crate::model::ObjectReader::new(object, &names, Self::ALIASES);
                $(let $field = $crate::read_new!(reader, $presence, $ty, stringify!($field));)+
                let body = (|| Some(Self { $($field: $field?,)+ }))();
                if let Some(body) = &body {
                    reader.add(body.broken());
                }
                reader.finish(body)
            }
        }

        impl $crate::model::RequestBody for $changes {
            fn from_object(
                object: serde_json::Map<String, serde_json::Value>,
            ) -> Result<Self, $crate::model::Invalid> {
                use $crate::model::resource::Fields;
                let names = $fields::names();
                let mut reader =
                    $crate::model::ObjectReader::new(object, &names, $fields::ALIASES);
                reader.require_any(&names);
                let body = Self {
                    $($field: $crate::read_change!(reader, $presence, $ty, stringify!($field)),)+
                };
                reader.finish(Some(body))
            }
        }

        impl utoipa::PartialSchema for $fields {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let builder = $crate::model::resource::body_schema([$($doc),*], Self::ALIASES, None)
                    $(.property(stringify!($field), <$ty as $crate::model::Field>::schema()))+;
                $(let builder = if $crate::is_required!($presence) {
                    builder.required(stringify!($field))
                } else {
                    builder
                };)+
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(builder.build()))
            }
        }

        impl utoipa::ToSchema for $fields {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($new)
            }
        }

        impl utoipa::PartialSchema for $changes {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let builder = $crate::model::resource::body_schema(
                    ["Changes: at least one field; `null` clears an optional one, and `[]` a list."],
                    $fields::ALIASES,
                    Some(1),
                )
                $(.property(stringify!($field), <$ty as $crate::model::Field>::schema()))+;
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(builder.build()))
            }
        }

        impl utoipa::ToSchema for $changes {}
    };
}
pub(crate) use resource;

/// The start of a request body's schema: its description, no other properties.
pub fn body_schema<const N: usize>(
    doc: [&str; N],
    aliases: &[(&str, &str)],
    min_properties: Option<usize>,
) -> ObjectBuilder {
    let mut description = doc.map(str::trim).join(" ");
    description.push_str(" No other fields are accepted.");
    for (alias, canonical) in aliases {
        description.push_str(&format!(
            " `{alias}` is also accepted as another name for `{canonical}` (not both)."
        ));
    }
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Object)
        .description(Some(description))
        .additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ))
        .min_properties(min_properties)
}

/// Declares a request body that is not a resource (an action's arguments): its fields, each
/// with its type and whether it is required, read as a resource's are and described by the
/// same schemas.
macro_rules! request_body {
    (
        $(#[doc = $doc:literal])*
        pub struct $body:ident as $schema_name:literal {
            $($(#[doc = $field_doc:literal])* $field:ident: $ty:ty => $presence:ident,)+
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $body {
            $($(#[doc = $field_doc])* pub $field: $ty,)+
        }

        impl $body {
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
        }

        impl $crate::model::RequestBody for $body {
            fn from_object(
                object: serde_json::Map<String, serde_json::Value>,
            ) -> Result<Self, $crate::model::Invalid> {
                let mut reader = $crate::model::ObjectReader::new(object, Self::FIELDS, &[]);
                $(let $field = $crate::read_new!(reader, $presence, $ty, stringify!($field));)+
                let body = (|| Some(Self { $($field: $field?,)+ }))();
                reader.finish(body)
            }
        }

        impl utoipa::PartialSchema for $body {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let builder = $crate::model::resource::body_schema([$($doc),*], &[], None)
                    $(.property(stringify!($field), <$ty as $crate::model::Field>::schema()))+;
                $(let builder = if $crate::is_required!($presence) {
                    builder.required(stringify!($field))
                } else {
                    builder
                };)+
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(builder.build()))
            }
        }

        impl utoipa::ToSchema for $body {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($schema_name)
            }
        }
    };
}
pub(crate) use request_body;
