//! A directory of the test's own under the system's temporary directory.

use std::path::{Path, PathBuf};

/// Removed with everything in it when dropped, so that a failed test leaves nothing behind.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory whose name starts with `movie-manager-{purpose}-`.
    pub fn new(purpose: &str) -> Self {
        let unique = uuid::Uuid::new_v4().simple();
        let path = std::env::temp_dir().join(format!("movie-manager-{purpose}-{unique}"));
        std::fs::create_dir(&path).expect("a temporary directory");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
