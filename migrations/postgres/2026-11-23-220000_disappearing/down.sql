ALTER TABLE envelopes DROP COLUMN disappearing_seconds;
ALTER TABLE conversations DROP COLUMN disappearing_seconds;
ALTER TABLE organisations DROP COLUMN disappearing_seconds;
