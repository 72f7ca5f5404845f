-- The breakdown and the pipeline: each movie's roles, and the candidates considered for each.
-- A role keeps the number of its candidates in each status, kept by triggers in the same
-- transaction as every write of a candidate (cascades included), so that reading the counts
-- never scans the candidates (docs/DECISIONS.md).
CREATE TABLE roles (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    movie_id          INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_key          TEXT    NOT NULL,
    description       TEXT CHECK (length(description) BETWEEN 1 AND 4000),
    gender            TEXT CHECK (length(gender) BETWEEN 1 AND 50),
    age_min           INTEGER CHECK (age_min BETWEEN 0 AND 150),
    age_max           INTEGER CHECK (age_max BETWEEN 0 AND 150),
    positions         INTEGER NOT NULL DEFAULT 1 CHECK (positions BETWEEN 1 AND 100),
    submitted_count   INTEGER NOT NULL DEFAULT 0,
    shortlisted_count INTEGER NOT NULL DEFAULT 0,
    audition_count    INTEGER NOT NULL DEFAULT 0,
    callback_count    INTEGER NOT NULL DEFAULT 0,
    hold_count        INTEGER NOT NULL DEFAULT 0,
    booked_count      INTEGER NOT NULL DEFAULT 0 CHECK (booked_count <= positions),
    passed_count      INTEGER NOT NULL DEFAULT 0,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    CHECK (age_min <= age_max)
);
CREATE UNIQUE INDEX roles_movie_name ON roles (movie_id, name_key);

-- `id` is the order candidates were added in, and the tie-breaker of every sort.
CREATE TABLE candidates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    role_id    INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    status     TEXT    NOT NULL CHECK (status IN ('submitted', 'shortlisted', 'audition', 'callback', 'hold', 'booked', 'passed')),
    rank       INTEGER CHECK (rank BETWEEN 1 AND 6),
    note       TEXT CHECK (length(note) BETWEEN 1 AND 2000),
    -- The producers' answers from presentations, as JSON.
    feedback   TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (role_id, actor_id)
);
CREATE INDEX candidates_role_id ON candidates (role_id, id);
CREATE INDEX candidates_role_status_id ON candidates (role_id, status, id);
CREATE INDEX candidates_actor_id ON candidates (actor_id, id);

CREATE TRIGGER candidates_counted_in AFTER INSERT ON candidates BEGIN
    UPDATE roles SET
        submitted_count = submitted_count + (NEW.status = 'submitted'),
        shortlisted_count = shortlisted_count + (NEW.status = 'shortlisted'),
        audition_count = audition_count + (NEW.status = 'audition'),
        callback_count = callback_count + (NEW.status = 'callback'),
        hold_count = hold_count + (NEW.status = 'hold'),
        booked_count = booked_count + (NEW.status = 'booked'),
        passed_count = passed_count + (NEW.status = 'passed'),
        version = version + 1
    WHERE id = NEW.role_id;
END;
CREATE TRIGGER candidates_counted_out AFTER DELETE ON candidates BEGIN
    UPDATE roles SET
        submitted_count = submitted_count - (OLD.status = 'submitted'),
        shortlisted_count = shortlisted_count - (OLD.status = 'shortlisted'),
        audition_count = audition_count - (OLD.status = 'audition'),
        callback_count = callback_count - (OLD.status = 'callback'),
        hold_count = hold_count - (OLD.status = 'hold'),
        booked_count = booked_count - (OLD.status = 'booked'),
        passed_count = passed_count - (OLD.status = 'passed'),
        version = version + 1
    WHERE id = OLD.role_id;
END;
CREATE TRIGGER candidates_recounted AFTER UPDATE OF status ON candidates
    WHEN OLD.status <> NEW.status BEGIN
    UPDATE roles SET
        submitted_count = submitted_count + (NEW.status = 'submitted') - (OLD.status = 'submitted'),
        shortlisted_count = shortlisted_count + (NEW.status = 'shortlisted') - (OLD.status = 'shortlisted'),
        audition_count = audition_count + (NEW.status = 'audition') - (OLD.status = 'audition'),
        callback_count = callback_count + (NEW.status = 'callback') - (OLD.status = 'callback'),
        hold_count = hold_count + (NEW.status = 'hold') - (OLD.status = 'hold'),
        booked_count = booked_count + (NEW.status = 'booked') - (OLD.status = 'booked'),
        passed_count = passed_count + (NEW.status = 'passed') - (OLD.status = 'passed'),
        version = version + 1
    WHERE id = NEW.role_id;
END;

-- The history names roles, and the pipeline's actions: SQLite changes a CHECK by rebuilding
-- the table, ids kept.
CREATE TABLE changes_rebuilt (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    resource          TEXT    NOT NULL CHECK (resource IN ('actor', 'movie', 'role', 'session')),
    resource_id       INTEGER NOT NULL,
    at                TEXT    NOT NULL,
    by_subject        TEXT    NOT NULL,
    by_name           TEXT,
    action            TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete', 'cast', 'uncast', 'candidate', 'photo', 'appointment', 'feedback')),
    changes           TEXT    NOT NULL,
    request_id        TEXT    NOT NULL,
    client_request_id TEXT CHECK (length(client_request_id) BETWEEN 1 AND 64)
);
INSERT INTO changes_rebuilt (id, resource, resource_id, at, by_subject, by_name, action, changes, request_id, client_request_id)
    SELECT id, resource, resource_id, at, by_subject, by_name, action, changes, request_id, client_request_id FROM changes;
DROP TABLE changes;
ALTER TABLE changes_rebuilt RENAME TO changes;
CREATE INDEX changes_of_resource ON changes (resource, resource_id, id);
