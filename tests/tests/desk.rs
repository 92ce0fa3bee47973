//! The outreach desk: seekers reach an organisation through an entry point; its workers see the
//! waiting conversations (those in their languages first) and claim them, one winning a race.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::SessionGrant;
use quietline_protocol::client::Client;
use quietline_protocol::relay::ServerFrame;
use quietline_server::clock::Clock;
use quietline_tests::delivery::{connected, frame_matching, receive};
use quietline_tests::{AdminLogin, Listener, TestApp, both_backends};
use serde_json::{Value, json};

async fn entry_point(app: &TestApp, root: &AdminLogin, org: &str, topics: &[&str]) -> String {
    let created = app
        .post(
            Listener::Admin,
            &format!("/admin/v1/organisations/{org}/entry-points"),
            Some(root.session.access_token.expose()),
            json!({"label": "door", "default_language": "en", "topics": topics}),
        )
        .await
        .expect(200);
    created.body["code"].as_str().unwrap().to_string()
}

async fn open(app: &TestApp, seeker: &SessionGrant, body: Value) -> Value {
    app.post(
        Listener::Public,
        "/v1/conversations",
        Some(seeker.access_token.expose()),
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
        let first = app.seeker_through(&code).await;
        let french = open(&app, &first, json!({"languages": ["fr-CA"], "region": "CA-QC/Montréal"})).await;
        app.clock.advance(120);
        let second = app.seeker_through(&code).await;
        let tagalog = open(&app, &second, json!({"languages": ["tl"], "topic": "work", "region": "CA-BC/Surrey"})).await;
        assert_eq!(tagalog["state"], "waiting");

        let seen_by_tagalog = app.get(Listener::Public, "/v1/desk/waiting", Some(tagalog_worker.access_token.expose())).await.expect(200).body;
        assert_eq!(seen_by_tagalog[0]["id"], tagalog["id"], "the Tagalog speaker sees the Tagalog conversation first");
        assert_eq!(seen_by_tagalog[0]["speaks_language"], true);
        assert_eq!(seen_by_tagalog[1]["id"], french["id"]);
        let seen_by_french = app.get(Listener::Public, "/v1/desk/waiting", Some(french_worker.access_token.expose())).await.expect(200).body;
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
        let seeker = app.seeker_through(&code).await;
        let conversation = open(&app, &seeker, json!({"languages": ["es"]})).await;
        let path = format!("/v1/conversations/{}/claim", conversation["id"].as_str().unwrap());
        let claims = workers.iter().map(|w| app.post(Listener::Public, &path, Some(w.access_token.expose()), json!({})));
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
        let waiting = app.get(Listener::Public, "/v1/desk/waiting", Some(workers[0].access_token.expose())).await.expect(200);
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
        let seeker = app.seeker_through(&code).await;
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
        let refused = app.post(Listener::Public, "/v1/conversations", Some(walk_in.access_token.expose()), json!({"languages": ["en"]})).await.expect(422);
        assert_eq!(refused.code(), "entry_point_required");
        // The code may come with the conversation instead of at sign-up.
        let opened = open(&app, &walk_in, json!({"languages": ["en"], "entry_point": code})).await;
        // Opening again returns the same open conversation.
        let again = open(&app, &walk_in, json!({"languages": ["en"], "entry_point": code})).await;
        assert_eq!(opened["id"], again["id"]);
        let bad_topic = app
            .post(Listener::Public, "/v1/conversations", Some(walk_in.access_token.expose()), json!({"languages": ["en"], "entry_point": code, "topic": "housing"}))
            .await
            .expect(422);
        assert_eq!(bad_topic.code(), "invalid_body");
        let worker_refused = app.post(Listener::Public, "/v1/conversations", Some(worker.access_token.expose()), json!({"languages": ["en"]})).await.expect(403);
        assert_eq!(worker_refused.code(), "forbidden");

        let id = opened["id"].as_str().unwrap();
        app.post(Listener::Public, &format!("/v1/conversations/{id}/claim"), Some(worker.access_token.expose()), json!({})).await.expect(200);
        let close = format!("/v1/conversations/{id}/close");
        let invalid = app.post(Listener::Public, &close, Some(worker.access_token.expose()), json!({"outcome": "gossip"})).await.expect(422);
        assert_eq!(invalid.code(), "invalid_body");
        let remaining = app.post(Listener::Public, &close, Some(worker.access_token.expose()), json!({"outcome": "safety_concern"})).await.expect(200);
        assert_eq!(remaining.body, json!([]));
        let seekers_view = app.get(Listener::Public, "/v1/conversations", Some(walk_in.access_token.expose())).await.expect(200);
        assert_eq!(seekers_view.body, json!([]), "closed conversations are no longer listed");
    }
}

