-- The id a device had in the system it was imported from (django-otp), which its persistent
-- id keeps: unique per label (NULLs do not collide). NULL for devices created by otpkit.
-- One statement (MySQL DDL is not transactional).
ALTER TABLE otpkit_device
    ADD COLUMN imported_id BIGINT NULL,
    ADD UNIQUE INDEX otpkit_device_imported (model_label, imported_id);
