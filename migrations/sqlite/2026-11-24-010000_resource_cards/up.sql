-- Resource cards. A card's working copy and the copy clients are served are JSON documents
-- (facts shared by all locales, texts per locale); every change is kept as a version.
CREATE TABLE resource_cards (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'published', 'archived')),
    revision INTEGER NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    published_version INTEGER,
    published TEXT,
    submitted_by TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX resource_cards_organisation ON resource_cards (organisation_id, state);

-- Who changed what, when; the content of each version, for rollback.
CREATE TABLE resource_card_versions (
    card_id TEXT NOT NULL REFERENCES resource_cards (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    content TEXT NOT NULL,
    changes TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (card_id, version)
);

-- Per organisation: whether publishing needs a second administrator, and a counter that moves
-- whenever the published cards change (bundle ETags and caches follow it).
CREATE TABLE card_settings (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    two_admin_approval BOOLEAN NOT NULL DEFAULT FALSE,
    generation BIGINT NOT NULL DEFAULT 0
);

-- Ed25519 keys that sign an organisation's bundles; the secret half sealed with the storage key.
-- A retired key still verifies for a grace period.
CREATE TABLE bundle_keys (
    key_id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    public_key TEXT NOT NULL,
    secret_sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX bundle_keys_organisation ON bundle_keys (organisation_id);
