-- A callback request waits in the queue like a conversation; only that it is one is stored here.
-- When and how to call back is sealed to the organisation's workers, like a message.
ALTER TABLE conversations ADD COLUMN callback BOOLEAN NOT NULL DEFAULT FALSE;
