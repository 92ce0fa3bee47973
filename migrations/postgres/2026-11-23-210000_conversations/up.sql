-- Conversations between a seeker and an organisation's workers. No content: what they say is in
-- encrypted envelopes. Times to the minute.
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    seeker_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
    languages TEXT NOT NULL,
    region TEXT,
    topic TEXT,
    opened_at BIGINT NOT NULL,
    claimed_at BIGINT,
    closed_at BIGINT,
    outcome TEXT
);
CREATE INDEX conversations_queue ON conversations (organisation_id, state, opened_at);
CREATE INDEX conversations_seeker ON conversations (seeker_id);

-- Who may message whom: the seeker and the workers of a conversation.
CREATE TABLE conversation_members (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, account_id)
);
CREATE INDEX conversation_members_account ON conversation_members (account_id);
