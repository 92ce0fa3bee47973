DROP TABLE bundle_keys;
DROP TABLE card_settings;
DROP TABLE resource_card_versions;
DROP TABLE resource_cards;
