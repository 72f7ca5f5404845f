-- One statement: the cast aggregated as JSON (what GET /movies/{id} runs).
\set id random(1, :movies)
SELECT m.id, m.title, m.release_date, m.version, m.created_at, m.updated_at, (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'character', c.character) ORDER BY c.created_at, a.id), '[]'::json) FROM castings c JOIN actors a ON a.id = c.actor_id WHERE c.movie_id = m.id) AS cast FROM movies m WHERE m.id = :id;
