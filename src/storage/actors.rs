//! Actors: their rows, and the movies each is cast in. Every read is one statement, so a body and
//! its ETag always come from one moment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, FromRow};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

use super::fields;
use super::history::{Action, Editor, Entry, create_recorded, record_changes};
use super::photos::{PhotoUrls, PrimaryPhoto};
use super::{
    Database, Dialect, KeyType, Keyset, Kind, Listing, Page, SortKey, Sql, StorageError,
    StorageResult, Value, WRITE_ATTEMPTS, bind_args, gather, like_contains, on_pool,
};
use crate::model::{
    ActorChanges, ActorFields, Age, Field, Fields, Height, NewActor, ReleaseDate, Title, Whole,
};

/// An actor, with the movies it is cast in.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Actor {
    pub id: i64,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub fields: ActorFields,
    #[serde(serialize_with = "super::json::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The movies this actor is cast in, by release date.
    #[sqlx(json)]
    pub movies: Vec<Credit>,
    /// Its primary photo's URLs, or null.
    #[sqlx(try_from = "Option<String>")]
    pub photo: PrimaryPhoto,
    /// Bumped on every change to this representation; the ETag.
    #[serde(skip)]
    pub version: i64,
}

impl utoipa::PartialSchema for Actor {
    fn schema() -> RefOr<Schema> {
        let movies = ArrayBuilder::new()
            .items(Ref::from_schema_name("Credit"))
            .description(Some("The movies this actor is cast in, by release date."));
        let photo = OneOfBuilder::new()
            .item(Ref::from_schema_name("PhotoUrls"))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some("Its primary photo's URLs, or null."));
        let more = ObjectBuilder::new()
            .property("movies", movies)
            .required("movies")
            .property("photo", photo)
            .required("photo");
        fields::representation::<ActorFields>("An actor, with the movies it is cast in.", more)
    }
}

impl ToSchema for Actor {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            "Credit".to_owned(),
            <Credit as utoipa::PartialSchema>::schema(),
        ));
        schemas.push((
            "PhotoUrls".to_owned(),
            <PhotoUrls as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// A movie an actor is cast in: a credit of their filmography.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Credit {
    /// The movie's id.
    pub id: i64,
    #[schema(schema_with = Title::schema)]
    pub title: String,
    #[schema(schema_with = ReleaseDate::schema)]
    #[serde(serialize_with = "super::json::date")]
    pub release_date: NaiveDate,
    /// The part the actor plays, if recorded.
    pub character: Option<String>,
}

/// What a list keeps; text filters are compared case-insensitively. It is also what a cursor is
/// bound to, so every field counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActorFilter {
    /// A case-folded substring of the name ([`super::search_key`]).
    pub name_contains: Option<String>,
    /// A case-folded gender ([`super::search_key`]).
    pub gender: Option<String>,
    pub min_age: Option<Age>,
    pub max_age: Option<Age>,
    /// Case-folded tags, each of which an actor must hold: `(field, tag)`, the field one of the
    /// indexed lists (`skills`, `languages`, `unions`).
    pub tags: Vec<(&'static str, String)>,
    /// An age the actor's playing range must hold.
    pub playing_age: Option<Age>,
    pub min_height: Option<Height>,
    pub max_height: Option<Height>,
}

/// The columns an actor list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorSort {
    Id,
    Name,
    Age,
}

impl SortKey for ActorSort {
    const ALL: &'static [Self] = &[Self::Id, Self::Name, Self::Age];

    fn column(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::Age => "age",
        }
    }

    fn key_type(self) -> KeyType {
        match self {
            Self::Id | Self::Age => KeyType::Int,
            Self::Name => KeyType::Text,
        }
    }
}

impl ActorSort {
    /// The row's value of this column, as the next page's cursor carries it.
    pub fn value(self, actor: &Actor) -> Value {
        match self {
            Self::Id => Value::Int(actor.id),
            Self::Name => Value::Text(actor.fields.name.as_str().to_owned()),
            Self::Age => Value::Int(actor.fields.age.years().into()),
        }
    }
}

