-- Skills on a loaded catalogue (load_postgres.sql), for the tag search (bench/run --tags): every
-- actor has one of 1,000 rare skills ("Skill 000" to "Skill 999", each held by 0.1 % of actors),
-- and every third one "Singing" too (33 %). The lists and their index rows, as the service
-- writes them.
UPDATE actors SET skills = CASE WHEN id % 3 = 0
    THEN json_build_array(format('Skill %s', lpad((id % 1000)::text, 3, '0')), 'Singing')
    ELSE json_build_array(format('Skill %s', lpad((id % 1000)::text, 3, '0')))
END::text;
TRUNCATE actor_tags;
INSERT INTO actor_tags (field, tag, actor_id)
SELECT 'skills', format('skill %s', lpad((id % 1000)::text, 3, '0')), id FROM actors
UNION ALL
SELECT 'skills', 'singing', id FROM actors WHERE id % 3 = 0;
VACUUM (ANALYZE) actors, actor_tags;
