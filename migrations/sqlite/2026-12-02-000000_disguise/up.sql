-- Entry points get a disguise: the theme of the app built on them, and a public slug (random,
-- distinct from the code) by which anyone may fetch their decoy content.
ALTER TABLE entry_points ADD COLUMN theme TEXT NOT NULL DEFAULT 'recipes';
ALTER TABLE entry_points ADD COLUMN public_slug TEXT NOT NULL DEFAULT '';
UPDATE entry_points SET public_slug = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX entry_points_public_slug ON entry_points (public_slug);

-- Decoy content curated by administrators, per entry point and language (JSON); without it, the
-- theme's seed content is served.
CREATE TABLE decoy_content (
    entry_point_id TEXT NOT NULL REFERENCES entry_points (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    content TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (entry_point_id, language)
);
