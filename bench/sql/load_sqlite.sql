-- Bulk load of the benchmark catalogue into a SQLite file that `movie-manager migrate` has just
-- created: the same rows as load_postgres.sql, photos included (same words, same formulas), made inside SQLite by
-- INSERT ... SELECT over a recursive CTE. `bench/run` runs it statement by statement with the
-- parameter :actors bound, after words.sql, with the secondary indexes dropped; it rebuilds them
-- from their own definitions afterwards and runs ANALYZE.
DELETE FROM castings;
DELETE FROM movies;
DELETE FROM photos;
DELETE FROM actors;

INSERT INTO actors (id, name, name_key, age, gender, gender_key, version, created_at, updated_at,
                    photo)
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :actors),
g AS (
    SELECT i, (i * 2654435761) % 4294967296 AS h,
           strftime('%Y-%m-%dT%H:%M:%S+00:00', 1577836800 + i, 'unixepoch') AS at
    FROM seq
),
n AS (
    SELECT g.i, g.h, g.at, f.word || ' ' || l.word AS name,
           CASE WHEN g.h % 100 < 48 THEN 'female' WHEN g.h % 100 < 96 THEN 'male' ELSE 'non-binary' END AS gender
    FROM g
    JOIN bench_first AS f ON f.idx = (g.h / 7) % (SELECT count(*) FROM bench_first)
    JOIN bench_last AS l ON l.idx = (g.h / 701) % (SELECT count(*) FROM bench_last)
)
SELECT i, name, lower(name), 18 + h % 63, gender, gender, 1, at, at,
       printf('%032x/thumb-%032x.jpg %032x/card-%032x.jpg %032x/large-%032x.jpg '
              || '%032x/original-%032x.jpg 1600 2000', i, h, i, h, i, h, i, h)
FROM n ORDER BY i;

INSERT INTO movies (id, title, title_key, release_date, version, created_at, updated_at)
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < max(:actors / 10, 1)),
g AS (
    SELECT i, (i * 2246822519) % 4294967296 AS h,
           strftime('%Y-%m-%dT%H:%M:%S+00:00', 1609459200 + i, 'unixepoch') AS at
    FROM seq
),
t AS (
    SELECT g.i, g.h, g.at,
           'The ' || a.word || ' ' || n.word || CASE WHEN g.h % 5 = 0 THEN ' ' || (2 + g.h % 4) ELSE '' END AS title
    FROM g
    JOIN bench_adjective AS a ON a.idx = (g.h / 3) % (SELECT count(*) FROM bench_adjective)
    JOIN bench_noun AS n ON n.idx = (g.h / 307) % (SELECT count(*) FROM bench_noun)
)
SELECT i, title, lower(title), date('1950-01-01', '+' || (h % 27000) || ' days'), 1, at, at
FROM t ORDER BY i;

INSERT OR IGNORE INTO castings (movie_id, actor_id, character, created_at)
WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 6)
SELECT m.id,
       1 + (m.id * 7919 + k.k * 104729 + (m.id * 2654435761) % 4294967296) % :actors,
       CASE WHEN k.k = 0 THEN NULL ELSE 'Character ' || k.k END,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 1609459200 + m.id + 60 * k.k, 'unixepoch')
FROM movies AS m, k
WHERE k.k < 3 + m.id % 5
ORDER BY m.id, k.k;

INSERT INTO photos (id, actor_id, is_primary, width, height, bytes, type, thumb_key, card_key,
                    large_key, original_key, created_at)
SELECT a.id, a.id, 1, 1600, 2000, 400000, 'image/jpeg',
       k.upload || '/thumb-' || k.hash || '.jpg', k.upload || '/card-' || k.hash || '.jpg',
       k.upload || '/large-' || k.hash || '.jpg', k.upload || '/original-' || k.hash || '.jpg',
       a.created_at
FROM actors AS a
JOIN (
    SELECT id, printf('%032x', id) AS upload, printf('%032x', (id * 2654435761) % 4294967296) AS hash
    FROM actors
) AS k ON k.id = a.id
ORDER BY a.id;
