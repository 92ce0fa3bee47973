-- The outreach desk: workers' availability, partner organisations, referrals awaiting the
-- seeker's answer, and canned replies.

-- A worker without a row is away.
CREATE TABLE worker_availability (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    available BOOLEAN NOT NULL,
    -- Most active conversations at once; NULL for no limit.
    max_active INTEGER,
    changed_at BIGINT NOT NULL
);

-- Organisations an organisation declares as partners. A referral needs both declarations.
CREATE TABLE organisation_partners (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, partner_id)
);

-- The partner organisation a conversation is offered to; it moves only if the seeker accepts.
ALTER TABLE conversations ADD COLUMN referred_to TEXT;

-- Canned replies per language, edited by administrators; deletion is soft, every version kept.
CREATE TABLE canned_replies (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX canned_replies_organisation ON canned_replies (organisation_id, language);

CREATE TABLE canned_reply_versions (
    reply_id TEXT NOT NULL REFERENCES canned_replies (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    deleted BOOLEAN NOT NULL,
    -- The administrator's account id, kept for audit after the account is gone.
    edited_by TEXT NOT NULL,
    edited_at BIGINT NOT NULL,
    PRIMARY KEY (reply_id, version)
);
