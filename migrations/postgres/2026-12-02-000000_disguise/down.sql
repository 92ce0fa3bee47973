DROP TABLE decoy_content;
DROP INDEX entry_points_public_slug;
ALTER TABLE entry_points DROP COLUMN public_slug;
ALTER TABLE entry_points DROP COLUMN theme;
