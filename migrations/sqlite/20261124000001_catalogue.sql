-- Actors, movies and who is cast in what. `*_key` columns hold the lower-cased text that
-- case-insensitive filters compare against (SQLite's own lower() only folds ASCII).
-- `version` is bumped on every change to a resource's representation and is its ETag.
CREATE TABLE actors (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_key   TEXT    NOT NULL,
    age        INTEGER NOT NULL CHECK (age BETWEEN 0 AND 150),
    gender     TEXT    NOT NULL CHECK (length(gender) BETWEEN 1 AND 50),
    gender_key TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
CREATE INDEX actors_name_id ON actors (name, id);
CREATE INDEX actors_age_id ON actors (age, id);
CREATE INDEX actors_gender_key_id ON actors (gender_key, id);

CREATE TABLE movies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    title        TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    title_key    TEXT    NOT NULL,
    release_date TEXT    NOT NULL CHECK (release_date BETWEEN '1800-01-01' AND '9999-12-31'),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX movies_title_id ON movies (title, id);
CREATE INDEX movies_release_date_id ON movies (release_date, id);

CREATE TABLE castings (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    character  TEXT CHECK (character IS NULL OR length(character) BETWEEN 1 AND 200),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (movie_id, actor_id)
);
CREATE INDEX castings_actor_movie ON castings (actor_id, movie_id);
