//! Retention enforced by the server: expired ciphertext is purged and never delivered; expired
//! sessions, invites and receipts go; unused seeker accounts are wiped. The clock is moved, not
//! waited for.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::SessionGrant;
use quietline_protocol::client::Client;
use quietline_server::clock::Clock;
use quietline_server::reaper::reap;
use quietline_tests::{Backend, Listener, TestApp, both_backends, both_backends_with};
use serde_json::json;

both_backends! {
    async fn times_are_kept_no_finer_than_the_minute(app: TestApp) {
        // Off the minute, so that exact seconds would show.
        app.clock.advance(61 - app.clock.now().rem_euclid(60) + 17);
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let grant = app.enrol_worker(&root, &org, "minutes", &["en"]).await;
        let worker = Client::with_session(&app.public, grant.clone()).await.unwrap();
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;
        seeker.send_text(worker.account_id(), b"on the minute").await.unwrap();
        app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": grant.refresh_token})).await.expect(200);
        for (table, column) in [
            ("sessions", "expires_at"),
            ("refresh_tokens", "expires_at"),
            ("envelopes", "server_received"),
            ("envelopes", "expires_at"),
            ("send_receipts", "expires_at"),
            ("conversations", "opened_at"),
        ] {
            let times = app.integers(table, column).await;
            assert!(!times.is_empty(), "{table}.{column} has rows");
            assert!(times.iter().all(|t| t % 60 == 0), "{table}.{column} keeps seconds: {times:?}");
        }
    }

    async fn the_reaper_wipes_more_inactive_seekers_than_one_statement_can_name(app: TestApp) {
        // More than PostgreSQL's 65,535 bound values (and SQLite's 32,766) in one statement.
        let count = 70_000;
        let sql = match app.backend {
            Backend::Postgres => format!(
                "INSERT INTO accounts (id, role, instance_admin, created_day, active_day) \
                 SELECT 'old-' || g, 'seeker', FALSE, 0, 0 FROM generate_series(1, {count}) AS g"
            ),
            Backend::Sqlite => format!(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) \
                 INSERT INTO accounts (id, role, instance_admin, created_day, active_day) \
                 SELECT 'old-' || n, 'seeker', FALSE, 0, 0 FROM g"
            ),
        };
        app.state
            .db
            .write(move |conn| {
                diesel::RunQueryDsl::execute(diesel::sql_query(sql), conn).map_err(quietline_server::db::DbError::from)
            })
            .await
            .unwrap();
        let recent = app.sign_up_seeker().await;
        // The instance's own reaper may take a share of them meanwhile; together, all go.
        reap(&app.state).await.unwrap();
        assert_eq!(app.count_rows("accounts", Some(("role", "seeker".to_string()))).await, 1);
        app.get(Listener::Public, "/v1/account", Some(recent.access_token.expose())).await.expect(200);
    }

    async fn an_envelope_past_its_expiry_is_never_delivered_and_then_purged(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let grant = app.enrol_worker(&root, &org, "offline", &["en"]).await;
        let mut worker = Client::with_session(&app.public, grant).await.unwrap();
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;
        seeker.send_text(worker.account_id(), b"this should not outlive its expiry").await.unwrap();
        assert_eq!(app.count_rows("envelopes", None).await, 1);

        app.clock.advance(i64::try_from(app.state.config.message_ttl).unwrap() + 1);
        worker.refresh().await.unwrap();
        // Expired, not yet reaped: still never handed out.
        assert!(worker.fetch().await.unwrap().envelopes.is_empty());
        let reaped = reap(&app.state).await.unwrap();
        assert_eq!(reaped.envelopes, 1);
        assert_eq!(app.count_rows("envelopes", None).await, 0);
        // The sender's message id is remembered no longer than the envelope could wait.
        assert_eq!(reaped.send_receipts, 1);
        assert_eq!(app.count_rows("send_receipts", None).await, 0);
    }

    async fn expired_sessions_and_invites_are_purged(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        app.invite(&root, &org, quietline_protocol::api::Role::Worker).await;
        let seeker = app.sign_up_seeker().await;
        assert_eq!(app.count_rows("invites", None).await, 1);
        let ttl = i64::try_from(app.state.config.refresh_token_ttl).unwrap();
        app.clock.advance(ttl + 1);
        let reaped = reap(&app.state).await.unwrap();
        assert_eq!(reaped.invites, 1);
        assert!(reaped.sessions >= 2, "root's and the seeker's sessions");
        assert_eq!(app.count_rows("sessions", None).await, 0);
        assert_eq!(app.count_rows("refresh_tokens", None).await, 0);
        app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": seeker.refresh_token}))
            .await
            .expect(401);
    }

    async fn a_seeker_unused_past_the_limit_is_wiped_and_others_are_not(app: TestApp) {
        let active = app.sign_up_seeker().await;
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let worker_grant = app.enrol_worker(&root, &org, "stays", &["en"]).await;
        let worker = Client::with_session(&app.public, worker_grant.clone()).await.unwrap();
        let mut idle = app.seeker_in_conversation_with(&root, &org, &worker).await;
        idle.send_text(worker.account_id(), b"sent before going quiet").await.unwrap();
        let closed = idle.conversations().await.unwrap().remove(0).id;
        app.post(Listener::Public, &format!("/v1/conversations/{closed}/close"), Some(worker.session.access_token.expose()), json!({"outcome": "no_response"})).await.expect(200);
        // Support can last years: a seeker quiet as long, but in an active conversation, stays.
        let supported = app.seeker_in_conversation_with(&root, &org, &worker).await;

        let days = i64::from(app.state.config.seeker_inactivity_days);
        app.clock.advance((days - 1) * 86_400);
        // One seeker keeps using the service (refreshing marks the day).
        let active: SessionGrant = app
            .post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": active.refresh_token}))
            .await
            .expect(200)
            .json();
        app.clock.advance(2 * 86_400);
        let reaped = reap(&app.state).await.unwrap();
        assert_eq!(reaped.inactive_seekers, 1);

        let id = idle.account_id().to_string();
        for (table, column) in [("accounts", "id"), ("conversations", "seeker_id"), ("conversation_members", "account_id"), ("devices", "account_id"), ("sessions", "account_id"), ("device_keys", "account_id"), ("envelopes", "account_id"), ("envelopes", "source_account"), ("send_receipts", "source_account")] {
            assert_eq!(app.count_rows(table, Some((column, id.clone()))).await, 0, "{table}.{column} still references the wiped seeker");
        }
        app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": active.refresh_token}))
            .await
            .expect(200);
        assert_eq!(app.count_rows("accounts", Some(("id", worker_grant.account_id.0.clone()))).await, 1, "workers are not wiped");
        assert_eq!(app.count_rows("accounts", Some(("id", supported.account_id().to_string()))).await, 1, "a seeker in an active conversation is not wiped");
        assert_eq!(app.count_rows("conversations", Some(("seeker_id", supported.account_id().to_string()))).await, 1, "with their conversation");
    }
}

