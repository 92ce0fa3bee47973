ALTER TABLE conversations DROP COLUMN callback;
