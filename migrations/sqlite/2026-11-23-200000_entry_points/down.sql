ALTER TABLE accounts DROP COLUMN entry_point_id;
DROP TABLE entry_points;
