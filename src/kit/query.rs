//! Query parameters: typed list queries (`Deserialize + IntoParams` structs of the types here),
//! the extractor that reads them strictly, and the opaque cursor, which carries the last row's
//! sort key together with the sort and a fingerprint of the filter it was made for.

use std::marker::PhantomData;

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

use super::Refusal;
use crate::model::{Field, Whole};
use crate::storage::{KeyType, Keyset, SortKey, Value};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
/// Longest accepted text filter, in characters.
pub const FILTER_TEXT_MAX: usize = 200;
/// Longest accepted cursor; real ones are far shorter.
const CURSOR_MAX: usize = 1024;

/// A query string read into `T`: unknown parameters are refused, and so are repeated ones
/// except where `T` takes a list; every problem names the parameter (the API and the web app
/// read their lists this way).
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, Refusal> {
    let mut given: Vec<(String, Values)> = Vec::new();
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        match given.iter_mut().find(|(known, _)| *known == name) {
            Some((_, values)) => values.0.push(value.into_owned()),
            None => given.push((name.into_owned(), Values(vec![value.into_owned()]))),
        }
    }
    let deserializer = de::value::MapDeserializer::<_, de::value::Error>::new(given.into_iter());
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        Refusal::BadRequest(if path == "." {
            message
        } else {
            format!("{path}: {message}")
        })
    })
}

/// The values one parameter is given: a list takes them all, any other parameter exactly one.
struct Values(Vec<String>);

impl<'de> Deserializer<'de> for Values {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match <[String; 1]>::try_from(self.0) {
            Ok([one]) => visitor.visit_string(one),
            Err(many) => Err(de::Error::custom(format!(
                "is given {} times; give it once",
                many.len()
            ))),
        }
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_seq(de::value::SeqDeserializer::new(self.0.into_iter()))
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::IntoDeserializer<'de> for Values {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// A value of one query parameter, read from its text.
pub trait ParamValue: Sized {
    fn parse(text: &str) -> Result<Self, String>;
    fn schema() -> Schema;
}

/// A query parameter of type `T`: what a list query struct's fields are made of.
#[derive(Debug, Clone)]
pub struct Param<T>(pub T);

impl<'de, T: ParamValue> Deserialize<'de> for Param<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text<T>(PhantomData<T>);

        impl<T: ParamValue> de::Visitor<'_> for Text<T> {
            type Value = Param<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("text")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Param<T>, E> {
                T::parse(text).map(Param).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Text(PhantomData))
    }
}

/// The page size.
#[derive(Debug, Clone, Copy)]
pub struct Limit(u32);

impl ParamValue for Limit {
    fn parse(text: &str) -> Result<Self, String> {
        text.parse::<u32>()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .map(Limit)
            .ok_or_else(|| format!("must be an integer from 1 to {MAX_LIMIT}"))
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_LIMIT))
                .default(Some(DEFAULT_LIMIT.into()))
                .description(Some(format!(
                    "Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
                )))
                .build(),
        )
    }
}

/// A case-insensitive text filter: trimmed; empty means no filter.
#[derive(Debug, Clone)]
pub struct SearchText(Option<String>);

impl SearchText {
    /// The case-folded text to match, if any.
    pub fn key(&self) -> Option<String> {
        self.0.as_deref().map(crate::storage::search_key)
    }
}

impl ParamValue for SearchText {
    /// Exactly what [`Self::schema`] states of the text as sent (a tab or line break is a
    /// control character even at its ends); then outer whitespace is trimmed for matching.
    fn parse(text: &str) -> Result<Self, String> {
        if text.chars().count() > FILTER_TEXT_MAX {
            return Err(format!("must be at most {FILTER_TEXT_MAX} characters"));
        }
        if text.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        let trimmed = text.trim();
        Ok(Self((!trimmed.is_empty()).then(|| trimmed.to_owned())))
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!(
                    "^[^\\u0000-\\u001F\\u007F-\\u009F]{{0,{FILTER_TEXT_MAX}}}$"
                )))
                .description(Some(format!(
                    "Compared case-insensitively; up to {FILTER_TEXT_MAX} characters, no control \
                     characters; empty means no filter."
                )))
                .build(),
        )
    }
}

/// A whole-number field (an age, a height) as a filter: the field's own bounds.
impl<T: Whole> ParamValue for T {
    fn parse(text: &str) -> Result<Self, String> {
        text.parse::<i64>()
            .ok()
            .and_then(T::new)
            .ok_or_else(|| format!("must be an integer from {} to {}", T::MIN, T::MAX))
    }

    fn schema() -> Schema {
        <T as Field>::schema()
    }
}

/// The schema of a tag filter: a whole tag, repeatable.
pub fn tag_filter() -> Schema {
    Schema::Array(
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::RefOr::T(SearchText::schema()))
            .description(Some(
                "A whole tag of the list, compared regardless of case; repeatable, and every \
                 one given must match.",
            ))
            .build(),
    )
}

