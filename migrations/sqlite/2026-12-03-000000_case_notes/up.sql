-- Case notes: what a worker writes about a conversation for the organisation's workers, sealed by
-- the writer's client to each of their devices. The server keeps one opaque copy per device, for
-- as long as the conversation exists; the time is to the minute.
CREATE TABLE case_notes (
    note_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    author_device INTEGER NOT NULL,
    recipient_id TEXT NOT NULL,
    recipient_device INTEGER NOT NULL,
    written_at BIGINT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (note_id, recipient_id, recipient_device),
    FOREIGN KEY (recipient_id, recipient_device) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
CREATE INDEX case_notes_by_reader ON case_notes (conversation_id, recipient_id, recipient_device);
