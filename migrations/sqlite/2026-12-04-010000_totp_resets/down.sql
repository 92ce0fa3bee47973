DROP TABLE totp_resets;
