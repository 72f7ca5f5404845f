-- The performer profile: playing ages, height, tags, agent and notes, all optional. Lists and
-- the agent are JSON text, read whole with the actor; `actor_tags` holds each list's tags again,
-- lower-cased, one row each, so that a filter by tag starts from the few actors that hold it
-- (docs/DECISIONS.md).
ALTER TABLE actors
    ADD COLUMN playing_age_min INTEGER CHECK (playing_age_min BETWEEN 0 AND 150),
    ADD COLUMN playing_age_max INTEGER CHECK (playing_age_max BETWEEN 0 AND 150),
    ADD COLUMN height_cm INTEGER CHECK (height_cm BETWEEN 50 AND 250),
    ADD COLUMN skills TEXT NOT NULL DEFAULT '[]',
    ADD COLUMN languages TEXT NOT NULL DEFAULT '[]',
    ADD COLUMN unions TEXT NOT NULL DEFAULT '[]',
    ADD COLUMN agent TEXT,
    ADD COLUMN notes TEXT CHECK (char_length(notes) BETWEEN 1 AND 4000),
    ADD CONSTRAINT actors_playing_ages_in_order CHECK (playing_age_min <= playing_age_max);

CREATE TABLE actor_tags (
    field    TEXT   NOT NULL,
    tag      TEXT   NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (field, tag, actor_id)
);
CREATE INDEX actor_tags_actor ON actor_tags (actor_id);
