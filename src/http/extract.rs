//! Request extractors whose every rejection is an [`ApiError`]: the JSON body, the query, ids in
//! the path, and the authorized caller (the preconditions are [`super::etag`]'s).

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use crate::auth::{AuthError, Permission, Principal};
use crate::kit::query::parse_query;
use crate::kit::{csv, negotiate, parse_id, request_ids};
use crate::model::RequestBody;
use crate::storage::history::{ClientRequestId, Editor};

/// The largest request body accepted (docs/API.md, Limits: 64 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The query string read into `T`: unknown and repeated parameters are refused, and every
/// problem is a 400 that names the parameter.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Query(parse_query(parts.uri.query().unwrap_or_default())?))
    }
}

/// A JSON request body read into `T` by the rules of [`crate::model`].
pub struct Body<T>(pub T);

/// Like [`Body`], for a body that may be left out: no body at all reads as `T::default()`.
pub struct OptionalBody<T>(pub T);

impl<S: Send + Sync, T: RequestBody> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType(JSON_ONLY));
        }
        let bytes = read_body(request.into_body(), BODY_LIMIT).await?;
        read_object(&bytes).map(Body)
    }
}

impl<S: Send + Sync, T: RequestBody + Default> FromRequest<S> for OptionalBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let json = is_json(request.headers());
        let bytes = read_body(request.into_body(), BODY_LIMIT).await?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        if !json {
            return Err(ApiError::UnsupportedMediaType(JSON_ONLY));
        }
        read_object(&bytes).map(OptionalBody)
    }
}

/// `application/json`, with or without parameters (anything else is 415).
fn is_json(headers: &HeaderMap) -> bool {
    negotiate::body_is(headers, "application/json")
}

const JSON_ONLY: &str = "request body must be JSON (Content-Type: application/json)";

/// The body of a create that also imports: one resource as JSON, or a CSV file of them.
pub enum OneOrFile<T> {
    One(T),
    /// A `text/csv` file, whole (up to [`crate::kit::csv::IMPORT_LIMIT`]).
    File(axum::body::Bytes),
}

impl<S: Send + Sync, T: RequestBody> FromRequest<S> for OneOrFile<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if negotiate::body_is(request.headers(), "text/csv") {
            let file = read_body(request.into_body(), csv::IMPORT_LIMIT).await?;
            return Ok(Self::File(file));
        }
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "request body must be JSON (Content-Type: application/json), or a CSV file to import (text/csv)",
            ));
        }
        let bytes = read_body(request.into_body(), BODY_LIMIT).await?;
        read_object(&bytes).map(Self::One)
    }
}

/// A request body, whole, up to `limit` bytes (413 past it).
pub async fn read_body(
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(current) = source {
            if current.is::<http_body_util::LengthLimitError>() {
                return ApiError::PayloadTooLarge(limit);
            }
            source = current.source();
        }
        ApiError::BadRequest("the request body could not be read".into())
    })
}

fn read_object<T: RequestBody>(bytes: &[u8]) -> Result<T, ApiError> {
    match strict_json::parse(bytes) {
        Ok(Value::Object(object)) => T::from_object(object).map_err(ApiError::from),
        Ok(_) => Err(ApiError::Validation(
            "the body must be a JSON object".into(),
        )),
        Err(strict_json::Error::Repeated(key)) => Err(ApiError::Validation(format!(
            "{}: appears more than once in the body",
            crate::model::printable(&key)
        ))),
        Err(strict_json::Error::Malformed(error)) => Err(ApiError::BadRequest(format!(
            "the body is not valid JSON (line {}, column {})",
            error.line(),
            error.column()
        ))),
    }
}

/// JSON read as `serde_json` reads it, except that an object that names a key twice is refused
/// (`serde_json` would keep the last value silently, and a client's mistake would go unnoticed).
mod strict_json {
    use std::cell::RefCell;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};

    pub enum Error {
        Malformed(serde_json::Error),
        /// The first key found twice in one object.
        Repeated(String),
    }

    pub fn parse(bytes: &[u8]) -> Result<Value, Error> {
        let repeated = RefCell::new(None);
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let parsed = Strict {
            repeated: &repeated,
        }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
        parsed.map_err(|error| match repeated.into_inner() {
            Some(key) => Error::Repeated(key),
            None => Error::Malformed(error),
        })
    }

    /// Reads one value; the first key repeated in an object is left in `repeated`.
    #[derive(Clone, Copy)]
    struct Strict<'a> {
        repeated: &'a RefCell<Option<String>>,
    }

    impl<'de> DeserializeSeed<'de> for Strict<'_> {
        type Value = Value;

        fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Strict<'_> {
        type Value = Value;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("any JSON value")
        }

        fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
            Ok(Value::Bool(value))
        }

        fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
            Ok(Value::Number(value.into()))
        }

        fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
            Ok(Value::Number(value.into()))
        }

        fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
            Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
        }

        fn visit_str<E>(self, value: &str) -> Result<Value, E> {
            Ok(Value::String(value.to_owned()))
        }

        fn visit_string<E>(self, value: String) -> Result<Value, E> {
            Ok(Value::String(value))
        }

        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut values = Vec::new();
            while let Some(value) = seq.next_element_seed(self)? {
                values.push(value);
            }
            Ok(Value::Array(values))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut object = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if object.contains_key(&key) {
                    *self.repeated.borrow_mut() = Some(key);
                    return Err(de::Error::custom("a key is repeated"));
                }
                let value = map.next_value_seed(self)?;
                object.insert(key, value);
            }
            Ok(Value::Object(object))
        }
    }
}

