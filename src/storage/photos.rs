//! Photos' rows: which files of the photo store belong to which actor, which photo is primary,
//! and their history. The files are written before a row names them and removed only after the
//! row's deletion is committed; this module hands back the keys to remove.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, FromRow};
use utoipa::ToSchema;

use super::history::{Action, Editor, Entry, FieldChanges, record_changes};
use super::{Database, Kind, StorageError, StorageResult, on_pool};
use crate::photos::{
    ImageError, ImageType, PHOTOS_PER_ACTOR_MAX, PhotoStore, Processed, Rendition, StoreError,
    Workshop,
};

/// What every photo's URL starts with.
pub const PHOTO_PATH: &str = "/photos/";

/// The columns a photo is read from.
pub(super) const COLUMNS: &str = "id, actor_id, is_primary, width, height, bytes, type, thumb_key, \
     card_key, large_key, original_key, created_at";

/// Where each rendition of a photo is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PhotoUrls {
    /// Fits 200x250.
    pub thumb: String,
    /// Fits 480x600.
    pub card: String,
    /// Fits 1600x2000.
    pub large: String,
    /// The whole image, upright.
    pub original: String,
}

impl PhotoUrls {
    /// The URL of `rendition`.
    pub fn of(&self, rendition: Rendition) -> &str {
        match rendition {
            Rendition::Thumb => &self.thumb,
            Rendition::Card => &self.card,
            Rendition::Large => &self.large,
            Rendition::Original => &self.original,
        }
    }
}

/// A rendition as a page's `<img>` shows it: where it is, and its size.
pub struct Picture<'a> {
    pub src: &'a str,
    pub width: u32,
    pub height: u32,
}

impl<'a> Picture<'a> {
    /// The picture of `rendition` of an upright image of `width`x`height` at `urls`.
    fn of(urls: &'a PhotoUrls, rendition: Rendition, width: u32, height: u32) -> Self {
        let (width, height) = rendition.size_for(width, height);
        Self {
            src: urls.of(rendition),
            width,
            height,
        }
    }
}

/// A performer's photo.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Photo {
    pub id: i64,
    pub actor_id: i64,
    /// The upright image's size in pixels.
    pub width: i32,
    pub height: i32,
    /// The size of the original as served.
    pub bytes: i64,
    /// `image/jpeg`, `image/png` or `image/webp`: what every rendition is.
    #[serde(rename = "type")]
    pub kind: String,
    pub primary: bool,
    #[serde(serialize_with = "super::json::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    pub urls: PhotoUrls,
    /// The store's keys of its files, in `Rendition::ALL`'s order.
    #[serde(skip)]
    pub keys: [String; 4],
}

#[derive(FromRow)]
pub(super) struct PhotoRow {
    pub(super) id: i64,
    pub(super) actor_id: i64,
    pub(super) is_primary: bool,
    pub(super) width: i32,
    pub(super) height: i32,
    pub(super) bytes: i64,
    #[sqlx(rename = "type")]
    pub(super) kind: String,
    pub(super) thumb_key: String,
    pub(super) card_key: String,
    pub(super) large_key: String,
    pub(super) original_key: String,
    pub(super) created_at: DateTime<Utc>,
}

impl Photo {
    pub fn thumb(&self) -> Picture<'_> {
        Picture::of(
            &self.urls,
            Rendition::Thumb,
            self.width as u32,
            self.height as u32,
        )
    }
}

impl From<PhotoRow> for Photo {
    fn from(row: PhotoRow) -> Self {
        let keys = [row.thumb_key, row.card_key, row.large_key, row.original_key];
        Self {
            id: row.id,
            actor_id: row.actor_id,
            width: row.width,
            height: row.height,
            bytes: row.bytes,
            kind: row.kind,
            primary: row.is_primary,
            created_at: row.created_at,
            urls: urls(&keys),
            keys,
        }
    }
}

/// The URLs of the files under `keys` (in `Rendition::ALL`'s order).
pub fn urls(keys: &[String; 4]) -> PhotoUrls {
    let url = |key: &String| format!("{PHOTO_PATH}{key}");
    PhotoUrls {
        thumb: url(&keys[0]),
        card: url(&keys[1]),
        large: url(&keys[2]),
        original: url(&keys[3]),
    }
}

