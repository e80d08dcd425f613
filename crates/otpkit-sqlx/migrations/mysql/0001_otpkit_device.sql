-- otpkit devices (MySQL 8 / MariaDB, InnoDB). Instants are milliseconds since the Unix epoch.
-- user_id and model_label are VARBINARY: compared byte for byte. A VARCHAR with utf8mb4_bin
-- would not do: that collation pads, so 'alice' = 'alice ' there.
-- One statement, so that a failure leaves nothing half-created (MySQL DDL is not transactional).
CREATE TABLE otpkit_device (
    id                BIGINT       NOT NULL AUTO_INCREMENT,
    user_id           VARBINARY(255) NOT NULL,
    model_label       VARBINARY(255) NOT NULL,
    name              VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    confirmed         BOOLEAN      NOT NULL,
    created_at        BIGINT       NOT NULL,
    last_used_at      BIGINT       NULL,
    failure_count     BIGINT       NOT NULL DEFAULT 0,
    failure_timestamp BIGINT       NULL,
    last_generated_at BIGINT       NULL,
    state             LONGTEXT     CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    version           BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    INDEX otpkit_device_user_id (user_id, id),
    INDEX otpkit_device_model_label (model_label, id),
    CONSTRAINT otpkit_device_failure_count CHECK (failure_count BETWEEN 0 AND 4294967295)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
