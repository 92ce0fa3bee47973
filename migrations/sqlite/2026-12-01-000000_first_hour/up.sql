-- Device numbers are taken from the lowest free one, so the counter is no longer needed.
ALTER TABLE accounts DROP COLUMN next_device_id;

-- One-time recovery codes for a lost second factor: hashes only.
CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (account_id, code_hash)
);
