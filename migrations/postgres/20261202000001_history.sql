-- The history of every write: who changed what, when, from what to what. Rows are never updated
-- or deleted, and outlive the resource they describe, so there is no foreign key.
CREATE TABLE changes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource    TEXT        NOT NULL CHECK (resource IN ('actor', 'movie')),
    resource_id BIGINT      NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    by_subject  TEXT        NOT NULL,
    by_name     TEXT,
    action      TEXT        NOT NULL CHECK (action IN ('create', 'update', 'delete', 'cast', 'uncast')),
    -- A JSON object: for each field changed, {"from": ..., "to": ...}.
    changes     TEXT        NOT NULL,
    request_id  TEXT        NOT NULL
);
-- A resource's history, newest first, a page at a time.
CREATE INDEX changes_of_resource ON changes (resource, resource_id, id);
