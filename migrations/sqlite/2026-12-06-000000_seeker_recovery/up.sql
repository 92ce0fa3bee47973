-- What the server keeps of a seeker's recovery phrase, which never leaves their device: a keyed
-- hash of the lookup derived from it (to find the account) and the Argon2id hash of the key
-- derived from it (to check it). Wiped with the account, by quick exit and duress among others.
CREATE TABLE seeker_recovery (
    lookup_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    key_hash TEXT NOT NULL
);
