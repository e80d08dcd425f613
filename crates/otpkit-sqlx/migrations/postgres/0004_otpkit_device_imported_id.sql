-- The id a device had in the system it was imported from (django-otp), which its persistent
-- id keeps: unique per label. NULL for devices created by otpkit.
ALTER TABLE otpkit_device ADD COLUMN imported_id BIGINT NULL;
CREATE UNIQUE INDEX otpkit_device_imported ON otpkit_device (model_label, imported_id)
    WHERE imported_id IS NOT NULL;
