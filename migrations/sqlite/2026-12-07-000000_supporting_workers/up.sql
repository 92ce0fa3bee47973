-- A conversation's lead worker and supporting workers: a supporting worker's devices receive the
-- seeker's messages too; the lead alone transfers, refers, and adds or removes supporters.
ALTER TABLE conversation_members ADD COLUMN supporting BOOLEAN NOT NULL DEFAULT FALSE;