/// An actor's primary photo: the URLs its representation shows (or null), and the upright
/// image's size, from which the pages give each rendition its `width` and `height`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrimaryPhoto(pub Option<Headshot>);

/// A primary photo's files and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headshot {
    pub urls: PhotoUrls,
    pub width: u32,
    pub height: u32,
}

impl Headshot {
    pub fn thumb(&self) -> Picture<'_> {
        Picture::of(&self.urls, Rendition::Thumb, self.width, self.height)
    }

    pub fn card(&self) -> Picture<'_> {
        Picture::of(&self.urls, Rendition::Card, self.width, self.height)
    }
}

impl Serialize for PrimaryPhoto {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0
            .as_ref()
            .map(|photo| &photo.urls)
            .serialize(serializer)
    }
}

/// Read from [`primary_column`]: the four keys, then the width and the height, space-separated
/// (keys hold no spaces).
impl TryFrom<Option<String>> for PrimaryPhoto {
    type Error = String;

    fn try_from(column: Option<String>) -> Result<Self, String> {
        let Some(column) = column else {
            return Ok(Self(None));
        };
        let malformed = || "a primary photo's column is malformed".to_owned();
        let parts: Vec<&str> = column.split(' ').collect();
        let [thumb, card, large, original, width, height] = parts[..] else {
            return Err(malformed());
        };
        let keys = [thumb, card, large, original].map(str::to_owned);
        Ok(Self(Some(Headshot {
            urls: urls(&keys),
            width: width.parse().map_err(|_| malformed())?,
            height: height.parse().map_err(|_| malformed())?,
        })))
    }
}

/// The column `photo` of the actor `table`: its primary photo's keys and size, for
/// [`PrimaryPhoto`], kept on the actor's row by [`SET_PRIMARY`].
pub(super) fn primary_column(table: &str) -> String {
    format!("{table}.photo AS photo")
}

/// Sets the `photo` column of the actors `condition` names from their primary photo (or to
/// null): every write of an actor's photos ends with it, and a copy after the photos' rows.
pub(super) fn set_primary(condition: &str) -> String {
    format!(
        "UPDATE actors SET photo = (SELECT p.thumb_key || ' ' || p.card_key || ' ' || p.large_key \
         || ' ' || p.original_key || ' ' || CAST(p.width AS TEXT) || ' ' \
         || CAST(p.height AS TEXT) FROM photos p WHERE p.actor_id = actors.id AND p.is_primary) \
         WHERE {condition}"
    )
}

/// [`set_primary`] for the actor `$1`, in a photo write's transaction.
macro_rules! set_primary_of {
    ($tx:expr, $actor_id:expr) => {
        sqlx::query(&set_primary("id = $1"))
            .bind($actor_id)
            .execute($tx)
            .await?
    };
}

/// A photo whose files are stored, to record.
#[derive(Debug)]
pub struct NewPhoto {
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub kind: ImageType,
    /// The store's keys of its files, in `Rendition::ALL`'s order.
    pub keys: [String; 4],
}

/// An actor's photos, the primary first, then in the order they were added.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(db: &Database, actor_id: i64) -> StorageResult<Vec<Photo>> {
    let query =
        format!("SELECT {COLUMNS} FROM photos WHERE actor_id = $1 ORDER BY is_primary DESC, id");
    let rows = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        let rows = sqlx::query_as::<_, PhotoRow>(&query)
            .bind(actor_id)
            .fetch_all(&mut *connection)
            .await?;
        if rows.is_empty() {
            super::must_exist!(&mut *connection, Kind::Actor, actor_id);
        }
        rows
    });
    Ok(rows.into_iter().map(Photo::from).collect())
}

/// The history's entry of a photo: its id, and what changed of it.
fn entry(actor_id: i64, photo_id: i64, changes: FieldChanges) -> Entry {
    Entry {
        kind: Kind::Actor,
        id: actor_id,
        action: Action::Photo,
        changes: FieldChanges::new()
            .key("photo_id", photo_id, photo_id)
            .merge(changes),
    }
}

/// Bumps the actor's version (a photo is part of its representation), which also locks it:
/// every write of an actor's photos takes this lock first.
const BUMP_ACTOR: &str = "UPDATE actors SET version = version + 1, updated_at = $2 WHERE id = $1";

