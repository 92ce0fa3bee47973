DROP TABLE held_envelopes;
DROP TABLE web_seekers;
DROP TABLE intake_keys;
ALTER TABLE entry_points DROP COLUMN unlock_hash;
