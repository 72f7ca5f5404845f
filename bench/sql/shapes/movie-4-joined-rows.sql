-- One statement: the movie joined with its castings, one row per casting.
\set id random(1, :movies)
SELECT m.id, m.title, m.release_date, m.version, m.created_at, m.updated_at, a.id AS actor_id, a.name, c.character FROM movies m LEFT JOIN castings c ON c.movie_id = m.id LEFT JOIN actors a ON a.id = c.actor_id WHERE m.id = :id ORDER BY c.created_at, a.id;
