//! A movie: its title and release date.

use super::fields::{ReleaseDate, Title};
use super::resource::resource;

resource! {
    /// A movie. For the seed's clients, `release_date` is also accepted as the integer
    /// `YYYYMMDD`.
    pub struct MovieFields as "NewMovie", changed by MovieChanges {
        title: Title => required "Title" [Folded],
        release_date: ReleaseDate => required "Release date",
    }
    aliases: [("movie", "title")],
    broken: |_: &MovieFields| Vec::new(),
}

/// A new movie: the request body of `POST /movies`.
pub type NewMovie = MovieFields;