/// The ids in the request's path, in order, e.g. `/movies/{id}/actors/{actor_id}`.
pub struct PathIds<const N: usize>(pub [i64; N]);

impl<S: Send + Sync, const N: usize> FromRequestParts<S> for PathIds<N> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadRequest("malformed path".into()))?;
        let ids = params
            .iter()
            .map(|(name, raw)| parse_id(name, raw).map_err(ApiError::from))
            .collect::<Result<Vec<i64>, ApiError>>()?;
        // A route whose placeholders do not match its handler is a bug, not a bad request.
        <[i64; N]>::try_from(ids)
            .map(Self)
            .map_err(|_| ApiError::internal("the route and its handler disagree on path ids"))
    }
}

/// A permission an endpoint requires, as a type, so that the route's signature states it.
pub trait Requirement {
    const PERMISSION: Permission;
}

/// The markers for [`Authorized`], one per permission.
pub mod can {
    use super::{Permission, Requirement};

    macro_rules! requirements {
        ($($marker:ident),* $(,)?) => {$(
            #[doc = concat!("Requires `", stringify!($marker), "`.")]
            pub struct $marker;
            impl Requirement for $marker {
                const PERMISSION: Permission = Permission::$marker;
            }
        )*};
    }

    requirements!(
        GetActors,
        GetMovies,
        PostActor,
        PostMovie,
        PatchActor,
        PatchMovie,
        DeleteActor,
        DeleteMovie,
        PatchSession
    );
}

/// The caller, authenticated by a bearer token and holding the permission `R`. It is the first
/// extractor of every protected handler, so the permission is checked before anything is read
/// (403 whether or not the resource exists).
pub struct Authorized<R> {
    pub caller: Authenticated,
    requirement: PhantomData<R>,
}

impl<R> Authorized<R> {
    /// Who is writing, as the history records it.
    pub fn editor(&self) -> Editor {
        self.caller.editor()
    }
}

impl<R: Requirement> FromRequestParts<AppState> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Authenticated::from_request_parts(parts, state).await?;
        caller.require(R::PERMISSION)?;
        Ok(Self {
            caller,
            requirement: PhantomData,
        })
    }
}

/// The caller, authenticated by a bearer token, for an endpoint whose permission depends on
/// what the request asks ([`Authenticated::require`]).
pub struct Authenticated {
    pub principal: Principal,
    /// The server's id of the request, which its writes record in the history.
    request_id: String,
    /// The caller's own id of the request, if well-formed.
    client_request_id: Option<ClientRequestId>,
}

impl Authenticated {
    /// Who is writing, as the history records it.
    pub fn editor(&self) -> Editor {
        Editor {
            subject: self.principal.subject.clone(),
            name: self.principal.name.clone(),
            request_id: self.request_id.clone(),
            client_request_id: self.client_request_id.clone(),
        }
    }

    /// 403 unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.principal.has(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(permission.as_str()))
        }
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers)?;
        let principal = state
            .auth
            .authenticate(token)
            .await
            .map_err(|error| match error {
                AuthError::InvalidToken(reason) => ApiError::InvalidToken(reason),
                AuthError::KeysUnavailable => {
                    ApiError::Unavailable("the identity provider's signing keys are unavailable")
                }
            })?;
        let (request_id, client_request_id) = request_ids(parts);
        Ok(Self {
            principal,
            request_id,
            client_request_id,
        })
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
/// Tokens anywhere else (query string, cookies) are never read.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(ApiError::MissingToken)?;
    if values.next().is_some() {
        return Err(ApiError::InvalidToken("send one Authorization header"));
    }
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("the Authorization header is malformed"))?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::InvalidToken(
        "the Authorization header must be `Bearer <token>`",
    ))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::InvalidToken(
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(token)
}
