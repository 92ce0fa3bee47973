//! Table definitions, identical for both backends (the migrations differ only in dialect).

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        default_language -> Text,
        created_at -> BigInt,
        disappearing_seconds -> Nullable<BigInt>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        instance_admin -> Bool,
        created_day -> BigInt,
        active_day -> BigInt,
        entry_point_id -> Nullable<Text>,
    }
}

diesel::table! {
    entry_points (id) {
        id -> Text,
        organisation_id -> Text,
        code_hash -> Text,
        label -> Text,
        default_language -> Text,
        topics -> Text,
        created_at -> BigInt,
        theme -> Text,
        public_slug -> Text,
        unlock_hash -> Nullable<Text>,
    }
}

diesel::table! {
    intake_keys (account_id, device_id) {
        account_id -> Text,
        device_id -> Integer,
        public_key -> Binary,
        signature -> Nullable<Binary>,
    }
}

diesel::table! {
    web_seekers (handle_hash) {
        handle_hash -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    seeker_recovery (lookup_hash) {
        lookup_hash -> Text,
        account_id -> Text,
        key_hash -> Text,
    }
}

diesel::table! {
    held_envelopes (conversation_id, guid, account_id, device_id) {
        conversation_id -> Text,
        guid -> Text,
        account_id -> Text,
        device_id -> Integer,
        source_account -> Text,
        source_device -> Integer,
        server_received -> BigInt,
        expires_at -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    decoy_content (entry_point_id, language) {
        entry_point_id -> Text,
        language -> Text,
        content -> Text,
        updated_at -> BigInt,
    }
}

diesel::joinable!(decoy_content -> entry_points (entry_point_id));

diesel::table! {
    push_subscriptions (account_id, device_id) {
        account_id -> Text,
        device_id -> Integer,
        sealed -> Binary,
    }
}

diesel::table! {
    credentials (account_id) {
        account_id -> Text,
        handle -> Text,
        passphrase_hash -> Text,
        totp_sealed -> Nullable<Binary>,
        totp_confirmed -> Bool,
        totp_last_step -> BigInt,
    }
}

diesel::table! {
    member_languages (account_id, language) {
        account_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    devices (account_id, device_id) {
        account_id -> Text,
        device_id -> Integer,
        name -> Nullable<Text>,
        created_day -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        account_id -> Text,
        device_id -> Integer,
        expires_at -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        spent -> Bool,
        expires_at -> BigInt,
    }
}

diesel::table! {
    invites (code_hash) {
        code_hash -> Text,
        organisation_id -> Text,
        role -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    recovery_codes (account_id, code_hash) {
        account_id -> Text,
        code_hash -> Text,
    }
}

diesel::table! {
    instance_setup (id) {
        id -> Integer,
        token_hash -> Text,
    }
}

diesel::joinable!(accounts -> organisations (organisation_id));
diesel::joinable!(credentials -> accounts (account_id));
diesel::joinable!(member_languages -> accounts (account_id));
diesel::joinable!(devices -> accounts (account_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(invites -> organisations (organisation_id));
diesel::joinable!(entry_points -> organisations (organisation_id));

diesel::table! {
    device_keys (account_id, device_id) {
        account_id -> Text,
        device_id -> Integer,
        identity_key -> Binary,
        registration_id -> Integer,
        signed_pre_key_id -> BigInt,
        signed_pre_key -> Binary,
        signed_pre_key_signature -> Binary,
        pq_last_resort_id -> BigInt,
        pq_last_resort_key -> Binary,
        pq_last_resort_signature -> Binary,
    }
}

diesel::table! {
    ec_pre_keys (account_id, device_id, key_id) {
        account_id -> Text,
        device_id -> Integer,
        key_id -> BigInt,
        public_key -> Binary,
    }
}

diesel::table! {
    pq_pre_keys (account_id, device_id, key_id) {
        account_id -> Text,
        device_id -> Integer,
        key_id -> BigInt,
        public_key -> Binary,
        signature -> Binary,
    }
}

diesel::table! {
    envelopes (id) {
        id -> BigInt,
        account_id -> Text,
        device_id -> Integer,
        guid -> Text,
        kind -> SmallInt,
        source_account -> Nullable<Text>,
        source_device -> Nullable<Integer>,
        server_received -> BigInt,
        expires_at -> BigInt,
        content -> Binary,
        disappearing_seconds -> Nullable<BigInt>,
    }
}

diesel::table! {
    send_receipts (source_account, guid) {
        source_account -> Text,
        guid -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    conversations (id) {
        id -> Text,
        organisation_id -> Text,
        seeker_id -> Text,
        state -> Text,
        languages -> Text,
        region -> Nullable<Text>,
        topic -> Nullable<Text>,
        opened_at -> BigInt,
        claimed_at -> Nullable<BigInt>,
        closed_at -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        disappearing_seconds -> Nullable<BigInt>,
        referred_to -> Nullable<Text>,
        callback -> Bool,
    }
}

diesel::table! {
    conversation_members (conversation_id, account_id) {
        conversation_id -> Text,
        account_id -> Text,
        supporting -> Bool,
    }
}

diesel::table! {
    handoff_consents (conversation_id) {
        conversation_id -> Text,
        asked_by -> Text,
        answer -> Nullable<Text>,
        summary_guid -> Nullable<Text>,
    }
}

diesel::joinable!(conversation_members -> conversations (conversation_id));
diesel::joinable!(handoff_consents -> conversations (conversation_id));
diesel::joinable!(awaiting_replies -> conversations (conversation_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    case_notes,
    organisations,
    accounts,
    credentials,
    member_languages,
    devices,
    sessions,
    refresh_tokens,
    invites,
    instance_setup,
    recovery_codes,
    device_keys,
    ec_pre_keys,
    pq_pre_keys,
    envelopes,
    send_receipts,
    entry_points,
    decoy_content,
    intake_keys,
    web_seekers,
    seeker_recovery,
    held_envelopes,
    push_subscriptions,
    conversations,
    conversation_members,
    handoff_consents,
    awaiting_replies,
    worker_availability,
    organisation_partners,
    canned_replies,
    canned_reply_versions,
);

diesel::table! {
    worker_availability (account_id) {
        account_id -> Text,
        available -> Bool,
        max_active -> Nullable<Integer>,
        changed_at -> BigInt,
    }
}

diesel::table! {
    organisation_partners (organisation_id, partner_id) {
        organisation_id -> Text,
        partner_id -> Text,
    }
}

diesel::table! {
    canned_replies (id) {
        id -> Text,
        organisation_id -> Text,
        language -> Text,
        title -> Text,
        body -> Text,
        version -> Integer,
        updated_at -> BigInt,
        deleted -> Bool,
    }
}

diesel::table! {
    canned_reply_versions (reply_id, version) {
        reply_id -> Text,
        version -> Integer,
        language -> Text,
        title -> Text,
        body -> Text,
        deleted -> Bool,
        edited_by -> Text,
        edited_at -> BigInt,
    }
}

diesel::joinable!(canned_reply_versions -> canned_replies (reply_id));
diesel::joinable!(worker_availability -> accounts (account_id));

diesel::table! {
    conversation_statistics (day, organisation_id, language) {
        day -> BigInt,
        organisation_id -> Text,
        language -> Text,
        opened -> BigInt,
        claimed -> BigInt,
        closed_information_given -> BigInt,
        closed_referred -> BigInt,
        closed_no_response -> BigInt,
        closed_safety_concern -> BigInt,
        closed_other -> BigInt,
        wait_1m -> BigInt,
        wait_5m -> BigInt,
        wait_15m -> BigInt,
        wait_1h -> BigInt,
        wait_4h -> BigInt,
        wait_1d -> BigInt,
        wait_longer -> BigInt,
        reply_1m -> BigInt,
        reply_5m -> BigInt,
        reply_15m -> BigInt,
        reply_1h -> BigInt,
        reply_4h -> BigInt,
        reply_1d -> BigInt,
        reply_longer -> BigInt,
    }
}

diesel::table! {
    awaiting_replies (conversation_id) {
        conversation_id -> Text,
        claimed_at -> BigInt,
    }
}

diesel::table! {
    resource_cards (id) {
        id -> Text,
        organisation_id -> Text,
        state -> Text,
        revision -> Integer,
        version -> Integer,
        content -> Text,
        published_version -> Nullable<Integer>,
        published -> Nullable<Text>,
        submitted_by -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    resource_card_versions (card_id, version) {
        card_id -> Text,
        version -> Integer,
        action -> Text,
        state -> Text,
        content -> Text,
        changes -> Text,
        changed_by -> Text,
        changed_at -> BigInt,
    }
}

diesel::table! {
    card_settings (organisation_id) {
        organisation_id -> Text,
        two_admin_approval -> Bool,
        generation -> BigInt,
    }
}

diesel::table! {
    bundle_keys (key_id) {
        key_id -> Text,
        organisation_id -> Text,
        public_key -> Text,
        secret_sealed -> Binary,
        created_at -> BigInt,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    case_notes (note_id, recipient_id, recipient_device) {
        note_id -> Text,
        conversation_id -> Text,
        author_id -> Text,
        author_device -> Integer,
        recipient_id -> Text,
        recipient_device -> Integer,
        written_at -> BigInt,
        sealed -> Binary,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> BigInt,
        actor -> Text,
        organisation_id -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    totp_resets (account_id) {
        account_id -> Text,
        requested_by -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    deactivated_members (account_id) {
        account_id -> Text,
        deactivated_day -> BigInt,
    }
}