/// The schema of a filter that keeps any of the values given: repeatable.
pub fn any_of<T: ParamValue>() -> Schema {
    Schema::Array(
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::RefOr::T(T::schema()))
            .description(Some("Repeatable: any of the values given matches."))
            .build(),
    )
}

impl ParamValue for crate::model::Status {
    fn parse(text: &str) -> Result<Self, String> {
        <Self as Field>::parse(&serde_json::Value::String(text.to_owned()))
    }

    fn schema() -> Schema {
        <Self as Field>::schema()
    }
}

impl ParamValue for NaiveDate {
    fn parse(text: &str) -> Result<Self, String> {
        crate::model::parse_date(text)
            .ok_or_else(|| "must be a real calendar date, YYYY-MM-DD".into())
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .description(Some("A calendar date, `YYYY-MM-DD`; inclusive."))
                .build(),
        )
    }
}

/// A list's order: a column, ascending, or descending with a leading `-`. Ties are broken by
/// id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<K> {
    pub key: K,
    pub descending: bool,
}

impl<K: SortKey> Sort<K> {
    /// The default order: by id, ascending.
    pub fn by_id() -> Self {
        Self {
            key: K::ALL[0],
            descending: false,
        }
    }

    /// How it is written in `sort=`.
    fn name(self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.key.name())
    }
}

impl<K: SortKey> ParamValue for Sort<K> {
    fn parse(text: &str) -> Result<Self, String> {
        let (descending, column) = match text.strip_prefix('-') {
            Some(column) => (true, column),
            None => (false, text),
        };
        K::ALL
            .iter()
            .find(|key| key.name() == column)
            .map(|&key| Sort { key, descending })
            .ok_or_else(|| {
                let names: Vec<&str> = K::ALL.iter().map(|key| key.name()).collect();
                format!(
                    "must be one of {}, optionally with a leading -",
                    names.join(", ")
                )
            })
    }

    fn schema() -> Schema {
        let names = K::ALL.iter().flat_map(|key| {
            [
                Sort {
                    key: *key,
                    descending: false,
                }
                .name(),
                Sort {
                    key: *key,
                    descending: true,
                }
                .name(),
            ]
        });
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names))
                .default(Some("id".into()))
                .description(Some(
                    "The column to sort by; a leading `-` sorts descending. Ties are broken by id \
                     in the same direction.",
                ))
                .build(),
        )
    }
}

/// The `cursor` parameter: the `next_cursor` of the previous page, as it came; empty means none.
#[derive(Debug, Clone)]
pub struct CursorText(Option<String>);

impl ParamValue for CursorText {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(Self((!text.is_empty()).then(|| text.to_owned())))
    }

    fn schema() -> Schema {
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Za-z0-9_-]*$"))
                .max_length(Some(CURSOR_MAX))
                .description(Some(
                    "The `next_cursor` of the previous page, as it came (opaque); empty means the \
                     first page. A cursor is bound to the sort and filters it was made with.",
                ))
                .build(),
        )
    }
}

/// What every list query has: the page size, the cursor and the order.
pub struct Paging<'a, K> {
    pub limit: Option<&'a Param<Limit>>,
    pub cursor: Option<&'a Param<CursorText>>,
    pub sort: Option<Sort<K>>,
}

/// A page request checked against its cursor, and the way to make the next page's cursor.
pub struct PageRequest<K> {
    pub keyset: Keyset<K>,
    sort: Sort<K>,
    fingerprint: String,
}

impl<K: SortKey> PageRequest<K> {
    /// Reads the paging parameters; the cursor, if any, must have been made for this sort and
    /// for a filter with this canonical form.
    pub fn new(paging: Paging<'_, K>, filter: &impl Serialize) -> Result<Self, Refusal> {
        let sort = paging.sort.unwrap_or_else(Sort::by_id);
        let fingerprint = fingerprint(filter);
        let after = match paging.cursor.and_then(|cursor| cursor.0.0.as_deref()) {
            None => None,
            Some(raw) => Some(Cursor::decode(
                raw,
                &sort.name(),
                &fingerprint,
                sort.key.key_type(),
            )?),
        };
        let limit = paging.limit.map_or(DEFAULT_LIMIT, |limit| limit.0.0);
        Ok(Self {
            keyset: Keyset {
                sort: sort.key,
                descending: sort.descending,
                after,
                limit,
            },
            sort,
            fingerprint,
        })
    }

    /// The cursor of the page after this one.
    pub fn next_cursor(&self, next: Option<(Value, i64)>) -> Option<String> {
        let (key, id) = next?;
        Some(Cursor::encode(
            &self.sort.name(),
            &self.fingerprint,
            key,
            id,
        ))
    }
}