both_backends! {
    async fn the_time_to_a_first_reply_is_counted_once_per_conversation_and_hidden_below_five(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &[]).await;
        let mut worker = Client::with_session(&app.public, app.enrol_worker(&root, &org, "first", &["tl", "fr"]).await).await.unwrap();
        let mut seekers = Vec::new();
        for language in ["tl", "tl", "tl", "tl", "tl", "fr", "fr", "fr", "fr"] {
            let mut seeker = Client::sign_up_seeker_through(&app.public, Some(&code)).await.unwrap();
            let opened = seeker.open_conversation(&quietline_protocol::api::OpenConversation {
                languages: vec![language.into()], entry_point: None, region: None, topic: None, callback: false,
            }).await.unwrap();
            app.post(Listener::Public, &format!("/v1/conversations/{}/claim", opened.id), Some(worker.session.access_token.expose()), json!({})).await.expect(200);
            // A seeker's own message is no reply.
            seeker.send_text(worker.account_id(), b"hello?").await.unwrap();
            seekers.push(seeker);
        }
        app.clock.advance(3 * 60);
        worker.refresh().await.unwrap();
        for seeker in &seekers {
            worker.send_text(seeker.account_id(), b"I am here.").await.unwrap();
        }
        // Later messages change nothing: only the first reply counts.
        app.clock.advance(2 * 3_600);
        worker.refresh().await.unwrap();
        for seeker in &seekers {
            worker.send_text(seeker.account_id(), b"Still here.").await.unwrap();
        }

        let path = format!("/admin/v1/organisations/{org}/statistics");
        let fresh: SessionGrant = app
            .post(Listener::Admin, "/admin/v1/sessions/refresh", None, json!({"refresh_token": root.session.refresh_token}))
            .await
            .expect(200)
            .json();
        let report = app.get(Listener::Admin, &path, Some(fresh.access_token.expose())).await.expect(200).body;
        let by_language = |language: &str| report.as_array().unwrap().iter().find(|d| d["language"] == language).cloned().unwrap();
        let tl = by_language("tl");
        assert_eq!((tl["first_reply_median"].clone(), tl["first_reply_p90"].clone()), (json!("1 to 5 minutes"), json!("1 to 5 minutes")));
        assert_eq!(by_language("fr")["first_reply_median"], Value::Null, "four replies single people out");
    }

    async fn statistics_count_conversations_without_singling_anyone_out(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &[]).await;
        let worker = app.enrol_worker(&root, &org, "stat", &["tl", "fr"]).await;
        let mut tagalog = Vec::new();
        for _ in 0..6 {
            let seeker = app.seeker_through(&code).await;
            tagalog.push(open(&app, &seeker, json!({"languages": ["tl", "en"]})).await["id"].as_str().unwrap().to_string());
        }
        for _ in 0..2 {
            let seeker = app.seeker_through(&code).await;
            open(&app, &seeker, json!({"languages": ["fr"]})).await;
        }
        app.clock.advance(90);
        for (i, id) in tagalog.iter().enumerate() {
            app.post(Listener::Public, &format!("/v1/conversations/{id}/claim"), Some(worker.access_token.expose()), json!({})).await.expect(200);
            let outcome = if i == 0 { "safety_concern" } else { "information_given" };
            app.post(Listener::Public, &format!("/v1/conversations/{id}/close"), Some(worker.access_token.expose()), json!({"outcome": outcome}))
                .await
                .expect(200);
        }

        let path = format!("/admin/v1/organisations/{org}/statistics");
        let report = app.get(Listener::Admin, &path, Some(root.session.access_token.expose())).await.expect(200).body;
        let by_language = |language: &str| report.as_array().unwrap().iter().find(|d| d["language"] == language).cloned().unwrap();
        let tl = by_language("tl");
        assert_eq!(tl["opened"], 6);
        assert_eq!(tl["claimed"], 6);
        assert_eq!(tl["closed"]["information_given"], 5);
        assert_eq!(tl["closed"]["safety_concern"], "<5", "one safety concern must not be visible as such");
        assert_eq!(tl["first_claim_median"], "1 to 5 minutes");
        // None is none: only counts from 1 to 4 are hidden.
        assert_eq!(tl["closed"]["referred"], 0);
        let fr = by_language("fr");
        assert_eq!(fr["opened"], "<5");
        assert_eq!(fr["claimed"], 0);
        assert_eq!(fr["first_claim_median"], Value::Null);
        // Another organisation's administrator sees nothing of it.
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let other_admin = app.enrol_admin(&root, &other, "other-admin").await;
        app.get(Listener::Admin, &path, Some(other_admin.session.access_token.expose())).await.expect(403);

        // Totals per week and month add the days up before hiding small counts.
        let first_day = app.clock.now().div_euclid(86_400);
        app.clock.advance(86_400);
        let fresh: SessionGrant = app
            .post(Listener::Admin, "/admin/v1/sessions/refresh", None, json!({"refresh_token": root.session.refresh_token}))
            .await
            .expect(200)
            .json();
        for _ in 0..4 {
            let seeker = app.seeker_through(&code).await;
            open(&app, &seeker, json!({"languages": ["tl"]})).await;
        }
        let opened_tl = |report: &Value| -> Vec<Value> {
            report.as_array().unwrap().iter().filter(|d| d["language"] == "tl").map(|d| d["opened"].clone()).collect()
        };
        let daily = app.get(Listener::Admin, &path, Some(fresh.access_token.expose())).await.expect(200).body;
        assert_eq!(opened_tl(&daily), vec![json!(6), json!("<5")]);
        let weekly = app.get(Listener::Admin, &format!("{path}?period=week"), Some(fresh.access_token.expose())).await.expect(200).body;
        // Day 0 was a Thursday: a week runs Monday (0) to Sunday (6).
        let same_week = (first_day + 3).rem_euclid(7) < 6;
        let expected = if same_week { vec![json!(10)] } else { vec![json!(6), json!("<5")] };
        assert_eq!(opened_tl(&weekly), expected);
        let monthly = app.get(Listener::Admin, &format!("{path}?period=month"), Some(fresh.access_token.expose())).await.expect(200).body;
        let months = opened_tl(&monthly);
        assert!(months == vec![json!(10)] || months == vec![json!(6), json!("<5")], "{months:?}");
        let report = daily;

        // After the retention period, closed conversations are purged; the counts remain.
        app.clock.advance(31 * 86_400);
        let reaped = quietline_server::reaper::reap(&app.state).await.unwrap();
        assert_eq!(reaped.closed_conversations, 6);
        assert_eq!(app.count_rows("conversations", Some(("state", "closed".to_string()))).await, 0);
        let code = app.totp_code(root.totp_secret.as_deref().unwrap());
        let login = json!({"handle": "root", "passphrase": quietline_tests::PASSPHRASE, "totp": code, "device_name": "laptop"});
        let root_again: SessionGrant = app.post(Listener::Admin, "/admin/v1/sessions", None, login).await.expect(200).json();
        let from = app.clock.now() - 40 * 86_400;
        let later = app.get(Listener::Admin, &format!("{path}?from={from}"), Some(root_again.access_token.expose())).await.expect(200).body;
        assert_eq!(later, report);
    }
}

