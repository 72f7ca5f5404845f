-- The history's `request_id` is the server's own id of the request; the caller's X-Request-Id is
-- kept beside it, only when it is a well-formed id (up to 64 of A-Z a-z 0-9 . _ -).
ALTER TABLE changes ADD COLUMN client_request_id TEXT
    CHECK (length(client_request_id) BETWEEN 1 AND 64);
