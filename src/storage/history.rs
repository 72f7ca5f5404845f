//! The history of every write: who changed what, when, from what to what. Each write records its
//! changes in its own transaction, so the history has every acknowledged write and nothing else.
//! Rows outlive the resource they describe: a deleted actor's history stays readable.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use sqlx::FromRow;
use utoipa::ToSchema;

use super::{
    Database, KeyType, Keyset, Kind, Page, SortKey, Sql, StorageError, StorageResult, Value,
    bind_args, on_pool,
};

/// Who makes a write, and the request it came with: what the history records as `by`,
/// `request_id` and `client_request_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    /// The token's `sub`, or what the command line says for itself.
    pub subject: String,
    /// The token's `name` or `email`, where present.
    pub name: Option<String>,
    /// The server's own id of the request.
    pub request_id: String,
    /// The id the caller sent as `X-Request-Id`, if it was a well-formed one.
    pub client_request_id: Option<ClientRequestId>,
}

/// A caller's own id of its request, as the history keeps it: 1 to [`ClientRequestId::MAX_LEN`]
/// characters of `A-Z a-z 0-9 . _ -`, so that it can neither bloat nor forge the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequestId(String);

impl ClientRequestId {
    pub const MAX_LEN: usize = 64;

    /// The id, if `raw` is a well-formed one.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = (1..=Self::MAX_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        well_formed.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Editor {
    /// A command of the command line (`movie-manager seed`, ...), as one request.
    pub fn command(command: &str) -> Self {
        Self {
            subject: "cli".to_owned(),
            name: Some(format!("movie-manager {command}")),
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: None,
        }
    }
}

/// What a write did to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
    /// An actor joined a movie's cast, or their character changed.
    Cast,
    /// An actor left a movie's cast.
    Uncast,
    /// A candidate for a role was added, moved, graded, noted or removed.
    Candidate,
    /// A photo of an actor was added, removed, or made primary.
    Photo,
    /// A session's slot was booked or freed, or its appointment's state changed.
    Appointment,
    /// A presentation's viewer answered about a candidate.
    Feedback,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Cast => "cast",
            Self::Uncast => "uncast",
            Self::Candidate => "candidate",
            Self::Photo => "photo",
            Self::Appointment => "appointment",
            Self::Feedback => "feedback",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Create,
            Self::Update,
            Self::Delete,
            Self::Cast,
            Self::Uncast,
            Self::Candidate,
            Self::Photo,
            Self::Appointment,
            Self::Feedback,
        ]
        .into_iter()
        .find(|action| action.as_str() == text)
    }
}

/// For each field a write changed, what it was and what it became (`null` for "none": before a
/// create, after a delete).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldChanges(BTreeMap<&'static str, (Json, Json)>);

impl FieldChanges {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a field whose value went from `from` to `to`; one that did not change is left out.
    pub fn field(mut self, name: &'static str, from: impl Serialize, to: impl Serialize) -> Self {
        let (from, to) = (to_json(from), to_json(to));
        if from != to {
            self.0.insert(name, (from, to));
        }
        self
    }

    /// Records a field even if it did not change: what names the casting an entry is about.
    pub fn key(mut self, name: &'static str, from: impl Serialize, to: impl Serialize) -> Self {
        self.0.insert(name, (to_json(from), to_json(to)));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These changes and `other`'s.
    pub fn merge(mut self, other: Self) -> Self {
        self.0.extend(other.0);
        self
    }

    fn to_text(&self) -> String {
        let object: serde_json::Map<String, Json> = self
            .0
            .iter()
            .map(|(name, (from, to))| {
                (
                    (*name).to_owned(),
                    serde_json::json!({"from": from, "to": to}),
                )
            })
            .collect();
        Json::Object(object).to_string()
    }
}

fn to_json(value: impl Serialize) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// One change to record: of which resource, what was done, which fields.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    pub id: i64,
    pub action: Action,
    pub changes: FieldChanges,
}

