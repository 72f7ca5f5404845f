-- Skills on a loaded catalogue (load_sqlite.sql), for the tag search (bench/run --tags): as
-- tags_postgres.sql.
UPDATE actors SET skills = CASE WHEN id % 3 = 0
    THEN json_array(printf('Skill %03d', id % 1000), 'Singing')
    ELSE json_array(printf('Skill %03d', id % 1000))
END;
DELETE FROM actor_tags;
INSERT INTO actor_tags (field, tag, actor_id)
SELECT 'skills', printf('skill %03d', id % 1000), id FROM actors
UNION ALL
SELECT 'skills', 'singing', id FROM actors WHERE id % 3 = 0;
ANALYZE;
