DROP TABLE recovery_codes;
ALTER TABLE accounts ADD COLUMN next_device_id INTEGER NOT NULL DEFAULT 1;
