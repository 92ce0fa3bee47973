-- A second factor reset an administrator asked for, waiting for a second administrator's approval.
CREATE TABLE totp_resets (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
