-- One Web Push subscription per device, sealed with the storage key (endpoint and keys alike):
-- the endpoint names the push service and the device on it.
CREATE TABLE push_subscriptions (
    account_id TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (account_id, device_id),
    FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