/// A short, stable digest of a filter's canonical JSON: the same filter gives the same
/// fingerprint on every instance and version, and every field of the filter counts.
fn fingerprint(filter: &impl Serialize) -> String {
    let json = serde_json::to_vec(filter).unwrap_or_default();
    let digest = digest::digest(&digest::SHA256, &json);
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12])
}

fn bad(name: &str, message: &str) -> Refusal {
    Refusal::BadRequest(format!("{name}: {message}"))
}

/// What a cursor holds: base64url of this JSON. It is opaque to clients but not secret; it is
/// checked against the request, so it can only ever select rows that request could see.
#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The `sort` parameter it was made for.
    s: String,
    /// The fingerprint of the filter it was made for.
    f: String,
    /// The last row's sort key.
    k: serde_json::Value,
    /// The last row's id.
    i: i64,
}

impl Cursor {
    fn encode(sort: &str, fingerprint: &str, key: Value, id: i64) -> String {
        let k = match key {
            Value::Int(value) => value.into(),
            Value::Text(value) => value.into(),
            Value::OptionalText(value) => value.into(),
            Value::OptionalInt(value) => value.into(),
            Value::Date(value) => value.to_string().into(),
            Value::OptionalDate(value) => value.map(|date| date.to_string()).into(),
            Value::Time(value) => value.to_rfc3339().into(),
            Value::OptionalTime(value) => value.map(|time| time.to_rfc3339()).into(),
            Value::Bool(value) => value.into(),
        };
        let cursor = Cursor {
            s: sort.to_owned(),
            f: fingerprint.to_owned(),
            k,
            i: id,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
    }

    fn decode(
        raw: &str,
        sort: &str,
        fingerprint: &str,
        key_type: KeyType,
    ) -> Result<(Value, i64), Refusal> {
        let malformed = || bad("cursor", "is not a cursor this list issued");
        if raw.len() > CURSOR_MAX {
            return Err(malformed());
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        if cursor.s != sort || cursor.f != fingerprint {
            return Err(bad("cursor", "was made for another sort or filter"));
        }
        let key = match key_type {
            KeyType::Int => cursor.k.as_i64().map(Value::Int),
            KeyType::Text => cursor.k.as_str().map(|text| Value::Text(text.to_owned())),
            KeyType::Date => cursor
                .k
                .as_str()
                .and_then(crate::model::parse_date)
                .map(Value::Date),
        };
        match key {
            Some(key) if cursor.i > 0 => Ok((key, cursor.i)),
            _ => Err(malformed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::actors::ActorSort;

    fn page(query: &str, filter: &str) -> Result<PageRequest<ActorSort>, Refusal> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Q {
            limit: Option<Param<Limit>>,
            cursor: Option<Param<CursorText>>,
            sort: Option<Param<Sort<ActorSort>>>,
        }
        let q: Q =
            serde_urlencoded::from_str(query).map_err(|e| Refusal::BadRequest(e.to_string()))?;
        PageRequest::new(
            Paging {
                limit: q.limit.as_ref(),
                cursor: q.cursor.as_ref(),
                sort: q.sort.map(|sort| sort.0),
            },
            &filter,
        )
    }

    #[test]
    fn a_cursor_round_trips_for_the_same_sort_and_filter() {
        let first = page("sort=-name", "ab").unwrap();
        let cursor = first
            .next_cursor(Some((Value::Text("Zoë".into()), 7)))
            .unwrap();
        let next = page(&format!("sort=-name&cursor={cursor}"), "ab").unwrap();
        assert_eq!(next.keyset.after, Some((Value::Text("Zoë".into()), 7)));
        assert!(next.keyset.descending);
        assert!(page(&format!("sort=-name&cursor={cursor}"), "abc").is_err());
        assert!(page(&format!("sort=name&cursor={cursor}"), "ab").is_err());
    }

    /// The fuzzer found a filter that the schema refused and the server took: `\t` then a
    /// character, which trimming used to hide.
    #[test]
    fn a_text_filter_is_accepted_exactly_when_its_schema_pattern_matches() {
        let Schema::Object(schema) = SearchText::schema() else {
            panic!("an object schema");
        };
        let pattern = regex::Regex::new(schema.pattern.as_deref().unwrap()).unwrap();
        let padded = format!(" {} ", "a".repeat(FILTER_TEXT_MAX - 1));
        let too_long = format!(" {} ", "a".repeat(FILTER_TEXT_MAX));
        for case in [
            "",
            "ada",
            " ada ",
            "\tada",
            "ada\n",
            "\u{F338E}",
            "\t\u{F338E}",
            "a\u{85}b",
        ]
        .into_iter()
        .chain([padded.as_str(), too_long.as_str()])
        {
            assert_eq!(
                SearchText::parse(case).is_ok(),
                pattern.is_match(case),
                "{case:?}"
            );
        }
    }

    #[test]
    fn an_empty_cursor_is_the_first_page() {
        assert_eq!(page("cursor=", "").unwrap().keyset.after, None);
    }
}
