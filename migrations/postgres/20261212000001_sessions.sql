-- Audition sessions and their appointments, presentations to producers, and the notification
-- that tells every instance which roles' and sessions' histories grew (live updates).
CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    movie_id     BIGINT      NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    kind         TEXT        NOT NULL CHECK (kind IN ('audition', 'callback')),
    starts_at    TIMESTAMPTZ NOT NULL,
    time_zone    TEXT        NOT NULL,
    slot_minutes INTEGER     NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    slots        INTEGER     NOT NULL CHECK (slots BETWEEN 1 AND 200),
    location     TEXT CHECK (char_length(location) BETWEEN 1 AND 300),
    version      BIGINT      NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_movie ON sessions (movie_id, starts_at, id);

-- One appointment per slot and one per actor in a session; an appointment is of a candidate,
-- and goes with them.
CREATE TABLE appointments (
    session_id BIGINT      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    slot       INTEGER     NOT NULL CHECK (slot BETWEEN 0 AND 199),
    role_id    BIGINT      NOT NULL,
    actor_id   BIGINT      NOT NULL,
    state      TEXT        NOT NULL CHECK (state IN ('invited', 'confirmed', 'declined', 'checked_in', 'seen', 'no_show')),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, slot),
    UNIQUE (session_id, actor_id),
    FOREIGN KEY (role_id, actor_id) REFERENCES candidates (role_id, actor_id) ON DELETE CASCADE
);
CREATE INDEX appointments_candidate ON appointments (role_id, actor_id);

-- A presentation's token is kept only as its SHA-256 (hex): the link cannot be rebuilt from
-- the database.
CREATE TABLE presentations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_id    BIGINT      NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    token_hash TEXT        NOT NULL UNIQUE,
    title      TEXT CHECK (char_length(title) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX presentations_role ON presentations (role_id, id);

CREATE TABLE presented (
    presentation_id BIGINT  NOT NULL REFERENCES presentations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    role_id         BIGINT  NOT NULL,
    actor_id        BIGINT  NOT NULL,
    PRIMARY KEY (presentation_id, actor_id),
    FOREIGN KEY (role_id, actor_id) REFERENCES candidates (role_id, actor_id) ON DELETE CASCADE
);
CREATE INDEX presented_candidate ON presented (role_id, actor_id);

-- Every statement that records changes of roles or sessions names them, once each, in one
-- notification, sent when its transaction commits; the instances that stream those histories
-- read the new entries. A payload too long for NOTIFY says `*`: read them all.
CREATE FUNCTION announce_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    topics TEXT;
BEGIN
    SELECT string_agg(DISTINCT resource || ':' || resource_id, ' ') INTO topics
    FROM new_rows WHERE resource IN ('role', 'session');
    IF topics IS NOT NULL THEN
        IF octet_length(topics) > 7000 THEN
            topics := '*';
        END IF;
        PERFORM pg_notify('movie_manager_changes', topics);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER changes_announced AFTER INSERT ON changes
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_changes();