/// The columns of a whole actor, with its movies, from the row of `actors` named `table`.
fn columns(dialect: &Dialect, table: &str) -> String {
    let movies = dialect.json_rows(
        "'id', m.id, 'title', m.title, 'release_date', m.release_date, 'character', c.character",
        &format!("castings c JOIN movies m ON m.id = c.movie_id WHERE c.actor_id = {table}.id"),
        "m.release_date, m.id",
    );
    format!(
        "{table}.id, {}, {table}.version, {table}.created_at, {table}.updated_at, {movies} AS movies, {}",
        fields::read_columns::<ActorFields>(table),
        super::photos::primary_column(table)
    )
}

/// `SELECT` of whole actors (alias `a`).
fn select(dialect: &Dialect) -> String {
    format!("SELECT {} FROM actors a", columns(dialect, "a"))
}

/// What an `UPDATE actors` or `INSERT INTO actors` answers: the whole actor. Both databases
/// name the written row by its table's own name here.
fn returning(dialect: &Dialect) -> String {
    format!(" RETURNING {}", columns(dialect, "actors"))
}

/// Tag rows written per statement (3 parameters each).
const TAG_BATCH: usize = 1000;

/// The statements that index the tags of actors, `(actor id, field, folded tag)`.
pub(super) fn tag_inserts(rows: &[(i64, &'static str, String)]) -> Vec<Sql> {
    rows.chunks(TAG_BATCH)
        .map(|batch| {
            let mut sql = Sql::new("INSERT INTO actor_tags (actor_id, field, tag) VALUES ");
            for (index, (id, field, tag)) in batch.iter().enumerate() {
                sql.push(if index == 0 { "(" } else { ", (" });
                sql.bind(Value::Int(*id)).push(", ");
                sql.bind(Value::Text((*field).to_owned())).push(", ");
                sql.bind(Value::Text(tag.clone())).push(")");
            }
            sql
        })
        .collect()
}

/// The tag rows of one actor.
pub(super) fn tag_rows(id: i64, actor: &ActorFields) -> Vec<(i64, &'static str, String)> {
    fields::tags(actor)
        .into_iter()
        .map(|(field, tag)| (id, field, tag))
        .collect()
}

/// Runs [`tag_inserts`] on a transaction of either backend.
macro_rules! index_tags {
    ($tx:expr, $rows:expr) => {
        for sql in tag_inserts($rows) {
            bind_args!(sqlx::query(&sql.text), sql.args)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(db: &Database, actor: &NewActor, editor: &Editor) -> StorageResult<Actor> {
    let mut sql = fields::insert::<ActorFields>("actors");
    fields::push_row(&mut sql, actor, super::now());
    let changes = fields::created(actor);
    let tags = fields::tags(actor);
    Ok(on_pool!(db, pool, dialect => {
        create_recorded!(pool, dialect, Actor, sql, columns, returning, Kind::Actor, changes, editor, |tx, id| {
            index_tags!(tx, &tags.iter().map(|(field, tag)| (id, *field, tag.clone())).collect::<Vec<_>>());
        }, tags.is_empty())
    }))
}

/// Rows an import writes per statement (13 parameters each, well under either database's limit).
const IMPORT_BATCH: usize = 500;

/// Creates every actor of `actors`, with their history, in one transaction: all or none. After
/// each batch, `progress` is told how many are written so far.
#[tracing::instrument(level = "debug", skip_all, fields(actors = actors.len()))]
pub async fn import(
    db: &Database,
    actors: &[NewActor],
    editor: &Editor,
    progress: impl Fn(usize) + Send + Sync,
) -> StorageResult<usize> {
    let now = super::now();
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let mut written = 0;
        for batch in actors.chunks(IMPORT_BATCH) {
            let mut sql = fields::insert::<ActorFields>("actors");
            for (index, actor) in batch.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                fields::push_row(&mut sql, actor, now);
            }
            sql.push(" RETURNING id");
            let mut ids: Vec<i64> = bind_args!(sqlx::query_scalar(&sql.text), sql.args)
                .fetch_all(&mut *tx)
                .await?;
            // One statement takes its ids in the order of its rows.
            ids.sort_unstable();
            let tags: Vec<_> = ids
                .iter()
                .zip(batch)
                .flat_map(|(id, actor)| tag_rows(*id, actor))
                .collect();
            index_tags!(tx, &tags);
            let entries: Vec<Entry> = ids
                .into_iter()
                .zip(batch)
                .map(|(id, actor)| Entry { kind: Kind::Actor, id, action: Action::Create, changes: fields::created(actor) })
                .collect();
            record_changes!(&mut *tx, &entries, editor);
            written += batch.len();
            progress(written);
        }
        tx.commit().await?;
        Ok(written)
    })
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Database, id: i64) -> StorageResult<Actor> {
    let actor = on_pool!(db, pool, dialect => {
        let query = format!("{} WHERE a.id = $1", select(dialect));
        sqlx::query_as::<_, Actor>(&query).bind(id).fetch_optional(&mut *super::acquire(pool).await?).await?
    });
    actor.ok_or(StorageError::NotFound(Kind::Actor.name(), id))
}

/// A page of actors, each with its movies: see [`Listing`].
fn listing() -> Listing {
    Listing {
        table: "actors",
        // The primary photo's keys are kept on the row (`photos::set_primary`).
        columns: [fields::listed_columns::<ActorFields>(), vec!["photo"]].concat(),
        link: "c.actor_id",
        other: "movies m ON m.id = c.movie_id",
        joined: &[
            ("m.id", "movie_id"),
            ("m.title", "movie_title"),
            ("m.release_date", "movie_release_date"),
            ("c.character", "character"),
        ],
        joined_order: &["movie_release_date", "movie_id"],
    }
}

/// A row of [`listing`]: an actor, and one of its movies if it has any.
#[derive(FromRow)]
struct ListedActor {
    id: i64,
    #[sqlx(flatten)]
    fields: ActorFields,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[sqlx(try_from = "Option<String>")]
    photo: PrimaryPhoto,
    movie_id: Option<i64>,
    movie_title: Option<String>,
    movie_release_date: Option<NaiveDate>,
    character: Option<String>,
}

/// The most actors a tag may be held by and still lead a search by tags, whatever the
/// catalogue's size; also how far its holders are counted.
const LEADING_TAG_MAX: i64 = 5_000;

/// The catalogue's highest id (its size, near enough), then how many actors hold each tag of a
/// search, in the search's order, each counted up to one past [`LEADING_TAG_MAX`]: index
/// ranges of at most that many entries.
fn tag_counts(tags: &[(&'static str, String)]) -> Sql {
    let mut sql = Sql::new("SELECT CAST(0 AS BIGINT) AS k, COALESCE(MAX(id), 0) AS n FROM actors");
    for (index, (field, tag)) in tags.iter().enumerate() {
        sql.push(&format!(
            " UNION ALL SELECT CAST({} AS BIGINT), n FROM (SELECT count(*) AS n FROM \
             (SELECT 1 FROM actor_tags WHERE field = ",
            index + 1
        ))
        .bind(Value::Text((*field).to_owned()))
        .push(" AND tag = ")
        .bind(Value::Text(tag.clone()))
        .push(&format!(" LIMIT {}) held) c{index}", LEADING_TAG_MAX + 1));
    }
    sql.push(" ORDER BY k");
    sql
}

/// The tag that leads a search, given [`tag_counts`]: the rarest, if reading its holders and
/// sorting them costs less than walking the list until a page of `rows` is found, which takes
/// about `rows × size / holders` actors: so if `holders²` is at most `rows × size`.
fn leading_tag(counts: &[i64], rows: u32) -> Option<usize> {
    let (size, held) = counts.split_first()?;
    let (index, holders) = held
        .iter()
        .enumerate()
        .min_by_key(|(_, holders)| **holders)?;
    let affordable = holders.saturating_mul(*holders) <= i64::from(rows).saturating_mul(*size);
    (*holders <= LEADING_TAG_MAX && affordable).then_some(index)
}

impl ListedActor {
    /// The actor of this row, and the movie it brings.
    fn split(self) -> (Actor, Option<Credit>) {
        let role = match (self.movie_id, self.movie_title, self.movie_release_date) {
            (Some(id), Some(title), Some(release_date)) => Some(Credit {
                id,
                title,
                release_date,
                character: self.character,
            }),
            _ => None,
        };
        let actor = Actor {
            id: self.id,
            fields: self.fields,
            created_at: self.created_at,
            updated_at: self.updated_at,
            movies: Vec::new(),
            photo: self.photo,
            version: self.version,
        };
        (actor, role)
    }
}

/// One page of actors, with their movies, in one statement. A substring filter walks the ids
/// (an index-only scan of ids and folded names), any other page reads its rows directly.
///
/// A search by tags, but for one tag in id order on PostgreSQL, first counts cheaply how many
/// actors hold each tag ([`tag_counts`]). The rarest, when it is rare, leads: its few actors
/// are read by id (and sorted), however large the catalogue. When every tag is common, the list
/// is walked in its order and each actor checked, which finds a page within a few rows.
/// Neither database tells the two apart from a generic plan: a walk for a rare tag reads most of
/// the list, and reading every holder of a common tag reads a good part of it
/// (docs/DECISIONS.md).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Database,
    filter: &ActorFilter,
    keyset: &Keyset<ActorSort>,
) -> StorageResult<Page<Actor>> {
    let conditions = |sql: &mut Sql, dialect: &Dialect, leading: Option<Option<usize>>| {
        if let Some(needle) = &filter.name_contains {
            sql.and().push("name_key LIKE ");
            sql.bind(Value::Text(like_contains(needle)))
                .push(" ESCAPE '\\'");
        }
        if let Some(gender) = &filter.gender {
            sql.and()
                .push("gender_key = ")
                .bind(Value::Text(gender.clone()));
        }
        let bounds = [
            ("age >= ", filter.min_age.map(Age::years)),
            ("age <= ", filter.max_age.map(Age::years)),
            ("height_cm >= ", filter.min_height.map(Height::get)),
            ("height_cm <= ", filter.max_height.map(Height::get)),
        ];
        for (condition, bound) in bounds {
            if let Some(bound) = bound {
                sql.and().push(condition).bind(Value::Int(bound.into()));
            }
        }
        if let Some(age) = filter.playing_age {
            // A range known at one end only is open at the other.
            let age = i64::from(age.years());
            sql.and()
                .push("(playing_age_min IS NOT NULL OR playing_age_max IS NOT NULL) AND COALESCE(playing_age_min, 0) <= ")
                .bind(Value::Int(age))
                .push(" AND COALESCE(playing_age_max, ")
                .push(&crate::model::AGE_MAX.to_string())
                .push(") >= ")
                .bind(Value::Int(age));
        }
        const HELD: (&str, &str) = ("id IN (SELECT actor_id FROM actor_tags WHERE ", ")");
        // A scalar subquery, not `EXISTS`: PostgreSQL would make that a join, and from a
        // generic plan's guess of the tag's holders it hashes a common tag's every holder.
        const CHECKED: (&str, &str) = (
            "(SELECT true FROM actor_tags WHERE actor_id = actors.id AND ",
            ")",
        );
        for (index, (field, tag)) in filter.tags.iter().enumerate() {
            let (start, end) = match leading {
                // Counted: the leading tag's holders are read, every other tag checked.
                Some(Some(lead)) if lead == index && keyset.sort == ActorSort::Id => HELD,
                Some(Some(lead)) if lead == index => dialect.leads_to_ids(),
                Some(_) => CHECKED,
                // Not counted: the database joins the tag index in id order.
                None => HELD,
            };
            sql.and()
                .push(start)
                .push("field = ")
                .bind(Value::Text((*field).to_owned()))
                .push(" AND tag = ")
                .bind(Value::Text(tag.clone()))
                .push(end);
        }
    };
    let rows = on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        // PostgreSQL reads a list of one tag in id order by joining the tag index in that
        // order, for rare and common tags alike; SQLite reads an `IN` list whole first, no
        // database can join it in another order, and of several tags the rarest should lead.
        let counted = !filter.tags.is_empty()
            && (dialect.reads_lists_first || keyset.sort != ActorSort::Id || filter.tags.len() > 1);
        let leading = if !counted {
            None
        } else {
            let counts = tag_counts(&filter.tags);
            let counted: Vec<(i64, i64)> = bind_args!(sqlx::query_as(&counts.text), counts.args)
                .fetch_all(&mut *connection)
                .await?;
            let counts: Vec<i64> = counted.into_iter().map(|(_, count)| count).collect();
            Some(leading_tag(&counts, keyset.limit + 1))
        };
        let sql = listing().page(dialect, keyset, filter.name_contains.is_some(), |sql| conditions(sql, dialect, leading));
        bind_args!(sqlx::query_as::<_, ListedActor>(&sql.text), sql.args)
            .fetch_all(&mut *connection)
            .await?
    });
    let actors = gather(
        rows,
        |row| row.id,
        ListedActor::split,
        |actor, role| {
            actor.movies.push(role);
        },
    );
    Ok(Page::from_rows(actors, keyset, |actor| {
        (keyset.sort.value(actor), actor.id)
    }))
}

/// An actor's own fields as they are now, read to tell what a change changes.
#[derive(FromRow)]
struct Current {
    #[sqlx(flatten)]
    fields: ActorFields,
    version: i64,
}

fn current() -> String {
    format!(
        "SELECT {}, version FROM actors WHERE id = $1",
        fields::read_columns::<ActorFields>("actors")
    )
}

/// `UPDATE` of the fields that differ, with the version bump, for the actor at `version`.
fn update_statement(id: i64, current: &Current, changed: &ActorFields, dialect: &Dialect) -> Sql {
    let mut sql = Sql::new("UPDATE actors SET version = version + 1, updated_at = ");
    sql.bind(Value::Time(super::now()));
    fields::push_assignments(&mut sql, &current.fields, changed);
    sql.push(" WHERE id = ").bind(Value::Int(id));
    sql.push(" AND version = ")
        .bind(Value::Int(current.version));
    sql.push(&returning(dialect));
    sql
}

/// Locks the movies an actor is a candidate in (append the dialect's `FOR UPDATE`).
const LOCK_CANDIDACIES_MOVIES: &str = "SELECT id FROM movies WHERE id IN (SELECT r.movie_id \
     FROM roles r JOIN candidates c ON c.role_id = r.id WHERE c.actor_id = $1) ORDER BY id";

const BUMP_MOVIES: &str = "UPDATE movies SET version = version + 1 \
     WHERE id IN (SELECT movie_id FROM castings WHERE actor_id = $1)";

/// Changes the fields that differ from what is stored, in one `UPDATE` of only those fields (so
/// concurrent changes of other fields are kept), with their history, in one transaction. A change
/// that changes nothing writes nothing. A change whose result breaks a rule that joins fields
/// (playing ages in order) is refused.
///
/// A rename also changes the movies the actor is cast in (their casts show the name), so it
/// bumps their versions in the same transaction. Movies are locked before actors in every write
/// that touches both; so a rename reads the actor without locking it, bumps the movies of its
/// castings, then updates the actor only if its version is still the one read. A casting changes
/// the actor's version too, so the movies bumped are exactly the actor's; if the version moved
/// on, the attempt is rolled back and made again. A change that is not a rename locks the actor
/// as it reads it, and never has to try again.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update(
    db: &Database,
    id: i64,
    changes: &ActorChanges,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Actor> {
    on_pool!(db, pool, dialect => {
        let lock = if changes.name.is_some() { "" } else { dialect.for_update };
        let read = format!("{}{lock}", current());
        let mut connection = super::acquire(pool).await?;
        for _ in 0..WRITE_ATTEMPTS {
            let mut tx = connection.begin_with(dialect.begin_write).await?;
            let current = sqlx::query_as::<_, Current>(&read)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
            super::expect_version(if_match, current.version, Kind::Actor)?;
            let changed = current.fields.changed(changes).checked().map_err(StorageError::Invalid)?;
            if changed == current.fields {
                let query = format!("{} WHERE a.id = $1", select(dialect));
                let actor = sqlx::query_as::<_, Actor>(&query).bind(id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                return Ok(actor);
            }
            if changed.name != current.fields.name {
                sqlx::query(BUMP_MOVIES).bind(id).execute(&mut *tx).await?;
            }
            let sql = update_statement(id, &current, &changed, dialect);
            let updated = bind_args!(sqlx::query_as::<_, Actor>(&sql.text), sql.args)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(actor) = updated {
                let tags = tag_rows(id, &changed);
                if tags != tag_rows(id, &current.fields) {
                    sqlx::query("DELETE FROM actor_tags WHERE actor_id = $1").bind(id).execute(&mut *tx).await?;
                    index_tags!(tx, &tags);
                }
                let diff = fields::changed(&current.fields, &changed);
                let entry = Entry { kind: Kind::Actor, id, action: Action::Update, changes: diff };
                record_changes!(&mut *tx, &[entry], editor);
                tx.commit().await?;
                return Ok(actor);
            }
        }
        Err(StorageError::Unavailable)
    })
}

/// Deletes an actor and (by cascade) its castings and tags, with the version bump of the movies
/// it was cast in and the history of both, locking in the same order as [`update`] does for a
/// rename.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete(
    db: &Database,
    id: i64,
    if_match: Option<&[i64]>,
    editor: &Editor,
) -> StorageResult<Vec<String>> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let read = current();
        for _ in 0..WRITE_ATTEMPTS {
            let mut tx = connection.begin_with(dialect.begin_write).await?;
            let current = sqlx::query_as::<_, Current>(&read)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StorageError::NotFound(Kind::Actor.name(), id))?;
            super::expect_version(if_match, current.version, Kind::Actor)?;
            // The movies of its candidacies first, as every write of a pipeline locks them.
            sqlx::query(&format!("{LOCK_CANDIDACIES_MOVIES}{}", dialect.for_update))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let candidacies = sqlx::query_as(super::candidates::OF_ACTOR)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            let candidacies = super::candidates::withdrawn(id, candidacies)?;
            sqlx::query(BUMP_MOVIES).bind(id).execute(&mut *tx).await?;
            let roles: Vec<(i64, Option<String>)> =
                sqlx::query_as("SELECT movie_id, character FROM castings WHERE actor_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let photos: Vec<(String, String, String, String)> =
                sqlx::query_as(super::photos::KEYS_OF_ACTOR)
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let deleted = sqlx::query("DELETE FROM actors WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(current.version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if deleted > 0 {
                let mut entries = vec![Entry {
                    kind: Kind::Actor,
                    id,
                    action: Action::Delete,
                    changes: fields::deleted(&current.fields),
                }];
                entries.extend(roles.into_iter().map(|(movie_id, character)| Entry {
                    kind: Kind::Movie,
                    id: movie_id,
                    action: Action::Uncast,
                    changes: super::history::uncasting(movie_id, id, character),
                }));
                entries.extend(candidacies);
                record_changes!(&mut *tx, &entries, editor);
                tx.commit().await?;
                return Ok(photos
                    .into_iter()
                    .flat_map(|(thumb, card, large, original)| [thumb, card, large, original])
                    .collect());
            }
        }
        Err(StorageError::Unavailable)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_leads_when_reading_its_holders_beats_walking_the_list() {
        // 1,000,000 actors, pages of 21 rows: walking wins from about 4,583 holders.
        assert_eq!(leading_tag(&[1_000_000, 1_000], 21), Some(0));
        assert_eq!(leading_tag(&[1_000_000, 333_333, 1_000], 21), Some(1));
        assert_eq!(leading_tag(&[1_000_000, 4_600], 21), None);
        // 10,000 actors: a tag a third of them hold is common.
        assert_eq!(leading_tag(&[10_000, 3_334], 21), None);
        assert_eq!(leading_tag(&[10_000, 10], 21), Some(0));
        assert_eq!(
            leading_tag(&[100_000_000, 10_001], 101),
            None,
            "never past the count"
        );
        assert_eq!(leading_tag(&[0, 0], 21), Some(0));
    }
}
