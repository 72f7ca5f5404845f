//! A declared resource's fields ([`crate::model::resource`]) in its table: the column lists, the
//! values of an `INSERT` and the assignments of an `UPDATE`, reading them back from a row, and
//! what the history records of them. Every resource's storage is written from these, so a new
//! field needs no line here.

use chrono::{DateTime, NaiveDate, Utc};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

use super::history::FieldChanges;
use super::{Sql, Value, search_key};
use crate::model::{Column, Fields, Flag, Stored};

/// The columns a declared field writes: its own, and its folded twin if it has one.
pub fn written_columns<F: Fields>() -> Vec<String> {
    let mut columns = Vec::new();
    for field in F::DECLARED {
        columns.push(field.name.to_owned());
        if field.is(Flag::Folded) {
            columns.push(format!("{}_key", field.name));
        }
    }
    columns
}

/// The fields' columns of the row named `table`, as `table.column, ...`.
pub fn read_columns<F: Fields>(table: &str) -> String {
    F::DECLARED
        .iter()
        .map(|field| format!("{table}.{}", field.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns a list reads of each row: `id`, the fields', the version and timestamps.
pub fn listed_columns<F: Fields>() -> Vec<&'static str> {
    let mut columns = vec!["id"];
    columns.extend(F::names());
    columns.extend(["version", "created_at", "updated_at"]);
    columns
}

/// `INSERT INTO table (fields' columns, created_at, updated_at) VALUES `.
pub fn insert<F: Fields>(table: &str) -> Sql {
    Sql::new(&format!(
        "INSERT INTO {table} ({}, created_at, updated_at) VALUES ",
        written_columns::<F>().join(", ")
    ))
}

fn bound(stored: Stored) -> Value {
    match stored {
        Stored::Int(number) => Value::OptionalInt(number.map(i64::from)),
        Stored::Text(text) => Value::OptionalText(text),
        Stored::Date(date) => Value::OptionalDate(date),
        Stored::Time(time) => Value::OptionalTime(time),
    }
}

/// The folded twin of a text column's value.
fn folded(stored: &Stored) -> Value {
    match stored {
        Stored::Text(text) => Value::OptionalText(text.as_deref().map(search_key)),
        _ => Value::OptionalText(None),
    }
}

/// The values of [`written_columns`], in their order.
pub fn written_values<F: Fields>(fields: &F) -> Vec<Value> {
    let mut values = Vec::new();
    for (field, stored) in F::DECLARED.iter().zip(fields.stored()) {
        let key = field.is(Flag::Folded).then(|| folded(&stored));
        values.push(bound(stored));
        values.extend(key);
    }
    values
}

/// `INSERT INTO table (parent, fields' columns, created_at, updated_at) VALUES (...)` of one new
/// row under its parent (a movie's role or session), created at `now`.
pub fn insert_under<F: Fields>(
    table: &str,
    parent: &str,
    parent_id: i64,
    fields: &F,
    now: DateTime<Utc>,
) -> Sql {
    let mut insert = Sql::new(&format!(
        "INSERT INTO {table} ({parent}, {}, created_at, updated_at) VALUES (",
        written_columns::<F>().join(", ")
    ));
    insert.bind(Value::Int(parent_id));
    for value in written_values(fields) {
        insert.push(", ").bind(value);
    }
    insert.push(", ").bind(Value::Time(now));
    insert.push(", ").bind(Value::Time(now)).push(")");
    insert
}

/// Appends one row's values to an [`insert`], created at `now`.
pub fn push_row<F: Fields>(sql: &mut Sql, fields: &F, now: DateTime<Utc>) {
    sql.push("(");
    for value in written_values(fields) {
        sql.bind(value).push(", ");
    }
    sql.bind(Value::Time(now)).push(", ");
    sql.bind(Value::Time(now)).push(")");
}

/// Appends `, column = value` for each column whose value differs between `current` and
/// `changed`: an `UPDATE` of only those, so that concurrent changes of others are kept.
pub fn push_assignments<F: Fields>(sql: &mut Sql, current: &F, changed: &F) {
    let before = current.stored();
    for ((field, old), new) in F::DECLARED.iter().zip(before).zip(changed.stored()) {
        if old == new {
            continue;
        }
        if field.is(Flag::Folded) {
            sql.push(&format!(", {}_key = ", field.name))
                .bind(folded(&new));
        }
        sql.push(&format!(", {} = ", field.name)).bind(bound(new));
    }
}

/// The history of a creation: every field that has a value.
pub fn created<F: Fields>(fields: &F) -> FieldChanges {
    changes::<F>(None, Some(fields))
}

/// The history of a change: each field that differs.
pub fn changed<F: Fields>(current: &F, changed: &F) -> FieldChanges {
    changes(Some(current), Some(changed))
}

/// The history of a deletion: every field that had a value.
pub fn deleted<F: Fields>(fields: &F) -> FieldChanges {
    changes::<F>(Some(fields), None)
}

/// An empty list counts as no value, as `null` does.
fn changes<F: Fields>(from: Option<&F>, to: Option<&F>) -> FieldChanges {
    let none = || vec![serde_json::Value::Null; F::DECLARED.len()];
    let from = from.map_or_else(none, Fields::values);
    let to = to.map_or_else(none, Fields::values);
    let empty = |value: serde_json::Value| match value {
        serde_json::Value::Array(items) if items.is_empty() => serde_json::Value::Null,
        value => value,
    };
    F::DECLARED
        .iter()
        .zip(from.into_iter().zip(to))
        .fold(FieldChanges::new(), |changes, (field, (from, to))| {
            changes.field(field.name, empty(from), empty(to))
        })
}

/// The folded tags of each indexed field: `(field, tag)` pairs, one row each in a tag table.
pub fn tags<F: Fields>(fields: &F) -> Vec<(&'static str, String)> {
    F::DECLARED
        .iter()
        .zip(fields.values())
        .filter(|(field, _)| field.is(Flag::Indexed))
        .flat_map(|(field, value)| {
            let tags: Vec<String> = match value {
                serde_json::Value::Array(items) => items
                    .iter()
                    .filter_map(|item| item.as_str().map(search_key))
                    .collect(),
                _ => Vec::new(),
            };
            tags.into_iter().map(move |tag| (field.name, tag))
        })
        .collect()
}

/// The fields of a row, each decoded as its column holds it and checked by its type's rule.
pub fn read_row<'r, R, F>(row: &'r R) -> Result<F, sqlx::Error>
where
    R: sqlx::Row,
    &'r str: sqlx::ColumnIndex<R>,
    Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    F: Fields,
{
    let stored = F::DECLARED
        .iter()
        .map(|field| {
            Ok(match field.column {
                Column::Int => Stored::Int(row.try_get(field.name)?),
                Column::Text | Column::Json => Stored::Text(row.try_get(field.name)?),
                Column::Date => Stored::Date(row.try_get(field.name)?),
                Column::Time => Stored::Time(row.try_get(field.name)?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    F::from_stored(stored).map_err(|message| sqlx::Error::Decode(message.into()))
}

/// Lets a declared resource's fields be read from a row of either database, flattened into the
/// representation that holds them.
macro_rules! fields_from_row {
    ($($fields:ty),+) => {$(
        impl<'r, R> sqlx::FromRow<'r, R> for $fields
        where
            R: sqlx::Row,
            &'r str: sqlx::ColumnIndex<R>,
            Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            Option<chrono::NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            Option<chrono::DateTime<chrono::Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        {
            fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
                read_row(row)
            }
        }
    )+};
}

fields_from_row!(
    crate::model::ActorFields,
    crate::model::MovieFields,
    crate::model::RoleFields,
    crate::model::CandidateFields,
    crate::model::SessionFields
);

/// A representation's schema: `id`, the fields, the timestamps, then what `more` adds.
pub fn representation<F: Fields>(description: &str, more: ObjectBuilder) -> RefOr<Schema> {
    let builder = more
        .schema_type(Type::Object)
        .description(Some(description))
        .property(
            "id",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        )
        .required("id");
    let timestamp = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
    };
    let builder = F::properties(builder)
        .property("created_at", timestamp())
        .required("created_at")
        .property("updated_at", timestamp())
        .required("updated_at");
    RefOr::T(Schema::Object(builder.build()))
}
