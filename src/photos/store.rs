//! Where photo files live: a folder, or an S3-compatible bucket, behind one interface
//! (`object_store`). A file's key names its upload and its content, so it is written once and
//! never changed: `{upload}/{rendition}-{hash}.{extension}`.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use moka::sync::Cache;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::{FILE_CACHE_BYTES, FILE_CACHE_FILE_MAX, FILE_CACHE_TTL, ImageType, Rendition};

/// The store could not be reached or did not do what was asked.
#[derive(Debug, thiserror::Error)]
#[error("the photo store failed: {0}")]
pub struct StoreError(String);

impl From<object_store::Error> for StoreError {
    fn from(error: object_store::Error) -> Self {
        Self(error.to_string())
    }
}

/// How many files a copy between stores moves at once.
const COPIES_AT_ONCE: usize = 8;

/// A folder or a bucket of photo files.
#[derive(Clone)]
pub struct PhotoStore {
    store: Arc<dyn ObjectStore>,
    /// What it is, for logs and the CLI (never credentials). Shared, as the rest: every
    /// request's state holds a clone.
    described: Arc<str>,
    /// The folder's own path, if it is one.
    folder: Option<Arc<std::path::Path>>,
    /// Small files served lately, kept to be served again, if the server asked for it.
    cache: Option<Cache<String, Bytes>>,
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.described)
    }
}

impl PhotoStore {
    /// `s3://BUCKET/PREFIX` (credentials, region and endpoint from the `AWS_*` variables), or
    /// a folder, created if missing.
    pub fn open(location: &str) -> Result<Self, StoreError> {
        Self::open_with(location, &[])
    }

    /// Like [`PhotoStore::open`], with `AWS_*` variables given here taking the place of the
    /// process's (for a second store beside the first, as `copy --photos-to` needs).
    pub fn open_with(location: &str, variables: &[(&str, String)]) -> Result<Self, StoreError> {
        match location.strip_prefix("s3://") {
            Some(rest) => Self::bucket(rest, variables),
            None => Self::folder(location),
        }
    }

    fn folder(path: &str) -> Result<Self, StoreError> {
        std::fs::create_dir_all(path)
            .map_err(|error| StoreError(format!("cannot create the folder {path}: {error}")))?;
        let store = LocalFileSystem::new_with_prefix(path)?;
        Ok(Self {
            store: Arc::new(store),
            described: format!("the folder {path}").into(),
            folder: std::fs::canonicalize(path).ok().map(Arc::from),
            cache: None,
        })
    }