both_backends_with! {
    |config| config.reaper_interval = 1;
    async fn the_reaper_runs_by_itself_on_its_interval(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        app.invite(&root, &org, quietline_protocol::api::Role::Worker).await;
        assert_eq!(app.count_rows("invites", None).await, 1);
        app.clock.advance(72 * 3_600 + 1);
        // Two passes more: the second began after the clock moved.
        let mut passes = app.state.reaper_passes.subscribe();
        let after = *passes.borrow_and_update() + 2;
        tokio::time::timeout(std::time::Duration::from_secs(60), passes.wait_for(|n| *n >= after))
            .await
            .expect("the reaper runs on its own")
            .unwrap();
        assert_eq!(app.count_rows("invites", None).await, 0, "the background reaper purged the expired invite");
    }
}

both_backends! {
    async fn a_disappearing_timer_purges_undelivered_messages_when_it_runs_out(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app
            .post(Listener::Admin, "/admin/v1/organisations", Some(root.session.access_token.expose()), json!({"name": "Harbour House", "default_language": "en", "disappearing_seconds": 3600}))
            .await
            .expect(200)
            .body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let grant = app.enrol_worker(&root, &org, "timer", &["en"]).await;
        let worker = Client::with_session(&app.public, grant).await.unwrap();
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;
        let listed = app.get(Listener::Public, "/v1/conversations", Some(seeker.session.access_token.expose())).await.expect(200);
        assert_eq!(listed.body[0]["disappearing_seconds"], 3600, "a conversation starts with the organisation's default");
        let id = listed.body[0]["id"].as_str().unwrap().to_string();
        let timer = format!("/v1/conversations/{id}/timer");

        // Nobody may lengthen it past the default, or turn it off; the seeker may shorten it.
        let longer = app.call("PUT", Listener::Public, &timer, Some(seeker.session.access_token.expose()), Some(&json!({"seconds": 86400}))).await.expect(422);
        assert_eq!(longer.code(), "invalid_body");
        app.call("PUT", Listener::Public, &timer, Some(worker.session.access_token.expose()), Some(&json!({}))).await.expect(422);
        app.call("PUT", Listener::Public, &timer, Some(seeker.session.access_token.expose()), Some(&json!({"seconds": 37}))).await.expect(422);
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(quietline_protocol::relay::ServerFrame::Ready));
        assert_eq!(socket.next_frame().await.unwrap(), Some(quietline_protocol::relay::ServerFrame::QueueEmpty));
        let shortened = app.call("PUT", Listener::Public, &timer, Some(seeker.session.access_token.expose()), Some(&json!({"seconds": 300}))).await.expect(200);
        assert_eq!(shortened.body["disappearing_seconds"], 300);
        assert_eq!(
            socket.next_frame().await.unwrap(),
            Some(quietline_protocol::relay::ServerFrame::DisappearingTimer { conversation_id: id.clone(), seconds: Some(300) }),
            "the other side is told"
        );
        socket.close().await.unwrap();

        // An administrator lowering the organisation's default shortens longer timers at once.
        let lowered = app
            .call("PUT", Listener::Admin, &format!("/admin/v1/organisations/{org}/disappearing"), Some(root.session.access_token.expose()), Some(&json!({"seconds": 300})))
            .await
            .expect(200);
        assert_eq!(lowered.body["disappearing_seconds"], 300);
        let listed = app.get(Listener::Public, "/v1/conversations", Some(seeker.session.access_token.expose())).await.expect(200);
        assert_eq!(listed.body[0]["disappearing_seconds"], 300);
        app.call("PUT", Listener::Public, &timer, Some(worker.session.access_token.expose()), Some(&json!({"seconds": 3600}))).await.expect(422);

        // A message to the (now offline) worker carries the timer and expires with it.
        seeker.send_text(worker.account_id(), b"gone in five minutes").await.unwrap();
        let page = worker.fetch().await.unwrap();
        assert_eq!(page.envelopes[0].disappearing_seconds, Some(300));
        assert!(page.envelopes[0].expires_at <= app.clock.now() + 300);
        app.clock.advance(301);
        assert!(worker.fetch().await.unwrap().envelopes.is_empty(), "an expired envelope is never delivered");
        assert_eq!(reap(&app.state).await.unwrap().envelopes, 1);
        assert_eq!(app.count_rows("envelopes", None).await, 0);
    }
}
