//! Performers' photos, below the presenters: what an upload may be and how it becomes the
//! renditions that are served ([`process`]), how much image work runs at once ([`Workshop`]),
//! and where the files live ([`store`]). Their rows are `storage::photos`.

pub mod process;
pub mod store;

use std::sync::Arc;

use tokio::sync::Semaphore;

pub use process::{Header, ImageError, ImageType, Processed};
pub use store::{PhotoStore, StoreError};

/// The largest upload taken.
pub const PHOTO_BYTES_MAX: usize = 20 * 1024 * 1024;
/// The most pixels an image may have, checked from its header before decoding.
pub const PHOTO_PIXELS_MAX: u64 = 50_000_000;
/// What a refused file of another type is told.
pub const ACCEPTED_TYPES: &str =
    "a photo must be JPEG, PNG or WebP (image/jpeg, image/png, image/webp)";
/// The memory that small photo files kept to be served again may take (thumbnails and cards).
pub const FILE_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Files larger than this are read from the store each time: large renditions and originals
/// are opened one at a time, not by the page.
pub const FILE_CACHE_FILE_MAX: usize = 256 * 1024;
/// How long a kept file is served without asking the store: a photo deleted through another
/// instance is served by this one no longer than this (its own deletions are forgotten at once).
pub const FILE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Photos an actor may have.
pub const PHOTOS_PER_ACTOR_MAX: i64 = 15;
/// The memory that decoding and resizing may hold at once, across all uploads: a 24-megapixel
/// photo takes all of it, so such uploads are processed one at a time while smaller ones share.
pub const IMAGE_MEMORY_BUDGET: u64 = 192 * 1024 * 1024;

/// What an upload may be, as the pages tell it.
pub fn upload_limits() -> String {
    format!(
        "JPEG, PNG or WebP, up to {} MiB and {} megapixels; up to {PHOTOS_PER_ACTOR_MAX} photos",
        PHOTO_BYTES_MAX / (1024 * 1024),
        PHOTO_PIXELS_MAX / 1_000_000,
    )
}

/// Whether an actor with `photos` photos may have another.
pub fn room_for_photo(photos: usize) -> bool {
    (photos as i64) < PHOTOS_PER_ACTOR_MAX
}

/// The files made of each upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    Thumb,
    Card,
    Large,
    Original,
}

impl Rendition {
    pub const ALL: [Self; 4] = [Self::Thumb, Self::Card, Self::Large, Self::Original];

    pub fn name(self) -> &'static str {
        match self {
            Self::Thumb => "thumb",
            Self::Card => "card",
            Self::Large => "large",
            Self::Original => "original",
        }
    }

    /// The box it fits into; the original is the whole image, upright.
    pub fn bounds(self) -> Option<(u32, u32)> {
        match self {
            Self::Thumb => Some((200, 250)),
            Self::Card => Some((480, 600)),
            Self::Large => Some((1600, 2000)),
            Self::Original => None,
        }
    }

    /// Its size, in pixels, for an upright image of `width`x`height`.
    pub fn size_for(self, width: u32, height: u32) -> (u32, u32) {
        match self.bounds() {
            Some(bounds) => process::fit(width, height, bounds),
            None => (width, height),
        }
    }
}

/// Runs image work off the async threads, within [`IMAGE_MEMORY_BUDGET`]: an upload waits for
/// its share of the budget (what its header says decoding will hold) before it is decoded.
#[derive(Clone)]
pub struct Workshop {
    budget: Arc<Semaphore>,
}

/// Hands what this thread's image job freed back to the system now. mimalloc (the binary's
/// allocator) keeps freed pages until its purge delay passes on a thread that allocates again,
/// which a blocking thread idling after a job never does: the next job, on another thread,
/// would then add its hundreds of MB on top (BENCHMARKS.md, "Photos").
fn return_freed_memory() {
    // SAFETY: `mi_collect` only walks and trims the calling thread's own heap; it takes no
    // pointers. Where mimalloc is not the allocator (the tests), that heap is empty.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// The budget's unit: a permit is a MiB.
const MIB: u64 = 1024 * 1024;

impl Default for Workshop {
    fn default() -> Self {
        Self {
            budget: Arc::new(Semaphore::new((IMAGE_MEMORY_BUDGET / MIB) as usize)),
        }
    }
}

impl Workshop {
    /// Checks the upload, then decodes it and makes its renditions.
    pub async fn process(&self, bytes: bytes::Bytes) -> Result<Processed, ImageError> {
        let header = Header::read(&bytes)?;
        let share = header
            .working_bytes()
            .div_ceil(MIB)
            .clamp(1, IMAGE_MEMORY_BUDGET / MIB);
        let _permit = self
            .budget
            .acquire_many(share as u32)
            .await
            .expect("the budget is never closed");
        tokio::task::spawn_blocking(move || {
            let processed = process::process(&bytes, &header);
            return_freed_memory();
            processed
        })
        .await
        .map_err(|_| ImageError::Undecodable)?
    }
}
