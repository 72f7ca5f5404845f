-- Finer statistics for the substring filters (`q`). With the default target (100), a term found
-- in well under 1 % of the rows (a surname, say) is often estimated at a handful of rows, and the
-- planner then fetches every match through the trigram index and sorts them, instead of walking
-- the primary key until a page is full: at a million actors, 5 ms a page instead of 0.6 ms
-- (BENCHMARKS.md). A larger sample makes the estimate, and so the plan, right and stable.
ALTER TABLE actors ALTER COLUMN name_key SET STATISTICS 500;
ALTER TABLE movies ALTER COLUMN title_key SET STATISTICS 500;
ANALYZE actors;
ANALYZE movies;
