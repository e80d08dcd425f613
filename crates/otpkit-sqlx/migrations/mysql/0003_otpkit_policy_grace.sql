-- otpkit grace records of enforced two-factor sign-in (MySQL 8 / MariaDB, InnoDB): the first
-- instant a user signed in under the policy without a device, in milliseconds since the Unix
-- epoch. One statement (MySQL DDL is not transactional).
CREATE TABLE otpkit_policy_grace (
    user_id    VARBINARY(255) NOT NULL,
    started_at BIGINT         NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
