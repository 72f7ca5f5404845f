//! `GET /actors` and `GET /movies` with `Accept: text/csv`: every row that matches the filters,
//! in the list's sort, streamed in keyset batches so that memory stays flat however many rows
//! there are (docs/API.md, "Lists"). A header row names the fields, `id` first; an actor's
//! movies and a movie's cast are one text column. The web app's "Export CSV" serves the same.
//!
//! RFC 4180 quoting. A text cell that a spreadsheet would take for a formula (starting with `=`,
//! `+`, `-`, `@`, tab or carriage return) gets a leading `'`, as OWASP advises, so that opening
//! an export never runs what someone typed into a name.

use std::fmt::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::StreamExt;

use super::Refusal;
use super::negotiate;
use super::query::{Paging, Sort};
use crate::storage::actors::{self, Actor, ActorFilter, ActorSort};
use crate::storage::movies::{self, Movie, MovieFilter, MovieSort};
use crate::storage::{Database, Keyset, Page, SortKey, StorageResult};

/// Rows read per statement.
const BATCH: u32 = 500;

/// Whether the request asks for CSV rather than JSON.
pub fn wanted(headers: &HeaderMap) -> bool {
    negotiate::prefers(headers, "text/csv", "application/json")
}

/// A kind of row that can be exported.
trait Export: Sized + Send + 'static {
    type Sort: SortKey;
    type Filter: Send + Sync + 'static;
    const HEADER: &'static str;
    const FILE: &'static str;
    fn fetch(
        db: &Database,
        filter: &Self::Filter,
        keyset: &Keyset<Self::Sort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send;
    fn write(&self, out: &mut String);
}

impl Export for Actor {
    type Sort = ActorSort;
    type Filter = ActorFilter;
    const HEADER: &'static str = "id,name,age,gender,created_at,updated_at,movies\r\n";
    const FILE: &'static str = "actors.csv";

    fn fetch(
        db: &Database,
        filter: &ActorFilter,
        keyset: &Keyset<ActorSort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        actors::list(db, filter, keyset)
    }

    fn write(&self, out: &mut String) {
        let movies: Vec<String> = self
            .movies
            .iter()
            .map(|role| {
                let mut text = format!("{} ({})", role.title, role.release_date);
                if let Some(character) = &role.character {
                    let _ = write!(text, " as {character}");
                }
                text
            })
            .collect();
        let _ = write!(out, "{},", self.id);
        text(out, &self.name);
        let _ = write!(out, ",{},", self.age);
        text(out, &self.gender);
        let _ = write!(
            out,
            ",{},{},",
            timestamp(&self.created_at),
            timestamp(&self.updated_at)
        );
        text(out, &movies.join("; "));
        out.push_str("\r\n");
    }
}

impl Export for Movie {
    type Sort = MovieSort;
    type Filter = MovieFilter;
    const HEADER: &'static str = "id,title,release_date,created_at,updated_at,cast\r\n";
    const FILE: &'static str = "movies.csv";

    fn fetch(
        db: &Database,
        filter: &MovieFilter,
        keyset: &Keyset<MovieSort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        movies::list(db, filter, keyset)
    }

    fn write(&self, out: &mut String) {
        let cast: Vec<String> = self
            .cast
            .iter()
            .map(|member| match &member.character {
                Some(character) => format!("{} as {character}", member.name),
                None => member.name.clone(),
            })
            .collect();
        let _ = write!(out, "{},", self.id);
        text(out, &self.title);
        let _ = write!(
            out,
            ",{},{},{},",
            self.release_date,
            timestamp(&self.created_at),
            timestamp(&self.updated_at)
        );
        text(out, &cast.join("; "));
        out.push_str("\r\n");
    }
}

fn timestamp(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// One text cell: defused if a spreadsheet would read it as a formula, quoted if it holds a
/// comma, a quote or a line break.
fn text(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// The sort of a CSV export; `limit` and `cursor` are refused, since it is every row.
fn sort_of<K: SortKey>(paging: Paging<'_, K>) -> Result<Sort<K>, Refusal> {
    if paging.limit.is_some() {
        return Err(Refusal::BadRequest(
            "limit: a CSV export holds every row; leave limit out".into(),
        ));
    }
    if paging.cursor.is_some() {
        return Err(Refusal::BadRequest(
            "cursor: a CSV export holds every row; leave cursor out".into(),
        ));
    }
    Ok(paging.sort.unwrap_or_else(Sort::by_id))
}

/// The export of every actor the filter keeps.
pub async fn actors(
    db: Database,
    filter: ActorFilter,
    paging: Paging<'_, ActorSort>,
) -> Result<Response, Refusal> {
    export::<Actor>(db, filter, sort_of(paging)?).await
}

/// The export of every movie the filter keeps.
pub async fn movies(
    db: Database,
    filter: MovieFilter,
    paging: Paging<'_, MovieSort>,
) -> Result<Response, Refusal> {
    export::<Movie>(db, filter, sort_of(paging)?).await
}

/// Reads the first batch before answering, so that a database that cannot answer is a 503 and
/// not a cut-off file; then streams the rest, one batch per statement.
async fn export<T: Export>(
    db: Database,
    filter: T::Filter,
    sort: Sort<T::Sort>,
) -> Result<Response, Refusal> {
    let keyset = Keyset {
        sort: sort.key,
        descending: sort.descending,
        after: None,
        limit: BATCH,
    };
    let first = T::fetch(&db, &filter, &keyset).await?;
    let mut head = String::from(T::HEADER);
    first.items.iter().for_each(|row| row.write(&mut head));
    let filter = Arc::new(filter);
    let rest = first.next.map(|after| Keyset {
        after: Some(after),
        ..keyset
    });
    let tail = futures_util::stream::unfold(rest, move |next| {
        let db = db.clone();
        let filter = Arc::clone(&filter);
        async move {
            let keyset = next?;
            match T::fetch(&db, &filter, &keyset).await {
                Ok(page) => {
                    let mut chunk = String::new();
                    page.items.iter().for_each(|row| row.write(&mut chunk));
                    let next = page.next.map(|after| Keyset {
                        after: Some(after),
                        ..keyset
                    });
                    Some((Ok(Bytes::from(chunk)), next))
                }
                Err(error) => {
                    // The status is sent already: cutting the body off is how the client learns.
                    tracing::error!(error = %error, "a CSV export failed midway");
                    Some((Err(std::io::Error::other("the export failed midway")), None))
                }
            }
        }
    });
    let head =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) });
    // Fused: compression polls a body again after its end, which an unfold must not see.
    let body = Body::from_stream(head.chain(tail).fuse());
    let disposition = format!("attachment; filename=\"{}\"", T::FILE);
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).expect("a file name is a header value"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (VARY, HeaderValue::from_static("Accept")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(value: &str) -> String {
        let mut out = String::new();
        text(&mut out, value);
        out
    }

    #[test]
    fn text_cells_are_quoted_when_they_must_be() {
        assert_eq!(cell("Zoë Saldaña"), "Zoë Saldaña");
        assert_eq!(cell("Smith, John"), "\"Smith, John\"");
        assert_eq!(cell("The \"Best\""), "\"The \"\"Best\"\"\"");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-30-"), "\"'-30-\"");
        assert_eq!(cell("@home"), "\"'@home\"");
    }
}
