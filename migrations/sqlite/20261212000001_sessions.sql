-- Audition sessions and their appointments, and presentations to producers. On SQLite the
-- live updates are told within the one process that writes (storage::events).
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    movie_id     INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind         TEXT    NOT NULL CHECK (kind IN ('audition', 'callback')),
    starts_at    TEXT    NOT NULL,
    time_zone    TEXT    NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    slots        INTEGER NOT NULL CHECK (slots BETWEEN 1 AND 200),
    location     TEXT CHECK (length(location) BETWEEN 1 AND 300),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX sessions_movie ON sessions (movie_id, starts_at, id);

CREATE TABLE appointments (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    slot       INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 199),
    role_id    INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('invited', 'confirmed', 'declined', 'checked_in', 'seen', 'no_show')),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (session_id, slot),
    UNIQUE (session_id, actor_id),
    FOREIGN KEY (role_id, actor_id) REFERENCES candidates (role_id, actor_id) ON DELETE CASCADE
);
CREATE INDEX appointments_candidate ON appointments (role_id, actor_id);

CREATE TABLE presentations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    role_id    INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    title      TEXT CHECK (length(title) BETWEEN 1 AND 200),
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    revoked_at TEXT
);
CREATE INDEX presentations_role ON presentations (role_id, id);

CREATE TABLE presented (
    presentation_id INTEGER NOT NULL REFERENCES presentations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    role_id         INTEGER NOT NULL,
    actor_id        INTEGER NOT NULL,
    PRIMARY KEY (presentation_id, actor_id),
    FOREIGN KEY (role_id, actor_id) REFERENCES candidates (role_id, actor_id) ON DELETE CASCADE
);
CREATE INDEX presented_candidate ON presented (role_id, actor_id);
