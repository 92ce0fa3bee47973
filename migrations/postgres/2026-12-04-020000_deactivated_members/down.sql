DROP TABLE deactivated_members;
