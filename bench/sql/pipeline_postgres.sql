-- The pipeline benchmark's roles (bench/run --pipeline): a movie with role 1 of :small
-- candidates and role 2 of :large, the first actors by id, in every status but booked, a
-- sixth ungraded. The candidates' triggers keep the roles' counts as they go in.
INSERT INTO movies (title, title_key, release_date, created_at, updated_at)
    VALUES ('Pipeline', 'pipeline', DATE '2027-01-01', now(), now());
INSERT INTO roles (movie_id, name, name_key, positions, created_at, updated_at)
    SELECT currval(pg_get_serial_sequence('movies', 'id')), name, lower(name), 3, now(), now()
    FROM (VALUES ('Small'), ('Large')) AS named (name);
INSERT INTO candidates (role_id, actor_id, status, rank, created_at, updated_at)
    SELECT role_id, a.id,
           (ARRAY['submitted', 'shortlisted', 'audition', 'callback', 'hold', 'passed'])[a.id % 6 + 1],
           NULLIF(a.id % 7, 0) , now(), now()
    FROM (VALUES (1, :small), (2, :large)) AS sized (role_id, candidates)
    JOIN actors a ON a.id <= sized.candidates;
-- What autovacuum does after such a load: the triggers left a dead version of a role's row per
-- candidate inserted, which a read would otherwise step over.
VACUUM ANALYZE roles, candidates;
