-- otpkit trusted browsers (MySQL 8 / MariaDB, InnoDB). Instants are milliseconds since the
-- Unix epoch. token_hash: the keyed hash of the cookie's token ("{key id}:{base64url}"), never
-- the token. user_id and token_hash are VARBINARY: compared byte for byte (see the device
-- table).
-- One statement, so that a failure leaves nothing half-created (MySQL DDL is not transactional).
CREATE TABLE otpkit_trusted_browser (
    id           BIGINT         NOT NULL AUTO_INCREMENT,
    user_id      VARBINARY(255) NOT NULL,
    token_hash   VARBINARY(128) NOT NULL,
    created_at   BIGINT         NOT NULL,
    last_seen_at BIGINT         NOT NULL,
    expires_at   BIGINT         NOT NULL,
    description  VARCHAR(128)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    PRIMARY KEY (id),
    UNIQUE INDEX otpkit_trusted_browser_token_hash (token_hash),
    INDEX otpkit_trusted_browser_user (user_id, created_at),
    INDEX otpkit_trusted_browser_expires (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
