-- The web entry: a word that opens an entry point's page (only its Argon2 hash), the key each
-- device is sealed to without a Signal session, the seekers who come back by a codename (only a
-- keyed hash of the handle derived from it), and what a seeker in a browser wrote while their
-- conversation waited: one sealed copy per device of the organisation's workers, until a worker
-- claims the conversation (the claimer's copies are queued, the others deleted).
ALTER TABLE entry_points ADD COLUMN unlock_hash TEXT;
CREATE TABLE intake_keys (
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    public_key BYTEA NOT NULL,
    signature BYTEA,
    PRIMARY KEY (account_id, device_id),
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
CREATE TABLE web_seekers (
    handle_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE TABLE held_envelopes (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    source_account TEXT NOT NULL,
    source_device INTEGER NOT NULL,
    server_received BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (conversation_id, guid, account_id, device_id),
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
