-- Actors, movies and who is cast in what. `*_key` columns hold the lower-cased text that
-- case-insensitive filters compare against, so both databases fold case the same way (in Rust).
-- `version` is bumped on every change to a resource's representation and is its ETag.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE actors (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    name_key   TEXT        NOT NULL,
    age        INTEGER     NOT NULL CHECK (age BETWEEN 0 AND 150),
    gender     TEXT        NOT NULL CHECK (char_length(gender) BETWEEN 1 AND 50),
    gender_key TEXT        NOT NULL,
    version    BIGINT      NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- Keyset pagination: one index per sort order, each ending in id, the tie-breaker.
CREATE INDEX actors_name_id ON actors (name, id);
CREATE INDEX actors_age_id ON actors (age, id);
CREATE INDEX actors_gender_key_id ON actors (gender_key, id);
-- Substring search (`q`) without a full scan.
CREATE INDEX actors_name_key_trgm ON actors USING gin (name_key gin_trgm_ops);

CREATE TABLE movies (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        TEXT        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    title_key    TEXT        NOT NULL,
    release_date DATE        NOT NULL CHECK (release_date BETWEEN DATE '1800-01-01' AND DATE '9999-12-31'),
    version      BIGINT      NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX movies_title_id ON movies (title, id);
CREATE INDEX movies_release_date_id ON movies (release_date, id);
CREATE INDEX movies_title_key_trgm ON movies USING gin (title_key gin_trgm_ops);

CREATE TABLE castings (
    movie_id   BIGINT      NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    actor_id   BIGINT      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    character  TEXT CHECK (character IS NULL OR char_length(character) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (movie_id, actor_id)
);
CREATE INDEX castings_actor_movie ON castings (actor_id, movie_id);
