//! Quick exit: one call wipes a seeker's account and everything linked to it, and looks on the
//! wire exactly like an ordinary sync.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::SessionGrant;
use quietline_protocol::client::Client;
use quietline_protocol::relay::ServerFrame;
use quietline_server::config::DatabaseUrl;
use quietline_tests::{Listener, TestApp, both_backends, captured_logs};
use serde_json::json;

both_backends! {
    async fn quick_exit_leaves_no_row_behind(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let grant = app.enrol_worker(&root, &org, "wren", &["en"]).await;
        let mut worker = Client::with_session(&app.public, grant).await.unwrap();
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;
        let second: SessionGrant = app
            .post(Listener::Public, "/v1/devices", Some(seeker.session.access_token.expose()), json!({}))
            .await
            .expect(200)
            .json();
        let second_device = Client::with_session(&app.public, second).await.unwrap();
        // Envelopes queued both ways, undelivered, with canary plaintext.
        seeker.send_text(worker.account_id(), b"are you there? CANARY-seized-1").await.unwrap();
        worker.send_text(seeker.account_id(), b"yes, I am here CANARY-seized-2").await.unwrap();
        let conversation = app.get(Listener::Public, "/v1/conversations", Some(seeker.session.access_token.expose())).await.expect(200);
        let conversation_id = conversation.body[0]["id"].as_str().unwrap().to_string();
        let mut worker_socket = worker.connect().await.unwrap();
        assert_eq!(worker_socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        let Some(ServerFrame::Envelope { envelope }) = worker_socket.next_frame().await.unwrap() else { panic!("expected the seeker's message") };
        worker.open(&envelope).await.unwrap();
        assert_eq!(worker_socket.next_frame().await.unwrap(), Some(ServerFrame::QueueEmpty));

        let id = seeker.account_id().to_string();
        let before = app.rows_mentioning(&id).await;
        for table in ["accounts", "devices", "sessions", "device_keys", "conversations", "conversation_members", "envelopes", "send_receipts"] {
            assert!(before.iter().any(|(t, _, _)| t == table), "the scan should find the seeker in {table}: {before:?}");
        }

        // The seeker's client does it, and removes its own state file too.
        let state_file = app.data_dir.join("seeker.ql");
        seeker.save(&state_file, "seeker passphrase").await.unwrap();
        seeker.quick_exit(Some(&state_file)).await.unwrap();
        assert!(!state_file.exists(), "the client's state file is gone");
        let answer = app.post(Listener::Public, "/v1/quick-exit", Some(seeker.session.access_token.expose()), json!({})).await.expect(200);
        assert_eq!(answer.body, json!({"envelopes": [], "more": false}));
        app.state.quick_exits.settled().await;

        let after = app.rows_mentioning(&id).await;
        assert!(after.is_empty(), "rows still mention the wiped seeker: {after:?}");
        // Nor do the bytes a seized server would yield: the SQLite file with its WAL, or a dump.
        let raw = app.storage_dump();
        assert!(String::from_utf8_lossy(&raw).contains(worker.account_id()), "the dump holds live rows");
        let raw = String::from_utf8_lossy(&raw);
        for gone in [id.as_str(), conversation_id.as_str(), "CANARY-seized-1", "CANARY-seized-2"] {
            assert!(!raw.contains(gone), "the storage bytes still hold {gone}");
        }
        if let Some(services) = &app.services {
            assert!(!services.redis_dump().contains(&id), "Redis still mentions the wiped seeker");
        }
        // The log line reads as the sync the request imitates.
        assert!(captured_logs().contains("route=/v1/sync status=200"), "the log capture works");
        assert!(!captured_logs().contains("quick-exit"), "the logs show that a quick exit happened");
        assert!(!captured_logs().contains(&id), "the logs mention the wiped seeker");
        // Every token of the account is refused, on every device.
        app.get(Listener::Public, "/v1/account", Some(seeker.session.access_token.expose())).await.expect(401);
        assert!(second_device.fetch().await.is_err());
        // The worker is told, neutrally, that the conversation ended.
        let Some(ServerFrame::ConversationEnded { .. }) = worker_socket.next_frame().await.unwrap() else { panic!("expected the conversation to end") };
        // Repeating it (a retry, a double tap) answers the same.
        let again = app.post(Listener::Public, "/v1/quick-exit", Some(seeker.session.access_token.expose()), json!({})).await.expect(200);
        assert_eq!(again.raw, answer.raw);
    }

    async fn a_quick_exit_exchange_looks_like_an_ordinary_sync(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let sync = app.post(Listener::Public, "/v1/sync", Some(seeker.access_token.expose()), json!({})).await.expect(200);
        let exit = app.post(Listener::Public, "/v1/quick-exit", Some(seeker.access_token.expose()), json!({})).await.expect(200);
        assert_eq!(sync.raw.len(), exit.raw.len(), "padded to the same size");
        assert_eq!(sync.raw, exit.raw, "an idle sync and a quick exit answer the same bytes");
        let names = |answer: &quietline_tests::Answer| {
            let mut names: Vec<String> = answer.headers.keys().map(|k| k.as_str().to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(names(&sync), names(&exit));
        for header in ["content-length", "content-type", "cache-control"] {
            assert_eq!(sync.headers.get(header), exit.headers.get(header), "{header}");
        }
    }
}

both_backends! {
    async fn a_duress_code_wipes_the_account_and_the_local_files(app: TestApp) {
        let seeker = Client::sign_up_seeker(&app.public).await.unwrap();
        let state_file = app.data_dir.join("phone.ql");
        seeker.save(&state_file, "the real passphrase").await.unwrap();
        seeker.arm_duress_code(&state_file, "1234-duress").unwrap();
        let duress_file = app.data_dir.join("phone.ql.d");
        assert!(duress_file.exists());
        assert!(!String::from_utf8_lossy(&std::fs::read(&duress_file).unwrap()).contains(seeker.session.refresh_token.expose()), "the duress file is sealed");

        // Any other code does nothing.
        assert!(!Client::exit_under_duress(&state_file, "9999").await.unwrap());
        assert!(state_file.exists());
        app.get(Listener::Public, "/v1/account", Some(seeker.session.access_token.expose())).await.expect(200);

        // The duress code wipes, even once the armed access token has expired.
        app.clock.advance(i64::try_from(app.state.config.access_token_ttl).unwrap() + 60);
        assert!(Client::exit_under_duress(&state_file, "1234-duress").await.unwrap());
        app.state.quick_exits.settled().await;
        assert!(!state_file.exists() && !duress_file.exists(), "both local files are gone");
        assert!(app.rows_mentioning(seeker.account_id()).await.is_empty());
    }
}

/// Takes the write lock of the whole database (SQLite) or of the account's row (PostgreSQL) and
/// holds it until the connection is committed: what a wipe must wait for.
fn hold_the_account(app: &TestApp, account_id: &str) -> Box<dyn FnOnce()> {
    use diesel::{Connection, RunQueryDsl};
    match &app.state.config.database_url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            diesel::sql_query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .unwrap();
            Box::new(move || {
                diesel::sql_query("COMMIT").execute(&mut conn).unwrap();
            })
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = diesel::PgConnection::establish(url.expose()).unwrap();
            diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
            diesel::sql_query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind::<diesel::sql_types::Text, _>(account_id)
                .execute(&mut conn)
                .unwrap();
            Box::new(move || {
                diesel::sql_query("COMMIT").execute(&mut conn).unwrap();
            })
        }
    }
}

both_backends! {
    // A quick exit costs what a sync costs: it is answered after a sync's reads, not after the
    // wipe's write, which runs right after (here held back by a lock, so that the order shows).
    async fn a_quick_exit_is_answered_before_its_wipe_is_written(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let id = seeker.account_id.0.clone();
        let release = hold_the_account(&app, &id);
        let exit = app.post(Listener::Public, "/v1/quick-exit", Some(seeker.access_token.expose()), json!({})).await.expect(200);
        assert_eq!(exit.body, json!({"envelopes": [], "more": false}));
        release();
        app.state.quick_exits.settled().await;
        assert!(app.rows_mentioning(&id).await.is_empty(), "the wipe ran once the lock was gone");
        app.get(Listener::Public, "/v1/account", Some(seeker.access_token.expose())).await.expect(401);
    }
}