/// The statement that records `entries` as the writes of `editor`, now.
pub fn record(entries: &[Entry], editor: &Editor) -> Sql {
    let at = super::now();
    let mut sql = Sql::new(RECORD);
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        push_row(
            &mut sql,
            entry.kind,
            Some(entry.id),
            entry.action,
            &entry.changes,
            editor,
            at,
        );
    }
    sql
}

const RECORD: &str = "INSERT INTO changes (resource, resource_id, at, by_subject, by_name, action, changes, request_id, client_request_id) VALUES ";

/// Appends the values of one history row; `id: None` is the row a data-modifying `WITH created`
/// of the same statement creates.
fn push_row(
    sql: &mut Sql,
    kind: Kind,
    id: Option<i64>,
    action: Action,
    changes: &FieldChanges,
    editor: &Editor,
    at: DateTime<Utc>,
) {
    sql.push("(");
    sql.bind(Value::Text(kind.name().to_owned())).push(", ");
    match id {
        Some(id) => sql.bind(Value::Int(id)),
        None => sql.push("(SELECT id FROM created)"),
    };
    sql.push(", ");
    sql.bind(Value::Time(at)).push(", ");
    sql.bind(Value::Text(editor.subject.clone())).push(", ");
    sql.bind(Value::OptionalText(editor.name.clone()))
        .push(", ");
    sql.bind(Value::Text(action.as_str().to_owned())).push(", ");
    sql.bind(Value::Text(changes.to_text())).push(", ");
    sql.bind(Value::Text(editor.request_id.clone())).push(", ");
    sql.bind(Value::OptionalText(
        editor
            .client_request_id
            .as_ref()
            .map(|id| id.as_str().to_owned()),
    ))
    .push(")");
}

/// The history's entry for a casting that went away (an uncast, or a cascade of a delete).
pub(super) fn uncasting(movie_id: i64, actor_id: i64, character: Option<String>) -> FieldChanges {
    FieldChanges::new()
        .key("movie_id", movie_id, None::<i64>)
        .key("actor_id", actor_id, None::<i64>)
        .field("character", character, None::<String>)
}

/// One PostgreSQL statement that runs `insert` (an `INSERT` of one row, without `RETURNING`),
/// records it as created, and answers `columns` of the new row (written against the alias
/// `created`): one round trip where a transaction takes four, as atomic, since a statement is.
pub fn create_in_one_statement(
    insert: Sql,
    kind: Kind,
    changes: &FieldChanges,
    editor: &Editor,
    columns: &str,
) -> Sql {
    let mut sql = insert;
    sql.text.insert_str(0, "WITH created AS (");
    sql.push(" RETURNING *), recorded AS (").push(RECORD);
    push_row(
        &mut sql,
        kind,
        None,
        Action::Create,
        changes,
        editor,
        super::now(),
    );
    sql.push(") SELECT ").push(columns).push(" FROM created");
    sql
}

