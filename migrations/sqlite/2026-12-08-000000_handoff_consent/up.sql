-- A hand-off summary needs the seeker's yes: the worker who asked, the seeker's answer (none yet,
-- 'granted' or 'declined') and the one summary message sent under it. No text: the summary is
-- end-to-end encrypted, to the incoming worker's devices only.
CREATE TABLE handoff_consents (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    asked_by TEXT NOT NULL,
    answer TEXT,
    summary_guid TEXT
);
