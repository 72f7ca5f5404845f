//! `GET /actors` and `GET /movies` with `Accept: text/csv`: every row that matches the filters,
//! in the list's sort, streamed in keyset batches so that memory stays flat however many rows
//! there are (docs/API.md, "Lists"). A header row names the fields, `id` first; an actor's
//! movies and a movie's cast are one text column. The web app's "Export CSV" serves the same.
//!
//! RFC 4180 quoting, by the `csv` crate. A text cell that a spreadsheet would take for a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, as OWASP
//! advises, so that opening an export never runs what someone typed into a name; so does a cell
//! that starts with `'` itself, so that an import, which removes one leading `'`, gives back
//! the text as it was (docs/API.md, "CSV and formulas").

use std::borrow::Cow;
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
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::{ActorFields, CandidateFields, Fields, MovieFields, NewActor, RequestBody};
use crate::storage::actors::{self, Actor, ActorFilter, ActorSort};
use crate::storage::candidates::{
    self, Begun, Candidacy, Candidate, CandidateFilter, CandidateSort,
};
use crate::storage::history::{self, Change, Newest};
use crate::storage::movies::{self, Movie, MovieFilter, MovieSort};
use crate::storage::{Database, Keyset, Kind, Page, SortKey, StorageResult};

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
    const FILE: &'static str;
    fn fetch(
        db: &Database,
        filter: &Self::Filter,
        keyset: &Keyset<Self::Sort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send;
    /// The header row's names.
    fn columns() -> Vec<String>;
    /// The row's cells, in the header's order: every text defused.
    fn cells(&self) -> Vec<String>;
}

/// The columns of a declared resource: `id`, each of its fields' cells, then `trailing`, the
/// columns the server adds.
fn declared_columns<F: Fields>(trailing: &[&str]) -> Vec<String> {
    let mut names = vec!["id".to_owned()];
    names.extend(F::DECLARED.iter().flat_map(|field| field.cells()));
    names.extend(trailing.iter().map(|name| (*name).to_owned()));
    names
}

/// A declared resource's cells, in the order of [`declared_columns`].
fn declared_cells(id: i64, fields: &impl Fields, trailing: Vec<String>) -> Vec<String> {
    let mut cells = vec![id.to_string()];
    cells.extend(fields.cells().iter().map(|cell| text(cell).into_owned()));
    cells.extend(trailing);
    cells
}

/// The header row.
fn header<T: Export>() -> Bytes {
    let mut line = T::columns().join(",");
    line.push_str("\r\n");
    Bytes::from(line)
}

impl Export for Actor {
    type Sort = ActorSort;
    type Filter = ActorFilter;
    const FILE: &'static str = "actors.csv";

    fn fetch(
        db: &Database,
        filter: &ActorFilter,
        keyset: &Keyset<ActorSort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        actors::list(db, filter, keyset)
    }

    fn columns() -> Vec<String> {
        declared_columns::<ActorFields>(&["created_at", "updated_at", "movies"])
    }

    fn cells(&self) -> Vec<String> {
        let movies: Vec<String> = self
            .movies
            .iter()
            .map(|role| match &role.character {
                Some(character) => {
                    format!("{} ({}) as {character}", role.title, role.release_date)
                }
                None => format!("{} ({})", role.title, role.release_date),
            })
            .collect();
        let trailing = vec![
            timestamp(&self.created_at),
            timestamp(&self.updated_at),
            text(&movies.join("; ")).into_owned(),
        ];
        declared_cells(self.id, &self.fields, trailing)
    }
}

impl Export for Movie {
    type Sort = MovieSort;
    type Filter = MovieFilter;
    const FILE: &'static str = "movies.csv";

    fn fetch(
        db: &Database,
        filter: &MovieFilter,
        keyset: &Keyset<MovieSort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        movies::list(db, filter, keyset)
    }

    fn columns() -> Vec<String> {
        declared_columns::<MovieFields>(&["created_at", "updated_at", "cast"])
    }

    fn cells(&self) -> Vec<String> {
        let cast: Vec<String> = self
            .cast
            .iter()
            .map(|member| match &member.character {
                Some(character) => format!("{} as {character}", member.name),
                None => member.name.clone(),
            })
            .collect();
        let trailing = vec![
            timestamp(&self.created_at),
            timestamp(&self.updated_at),
            text(&cast.join("; ")).into_owned(),
        ];
        declared_cells(self.id, &self.fields, trailing)
    }
}

/// A role's candidates that a filter keeps.
pub struct OfRole {
    pub role_id: i64,
    pub filter: CandidateFilter,
}

/// A candidate's row: the actor's id, the candidate's fields, then who the actor is.
impl Export for Candidate {
    type Sort = CandidateSort;
    type Filter = OfRole;
    const FILE: &'static str = "candidates.csv";

