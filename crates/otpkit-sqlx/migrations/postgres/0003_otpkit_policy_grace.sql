-- otpkit grace records of enforced two-factor sign-in (PostgreSQL): the first instant a user
-- signed in under the policy without a device, in milliseconds since the Unix epoch.
CREATE TABLE otpkit_policy_grace (
    user_id    VARCHAR(255) COLLATE "C" NOT NULL PRIMARY KEY,
    started_at BIGINT       NOT NULL
);
