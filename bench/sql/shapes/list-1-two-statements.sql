-- The page, then its actors' movies: the starting build's two statements, not one snapshot.
SELECT id, name, age, gender, version, created_at, updated_at FROM actors ORDER BY id ASC LIMIT 21;
SELECT c.actor_id, m.id, m.title, m.release_date, c.character FROM castings c JOIN movies m ON m.id = c.movie_id WHERE c.actor_id IN (1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20) ORDER BY c.actor_id, m.release_date, m.id;
