-- The same two statements as one snapshot: a REPEATABLE READ transaction.
\set id random(1, :movies)
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT id, title, release_date, version, created_at, updated_at FROM movies WHERE id = :id;
SELECT c.movie_id, a.id, a.name, c.character FROM castings c JOIN actors a ON a.id = c.actor_id WHERE c.movie_id IN (:id) ORDER BY c.movie_id, c.created_at, a.id;
COMMIT;
