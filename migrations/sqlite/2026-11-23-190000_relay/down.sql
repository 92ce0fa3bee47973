DROP TABLE send_receipts;
DROP TABLE envelopes;
DROP TABLE pq_pre_keys;
DROP TABLE ec_pre_keys;
DROP TABLE device_keys;
