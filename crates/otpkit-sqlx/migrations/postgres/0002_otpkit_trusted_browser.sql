-- otpkit trusted browsers (PostgreSQL). Instants are milliseconds since the Unix epoch.
-- token_hash: the keyed hash of the cookie's token ("{key id}:{base64url}"), never the token.
-- user_id and token_hash use the "C" collation: compared byte for byte.
CREATE TABLE otpkit_trusted_browser (
    id           BIGSERIAL    PRIMARY KEY,
    user_id      VARCHAR(255) COLLATE "C" NOT NULL,
    token_hash   VARCHAR(128) COLLATE "C" NOT NULL
                 CONSTRAINT otpkit_trusted_browser_token_hash UNIQUE,
    created_at   BIGINT       NOT NULL,
    last_seen_at BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL,
    description  VARCHAR(128) NOT NULL
);

CREATE INDEX otpkit_trusted_browser_user ON otpkit_trusted_browser (user_id, created_at);
CREATE INDEX otpkit_trusted_browser_expires ON otpkit_trusted_browser (expires_at);