    fn fetch(
        db: &Database,
        of: &OfRole,
        keyset: &Keyset<CandidateSort>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        candidates::list(db, of.role_id, &of.filter, keyset)
    }

    fn columns() -> Vec<String> {
        declared_columns::<CandidateFields>(&[
            "name",
            "age",
            "gender",
            "playing_age_min",
            "playing_age_max",
            "added_at",
            "updated_at",
        ])
    }

    fn cells(&self) -> Vec<String> {
        let trailing = vec![
            text(&self.actor.name).into_owned(),
            self.actor.age.to_string(),
            text(&self.actor.gender).into_owned(),
            optional(self.actor.playing_age_min),
            optional(self.actor.playing_age_max),
            timestamp(&self.added_at),
            timestamp(&self.updated_at),
        ];
        declared_cells(self.actor.id, &self.fields, trailing)
    }
}

/// An actor's candidacies.
pub struct OfActor(pub i64);

/// A candidacy's row: the role, its movie, then the actor's standing in it.
impl Export for Candidacy {
    type Sort = Begun;
    type Filter = OfActor;
    const FILE: &'static str = "candidacies.csv";

    fn fetch(
        db: &Database,
        of: &OfActor,
        keyset: &Keyset<Begun>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        candidates::candidacies(db, of.0, keyset)
    }

    fn columns() -> Vec<String> {
        [
            "role_id",
            "role",
            "movie_id",
            "movie",
            "status",
            "rank",
            "note",
            "added_at",
            "updated_at",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.role.id.to_string(),
            text(&self.role.name).into_owned(),
            self.movie.id.to_string(),
            text(&self.movie.title).into_owned(),
            self.status.as_str().to_owned(),
            optional(self.rank),
            text(self.note.as_deref().unwrap_or_default()).into_owned(),
            timestamp(&self.added_at),
            timestamp(&self.updated_at),
        ]
    }
}

/// The history of one resource.
pub struct HistoryOf(pub Kind, pub i64);

/// A change's row: `changes` is its JSON text.
impl Export for Change {
    type Sort = Newest;
    type Filter = HistoryOf;
    const FILE: &'static str = "history.csv";

    fn fetch(
        db: &Database,
        of: &HistoryOf,
        keyset: &Keyset<Newest>,
    ) -> impl Future<Output = StorageResult<Page<Self>>> + Send {
        history::list(db, of.0, of.1, keyset)
    }

    fn columns() -> Vec<String> {
        [
            "id",
            "at",
            "by_sub",
            "by_name",
            "action",
            "changes",
            "request_id",
            "client_request_id",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            timestamp(&self.at),
            text(&self.by.sub).into_owned(),
            text(self.by.name.as_deref().unwrap_or_default()).into_owned(),
            self.action.as_str().to_owned(),
            text(&self.changes.to_string()).into_owned(),
            self.request_id.clone(),
            self.client_request_id.clone().unwrap_or_default(),
        ]
    }
}

/// A number's cell, empty for none.
fn optional(number: Option<i32>) -> String {
    number.map(|number| number.to_string()).unwrap_or_default()
}

fn timestamp(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// One text cell, defused if a spreadsheet would read it as a formula (or it starts with the
/// `'` that defuses).
fn text(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Rows as CSV: RFC 4180 quoting where a cell needs it, CRLF line ends.
fn write_rows<T: Export>(rows: &[T]) -> Bytes {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 128));
    for row in rows {
        // Writing into memory cannot fail.
        let _ = writer.write_record(row.cells().iter().map(|cell| cell.as_bytes()));
    }
    Bytes::from(writer.into_inner().unwrap_or_default())
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

/// The export of every candidate of a role that the filter keeps.
pub async fn candidates(
    db: Database,
    of: OfRole,
    paging: Paging<'_, CandidateSort>,
) -> Result<Response, Refusal> {
    export::<Candidate>(db, of, sort_of(paging)?).await
}

/// The export of every role an actor is a candidate for, in the order they were added.
pub async fn candidacies(
    db: Database,
    actor_id: i64,
    paging: Paging<'_, Begun>,
) -> Result<Response, Refusal> {
    export::<Candidacy>(db, OfActor(actor_id), sort_of(paging)?).await
}

/// The export of a resource's whole history, newest first.
pub async fn history(
    db: Database,
    kind: Kind,
    id: i64,
    paging: Paging<'_, Newest>,
) -> Result<Response, Refusal> {
    export::<Change>(db, HistoryOf(kind, id), sort_of(paging)?).await
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
    let head = [header::<T>(), write_rows(&first.items)];
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
                    let chunk = write_rows(&page.items);
                    let next = page.next.map(|after| Keyset {
                        after: Some(after),
                        ..keyset
                    });
                    Some((Ok(chunk), next))
                }
                Err(error) => {
                    // The status is sent already: cutting the body off is how the client learns.
                    tracing::error!(error = %error, "a CSV export failed midway");
                    Some((Err(std::io::Error::other("the export failed midway")), None))
                }
            }
        }
    });
    let head = futures_util::stream::iter(head.map(Ok::<_, std::io::Error>));
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

