-- Bulk load of the benchmark catalogue into a PostgreSQL database that `movie-manager migrate`
-- has just created: :actors actors, each with a primary photo (rows only: the lists read the
-- photo's keys, never its files), a tenth as many movies, 3 to 7 cast rows per movie.
-- Run as `psql -v actors=N -f load_postgres.sql`. Every row is made inside the database by
-- INSERT ... SELECT FROM generate_series; the secondary indexes are dropped first and rebuilt
-- from their own definitions afterwards, which is faster than maintaining them row by row.
-- Names and titles are drawn from words.sql by a multiplicative hash of the row number, so
-- every run (and the SQLite loader, which uses the same formulas) makes the same catalogue.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET maintenance_work_mem = '512MB';
-- The generated rows are consistent by construction: skip the foreign-key triggers.
SET session_replication_role = replica;

\ir words.sql

CREATE TEMP TABLE bench_indexes AS
SELECT indexname, indexdef
FROM pg_indexes
WHERE schemaname = current_schema()
  AND tablename IN ('actors', 'movies', 'castings', 'photos')
  AND indexname NOT IN (SELECT conname FROM pg_constraint);
SELECT format('DROP INDEX %I', indexname) FROM bench_indexes \gexec

-- CASCADE: tables that refer to actors (the tag index) are emptied with them.
TRUNCATE castings, movies, photos, actors CASCADE;

-- Each actor's row keeps its primary photo's keys and size (the photos below), as the service
-- writes them: {upload}/{rendition}-{hash}.jpg, 32 hex digits each.
INSERT INTO actors (id, name, name_key, age, gender, gender_key, version, created_at, updated_at,
                    photo)
OVERRIDING SYSTEM VALUE
SELECT g.i, n.name, lower(n.name), 18 + g.h % 63, n.gender, n.gender, 1, g.at, g.at,
       (SELECT string_agg(k.upload || '/' || r.name || '-' || k.hash || '.jpg', ' ' ORDER BY r.n)
               || ' 1600 2000'
        FROM (SELECT lpad(to_hex(g.i), 32, '0') AS upload, lpad(to_hex(g.h), 32, '0') AS hash) AS k,
             (VALUES (1, 'thumb'), (2, 'card'), (3, 'large'), (4, 'original')) AS r (n, name))
FROM (
    SELECT i, (i * 2654435761) % 4294967296 AS h,
           TIMESTAMPTZ '2020-01-01 00:00:00+00' + i * INTERVAL '1 second' AS at
    FROM generate_series(1, :actors) AS i
) AS g
CROSS JOIN LATERAL (
    SELECT f.word || ' ' || l.word AS name,
           CASE WHEN g.h % 100 < 48 THEN 'female' WHEN g.h % 100 < 96 THEN 'male' ELSE 'non-binary' END AS gender
    FROM bench_first AS f, bench_last AS l
    WHERE f.idx = (g.h / 7) % (SELECT count(*) FROM bench_first)
      AND l.idx = (g.h / 701) % (SELECT count(*) FROM bench_last)
) AS n
ORDER BY g.i;

INSERT INTO movies (id, title, title_key, release_date, version, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT g.i, t.title, lower(t.title), DATE '1950-01-01' + (g.h % 27000)::int, 1, g.at, g.at
FROM (
    SELECT i, (i * 2246822519) % 4294967296 AS h,
           TIMESTAMPTZ '2021-01-01 00:00:00+00' + i * INTERVAL '1 second' AS at
    FROM generate_series(1, greatest(:actors / 10, 1)) AS i
) AS g
CROSS JOIN LATERAL (
    SELECT 'The ' || a.word || ' ' || n.word || CASE WHEN g.h % 5 = 0 THEN ' ' || (2 + g.h % 4) ELSE '' END AS title
    FROM bench_adjective AS a, bench_noun AS n
    WHERE a.idx = (g.h / 3) % (SELECT count(*) FROM bench_adjective)
      AND n.idx = (g.h / 307) % (SELECT count(*) FROM bench_noun)
) AS t
ORDER BY g.i;

INSERT INTO castings (movie_id, actor_id, character, created_at)
SELECT m.id,
       1 + (m.id * 7919 + k * 104729 + (m.id * 2654435761) % 4294967296) % :actors,
       CASE WHEN k = 0 THEN NULL ELSE 'Character ' || k END,
       m.created_at + k * INTERVAL '1 minute'
FROM movies AS m
CROSS JOIN generate_series(0, 6) AS k
WHERE k < 3 + m.id % 5
ORDER BY m.id, k
ON CONFLICT DO NOTHING;

-- The same keys as the actors' rows name.
INSERT INTO photos (id, actor_id, is_primary, width, height, bytes, type, thumb_key, card_key,
                    large_key, original_key, created_at)
OVERRIDING SYSTEM VALUE
SELECT a.id, a.id, TRUE, 1600, 2000, 400000, 'image/jpeg',
       k.upload || '/thumb-' || k.hash || '.jpg', k.upload || '/card-' || k.hash || '.jpg',
       k.upload || '/large-' || k.hash || '.jpg', k.upload || '/original-' || k.hash || '.jpg',
       a.created_at
FROM actors AS a
CROSS JOIN LATERAL (
    SELECT lpad(to_hex(a.id), 32, '0') AS upload,
           lpad(to_hex((a.id * 2654435761) % 4294967296), 32, '0') AS hash
) AS k
ORDER BY a.id;

SELECT setval(pg_get_serial_sequence('actors', 'id'), (SELECT max(id) FROM actors));
SELECT setval(pg_get_serial_sequence('photos', 'id'), (SELECT max(id) FROM photos));
SELECT setval(pg_get_serial_sequence('movies', 'id'), (SELECT max(id) FROM movies));

RESET session_replication_role;
SELECT indexdef FROM bench_indexes \gexec
VACUUM (ANALYZE) actors, movies, castings, photos;