/// Records a photo whose files are stored: the first one is primary. The 16th is refused.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn add(
    db: &Database,
    actor_id: i64,
    new: &NewPhoto,
    editor: &Editor,
) -> StorageResult<Photo> {
    let insert = format!(
        "INSERT INTO photos (actor_id, is_primary, width, height, bytes, type, thumb_key, \
         card_key, large_key, original_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    );
    let row = on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let now = super::now();
        let bumped = sqlx::query(BUMP_ACTOR)
            .bind(actor_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if bumped == 0 {
            return Err(StorageError::NotFound(Kind::Actor.name(), actor_id));
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE actor_id = $1")
            .bind(actor_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= PHOTOS_PER_ACTOR_MAX {
            return Err(too_many());
        }
        let [thumb, card, large, original] = &new.keys;
        let row = sqlx::query_as::<_, PhotoRow>(&insert)
            .bind(actor_id)
            .bind(count == 0)
            .bind(new.width as i32)
            .bind(new.height as i32)
            .bind(new.bytes as i64)
            .bind(new.kind.mime())
            .bind(thumb)
            .bind(card)
            .bind(large)
            .bind(original)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let changes = FieldChanges::new()
            .field("width", None::<i32>, row.width)
            .field("height", None::<i32>, row.height)
            .field("primary", None::<bool>, row.is_primary);
        // Only a first photo changes which one is primary.
        if row.is_primary {
            set_primary_of!(&mut *tx, actor_id);
        }
        record_changes!(&mut *tx, &[entry(actor_id, row.id, changes)], editor);
        tx.commit().await?;
        row
    });
    Ok(row.into())
}

/// Why an upload was not recorded.
#[derive(Debug)]
pub enum UploadError {
    /// The image is refused.
    Image(ImageError),
    /// The photo store failed.
    Store(StoreError),
    Storage(StorageError),
}

impl From<StorageError> for UploadError {
    fn from(error: StorageError) -> Self {
        Self::Storage(error)
    }
}

/// Takes an upload for an actor: refuses it before any image work if the actor is unknown or
/// has all its photos, makes the renditions, stores them, then records the photo. Files stored
/// for a photo that cannot be recorded are removed.
pub async fn upload(
    db: &Database,
    store: &PhotoStore,
    workshop: &Workshop,
    actor_id: i64,
    image: bytes::Bytes,
    editor: &Editor,
) -> Result<Photo, UploadError> {
    // `add` counts again under the actor's lock; this only spares the image work.
    if list(db, actor_id).await?.len() >= PHOTOS_PER_ACTOR_MAX as usize {
        return Err(too_many().into());
    }
    let processed = workshop.process(image).await.map_err(UploadError::Image)?;
    let new = NewPhoto {
        width: processed.width,
        height: processed.height,
        bytes: processed.files[Rendition::Original as usize].len(),
        kind: processed.kind,
        keys: store_files(store, processed).await?,
    };
    match add(db, actor_id, &new, editor).await {
        Ok(photo) => Ok(photo),
        Err(error) => {
            store.remove_all(&new.keys).await;
            Err(error.into())
        }
    }
}

/// Stores every rendition under a new upload's keys; on failure, removes what was stored.
async fn store_files(store: &PhotoStore, processed: Processed) -> Result<[String; 4], UploadError> {
    let upload = uuid::Uuid::new_v4().simple().to_string();
    let keys = Rendition::ALL.map(|rendition| {
        let file = &processed.files[rendition as usize];
        crate::photos::store::key(&upload, rendition, processed.kind, file)
    });
    for (key, file) in keys.iter().zip(processed.files) {
        if let Err(error) = store.put(key, file).await {
            store.remove_all(&keys).await;
            return Err(UploadError::Store(error));
        }
    }
    Ok(keys)
}

/// Why a 16th photo is refused.
pub fn too_many() -> StorageError {
    StorageError::Conflict(format!(
        "an actor has at most {PHOTOS_PER_ACTOR_MAX} photos: delete one first"
    ))
}

/// Locks the actor (by the bump of its version) and reads its photo `photo_id`, in `tx`.
macro_rules! lock_photo {
    ($tx:expr, $actor_id:expr, $photo_id:expr) => {{
        let bumped = sqlx::query(BUMP_ACTOR)
            .bind($actor_id)
            .bind(super::now())
            .execute($tx)
            .await?
            .rows_affected();
        if bumped == 0 {
            return Err(StorageError::NotFound(Kind::Actor.name(), $actor_id));
        }
        let read = format!("SELECT {COLUMNS} FROM photos WHERE id = $1 AND actor_id = $2");
        sqlx::query_as::<_, PhotoRow>(&read)
            .bind($photo_id)
            .bind($actor_id)
            .fetch_optional($tx)
            .await?
            .ok_or(StorageError::NotFound("photo", $photo_id))?
    }};
}

/// Makes a photo its actor's primary one; the one that was primary is no longer.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn make_primary(
    db: &Database,
    actor_id: i64,
    photo_id: i64,
    editor: &Editor,
) -> StorageResult<Photo> {
    let row = on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let row = lock_photo!(&mut *tx, actor_id, photo_id);
        if row.is_primary {
            // Nothing changes: the bump is undone with the rest.
            tx.rollback().await?;
            row
        } else {
            let previous: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM photos WHERE actor_id = $1 AND is_primary",
            )
            .bind(actor_id)
            .fetch_optional(&mut *tx)
            .await?;
            // The one-primary index is checked row by row: unset the old one first.
            sqlx::query("UPDATE photos SET is_primary = FALSE WHERE actor_id = $1 AND is_primary")
                .bind(actor_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE photos SET is_primary = TRUE WHERE id = $1")
                .bind(photo_id)
                .execute(&mut *tx)
                .await?;
            let mut entries = vec![entry(
                actor_id,
                photo_id,
                FieldChanges::new().field("primary", false, true),
            )];
            entries.extend(previous.map(|previous| {
                entry(actor_id, previous, FieldChanges::new().field("primary", true, false))
            }));
            set_primary_of!(&mut *tx, actor_id);
            record_changes!(&mut *tx, &entries, editor);
            tx.commit().await?;
            PhotoRow {
                is_primary: true,
                ..row
            }
        }
    });
    Ok(row.into())
}

