-- A substring filter (`q`) that few rows match walks the list's order until a page is full. These
-- indexes hold the folded text beside the id, so the walk reads the index alone (an index-only
-- scan) instead of fetching every row it passes from the table.
CREATE INDEX actors_id_name_key ON actors (id) INCLUDE (name_key);
CREATE INDEX movies_id_title_key ON movies (id) INCLUDE (title_key);
