-- Entry points: the doors through which seekers reach an organisation. Only a hash of each code
-- is stored, so a copy of the database does not list the doors.
CREATE TABLE entry_points (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    default_language TEXT NOT NULL,
    topics TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX entry_points_organisation ON entry_points (organisation_id);

-- The door a seeker came through, which decides the organisation they reach.
ALTER TABLE accounts ADD COLUMN entry_point_id TEXT REFERENCES entry_points (id) ON DELETE SET NULL;
