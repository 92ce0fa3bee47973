//! The outreach desk: seekers reach an organisation through an entry point; its workers see the
//! waiting conversations (those in their languages first) and claim them, one winning a race.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::SessionGrant;
use quietline_protocol::client::Client;
use quietline_protocol::relay::ServerFrame;
use quietline_server::clock::Clock;
use quietline_tests::{AdminLogin, Listener, TestApp, both_backends};
use serde_json::{Value, json};

async fn entry_point(app: &TestApp, root: &AdminLogin, org: &str, topics: &[&str]) -> String {
    let created = app
        .post(
            Listener::Admin,
            &format!("/admin/v1/organisations/{org}/entry-points"),
            Some(&root.session.access_token),
            json!({"label": "door", "default_language": "en", "topics": topics}),
        )
        .await
        .expect(200);
    created.body["code"].as_str().unwrap().to_string()
}

async fn seeker_through(app: &TestApp, code: &str) -> SessionGrant {
    let mut body = app.solved_signup().await;
    body["entry_point"] = json!(code);
    app.post(Listener::Public, "/v1/seekers", None, body)
        .await
        .expect(200)
        .json()
}

async fn open(app: &TestApp, seeker: &SessionGrant, body: Value) -> Value {
    app.post(
        Listener::Public,
        "/v1/conversations",
        Some(&seeker.access_token),
        body,
    )
    .await
    .expect(200)
    .body
}

both_backends! {
    async fn workers_see_conversations_in_their_languages_first(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &["work", "housing"]).await;
        let tagalog_worker = app.enrol_worker(&root, &org, "tala", &["tl", "en"]).await;
        let french_worker = app.enrol_worker(&root, &org, "fleur", &["fr"]).await;

        // An older conversation in French, then one in Tagalog.
        let first = seeker_through(&app, &code).await;
        let french = open(&app, &first, json!({"languages": ["fr-CA"], "region": "CA-QC/Montréal"})).await;
        app.clock.advance(120);
        let second = seeker_through(&app, &code).await;
        let tagalog = open(&app, &second, json!({"languages": ["tl"], "topic": "work", "region": "CA-BC/Surrey"})).await;
        assert_eq!(tagalog["state"], "waiting");

        let seen_by_tagalog = app.get(Listener::Public, "/v1/desk/waiting", Some(&tagalog_worker.access_token)).await.expect(200).body;
        assert_eq!(seen_by_tagalog[0]["id"], tagalog["id"], "the Tagalog speaker sees the Tagalog conversation first");
        assert_eq!(seen_by_tagalog[0]["speaks_language"], true);
        assert_eq!(seen_by_tagalog[1]["id"], french["id"]);
        let seen_by_french = app.get(Listener::Public, "/v1/desk/waiting", Some(&french_worker.access_token)).await.expect(200).body;
        assert_eq!(seen_by_french[0]["id"], french["id"], "fr-CA matches a worker who speaks fr");
        assert_eq!(seen_by_french[1]["id"], tagalog["id"], "the French-only worker sees it later in the list");
        assert_eq!(seen_by_french[1]["speaks_language"], false);
        assert!(seen_by_french[0]["waiting_seconds"].as_i64().unwrap() >= 120);
    }

    async fn two_workers_racing_to_claim_one_conversation_one_wins(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &[]).await;
        let workers = [
            app.enrol_worker(&root, &org, "ana", &["es"]).await,
            app.enrol_worker(&root, &org, "ben", &["es"]).await,
            app.enrol_worker(&root, &org, "cai", &["es"]).await,
        ];
        let seeker = seeker_through(&app, &code).await;
        let conversation = open(&app, &seeker, json!({"languages": ["es"]})).await;
        let path = format!("/v1/conversations/{}/claim", conversation["id"].as_str().unwrap());
        let claims = workers.iter().map(|w| app.post(Listener::Public, &path, Some(&w.access_token), json!({})));
        let answers = futures_util::future::join_all(claims).await;
        let winners: Vec<_> = answers.iter().filter(|a| a.status.as_u16() == 200).collect();
        assert_eq!(winners.len(), 1, "exactly one claim wins");
        for loser in answers.iter().filter(|a| a.status.as_u16() != 200) {
            assert_eq!(loser.status.as_u16(), 409);
            assert_eq!(loser.code(), "already_claimed");
        }
        assert_eq!(winners[0].body["state"], "active");
        assert_eq!(winners[0].body["workers"].as_array().unwrap().len(), 1);
        assert_eq!(app.count_rows("conversation_members", None).await, 2);
        // Claimed conversations leave the queue.
        let waiting = app.get(Listener::Public, "/v1/desk/waiting", Some(&workers[0].access_token)).await.expect(200);
        assert_eq!(waiting.body, json!([]));
    }

    async fn a_waiting_conversation_is_pushed_to_the_organisations_workers_only(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let code = entry_point(&app, &root, &org, &[]).await;
        let ours = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ours", &["en"]).await).await.unwrap();
        let theirs = Client::with_session(&app.public, app.enrol_worker(&root, &other, "theirs", &["en"]).await).await.unwrap();
        let mut our_socket = ours.connect().await.unwrap();
        let mut their_socket = theirs.connect().await.unwrap();
        for socket in [&mut our_socket, &mut their_socket] {
            assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
            assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::QueueEmpty));
        }
        let seeker = seeker_through(&app, &code).await;
        let conversation = open(&app, &seeker, json!({"languages": ["en"]})).await;
        let pushed = actix_web::rt::time::timeout(std::time::Duration::from_secs(10), our_socket.next_frame())
            .await
            .expect("the worker is told within 10 s")
            .unwrap();
        assert_eq!(pushed, Some(ServerFrame::ConversationWaiting { conversation_id: conversation["id"].as_str().unwrap().to_string() }));
        let theirs_got = actix_web::rt::time::timeout(std::time::Duration::from_millis(500), their_socket.next_frame()).await;
        assert!(theirs_got.is_err(), "another organisation's worker was told: {theirs_got:?}");
    }

    async fn conversations_open_only_through_an_entry_point_and_close_with_an_outcome(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &["safety"]).await;
        let worker = app.enrol_worker(&root, &org, "wren", &["en"]).await;

        let walk_in = app.sign_up_seeker().await;
        let refused = app.post(Listener::Public, "/v1/conversations", Some(&walk_in.access_token), json!({"languages": ["en"]})).await.expect(422);
        assert_eq!(refused.code(), "entry_point_required");
        // The code may come with the conversation instead of at sign-up.
        let opened = open(&app, &walk_in, json!({"languages": ["en"], "entry_point": code})).await;
        // Opening again returns the same open conversation.
        let again = open(&app, &walk_in, json!({"languages": ["en"], "entry_point": code})).await;
        assert_eq!(opened["id"], again["id"]);
        let bad_topic = app
            .post(Listener::Public, "/v1/conversations", Some(&walk_in.access_token), json!({"languages": ["en"], "entry_point": code, "topic": "housing"}))
            .await
            .expect(422);
        assert_eq!(bad_topic.code(), "invalid_body");
        let worker_refused = app.post(Listener::Public, "/v1/conversations", Some(&worker.access_token), json!({"languages": ["en"]})).await.expect(403);
        assert_eq!(worker_refused.code(), "forbidden");

        let id = opened["id"].as_str().unwrap();
        app.post(Listener::Public, &format!("/v1/conversations/{id}/claim"), Some(&worker.access_token), json!({})).await.expect(200);
        let close = format!("/v1/conversations/{id}/close");
        let invalid = app.post(Listener::Public, &close, Some(&worker.access_token), json!({"outcome": "gossip"})).await.expect(422);
        assert_eq!(invalid.code(), "invalid_body");
        let remaining = app.post(Listener::Public, &close, Some(&worker.access_token), json!({"outcome": "safety_concern"})).await.expect(200);
        assert_eq!(remaining.body, json!([]));
        let seekers_view = app.get(Listener::Public, "/v1/conversations", Some(&walk_in.access_token)).await.expect(200);
        assert_eq!(seekers_view.body, json!([]), "closed conversations are no longer listed");
    }
}

