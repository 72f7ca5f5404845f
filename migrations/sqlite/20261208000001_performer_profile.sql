-- The performer profile: playing ages, height, tags, agent and notes, all optional. Lists and
-- the agent are JSON text; `actor_tags` holds each list's tags again, lower-cased, one row each,
-- so that a filter by tag starts from the few actors that hold it (docs/DECISIONS.md).
ALTER TABLE actors ADD COLUMN playing_age_min INTEGER CHECK (playing_age_min BETWEEN 0 AND 150);
ALTER TABLE actors ADD COLUMN playing_age_max INTEGER
    CHECK (playing_age_max BETWEEN 0 AND 150 AND playing_age_max >= playing_age_min);
ALTER TABLE actors ADD COLUMN height_cm INTEGER CHECK (height_cm BETWEEN 50 AND 250);
ALTER TABLE actors ADD COLUMN skills TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(skills));
ALTER TABLE actors ADD COLUMN languages TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(languages));
ALTER TABLE actors ADD COLUMN unions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(unions));
ALTER TABLE actors ADD COLUMN agent TEXT CHECK (agent IS NULL OR json_valid(agent));
ALTER TABLE actors ADD COLUMN notes TEXT CHECK (length(notes) BETWEEN 1 AND 4000);

CREATE TABLE actor_tags (
    field    TEXT    NOT NULL,
    tag      TEXT    NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (field, tag, actor_id)
) WITHOUT ROWID;
CREATE INDEX actor_tags_actor ON actor_tags (actor_id);
