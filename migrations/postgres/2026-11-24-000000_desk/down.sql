DROP TABLE canned_reply_versions;
DROP TABLE canned_replies;
ALTER TABLE conversations DROP COLUMN referred_to;
DROP TABLE organisation_partners;
DROP TABLE worker_availability;
