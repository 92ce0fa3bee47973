-- Aggregate counters per day, organisation and (first) language: all that survives of a
-- conversation once its retention period has passed. No account, no conversation id.
CREATE TABLE conversation_statistics (
    day BIGINT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    opened BIGINT NOT NULL DEFAULT 0,
    claimed BIGINT NOT NULL DEFAULT 0,
    closed_information_given BIGINT NOT NULL DEFAULT 0,
    closed_referred BIGINT NOT NULL DEFAULT 0,
    closed_no_response BIGINT NOT NULL DEFAULT 0,
    closed_safety_concern BIGINT NOT NULL DEFAULT 0,
    closed_other BIGINT NOT NULL DEFAULT 0,
    -- Time from opening to first claim, as a histogram (upper bounds: 1, 5, 15, 60, 240, 1440
    -- minutes, then longer).
    wait_1m BIGINT NOT NULL DEFAULT 0,
    wait_5m BIGINT NOT NULL DEFAULT 0,
    wait_15m BIGINT NOT NULL DEFAULT 0,
    wait_1h BIGINT NOT NULL DEFAULT 0,
    wait_4h BIGINT NOT NULL DEFAULT 0,
    wait_1d BIGINT NOT NULL DEFAULT 0,
    wait_longer BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, organisation_id, language)
);
