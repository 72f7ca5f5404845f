//! Lists: their state in the URL (the API's filters and sort, plus `after` or `before`, the
//! cursor of the page next to this one), read with the API's own query types, and the pages
//! either side. "Previous" is the keyset walked the other way: the same sort reversed, from
//! the first row shown, its rows then put back in order.

use std::future::Future;

use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::form::Choice;
use crate::kit::Refusal;
use crate::kit::lists::TAG_FILTERS;
use crate::kit::query::{CursorText, PageRequest, Paging, Param, ParamValue, Sort, parse_query};
use crate::model::TAG_SEPARATOR;
use crate::storage::{Keyset, Page, SortKey, StorageError, Value};

/// Parameters the web app adds to the API's.
const WEB_ONLY: [&str; 3] = ["after", "before", "done"];

/// A list's query string, split into the API's part and the web's.
pub struct ListQuery {
    /// The API's parameters (filters and sort), without the empty ones a form sends.
    api: Vec<(String, String)>,
    pub after: Option<String>,
    pub before: Option<String>,
    /// What was just done, for the status message (`deleted`).
    pub done: Option<String>,
}

impl ListQuery {
    pub fn parse(raw: Option<&str>) -> Self {
        let mut query = Self {
            api: Vec::new(),
            after: None,
            before: None,
            done: None,
        };
        for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if value.is_empty() {
                continue;
            }
            match name.as_ref() {
                "after" => query.after = Some(value.into_owned()),
                "before" => query.before = Some(value.into_owned()),
                "done" => query.done = Some(value.into_owned()),
                name if TAG_FILTERS.contains(&name) => query.api.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|tag| !tag.is_empty())
                        .map(|tag| (name.to_owned(), tag.to_owned())),
                ),
                _ => query.api.push((name.into_owned(), value.into_owned())),
            }
        }
        query
    }

    /// A parameter's value as the person typed it, for the form; a repeated one's values
    /// joined as its input takes them.
    pub fn value(&self, name: &str) -> String {
        self.api
            .iter()
            .filter(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(TAG_SEPARATOR)
    }

    /// The API's query type, read from the API's part by the API's rules.
    pub fn api<T: DeserializeOwned>(&self) -> Result<T, Refusal> {
        parse_query(&self.encode(None))
    }

    fn encode(&self, extra: Option<(&str, &str)>) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.api {
            if !WEB_ONLY.contains(&name.as_str()) {
                serializer.append_pair(name, value);
            }
        }
        if let Some((name, value)) = extra {
            serializer.append_pair(name, value);
        }
        serializer.finish()
    }

    /// `path` with the API's part of this query, and `extra`.
    pub fn href(&self, path: &str, extra: Option<(&str, &str)>) -> String {
        let query = self.encode(extra);
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }
}

/// Why a list could not be shown.
pub enum ListError {
    /// A parameter the API would refuse: shown with the form, for correcting.
    Query(String),
    Storage(StorageError),
}

impl From<Refusal> for ListError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::BadRequest(message) => Self::Query(message),
            Refusal::Storage(error) => Self::Storage(error),
        }
    }
}

impl From<StorageError> for ListError {
    fn from(error: StorageError) -> Self {
        Self::Storage(error)
    }
}

/// One page of a list, and the cursors of the pages either side.
pub struct Window<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// The page `after` or `before` names (the first page if neither) of a list in `sort`.
/// `fetch` reads a page for a keyset; `key` is a row's value of the sort column.
pub async fn window<T, K, F, Fut>(
    filter: &impl Serialize,
    sort: Option<Sort<K>>,
    query: &ListQuery,
    fetch: F,
    key: fn(K, &T) -> Value,
    id: fn(&T) -> i64,
) -> Result<Window<T>, ListError>
where
    K: SortKey,
    F: Fn(Keyset<K>) -> Fut,
    Fut: Future<Output = Result<Page<T>, StorageError>>,
{
    let sort = sort.unwrap_or_else(Sort::by_id);
    let reversed = Sort {
        key: sort.key,
        descending: !sort.descending,
    };
    let request = |sort: Sort<K>, cursor: Option<&str>| -> Result<PageRequest<K>, Refusal> {
        let cursor = cursor
            .map(CursorText::parse)
            .transpose()
            .map_err(Refusal::BadRequest)?
            .map(Param);
        PageRequest::new(
            Paging {
                limit: None,
                cursor: cursor.as_ref(),
                sort: Some(sort),
            },
            filter,
        )
    };
    let row_key = |row: &T| (key(sort.key, row), id(row));
    if let Some(before) = &query.before {
        let backwards = request(reversed, Some(before))?;
        let page = fetch(backwards.keyset.clone()).await?;
        let more_before = page.next.is_some();
        let mut items = page.items;
        items.reverse();
        if let (Some(first), Some(last)) = (items.first(), items.last()) {
            let previous = if more_before {
                backwards.next_cursor(Some(row_key(first)))
            } else {
                None
            };
            let next = request(sort, None)?.next_cursor(Some(row_key(last)));
            return Ok(Window {
                next,
                previous,
                items,
            });
        }
    }
    let after = query
        .before
        .is_none()
        .then_some(query.after.as_deref())
        .flatten();
    let forwards = request(sort, after)?;
    let page = fetch(forwards.keyset.clone()).await?;
    let next = forwards.next_cursor(page.next);
    let previous = match (after, page.items.first()) {
        (Some(_), Some(first)) => request(reversed, None)?.next_cursor(Some(row_key(first))),
        _ => None,
    };
    Ok(Window {
        items: page.items,
        next,
        previous,
    })
}

/// A list's answer: its status, its rows and the message of a refused query; a storage error
/// is for an error page.
pub fn shown<T>(
    window: Result<Window<T>, ListError>,
) -> Result<(StatusCode, Window<T>, Option<String>), StorageError> {
    match window {
        Ok(window) => Ok((StatusCode::OK, window, None)),
        Err(ListError::Query(message)) => Ok((
            StatusCode::BAD_REQUEST,
            Window {
                items: Vec::new(),
                next: None,
                previous: None,
            },
            Some(crate::kit::page::capitalized(&message)),
        )),
        Err(ListError::Storage(error)) => Err(error),
    }
}

/// The sort options `(value, label)`, with the query's selected (by id when it names none).
pub fn sorts(options: &[(&'static str, &'static str)], query: &ListQuery) -> Vec<Choice> {
    let sort = query.value("sort");
    let chosen = if sort.is_empty() { "id" } else { sort.as_str() };
    Choice::list(
        options
            .iter()
            .map(|(value, label)| (*value, (*label).to_owned()))
            .collect(),
        Some(&chosen),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_and_the_webs_own_parameters_stay_out_of_the_apis_query() {
        let query = ListQuery::parse(Some(
            "q=ada&gender=&min_age=&sort=name&after=abc&done=deleted",
        ));
        assert_eq!(query.value("q"), "ada");
        assert_eq!(query.after.as_deref(), Some("abc"));
        assert_eq!(query.done.as_deref(), Some("deleted"));
        assert_eq!(
            query.href("/app/actors", None),
            "/app/actors?q=ada&sort=name"
        );
        assert_eq!(
            query.href("/app/actors", Some(("before", "x y"))),
            "/app/actors?q=ada&sort=name&before=x+y"
        );
    }
}
