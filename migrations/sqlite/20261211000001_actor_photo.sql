-- The primary photo's keys and size on the actor's own row, as the lists show them: reading a
-- page of actors then reads no other table (a lookup in photos for every row made the lists a
-- third slower; BENCHMARKS.md, "Photos"). Every write of an actor's photos sets it in the same
-- transaction (storage::photos).
ALTER TABLE actors ADD COLUMN photo TEXT;
UPDATE actors
SET photo = (
    SELECT p.thumb_key || ' ' || p.card_key || ' ' || p.large_key || ' ' || p.original_key
           || ' ' || CAST(p.width AS TEXT) || ' ' || CAST(p.height AS TEXT)
    FROM photos p
    WHERE p.actor_id = actors.id AND p.is_primary
)
WHERE id IN (SELECT actor_id FROM photos WHERE is_primary);
