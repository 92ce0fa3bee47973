-- Organisations, accounts of the three roles, devices and sessions.
-- Times are Unix seconds; account activity is kept as a day number only.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    default_language TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('seeker', 'worker', 'admin')),
    organisation_id TEXT REFERENCES organisations (id) ON DELETE CASCADE,
    instance_admin BOOLEAN NOT NULL DEFAULT FALSE,
    next_device_id INTEGER NOT NULL DEFAULT 1,
    created_day BIGINT NOT NULL,
    active_day BIGINT NOT NULL,
    -- Seekers belong to no organisation; workers to one; administrators to one, or to none
    -- when they administer the whole instance.
    CHECK (
        (role = 'seeker' AND organisation_id IS NULL AND NOT instance_admin)
        OR (role = 'worker' AND organisation_id IS NOT NULL AND NOT instance_admin)
        OR (role = 'admin' AND (organisation_id IS NOT NULL) <> instance_admin)
    )
);
CREATE INDEX accounts_organisation ON accounts (organisation_id);

-- Workers and administrators sign in with a handle and passphrase; seekers have no credentials.
CREATE TABLE credentials (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    handle TEXT NOT NULL UNIQUE,
    passphrase_hash TEXT NOT NULL,
    totp_sealed BYTEA,
    totp_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE member_languages (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (account_id, language)
);

CREATE TABLE devices (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL,
    name TEXT,
    created_day BIGINT NOT NULL,
    PRIMARY KEY (account_id, device_id)
);

-- One session per signed-in device: the family of its rotating refresh tokens.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    expires_at BIGINT NOT NULL,
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
CREATE INDEX sessions_device ON sessions (account_id, device_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    spent BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('worker', 'admin')),
    expires_at BIGINT NOT NULL
);

-- At most one pending setup token for the first instance administrator; only its hash.
CREATE TABLE instance_setup (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token_hash TEXT NOT NULL
);
