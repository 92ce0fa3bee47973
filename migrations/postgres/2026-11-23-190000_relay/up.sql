-- The key directory (public keys only) and the per-device queues of ciphertext envelopes.

CREATE TABLE device_keys (
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    identity_key BYTEA NOT NULL,
    registration_id INTEGER NOT NULL,
    signed_pre_key_id BIGINT NOT NULL,
    signed_pre_key BYTEA NOT NULL,
    signed_pre_key_signature BYTEA NOT NULL,
    pq_last_resort_id BIGINT NOT NULL,
    pq_last_resort_key BYTEA NOT NULL,
    pq_last_resort_signature BYTEA NOT NULL,
    PRIMARY KEY (account_id, device_id),
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);

CREATE TABLE ec_pre_keys (
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    key_id BIGINT NOT NULL,
    public_key BYTEA NOT NULL,
    PRIMARY KEY (account_id, device_id, key_id),
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);

CREATE TABLE pq_pre_keys (
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    key_id BIGINT NOT NULL,
    public_key BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    PRIMARY KEY (account_id, device_id, key_id),
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);

-- Ordered by id within each device's queue. Times: server_received to the minute.
CREATE TABLE envelopes (
    id BIGSERIAL PRIMARY KEY,
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    guid TEXT NOT NULL,
    kind SMALLINT NOT NULL,
    source_account TEXT,
    source_device INTEGER,
    server_received BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    content BYTEA NOT NULL,
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX envelopes_guid ON envelopes (account_id, device_id, guid);
CREATE INDEX envelopes_queue ON envelopes (account_id, device_id, id);
CREATE INDEX envelopes_source ON envelopes (source_account);
CREATE INDEX envelopes_expiry ON envelopes (expires_at);

-- Message ids a sender has used, so a retried send is accepted once even after delivery.
CREATE TABLE send_receipts (
    source_account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (source_account, guid)
);
