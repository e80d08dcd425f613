-- otpkit sessions (PostgreSQL). Instants are milliseconds since the Unix epoch.
-- id: the session id's 16 bytes. data: JSON of the session, NULL for a tombstone (a deleted
-- session kept until expires_at so that a stale save cannot re-create it).
CREATE TABLE otpkit_session (
    id           BYTEA        NOT NULL PRIMARY KEY CHECK (octet_length(id) = 16),
    user_id      VARCHAR(255) COLLATE "C" NULL,
    data         TEXT         NULL,
    created_at   BIGINT       NOT NULL,
    last_seen_at BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL
);
CREATE INDEX otpkit_session_user ON otpkit_session (user_id);
CREATE INDEX otpkit_session_expires ON otpkit_session (expires_at);