/// Creates a row and records its creation in the history: on PostgreSQL in one statement
/// ([`create_in_one_statement`]), on SQLite, whose `WITH` cannot write, in a transaction (in
/// process, its statements cost no round trip). `$columns` gives the resource's columns for a
/// table alias, `$returning` the `RETURNING` clause of a write to its table.
macro_rules! create_recorded {
    ($pool:expr, $dialect:expr, $row:ty, $insert:expr, $columns:expr, $returning:expr, $kind:expr, $changes:expr, $editor:expr) => {
        $crate::storage::history::create_recorded!(
            $pool,
            $dialect,
            $row,
            $insert,
            $columns,
            $returning,
            $kind,
            $changes,
            $editor,
            |_connection, _id| {},
            true
        )
    };
    // `$after` runs in the transaction with the new row's id; where it writes anything, pass
    // `$one_statement` false, so that PostgreSQL takes the transaction's way too.
    ($pool:expr, $dialect:expr, $row:ty, $insert:expr, $columns:expr, $returning:expr, $kind:expr, $changes:expr, $editor:expr, |$tx:ident, $id:ident| $after:block, $one_statement:expr) => {{
        let (mut insert, changes) = ($insert, $changes);
        let mut connection = $crate::storage::acquire($pool).await?;
        if $dialect.sqlite || !$one_statement {
            insert.push(&$returning($dialect));
            let mut tx =
                sqlx::Connection::begin_with(&mut *connection, $dialect.begin_write).await?;
            let created =
                $crate::storage::bind_args!(sqlx::query_as::<_, $row>(&insert.text), insert.args)
                    .fetch_one(&mut *tx)
                    .await?;
            {
                let $tx = &mut *tx;
                let $id = created.id;
                $after
            }
            let entry = $crate::storage::history::Entry {
                kind: $kind,
                id: created.id,
                action: $crate::storage::history::Action::Create,
                changes,
            };
            $crate::storage::history::record_changes!(&mut *tx, &[entry], $editor);
            tx.commit().await?;
            created
        } else {
            let sql = $crate::storage::history::create_in_one_statement(
                insert,
                $kind,
                &changes,
                $editor,
                &$columns($dialect, "created"),
            );
            $crate::storage::bind_args!(sqlx::query_as::<_, $row>(&sql.text), sql.args)
                .fetch_one(&mut *connection)
                .await?
        }
    }};
}
pub(crate) use create_recorded;

/// Runs [`record`] on a transaction of either backend.
macro_rules! record_changes {
    ($tx:expr, $entries:expr, $editor:expr) => {{
        let sql = $crate::storage::history::record($entries, $editor);
        $crate::storage::bind_args!(sqlx::query(&sql.text), sql.args)
            .execute($tx)
            .await?;
    }};
}
pub(crate) use record_changes;

/// Who made a change.
#[derive(Debug, Clone)]
pub struct ChangedBy {
    /// The token's `sub` (`cli` for the command line; `presentation:{id}` for a presentation's
    /// viewer).
    pub sub: String,
    /// Their `name` or `email`, where the token had one; a presentation's title.
    pub name: Option<String>,
}

/// The subject a presentation's viewer writes as: they do not sign in.
const PRESENTATION_SUBJECT: &str = "presentation:";

impl ChangedBy {
    /// The subject of the viewers of presentation `id`.
    pub fn presentation_subject(id: i64) -> String {
        format!("{PRESENTATION_SUBJECT}{id}")
    }

    /// The presentation whose viewer wrote, if one did.
    pub fn presentation(&self) -> Option<i64> {
        self.sub.strip_prefix(PRESENTATION_SUBJECT)?.parse().ok()
    }
}

/// `{"sub", "name"?}` for a person, `{"presentation": id, "name": its title}` for a
/// presentation's viewer.
impl Serialize for ChangedBy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        match self.presentation() {
            Some(id) => {
                map.serialize_entry("presentation", &id)?;
                map.serialize_entry("name", &self.name)?;
            }
            None => {
                map.serialize_entry("sub", &self.sub)?;
                if let Some(name) = &self.name {
                    map.serialize_entry("name", name)?;
                }
            }
        }
        map.end()
    }
}

impl utoipa::PartialSchema for ChangedBy {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let person = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("A person (or the command line): the token's `sub`, and its `name` or `email` where it had one."))
            .property("sub", ObjectBuilder::new().schema_type(Type::String))
            .required("sub")
            .property("name", ObjectBuilder::new().schema_type(Type::String));
        let presentation = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A presentation's viewer: the presentation's id and title.",
            ))
            .property(
                "presentation",
                ObjectBuilder::new().schema_type(Type::Integer),
            )
            .required("presentation")
            .property(
                "name",
                ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::String,
                    Type::Null,
                ])),
            )
            .required("name");
        OneOfBuilder::new().item(person).item(presentation).into()
    }
}

impl ToSchema for ChangedBy {}

