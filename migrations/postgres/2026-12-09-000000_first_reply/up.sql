-- Time to a first reply: a conversation waits here from its first claim until one of its workers
-- first writes to the seeker (to the minute); then the wait is counted, in ranges, in the statistics.
CREATE TABLE awaiting_replies (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    claimed_at BIGINT NOT NULL
);
ALTER TABLE conversation_statistics ADD COLUMN reply_1m BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_statistics ADD COLUMN reply_5m BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_statistics ADD COLUMN reply_15m BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_statistics ADD COLUMN reply_1h BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_statistics ADD COLUMN reply_4h BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_statistics ADD COLUMN reply_1d BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_statistics ADD COLUMN reply_longer BIGINT NOT NULL DEFAULT 0;
