DROP TABLE handoff_consents;