/// Deletes a photo; if it was primary, the oldest of the others becomes primary. Answers the
/// keys of its files, to remove once this is committed.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete(
    db: &Database,
    actor_id: i64,
    photo_id: i64,
    editor: &Editor,
) -> StorageResult<[String; 4]> {
    on_pool!(db, pool, dialect => {
        let mut connection = super::acquire(pool).await?;
        let mut tx = connection.begin_with(dialect.begin_write).await?;
        let row = lock_photo!(&mut *tx, actor_id, photo_id);
        sqlx::query("DELETE FROM photos WHERE id = $1")
            .bind(photo_id)
            .execute(&mut *tx)
            .await?;
        let mut entries = vec![entry(
            actor_id,
            photo_id,
            FieldChanges::new().field("primary", row.is_primary, None::<bool>),
        )];
        if row.is_primary {
            let promoted: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(id) FROM photos WHERE actor_id = $1",
            )
            .bind(actor_id)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(promoted) = promoted {
                sqlx::query("UPDATE photos SET is_primary = TRUE WHERE id = $1")
                    .bind(promoted)
                    .execute(&mut *tx)
                    .await?;
                entries.push(entry(
                    actor_id,
                    promoted,
                    FieldChanges::new().field("primary", false, true),
                ));
            }
        }
        set_primary_of!(&mut *tx, actor_id);
        record_changes!(&mut *tx, &entries, editor);
        tx.commit().await?;
        Ok(Photo::from(row).keys)
    })
}

/// Every key a photo row names, for `photos check`.
pub async fn all_keys(db: &Database) -> StorageResult<Vec<String>> {
    let rows: Vec<(String, String, String, String)> = on_pool!(db, pool => {
        let mut connection = super::acquire(pool).await?;
        sqlx::query_as("SELECT thumb_key, card_key, large_key, original_key FROM photos")
            .fetch_all(&mut *connection)
            .await?
    });
    Ok(rows
        .into_iter()
        .flat_map(|(thumb, card, large, original)| [thumb, card, large, original])
        .collect())
}

/// The keys of an actor's photos, read in the transaction that deletes the actor (after its
/// lock, so that no upload slips in between).
pub(super) const KEYS_OF_ACTOR: &str =
    "SELECT thumb_key, card_key, large_key, original_key FROM photos WHERE actor_id = $1";
