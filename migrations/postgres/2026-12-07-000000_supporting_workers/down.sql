ALTER TABLE conversation_members DROP COLUMN supporting;
