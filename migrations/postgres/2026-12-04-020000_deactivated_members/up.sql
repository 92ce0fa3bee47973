-- Workers and administrators an administrator deactivated: they cannot sign in until
-- reactivated; their account, handle and keys stay.
CREATE TABLE deactivated_members (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    deactivated_day BIGINT NOT NULL
);