/// The largest CSV file an import takes over HTTP (413 past it); the command line takes any size.
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;
/// At most this many broken rules are reported for one file.
pub const MAX_REPORTED: usize = 100;
/// Columns an export writes that an import ignores: the server assigns them.
const SERVER_OWNED: &[&str] = &["id", "created_at", "updated_at", "movies", "photo"];

/// One broken rule of an import: the row (the header is row 1), the column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowProblem {
    pub row: u64,
    /// The column at fault; `null` for the row as a whole.
    pub field: Option<String>,
    pub message: String,
}

/// `row 3, age: must be between 0 and 150`, as a person reads it.
impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The actors of an import file, each read by the same rules as `POST /actors`' JSON: all of
/// them, or every broken rule (up to [`MAX_REPORTED`]).
pub fn read_actors(file: &[u8]) -> Result<Vec<NewActor>, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file));
    let header_problem = |message: String| {
        vec![RowProblem {
            row: 1,
            field: None,
            message,
        }]
    };
    let columns: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|name| name.trim().to_owned()).collect(),
        Err(error) => return Err(header_problem(describe(&error))),
    };
    let declared: Vec<String> = ActorFields::DECLARED
        .iter()
        .flat_map(|field| field.cells())
        .collect();
    let mut problems = Vec::new();
    for (index, name) in columns.iter().enumerate() {
        let known = declared.contains(name) || SERVER_OWNED.contains(&name.as_str());
        if !known {
            problems.push(RowProblem {
                row: 1,
                field: Some(crate::model::printable(name)),
                message: format!(
                    "unknown column (expected {}; {} are ignored)",
                    declared.join(", "),
                    SERVER_OWNED.join(", ")
                ),
            });
        } else if columns[..index].contains(name) {
            problems.push(RowProblem {
                row: 1,
                field: Some(name.clone()),
                message: "appears more than once in the header".into(),
            });
        }
    }
    for required in ActorFields::DECLARED.iter().filter(|field| field.required) {
        for cell in required.cells() {
            if !columns.contains(&cell) {
                problems.push(RowProblem {
                    row: 1,
                    field: Some(cell),
                    message: "is a required column".into(),
                });
            }
        }
    }
    if !problems.is_empty() {
        problems.truncate(MAX_REPORTED);
        return Err(problems);
    }
    let required: Vec<&str> = ActorFields::DECLARED
        .iter()
        .filter(|field| field.required)
        .map(|field| field.name)
        .collect();
    let mut actors = Vec::new();
    for record in reader.records() {
        if problems.len() >= MAX_REPORTED {
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let row = error.position().map_or(0, |position| position.record() + 1);
                problems.push(RowProblem {
                    row,
                    field: None,
                    message: describe(&error),
                });
                // A row that cannot be read leaves the reader where it cannot go on.
                if !matches!(error.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
                continue;
            }
        };
        // Records are counted from 0 with the header: row 1 is the header, as a spreadsheet has it.
        let row = record
            .position()
            .map_or(0, |position| position.record() + 1);
        // An empty cell of a required field is one not given; an export's `'` is taken off.
        let object = ActorFields::object_from_cells(|name| {
            let index = columns.iter().position(|column| column == name)?;
            let cell = record.get(index)?;
            if cell.is_empty() && required.contains(&name) {
                return None;
            }
            Some(cell.strip_prefix('\'').unwrap_or(cell))
        });
        match NewActor::from_object(object) {
            Ok(actor) => actors.push(actor),
            Err(invalid) => problems.extend(invalid.0.into_iter().map(|problem| RowProblem {
                row,
                field: problem.field,
                message: problem.message,
            })),
        }
    }
    if problems.is_empty() {
        Ok(actors)
    } else {
        problems.truncate(MAX_REPORTED);
        Err(problems)
    }
}

/// What is wrong with a file the CSV reader could not read, in words.
fn describe(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} cells where the header has {expected_len}"),
        _ => "cannot be read as CSV".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer
            .write_record(cells.iter().map(|cell| text(cell).into_owned()))
            .unwrap();
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn text_cells_are_quoted_when_they_must_be() {
        assert_eq!(line(&["Zoë Saldaña"]), "Zoë Saldaña\r\n");
        assert_eq!(line(&["Smith, John"]), "\"Smith, John\"\r\n");
        assert_eq!(line(&["The \"Best\""]), "\"The \"\"Best\"\"\"\r\n");
        assert_eq!(line(&["two\nlines"]), "\"two\nlines\"\r\n");
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_defused() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("-30-"), "'-30-");
        assert_eq!(text("@home"), "'@home");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("\tx"), "'\tx");
        assert_eq!(text("'quoted"), "''quoted");
        assert_eq!(text("plain"), "plain");
    }
}
