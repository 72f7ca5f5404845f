-- Performers' photos: the files live in the photo store, under the keys kept here (one per
-- rendition); a row is written only once its files are stored, and its files are removed only
-- after the row's deletion is committed (docs/DECISIONS.md, "Photos").
CREATE TABLE photos (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id     BIGINT      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    is_primary   BOOLEAN     NOT NULL DEFAULT FALSE,
    width        INTEGER     NOT NULL CHECK (width > 0),
    height       INTEGER     NOT NULL CHECK (height > 0),
    bytes        BIGINT      NOT NULL CHECK (bytes > 0),
    type         TEXT        NOT NULL CHECK (type IN ('image/jpeg', 'image/png', 'image/webp')),
    thumb_key    TEXT        NOT NULL,
    card_key     TEXT        NOT NULL,
    large_key    TEXT        NOT NULL,
    original_key TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX photos_actor_id ON photos (actor_id, id);
-- At most one primary photo per actor; the actors lists join on it.
CREATE UNIQUE INDEX photos_primary ON photos (actor_id) WHERE is_primary;
