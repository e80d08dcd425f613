-- otpkit sessions (MySQL 8 / MariaDB, InnoDB). Instants are milliseconds since the Unix epoch.
-- id: the session id's 16 bytes. user_id: VARBINARY, compared byte for byte (see the device
-- table). data: JSON of the session, NULL for a tombstone (a deleted session kept until
-- expires_at so that a stale save cannot re-create it).
-- One statement, so that a failure leaves nothing half-created (MySQL DDL is not transactional).
CREATE TABLE otpkit_session (
    id           BINARY(16)     NOT NULL,
    user_id      VARBINARY(255) NULL,
    data         LONGTEXT       CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    created_at   BIGINT         NOT NULL,
    last_seen_at BIGINT         NOT NULL,
    expires_at   BIGINT         NOT NULL,
    PRIMARY KEY (id),
    INDEX otpkit_session_user (user_id),
    INDEX otpkit_session_expires (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