both_backends! {
    async fn statistics_count_conversations_without_singling_anyone_out(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &[]).await;
        let worker = app.enrol_worker(&root, &org, "stat", &["tl", "fr"]).await;
        let mut tagalog = Vec::new();
        for _ in 0..6 {
            let seeker = seeker_through(&app, &code).await;
            tagalog.push(open(&app, &seeker, json!({"languages": ["tl", "en"]})).await["id"].as_str().unwrap().to_string());
        }
        for _ in 0..2 {
            let seeker = seeker_through(&app, &code).await;
            open(&app, &seeker, json!({"languages": ["fr"]})).await;
        }
        app.clock.advance(90);
        for (i, id) in tagalog.iter().enumerate() {
            app.post(Listener::Public, &format!("/v1/conversations/{id}/claim"), Some(&worker.access_token), json!({})).await.expect(200);
            let outcome = if i == 0 { "safety_concern" } else { "information_given" };
            app.post(Listener::Public, &format!("/v1/conversations/{id}/close"), Some(&worker.access_token), json!({"outcome": outcome}))
                .await
                .expect(200);
        }

        let path = format!("/admin/v1/organisations/{org}/statistics");
        let report = app.get(Listener::Admin, &path, Some(&root.session.access_token)).await.expect(200).body;
        let by_language = |language: &str| report.as_array().unwrap().iter().find(|d| d["language"] == language).cloned().unwrap();
        let tl = by_language("tl");
        assert_eq!(tl["opened"], 6);
        assert_eq!(tl["claimed"], 6);
        assert_eq!(tl["closed"]["information_given"], 5);
        assert_eq!(tl["closed"]["safety_concern"], "<5", "one safety concern must not be visible as such");
        assert_eq!(tl["first_claim_median"], "1 to 5 minutes");
        let fr = by_language("fr");
        assert_eq!(fr["opened"], "<5");
        assert_eq!(fr["first_claim_median"], Value::Null);
        // Another organisation's administrator sees nothing of it.
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let other_admin = app.enrol_admin(&root, &other, "other-admin").await;
        app.get(Listener::Admin, &path, Some(&other_admin.session.access_token)).await.expect(403);

        // After the retention period, closed conversations are purged; the counts remain.
        app.clock.advance(31 * 86_400);
        let reaped = quietline_server::reaper::reap(&app.state).await.unwrap();
        assert_eq!(reaped.closed_conversations, 6);
        assert_eq!(app.count_rows("conversations", Some(("state", "closed".to_string()))).await, 0);
        let code = app.totp_code(root.totp_secret.as_deref().unwrap());
        let login = json!({"handle": "root", "passphrase": quietline_tests::PASSPHRASE, "totp": code, "device_name": "laptop"});
        let root_again: SessionGrant = app.post(Listener::Admin, "/admin/v1/sessions", None, login).await.expect(200).json();
        let from = app.clock.now() - 40 * 86_400;
        let later = app.get(Listener::Admin, &format!("{path}?from={from}"), Some(&root_again.access_token)).await.expect(200).body;
        assert_eq!(later, report);
    }
}
