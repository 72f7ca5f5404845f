-- Signing in to the web app. Times are Unix seconds for codes, milliseconds for the web app's
-- sign-ins and sessions. Every secret is stored hashed (SHA-256, base64url) or sealed under a
-- key only the browser's cookie gives, so the tables are of no use to someone who reads them.

-- The local identity provider's authorization codes: single-use (redeemed by one
-- DELETE ... RETURNING), expiring within a minute, bound to client, redirect URI, nonce and
-- PKCE challenge, and shared by every instance.
CREATE TABLE oidc_codes (
    code_hash      TEXT    PRIMARY KEY,
    client_id      TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    nonce          TEXT,
    code_challenge TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    expires_at     BIGINT  NOT NULL
);
CREATE INDEX oidc_codes_expires_at ON oidc_codes (expires_at);

-- Sign-ins on their way through the provider, by the hash of their `state`, bound to the
-- browser that started them; the nonce, PKCE verifier and return path are sealed.
CREATE TABLE web_sign_ins (
    state_hash   TEXT    PRIMARY KEY,
    browser_hash TEXT    NOT NULL,
    sealed       TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX web_sign_ins_expires_at ON web_sign_ins (expires_at);

-- Signed-in sessions, by the hash of the cookie's id; the tokens are sealed.
CREATE TABLE web_sessions (
    id_hash           TEXT    PRIMARY KEY,
    sealed            TEXT    NOT NULL,
    access_expires_at BIGINT  NOT NULL,
    created_at        BIGINT  NOT NULL,
    last_seen_at      BIGINT  NOT NULL,
    expires_at        BIGINT  NOT NULL
);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
