DROP TABLE awaiting_replies;
ALTER TABLE conversation_statistics DROP COLUMN reply_1m;
ALTER TABLE conversation_statistics DROP COLUMN reply_5m;
ALTER TABLE conversation_statistics DROP COLUMN reply_15m;
ALTER TABLE conversation_statistics DROP COLUMN reply_1h;
ALTER TABLE conversation_statistics DROP COLUMN reply_4h;
ALTER TABLE conversation_statistics DROP COLUMN reply_1d;
ALTER TABLE conversation_statistics DROP COLUMN reply_longer;