/// One recorded change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Change {
    /// Increases with every change; the history's order.
    pub id: i64,
    #[serde(serialize_with = "super::json::timestamp")]
    pub at: DateTime<Utc>,
    pub by: ChangedBy,
    pub action: Action,
    /// For each field changed, `{"from": ..., "to": ...}`; a casting's entries name its
    /// `actor_id` and `movie_id` too, and its `character`.
    #[schema(value_type = Object)]
    pub changes: Json,
    /// The server's own id of the request that made it (its `X-Request-Id` answer header).
    pub request_id: String,
    /// The `X-Request-Id` the caller sent, if it was up to 64 characters of
    /// `A-Z a-z 0-9 . _ -`; else null.
    pub client_request_id: Option<String>,
}

/// A row of `changes`, as stored.
#[derive(FromRow)]
pub(super) struct ChangeRow {
    pub(super) id: i64,
    pub(super) resource: String,
    pub(super) resource_id: i64,
    pub(super) at: DateTime<Utc>,
    pub(super) by_subject: String,
    pub(super) by_name: Option<String>,
    pub(super) action: String,
    pub(super) changes: String,
    pub(super) request_id: String,
    pub(super) client_request_id: Option<String>,
}

/// Its columns, in its fields' order.
pub(super) const CHANGE_COLUMNS: &str = "id, resource, resource_id, at, by_subject, by_name, action, changes, request_id, client_request_id";

impl ChangeRow {
    pub(super) fn into_change(self) -> StorageResult<Change> {
        let fault = |what: &str| {
            StorageError::Fault(sqlx::Error::Decode(
                format!("change {}: {what}", self.id).into(),
            ))
        };
        let action = Action::parse(&self.action).ok_or_else(|| fault("unknown action"))?;
        let changes =
            serde_json::from_str(&self.changes).map_err(|_| fault("malformed changes"))?;
        Ok(Change {
            id: self.id,
            at: self.at,
            by: ChangedBy {
                sub: self.by_subject,
                name: self.by_name,
            },
            action,
            changes,
            request_id: self.request_id,
            client_request_id: self.client_request_id,
        })
    }
}

/// The order of a history: newest first, by change id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Newest;

impl SortKey for Newest {
    const ALL: &'static [Self] = &[Self];

    fn column(self) -> &'static str {
        "id"
    }

    fn key_type(self) -> KeyType {
        KeyType::Int
    }
}

/// One page of a resource's history, newest first. A resource that never existed (no row, no
/// history) is [`StorageError::NotFound`]; a deleted one keeps its history.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    kind: Kind,
    id: i64,
    keyset: &Keyset<Newest>,
) -> StorageResult<Page<Change>> {
    let mut sql = Sql::new("SELECT ");
    sql.push(CHANGE_COLUMNS).push(" FROM changes");
    sql.and()
        .push("resource = ")
        .bind(Value::Text(kind.name().to_owned()));
    sql.and().push("resource_id = ").bind(Value::Int(id));
    keyset.finish(&mut sql);
    let (rows, exists) = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let rows = bind_args!(sqlx::query_as::<_, ChangeRow>(&sql.text), sql.args)
            .fetch_all(&mut *connection)
            .await?;
        let exists = !rows.is_empty()
            || sqlx::query(kind.exists_query())
                .bind(id)
                .fetch_optional(&mut *connection)
                .await?
                .is_some()
            || sqlx::query("SELECT 1 FROM changes WHERE resource = $1 AND resource_id = $2 LIMIT 1")
                .bind(kind.name())
                .bind(id)
                .fetch_optional(&mut *connection)
                .await?
                .is_some();
        (rows, exists)
    });
    if !exists {
        return Err(StorageError::NotFound(kind.name(), id));
    }
    let changes = rows
        .into_iter()
        .map(ChangeRow::into_change)
        .collect::<StorageResult<Vec<Change>>>()?;
    Ok(Page::from_rows(changes, keyset, |change| {
        (Value::Int(change.id), change.id)
    }))
}
