DROP TABLE seeker_recovery;