    fn bucket(rest: &str, variables: &[(&str, String)]) -> Result<Self, StoreError> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError("an s3:// photo store names its bucket".into()));
        }
        let mut builder = AmazonS3Builder::from_env();
        for (name, value) in variables {
            let key: AmazonS3ConfigKey = name.to_ascii_lowercase().parse()?;
            builder = builder.with_config(key, value);
        }
        let endpoint = variables
            .iter()
            .find(|(name, _)| *name == "AWS_ENDPOINT_URL")
            .map(|(_, value)| value.clone())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
        // An S3-compatible server on a private network is often plain HTTP; allow it when the
        // endpoint says so, rather than asking for a second variable.
        if endpoint.is_some_and(|url| url.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let builder = builder.with_bucket_name(bucket);
        let bucket_store = builder.build()?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket_store)
        } else {
            Arc::new(PrefixStore::new(bucket_store, prefix))
        };
        Ok(Self {
            store,
            described: format!("the bucket s3://{rest}").into(),
            folder: None,
            cache: None,
        })
    }

    /// The same store, keeping the small files it reads to serve them again without asking the
    /// store: a file never changes under its key, and deleting it here forgets it at once.
    pub fn with_cache(mut self) -> Self {
        let cache = Cache::builder()
            .max_capacity(FILE_CACHE_BYTES)
            .weigher(|key: &String, file: &Bytes| {
                u32::try_from(key.len() + file.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(FILE_CACHE_TTL)
            .build();
        self.cache = Some(cache);
        self
    }

    pub async fn put(&self, key: &str, file: Vec<u8>) -> Result<(), StoreError> {
        self.store
            .put(&Path::from(key), PutPayload::from(file))
            .await?;
        Ok(())
    }

    /// The file, or `None` if there is none under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        if let Some(file) = self.cache.as_ref().and_then(|cache| cache.get(key)) {
            return Ok(Some(file));
        }
        let file = match self.store.get(&Path::from(key)).await {
            Ok(found) => found.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        if let Some(cache) = &self.cache
            && file.len() <= FILE_CACHE_FILE_MAX
        {
            cache.insert(key.to_owned(), file.clone());
        }
        Ok(Some(file))
    }

    /// Whether there is a file under `key`.
    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        if self
            .cache
            .as_ref()
            .is_some_and(|cache| cache.contains_key(key))
        {
            return Ok(true);
        }
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the file; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        if let Some(cache) = &self.cache {
            cache.invalidate(key);
        }
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the files of rows that are gone (or were never written). What cannot be removed
    /// now is logged, and left for `photos check --repair`.
    pub async fn remove_all(&self, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.delete(key).await {
                tracing::warn!(error = %error, key, "a photo file was not removed");
            }
        }
    }

    /// Whether both are the same folder.
    pub fn is_same_folder(&self, other: &PhotoStore) -> bool {
        self.folder.is_some() && self.folder == other.folder
    }

    /// Copies the files under `keys` into `target`, a few at a time. A key without a file here
    /// is an error that names it.
    pub async fn copy_to(&self, target: &PhotoStore, keys: &[String]) -> Result<(), StoreError> {
        futures_util::stream::iter(keys)
            .map(|key| async move {
                let file = self
                    .get(key)
                    .await?
                    .ok_or_else(|| StoreError(format!("{self} has no file {key}")))?;
                target.put(key, file.into()).await
            })
            .buffer_unordered(COPIES_AT_ONCE)
            .try_collect()
            .await
    }

    /// Every file in the store: its key, and when it was written.
    pub async fn files(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let listed: Vec<_> = self.store.list(None).try_collect().await?;
        Ok(listed
            .into_iter()
            .map(|meta| (meta.location.to_string(), meta.last_modified))
            .collect())
    }
}

impl std::fmt::Display for PhotoStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.described)
    }
}

/// The key of one rendition of one upload: its content's hash makes it change with the file.
pub fn key(upload: &str, rendition: Rendition, kind: ImageType, file: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, file);
    let hash: String = digest.as_ref()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{upload}/{}-{hash}.{}", rendition.name(), kind.extension())
}

/// Whether `key` has the shape [`key`] gives, so that no other path is ever asked of the store.
pub fn is_key(key: &str) -> bool {
    let Some((upload, file)) = key.split_once('/') else {
        return false;
    };
    let Some((stem, extension)) = file.rsplit_once('.') else {
        return false;
    };
    let Some((rendition, hash)) = stem.split_once('-') else {
        return false;
    };
    let hex = |text: &str, length: usize| {
        text.len() == length
            && text
                .bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    };
    hex(upload, 32)
        && hex(hash, 32)
        && Rendition::ALL.iter().any(|each| each.name() == rendition)
        && ImageType::from_extension(extension).is_some()
}

/// The content hash a key of [`key`]'s shape carries: its files' strong `ETag`.
pub fn hash_of(key: &str) -> &str {
    key.rsplit_once('-')
        .and_then(|(_, rest)| rest.split_once('.'))
        .map_or("", |(hash, _)| hash)
}

/// The type a key's extension names.
pub fn type_of(key: &str) -> Option<ImageType> {
    ImageType::from_extension(key.rsplit_once('.')?.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_its_upload_rendition_and_content() {
        let upload = "0123456789abcdef0123456789abcdef";
        let key = key(upload, Rendition::Thumb, ImageType::Jpeg, b"pixels");
        assert!(
            key.starts_with("0123456789abcdef0123456789abcdef/thumb-"),
            "{key}"
        );
        assert!(key.ends_with(".jpg"), "{key}");
        assert!(is_key(&key));
        assert_ne!(
            key,
            super::key(upload, Rendition::Thumb, ImageType::Jpeg, b"other")
        );
        for bad in [
            "../etc/passwd",
            "x/thumb-00.jpg",
            &key.replace(".jpg", ".svg"),
            &key.replace('/', "/../"),
        ] {
            assert!(!is_key(bad), "{bad}");
        }
    }
}
