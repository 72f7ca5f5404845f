-- The breakdown and the pipeline: each movie's roles, and the candidates considered for each.
-- A role keeps the number of its candidates in each status, kept by a trigger in the same
-- transaction as every write of a candidate (cascades included), so that reading the counts
-- never scans the candidates (docs/DECISIONS.md).
CREATE TABLE roles (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    movie_id          BIGINT      NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    name              TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    name_key          TEXT        NOT NULL,
    description       TEXT CHECK (char_length(description) BETWEEN 1 AND 4000),
    gender            TEXT CHECK (char_length(gender) BETWEEN 1 AND 50),
    age_min           INTEGER CHECK (age_min BETWEEN 0 AND 150),
    age_max           INTEGER CHECK (age_max BETWEEN 0 AND 150),
    positions         INTEGER     NOT NULL DEFAULT 1 CHECK (positions BETWEEN 1 AND 100),
    submitted_count   INTEGER     NOT NULL DEFAULT 0,
    shortlisted_count INTEGER     NOT NULL DEFAULT 0,
    audition_count    INTEGER     NOT NULL DEFAULT 0,
    callback_count    INTEGER     NOT NULL DEFAULT 0,
    hold_count        INTEGER     NOT NULL DEFAULT 0,
    booked_count      INTEGER     NOT NULL DEFAULT 0 CHECK (booked_count <= positions),
    passed_count      INTEGER     NOT NULL DEFAULT 0,
    version           BIGINT      NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CONSTRAINT roles_ages_in_order CHECK (age_min <= age_max)
);
CREATE UNIQUE INDEX roles_movie_name ON roles (movie_id, name_key);

-- `id` is the order candidates were added in, and the tie-breaker of every sort.
CREATE TABLE candidates (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_id    BIGINT      NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    actor_id   BIGINT      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    status     TEXT        NOT NULL CHECK (status IN ('submitted', 'shortlisted', 'audition', 'callback', 'hold', 'booked', 'passed')),
    rank       INTEGER CHECK (rank BETWEEN 1 AND 6),
    note       TEXT CHECK (char_length(note) BETWEEN 1 AND 2000),
    -- The producers' answers from presentations, as JSON.
    feedback   TEXT,
    version    BIGINT      NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (role_id, actor_id)
);
CREATE INDEX candidates_role_id ON candidates (role_id, id);
CREATE INDEX candidates_role_status_id ON candidates (role_id, status, id);
CREATE INDEX candidates_actor_id ON candidates (actor_id, id);

CREATE FUNCTION count_candidates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE roles SET
            submitted_count = submitted_count - (OLD.status = 'submitted')::int,
            shortlisted_count = shortlisted_count - (OLD.status = 'shortlisted')::int,
            audition_count = audition_count - (OLD.status = 'audition')::int,
            callback_count = callback_count - (OLD.status = 'callback')::int,
            hold_count = hold_count - (OLD.status = 'hold')::int,
            booked_count = booked_count - (OLD.status = 'booked')::int,
            passed_count = passed_count - (OLD.status = 'passed')::int,
            version = version + 1
        WHERE id = OLD.role_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE roles SET
            submitted_count = submitted_count + (NEW.status = 'submitted')::int,
            shortlisted_count = shortlisted_count + (NEW.status = 'shortlisted')::int,
            audition_count = audition_count + (NEW.status = 'audition')::int,
            callback_count = callback_count + (NEW.status = 'callback')::int,
            hold_count = hold_count + (NEW.status = 'hold')::int,
            booked_count = booked_count + (NEW.status = 'booked')::int,
            passed_count = passed_count + (NEW.status = 'passed')::int,
            version = version + 1
        WHERE id = NEW.role_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER candidates_counted AFTER INSERT OR DELETE ON candidates
    FOR EACH ROW EXECUTE FUNCTION count_candidates();
CREATE TRIGGER candidates_recounted AFTER UPDATE OF status ON candidates
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION count_candidates();

-- The history names roles, and the pipeline's actions.
ALTER TABLE changes DROP CONSTRAINT changes_resource_check;
ALTER TABLE changes ADD CONSTRAINT changes_resource_check
    CHECK (resource IN ('actor', 'movie', 'role', 'session'));
ALTER TABLE changes DROP CONSTRAINT changes_action_check;
ALTER TABLE changes ADD CONSTRAINT changes_action_check
    CHECK (action IN ('create', 'update', 'delete', 'cast', 'uncast', 'candidate', 'photo', 'appointment', 'feedback'));
