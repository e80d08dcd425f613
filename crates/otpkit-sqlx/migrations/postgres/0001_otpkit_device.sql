-- otpkit devices (PostgreSQL). Instants are milliseconds since the Unix epoch.
-- user_id and model_label use the "C" collation: equality and ordering byte for byte.
CREATE TABLE otpkit_device (
    id                BIGSERIAL    PRIMARY KEY,
    user_id           VARCHAR(255) COLLATE "C" NOT NULL,
    model_label       VARCHAR(255) COLLATE "C" NOT NULL,
    name              VARCHAR(255) NOT NULL,
    confirmed         BOOLEAN      NOT NULL,
    created_at        BIGINT       NOT NULL,
    last_used_at      BIGINT       NULL,
    failure_count     BIGINT       NOT NULL DEFAULT 0
                      CONSTRAINT otpkit_device_failure_count
                      CHECK (failure_count BETWEEN 0 AND 4294967295),
    failure_timestamp BIGINT       NULL,
    last_generated_at BIGINT       NULL,
    state             TEXT         NOT NULL,
    version           BIGINT       NOT NULL DEFAULT 0
);

CREATE INDEX otpkit_device_user_id ON otpkit_device (user_id, id);
CREATE INDEX otpkit_device_model_label ON otpkit_device (model_label, id);