/// An organisation's (opened, claimed, closed as referred) counters, summed over days.
async fn counters(app: &TestApp, organisation_id: &str) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use quietline_server::db::schema::conversation_statistics as s;
    let organisation_id = organisation_id.to_string();
    app.state
        .db
        .read(move |conn| {
            let rows: Vec<(i64, i64, i64)> = quietline_server::on_backend!(conn, |c| s::table
                .filter(s::organisation_id.eq(&organisation_id))
                .select((s::opened, s::claimed, s::closed_referred))
                .load(c))?;
            Ok::<_, quietline_server::db::DbError>(
                rows.into_iter()
                    .fold((0, 0, 0), |a, r| (a.0 + r.0, a.1 + r.1, a.2 + r.2)),
            )
        })
        .await
        .unwrap()
}

fn refused_status(
    result: Result<impl std::fmt::Debug, quietline_protocol::client::ClientError>,
) -> u16 {
    match result {
        Err(quietline_protocol::client::ClientError::Http { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn set_available(app: &TestApp, worker: &str, body: Value) -> Value {
    app.call(
        "PUT",
        Listener::Public,
        "/v1/desk/availability",
        Some(worker),
        Some(&body),
    )
    .await
    .expect(200)
    .body
}

both_backends! {
    async fn availability_and_limits_decide_who_takes_conversations_and_seekers_learn_only_yes_or_no(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = entry_point(&app, &root, &org, &[]).await;
        let tala = app.enrol_worker(&root, &org, "tala", &["tl", "en"]).await;
        let fleur = app.enrol_worker(&root, &org, "fleur", &["fr"]).await;
        let seeker = app.seeker_through(&code).await;
        let outlook = |languages: Value| {
            let token = seeker.access_token.expose().to_string();
            let app = &app;
            async move {
                app.post(Listener::Public, "/v1/desk/outlook", Some(&token), json!({"languages": languages})).await.expect(200).body
            }
        };

        // Workers start away.
        let mine = app.get(Listener::Public, "/v1/desk/availability", Some(tala.access_token.expose())).await.expect(200).body;
        assert_eq!(mine, json!({"available": false, "max_active": null, "active": 0}));
        assert_eq!(outlook(json!(["tl"])).await, json!({"available_now": false, "expected_wait_seconds": null}));
        set_available(&app, fleur.access_token.expose(), json!({"available": true})).await;
        assert_eq!(outlook(json!(["tl"])).await["available_now"], false, "fleur reads no Tagalog");
        assert_eq!(outlook(json!(["fr-CA"])).await["available_now"], true);
        let bad = app.call("PUT", Listener::Public, "/v1/desk/availability", Some(tala.access_token.expose()), Some(&json!({"available": true, "max_active": 0}))).await.expect(422);
        assert_eq!(bad.code(), "invalid_body");
        let set = set_available(&app, tala.access_token.expose(), json!({"available": true, "max_active": 1})).await;
        assert_eq!(set, json!({"available": true, "max_active": 1, "active": 0}));
        let answer = outlook(json!(["tl"])).await;
        assert_eq!(answer["available_now"], true);
        let text = answer.to_string();
        assert!(!text.contains(&tala.account_id.0) && !text.contains("tala"), "the answer names nobody: {text}");

        // At the limit: no more claims, and nobody with room reads Tagalog.
        let first = open(&app, &seeker, json!({"languages": ["tl"]})).await;
        app.post(Listener::Public, &format!("/v1/conversations/{}/claim", first["id"].as_str().unwrap()), Some(tala.access_token.expose()), json!({})).await.expect(200);
        let other = app.seeker_through(&code).await;
        let second = open(&app, &other, json!({"languages": ["tl"]})).await;
        let refused = app.post(Listener::Public, &format!("/v1/conversations/{}/claim", second["id"].as_str().unwrap()), Some(tala.access_token.expose()), json!({})).await.expect(409);
        assert_eq!(refused.code(), "capacity_reached");
        assert_eq!(outlook(json!(["tl"])).await["available_now"], false);
        let mine = app.get(Listener::Public, "/v1/desk/availability", Some(tala.access_token.expose())).await.expect(200).body;
        assert_eq!(mine["active"], 1);

        // The typical wait comes from recent first claims in the seeker's language.
        let many = app.enrol_worker(&root, &org, "many", &["tl"]).await;
        app.clock.advance(60);
        app.post(Listener::Public, &format!("/v1/conversations/{}/claim", second["id"].as_str().unwrap()), Some(many.access_token.expose()), json!({})).await.expect(200);
        for _ in 0..2 {
            let seeker = app.seeker_through(&code).await;
            let waiting = open(&app, &seeker, json!({"languages": ["tl"]})).await;
            app.clock.advance(240);
            app.post(Listener::Public, &format!("/v1/conversations/{}/claim", waiting["id"].as_str().unwrap()), Some(many.access_token.expose()), json!({})).await.expect(200);
        }
        // Waits: 0 (the first, claimed at once), 60 and 240 (x2): the median is 240 s.
        assert_eq!(outlook(json!(["tl"])).await["expected_wait_seconds"], 240);
        // Workers may not ask as seekers; seekers may not set availability.
        app.post(Listener::Public, "/v1/desk/outlook", Some(tala.access_token.expose()), json!({"languages": ["tl"]})).await.expect(403);
        app.call("PUT", Listener::Public, "/v1/desk/availability", Some(seeker.access_token.expose()), Some(&json!({"available": true}))).await.expect(403);
    }

    async fn a_worker_who_leaves_hands_their_conversations_back_to_the_queue(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let stays = app.enrol_worker(&root, &org, "stays", &["tl"]).await;
        for (leaving_handle, by_admin) in [("removed", true), ("resigns", false)] {
            let leaving = Client::with_session(&app.public, app.enrol_worker(&root, &org, leaving_handle, &["tl"]).await).await.unwrap();
            let seeker = app.seeker_in_conversation_with(&root, &org, &leaving).await;
            let conversation = seeker.conversations().await.unwrap().remove(0);
            let mut socket = connected(&seeker).await;
            if by_admin {
                let path = format!("/admin/v1/organisations/{org}/members/{}", leaving.account_id());
                app.call("DELETE", Listener::Admin, &path, Some(root.session.access_token.expose()), None).await.expect(204);
            } else {
                app.call("DELETE", Listener::Public, "/v1/account", Some(leaving.session.access_token.expose()), None).await.expect(204);
            }
            // The seeker is told nobody answers now, as after a transfer back to the queue.
            let workers = frame_matching(&mut socket, |frame| match frame {
                ServerFrame::WorkersChanged { conversation_id, workers, .. } if conversation_id == conversation.id => Some(workers),
                _ => None,
            })
            .await;
            assert!(workers.is_empty(), "{leaving_handle}: {workers:?}");
            let now = seeker.conversations().await.unwrap().remove(0);
            assert_eq!(now.state, quietline_protocol::api::ConversationState::Waiting, "{leaving_handle}");
            assert!(now.workers.is_empty());
            // A colleague finds it in the queue and can take it.
            let queue = app.get(Listener::Public, "/v1/desk/waiting", Some(stays.access_token.expose())).await.expect(200).body;
            assert!(queue.as_array().unwrap().iter().any(|w| w["id"] == conversation.id.as_str()), "{leaving_handle}: {queue}");
            app.post(Listener::Public, &format!("/v1/conversations/{}/claim", conversation.id), Some(stays.access_token.expose()), json!({})).await.expect(200);
        }
    }

    async fn a_transfer_hands_the_conversation_over_and_the_seeker_writes_to_the_new_worker(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let mut ana = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ana", &["tl"]).await).await.unwrap();
        let mut ben = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ben", &["tl"]).await).await.unwrap();
        let away = app.enrol_worker(&root, &org, "away", &["tl"]).await;
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &ana).await;
        let conversation = seeker.conversations().await.unwrap().remove(0);
        assert_eq!(conversation.workers, vec![quietline_protocol::AccountId(ana.account_id().to_string())]);
        seeker.send_text(ana.account_id(), b"kumusta").await.unwrap();
        assert_eq!(receive(&mut ana).await.1, "kumusta");
        let mut socket = connected(&seeker).await;

        let transfer = format!("/v1/conversations/{}/transfer", conversation.id);
        let to_away = app.post(Listener::Public, &transfer, Some(ana.session.access_token.expose()), json!({"worker": away.account_id.0})).await.expect(409);
        assert_eq!(to_away.code(), "worker_unavailable");
        set_available(&app, ben.session.access_token.expose(), json!({"available": true})).await;
        let by_outsider = app.post(Listener::Public, &transfer, Some(ben.session.access_token.expose()), json!({"worker": ben.account_id()})).await.expect(403);
        assert_eq!(by_outsider.code(), "forbidden");
        let moved = app.post(Listener::Public, &transfer, Some(ana.session.access_token.expose()), json!({"worker": ben.account_id()})).await.expect(200).body;
        assert_eq!(moved["workers"], json!([ben.account_id()]));
        assert_eq!(moved["state"], "active");

        let workers = frame_matching(&mut socket, |frame| match frame {
            ServerFrame::WorkersChanged { conversation_id, workers, .. } if conversation_id == conversation.id => Some(workers),
            _ => None,
        })
        .await;
        assert_eq!(workers, vec![ben.account_id().to_string()]);
        // The seeker's client builds a session with the new worker's devices; nothing of the past
        // is re-shared, and the previous worker is out of reach both ways.
        seeker.send_text(ben.account_id(), b"salamat").await.unwrap();
        assert_eq!(receive(&mut ben).await, (seeker.account_id().to_string(), "salamat".to_string()));
        assert_eq!(refused_status(seeker.send_text(ana.account_id(), b"still there?").await), 403);
        assert_eq!(refused_status(ana.send_text(seeker.account_id(), b"hello?").await), 403);

        // Back to the queue: waiting again, no workers, the organisation's workers see it.
        let queued = app.post(Listener::Public, &transfer, Some(ben.session.access_token.expose()), json!({})).await.expect(200).body;
        assert_eq!(queued["state"], "waiting");
        assert_eq!(queued["workers"], json!([]));
        let workers = frame_matching(&mut socket, |frame| match frame {
            ServerFrame::WorkersChanged { workers, .. } => Some(workers),
            _ => None,
        })
        .await;
        assert!(workers.is_empty());
        let waiting = app.get(Listener::Public, "/v1/desk/waiting", Some(ana.session.access_token.expose())).await.expect(200).body;
        assert_eq!(waiting[0]["id"], conversation.id.as_str());
        app.post(Listener::Public, &format!("/v1/conversations/{}/claim", conversation.id), Some(ana.session.access_token.expose()), json!({})).await.expect(200);
        let again = app.post(Listener::Public, &transfer, Some(ben.session.access_token.expose()), json!({})).await.expect(403);
        assert_eq!(again.code(), "forbidden", "ben is no longer in the conversation");
    }

    async fn a_referral_moves_the_conversation_only_when_the_seeker_accepts(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let partner = app.create_organisation(&root, "Partner Place").await.id.0;
        let stranger = app.create_organisation(&root, "Stranger Centre").await.id.0;
        let partners = |org: &str| format!("/admin/v1/organisations/{org}/partners");
        let token = root.session.access_token.expose().to_string();
        let declared = app.call("PUT", Listener::Admin, &partners(&org), Some(&token), Some(&json!({"partners": [partner, stranger]}))).await.expect(200).body;
        assert_eq!(declared.as_array().unwrap().iter().map(|p| p["mutual"].clone()).collect::<Vec<_>>(), vec![json!(false), json!(false)]);
        app.call("PUT", Listener::Admin, &partners(&partner), Some(&token), Some(&json!({"partners": [org]}))).await.expect(200);
        let itself = app.call("PUT", Listener::Admin, &partners(&org), Some(&token), Some(&json!({"partners": [org]}))).await.expect(422);
        assert_eq!(itself.code(), "invalid_body");
        let listed = app.get(Listener::Admin, &partners(&org), Some(&token)).await.expect(200).body;
        assert_eq!(listed, json!([
            {"organisation_id": partner, "name": "Partner Place", "mutual": true},
            {"organisation_id": stranger, "name": "Stranger Centre", "mutual": false},
        ]));

        let mut worker = Client::with_session(&app.public, app.enrol_worker(&root, &org, "wren", &["tl"]).await).await.unwrap();
        let offered_to = app.get(Listener::Public, "/v1/desk/partners", Some(worker.session.access_token.expose())).await.expect(200).body;
        assert_eq!(offered_to, json!([{"organisation_id": partner, "name": "Partner Place", "mutual": true}]), "only partners both ways");
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;
        let id = seeker.conversations().await.unwrap().remove(0).id;
        let refer = format!("/v1/conversations/{id}/referral");
        let not_partner = app.post(Listener::Public, &refer, Some(worker.session.access_token.expose()), json!({"organisation_id": stranger})).await.expect(422);
        assert_eq!(not_partner.code(), "not_a_partner");
        let mut seeker_socket = connected(&seeker).await;
        let mut worker_socket = connected(&worker).await;

        // Declined: nothing moves.
        let offer = app.post(Listener::Public, &refer, Some(worker.session.access_token.expose()), json!({"organisation_id": partner})).await.expect(200).body;
        assert_eq!(offer["referral"]["name"], "Partner Place");
        assert_eq!(offer["organisation_id"], org.as_str(), "an offer moves nothing");
        let (name, offered) = frame_matching(&mut seeker_socket, |frame| match frame {
            ServerFrame::ReferralOffered { organisation_name, organisation_id, .. } => Some((organisation_name, organisation_id)),
            _ => None,
        })
        .await;
        assert_eq!((name.as_str(), offered.as_str()), ("Partner Place", partner.as_str()));
        assert_eq!(seeker.conversations().await.unwrap()[0].referral.as_ref().unwrap().name, "Partner Place");
        let by_worker = app.post(Listener::Public, &format!("{refer}/accept"), Some(worker.session.access_token.expose()), json!({})).await.expect(403);
        assert_eq!(by_worker.code(), "forbidden", "only the seeker consents");
        let kept = seeker.answer_referral(&id, false).await.unwrap();
        assert_eq!(kept.organisation_id.0, org);
        assert_eq!(kept.workers.len(), 1);
        assert!(kept.referral.is_none());
        let accepted = frame_matching(&mut worker_socket, |frame| match frame {
            ServerFrame::ReferralAnswered { accepted, .. } => Some(accepted),
            _ => None,
        })
        .await;
        assert!(!accepted);
        seeker.send_text(worker.account_id(), b"I will stay").await.unwrap();
        assert_eq!(receive(&mut worker).await.1, "I will stay");
        assert_eq!(refused_status(seeker.answer_referral(&id, true).await), 409, "no referral is pending any more");

        // Accepted: the conversation leaves this organisation for the partner's queue.
        app.post(Listener::Public, &refer, Some(worker.session.access_token.expose()), json!({"organisation_id": partner})).await.expect(200);
        let moved = seeker.answer_referral(&id, true).await.unwrap();
        assert_eq!(moved.organisation_id.0, partner);
        assert!(moved.workers.is_empty());
        assert_eq!(moved.state, quietline_protocol::api::ConversationState::Waiting);
        let accepted = frame_matching(&mut worker_socket, |frame| match frame {
            ServerFrame::ReferralAnswered { accepted, .. } => Some(accepted),
            _ => None,
        })
        .await;
        assert!(accepted);
        assert_eq!(refused_status(worker.send_text(seeker.account_id(), b"still here").await), 403);
        let ours = app.get(Listener::Public, "/v1/desk/waiting", Some(worker.session.access_token.expose())).await.expect(200).body;
        assert_eq!(ours, json!([]));
        let mut theirs = Client::with_session(&app.public, app.enrol_worker(&root, &partner, "pat", &["tl"]).await).await.unwrap();
        let waiting = app.get(Listener::Public, "/v1/desk/waiting", Some(theirs.session.access_token.expose())).await.expect(200).body;
        assert_eq!(waiting[0]["id"], id.as_str());
        app.post(Listener::Public, &format!("/v1/conversations/{id}/claim"), Some(theirs.session.access_token.expose()), json!({})).await.expect(200);
        seeker.send_text(theirs.account_id(), b"hello from the referral").await.unwrap();
        assert_eq!(receive(&mut theirs).await.1, "hello from the referral");
        // Counted as referred at the first organisation, opened and claimed at the partner.
        assert_eq!(counters(&app, &org).await, (1, 1, 1));
        assert_eq!(counters(&app, &partner).await, (1, 1, 0));
    }

    async fn canned_replies_are_versioned_deleted_softly_and_served_to_workers(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let admin = app.enrol_admin(&root, &org, "editor").await;
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let other_admin = app.enrol_admin(&root, &other, "other-editor").await;
        let worker = app.enrol_worker(&root, &org, "wren", &["tl"]).await;
        let token = admin.session.access_token.expose().to_string();
        let base = format!("/admin/v1/organisations/{org}/canned-replies");

        let bad = app.post(Listener::Admin, &base, Some(&token), json!({"language": "tl", "title": "Greeting", "body": "Hello {Name"})).await.expect(422);
        assert_eq!(bad.code(), "invalid_body");
        let created = app
            .post(Listener::Admin, &base, Some(&token), json!({"language": "tl", "title": "Pagbati", "body": "Kumusta, ako si {worker_name}. Ligtas ka ba ngayon?"}))
            .await
            .expect(200)
            .body;
        assert_eq!(created["version"], 1);
        assert_eq!(created["placeholders"], json!(["worker_name"]));
        app.post(Listener::Admin, &base, Some(&token), json!({"language": "fr", "title": "Bonjour", "body": "Bonjour, je m'appelle {worker_name}."})).await.expect(200);
        let id = created["id"].as_str().unwrap();

        let served = app.get(Listener::Public, "/v1/desk/canned-replies?language=tl", Some(worker.access_token.expose())).await.expect(200).body;
        assert_eq!(served.as_array().unwrap().len(), 1);
        let body = served[0]["body"].as_str().unwrap();
        let filled = quietline_protocol::api::fill_placeholders(body, &std::collections::HashMap::from([("worker_name", "Tala")])).unwrap();
        assert_eq!(filled, "Kumusta, ako si Tala. Ligtas ka ba ngayon?");
        assert_eq!(app.get(Listener::Public, "/v1/desk/canned-replies", Some(worker.access_token.expose())).await.expect(200).body.as_array().unwrap().len(), 2);

        let edit = json!({"version": 1, "language": "tl", "title": "Pagbati", "body": "Kumusta! Ako si {worker_name}."});
        let edited = app.call("PUT", Listener::Admin, &format!("{base}/{id}"), Some(&token), Some(&edit)).await.expect(200).body;
        assert_eq!(edited["version"], 2);
        let stale = app.call("PUT", Listener::Admin, &format!("{base}/{id}"), Some(&token), Some(&edit)).await.expect(409);
        assert_eq!(stale.code(), "version_conflict", "an edit of an old version does not overwrite a newer one");
        app.call("DELETE", Listener::Admin, &format!("{base}/{id}"), Some(&token), None).await.expect(204);
        let served = app.get(Listener::Public, "/v1/desk/canned-replies?language=tl", Some(worker.access_token.expose())).await.expect(200).body;
        assert_eq!(served, json!([]));
        let live = app.get(Listener::Admin, &base, Some(&token)).await.expect(200).body;
        assert_eq!(live.as_array().unwrap().len(), 1);
        let all = app.get(Listener::Admin, &format!("{base}?include_deleted=true"), Some(&token)).await.expect(200).body;
        let deleted = all.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
        assert_eq!((deleted["deleted"].clone(), deleted["version"].clone()), (json!(true), json!(3)));
        let versions = app.get(Listener::Admin, &format!("{base}/{id}/versions"), Some(&token)).await.expect(200).body;
        let versions = versions.as_array().unwrap();
        assert_eq!(versions.len(), 3);
        assert_eq!(versions[0]["body"], "Kumusta, ako si {worker_name}. Ligtas ka ba ngayon?");
        assert_eq!(versions[1]["body"], "Kumusta! Ako si {worker_name}.");
        assert_eq!(versions[2]["deleted"], true);
        assert!(versions.iter().all(|v| v["edited_by"] == admin.session.account_id.0.as_str()));
        app.get(Listener::Admin, &format!("{base}/{id}/versions"), Some(other_admin.session.access_token.expose())).await.expect(403);
        let through_own = format!("/admin/v1/organisations/{other}/canned-replies/{id}/versions");
        app.get(Listener::Admin, &through_own, Some(other_admin.session.access_token.expose())).await.expect(404);
    }
}

/// A closed conversation can be reopened by the seeker within the retention period, not after.
async fn reopening(backend: quietline_tests::Backend) {
    // The reaper runs once at start, then not during the test; access tokens outlast the jumps.
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.reaper_interval = 3_600;
        config.access_token_ttl = 90 * 86_400;
        config.refresh_token_ttl = 90 * 86_400;
    })
    .await
    else {
        return;
    };
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let code = entry_point(&app, &root, &org, &[]).await;
    let worker = app.enrol_worker(&root, &org, "wren", &["en"]).await;
    let seeker = app.seeker_through(&code).await;
    let id = open(&app, &seeker, json!({"languages": ["en"]})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reopen = format!("/v1/conversations/{id}/reopen");
    let not_closed = app
        .post(
            Listener::Public,
            &reopen,
            Some(seeker.access_token.expose()),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(not_closed.code(), "invalid_state");
    app.post(
        Listener::Public,
        &format!("/v1/conversations/{id}/claim"),
        Some(worker.access_token.expose()),
        json!({}),
    )
    .await
    .expect(200);
    let close = format!("/v1/conversations/{id}/close");
    app.post(
        Listener::Public,
        &close,
        Some(worker.access_token.expose()),
        json!({"outcome": "no_response"}),
    )
    .await
    .expect(200);
    app.post(
        Listener::Public,
        &reopen,
        Some(worker.access_token.expose()),
        json!({}),
    )
    .await
    .expect(403);
    app.clock.advance(29 * 86_400);
    let reopened = app
        .post(
            Listener::Public,
            &reopen,
            Some(seeker.access_token.expose()),
            json!({}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(reopened["state"], "waiting");
    assert_eq!(reopened["workers"], json!([]));
    let waiting = app
        .get(
            Listener::Public,
            "/v1/desk/waiting",
            Some(worker.access_token.expose()),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(waiting[0]["id"], id.as_str());
    app.post(
        Listener::Public,
        &format!("/v1/conversations/{id}/claim"),
        Some(worker.access_token.expose()),
        json!({}),
    )
    .await
    .expect(200);
    app.post(
        Listener::Public,
        &close,
        Some(seeker.access_token.expose()),
        json!({}),
    )
    .await
    .expect(200);
    app.clock.advance(30 * 86_400);
    let too_late = app
        .post(
            Listener::Public,
            &reopen,
            Some(seeker.access_token.expose()),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(too_late.code(), "reopen_window_passed");
}

#[actix_web::test]
async fn a_closed_conversation_can_be_reopened_within_the_retention_period_sqlite() {
    reopening(quietline_tests::Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_closed_conversation_can_be_reopened_within_the_retention_period_postgres() {
    reopening(quietline_tests::Backend::Postgres).await;
}
