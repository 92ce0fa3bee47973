//! Continuity of care: a seeker who loses their phone comes back on a new one by their recovery
//! phrase, to the same conversation and the same worker.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::client::{Client, ClientError, recovery_request};
use quietline_protocol::relay::ServerFrame;
use quietline_tests::delivery::{connected, frame_matching, receive};
use quietline_tests::{Listener, TestApp, both_backends, both_backends_with};
use serde_json::{Value, json};

/// Tries per hour and client address that the test allows.
const ADDRESS_TRIES: u32 = 9;

/// A recovery attempt as raw JSON: status, error code, body size, `Retry-After`.
async fn attempt(app: &TestApp, lookup: &str, key: &str) -> (u16, String, usize, Option<String>) {
    let answer = app
        .post(
            Listener::Public,
            "/v1/recovery",
            None,
            json!({"lookup": lookup, "key": key}),
        )
        .await;
    let retry = answer
        .headers
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (
        answer.status.as_u16(),
        answer.code().to_string(),
        answer.raw.len(),
        retry,
    )
}

/// 32 random bytes, base64url: a lookup or key nobody registered.
fn random_part() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

both_backends_with! {
    |config| config.recovery_rate_limit = ADDRESS_TRIES;
    async fn a_seeker_comes_back_from_a_new_phone_to_the_same_conversation_and_worker(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let mut ana = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ana", &["tl"]).await).await.unwrap();
        let old_phone = app.seeker_in_conversation_with(&root, &org, &ana).await;
        let seeker_id = old_phone.account_id().to_string();
        let conversation = old_phone.conversations().await.unwrap().remove(0);
        let mut old_phone = old_phone;
        old_phone.send_text(ana.account_id(), b"kumusta").await.unwrap();
        assert_eq!(receive(&mut ana).await.1, "kumusta");

        // Workers cannot have one; a seeker's is made on the device and shown once.
        let by_worker = app.call("PUT", Listener::Public, "/v1/recovery", Some(ana.session.access_token.expose()), Some(&json!({"lookup": random_part(), "key": random_part()}))).await;
        assert_eq!((by_worker.status.as_u16(), by_worker.code()), (403, "forbidden"));
        let phrase = old_phone.set_up_recovery().await.unwrap();
        let words: Vec<&str> = phrase.expose().split(' ').collect();
        assert_eq!(words.len(), 12);
        let right = recovery_request(phrase.expose()).unwrap();

        // Unknown, wrong and locked answer alike. Five wrong keys lock the account for an hour,
        // even for the right phrase.
        let unknown = attempt(&app, &random_part(), &random_part()).await;
        assert_eq!((unknown.0, unknown.1.as_str()), (401, "invalid_credentials"));
        for _ in 0..5 {
            assert_eq!(attempt(&app, right.lookup.expose(), &random_part()).await, unknown, "a wrong key answers as an unknown phrase");
        }
        assert_eq!(attempt(&app, right.lookup.expose(), right.key.expose()).await, unknown, "a locked account answers as an unknown phrase");
        // Words off the list, or whose checksum does not add up, are refused before sending.
        assert!(matches!(Client::recover(&app.public, "abandon ability able about above absent absorb abstract absurd abuse access accident").await, Err(ClientError::Transport(_))));
        assert!(matches!(Client::recover(&app.public, &phrase.expose().replacen(words[0], "quietline", 1)).await, Err(ClientError::Transport(_))));
        app.clock.advance(3_601);
        ana.refresh().await.unwrap();

        // A new phone, the old one lost.
        let mut socket = connected(&ana).await;
        let mut new_phone = Client::recover(&app.public, &phrase.expose().to_uppercase()).await.unwrap();
        assert_eq!(new_phone.account_id(), seeker_id);
        let changed = frame_matching(&mut socket, |frame| match frame {
            ServerFrame::IdentityChanged { account_id } => Some(account_id),
            _ => None,
        })
        .await;
        assert_eq!(changed, seeker_id, "the worker is told the seeker's safety number changed");
        app.get(Listener::Public, "/v1/account", Some(old_phone.session.access_token.expose())).await.expect(401);
        let devices = app.get(Listener::Public, "/v1/devices", Some(new_phone.session.access_token.expose())).await.expect(200).body;
        assert_eq!(devices.as_array().map(Vec::len), Some(1), "the old devices are removed: {devices}");

        // Same conversation, same lead worker.
        let kept = new_phone.conversations().await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].id, conversation.id);
        assert_eq!(kept[0].workers, conversation.workers);
        assert_eq!(format!("{:?}", kept[0].state), "Active");

        // The worker's client does not trust the new identity silently; once accepted, messages
        // flow both ways again.
        ana.peer_identity_changed(&seeker_id);
        assert!(matches!(ana.send_text(&seeker_id, b"are you safe?").await, Err(ClientError::IdentityChanged { .. })));
        ana.accept_new_identity(&seeker_id).await.unwrap();
        ana.send_text(&seeker_id, b"are you safe?").await.unwrap();
        assert_eq!(receive(&mut new_phone).await, (ana.account_id().to_string(), "are you safe?".to_string()));
        new_phone.send_text(ana.account_id(), b"yes, new phone").await.unwrap();
        assert_eq!(receive(&mut ana).await.1, "yes, new phone");

        // The server holds neither the phrase nor what it derives, only their hashes.
        let dump = app.storage_dump();
        for secret in [right.lookup.expose(), right.key.expose()] {
            assert!(!dump.windows(secret.len()).any(|w| w == secret.as_bytes()), "a derived value is stored as it is");
        }
        let phrase_start = words[..3].join(" ");
        assert!(!dump.windows(phrase_start.len()).any(|w| w == phrase_start.as_bytes()), "the phrase is stored");
        assert_eq!(app.count_rows("seeker_recovery", None).await, 1);

        // Each try counts against the address: the right phrase above was the first of this hour.
        for _ in 1..ADDRESS_TRIES {
            assert_eq!(attempt(&app, &random_part(), &random_part()).await.0, 401);
        }
        let limited = attempt(&app, &random_part(), &random_part()).await;
        assert_eq!((limited.0, limited.1.as_str()), (429, "rate_limited"));
        assert!(limited.3.is_some_and(|seconds| seconds.parse::<u64>().is_ok_and(|s| s > 0)));
        app.clock.advance(3_601);
        new_phone.refresh().await.unwrap();

        // A quick exit wipes the recovery with everything else.
        new_phone.quick_exit(None).await.unwrap();
        app.state.quick_exits.settled().await;
        let gone = attempt(&app, right.lookup.expose(), right.key.expose()).await;
        assert_eq!((gone.0, gone.1.as_str()), (401, "invalid_credentials"));
        assert_eq!(app.count_rows("seeker_recovery", None).await, 0);
    }
}

/// A worker of the organisation, on the reference client.
async fn worker(
    app: &TestApp,
    root: &quietline_tests::AdminLogin,
    org: &str,
    handle: &str,
) -> Client {
    Client::with_session(
        &app.public,
        app.enrol_worker(root, org, handle, &["tl"]).await,
    )
    .await
    .unwrap()
}

fn ids(workers: &Value) -> Vec<String> {
    workers
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

both_backends! {
    async fn a_lead_worker_is_joined_by_supporting_workers_who_all_read_the_seeker(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let ana = worker(&app, &root, &org, "ana").await;
        let mut ben = worker(&app, &root, &org, "ben").await;
        let cy = worker(&app, &root, &org, "cyd").await;
        let dee = worker(&app, &root, &org, "dee").await;
        let eve = worker(&app, &root, &org, "eve").await;
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &ana).await;
        let id = seeker.conversations().await.unwrap().remove(0).id;
        let supporters = format!("/v1/conversations/{id}/supporters");
        let token = |client: &Client| client.session.access_token.expose().to_string();
        let mut seeker_socket = connected(&seeker).await;

        // Only the lead chooses supporters, among the organisation's workers.
        let by_outsider = app.post(Listener::Public, &supporters, Some(&token(&ben)), json!({"worker": ben.account_id()})).await.expect(403);
        assert_eq!(by_outsider.code(), "forbidden");
        let seeker_as_supporter = app.post(Listener::Public, &supporters, Some(&token(&ana)), json!({"worker": seeker.account_id()})).await.expect(422);
        assert_eq!(seeker_as_supporter.code(), "invalid_body");
        let joined = app.post(Listener::Public, &supporters, Some(&token(&ana)), json!({"worker": ben.account_id()})).await.expect(200).body;
        assert_eq!(joined["lead"], ana.account_id());
        assert_eq!(ids(&joined["workers"]), [ana.account_id(), ben.account_id()]);
        assert_eq!(joined["worker_handles"], json!(["ana", "ben"]));
        let told = frame_matching(&mut seeker_socket, |frame| match frame {
            ServerFrame::WorkersChanged { workers, handles, .. } => Some((workers, handles)),
            _ => None,
        })
        .await;
        assert_eq!(told, (vec![ana.account_id().to_string(), ben.account_id().to_string()], vec!["ana".to_string(), "ben".to_string()]), "the seeker is told who joins");

        // The seeker's client writes to every worker; the supporter reads it.
        seeker.send_text(ana.account_id(), b"can someone come with me to court?").await.unwrap();
        seeker.send_text(ben.account_id(), b"can someone come with me to court?").await.unwrap();
        assert_eq!(receive(&mut ben).await, (seeker.account_id().to_string(), "can someone come with me to court?".to_string()));
        ben.send_text(seeker.account_id(), b"I can, on Tuesday").await.unwrap();
        assert_eq!(receive(&mut seeker).await.1, "I can, on Tuesday");

        // A supporter neither hands the conversation over nor chooses supporters.
        let transfer = format!("/v1/conversations/{id}/transfer");
        app.post(Listener::Public, &transfer, Some(&token(&ben)), json!({})).await.expect(403);
        app.post(Listener::Public, &supporters, Some(&token(&ben)), json!({"worker": cy.account_id()})).await.expect(403);
        for extra in [&cy, &dee] {
            app.post(Listener::Public, &supporters, Some(&token(&ana)), json!({"worker": extra.account_id()})).await.expect(200);
        }
        let full = app.post(Listener::Public, &supporters, Some(&token(&ana)), json!({"worker": eve.account_id()})).await.expect(409);
        assert_eq!(full.code(), "capacity_reached");
        // A supporter leaves; the lead takes one out; a supporter cannot take another out.
        app.call("DELETE", Listener::Public, &format!("{supporters}/{}", cy.account_id()), Some(&token(&cy)), None).await.expect(200);
        app.call("DELETE", Listener::Public, &format!("{supporters}/{}", ben.account_id()), Some(&token(&dee)), None).await.expect(403);
        let left = app.call("DELETE", Listener::Public, &format!("{supporters}/{}", dee.account_id()), Some(&token(&ana)), None).await.expect(200).body;
        assert_eq!(ids(&left["workers"]), [ana.account_id(), ben.account_id()]);

        // Handing over to a supporter makes them the lead; the conversation stays active.
        let moved = app.post(Listener::Public, &transfer, Some(&token(&ana)), json!({"worker": ben.account_id()})).await.expect(200).body;
        assert_eq!((moved["lead"].clone(), moved["state"].clone()), (json!(ben.account_id()), json!("active")));
        assert_eq!(ids(&moved["workers"]), [ben.account_id()]);
        app.post(Listener::Public, &supporters, Some(&token(&ben)), json!({"worker": eve.account_id()})).await.expect(200);
        // When the lead leaves the organisation, a supporter leads: nobody is sent back to the queue.
        let deactivate = format!("/admin/v1/organisations/{org}/members/{}/deactivate", ben.account_id());
        app.post(Listener::Admin, &deactivate, Some(root.session.access_token.expose()), json!({})).await.expect(204);
        let now = seeker.conversations().await.unwrap().remove(0);
        assert_eq!(now.lead.as_ref().map(|l| l.0.as_str()), Some(eve.account_id()));
        assert_eq!(format!("{:?}", now.state), "Active");
        assert_eq!(now.workers.len(), 1);
    }
}

/// Whether the server refused a send as not allowed.
fn forbidden<T: std::fmt::Debug>(result: Result<T, ClientError>) -> bool {
    matches!(result, Err(ClientError::Http { status: 403, .. }))
}

both_backends! {
    async fn a_hand_off_summary_reaches_the_incoming_worker_only_and_only_after_the_seeker_says_yes(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let mut ana = worker(&app, &root, &org, "ana").await;
        let mut ben = worker(&app, &root, &org, "ben").await;
        let cyd = worker(&app, &root, &org, "cyd").await;
        for colleague in [&ben, &cyd] {
            app.call("PUT", Listener::Public, "/v1/desk/availability", Some(colleague.session.access_token.expose()), Some(&json!({"available": true}))).await.expect(200);
        }
        let mut seeker = app.seeker_in_conversation_with(&root, &org, &ana).await;
        let id = seeker.conversations().await.unwrap().remove(0).id;
        let summary = quietline_protocol::relay::HandoffSummary {
            conversation_id: id.clone(),
            text: "Works at the farm on route 9; passport held by the employer; safe to call after 8 pm.".into(),
        };
        let another = quietline_protocol::relay::HandoffSummary { conversation_id: id.clone(), text: "and another thing".into() };

        // Without asking, nothing passes; nor may a supporter or anyone but the lead ask.
        assert!(forbidden(ana.send_summary(ben.account_id(), &summary).await));
        assert!(forbidden(ben.ask_handoff(&id).await));
        let nobody_asked = app.post(Listener::Public, &format!("/v1/conversations/{id}/handoff/answer"), Some(seeker.session.access_token.expose()), json!({"granted": true})).await.expect(409);
        assert_eq!(nobody_asked.code(), "invalid_state");

        // The seeker is asked and says no: still nothing passes, even once handed over.
        let mut seeker_socket = connected(&seeker).await;
        let mut ana_socket = connected(&ana).await;
        ana.ask_handoff(&id).await.unwrap();
        let asked = frame_matching(&mut seeker_socket, |frame| match frame {
            ServerFrame::HandoffConsentAsked { conversation_id } => Some(conversation_id),
            _ => None,
        })
        .await;
        assert_eq!(asked, id);
        assert!(forbidden(ana.answer_handoff(&id, true).await), "only the seeker answers");
        seeker.answer_handoff(&id, false).await.unwrap();
        let answered = frame_matching(&mut ana_socket, |frame| match frame {
            ServerFrame::HandoffConsentAnswered { granted, .. } => Some(granted),
            _ => None,
        })
        .await;
        assert!(!answered);
        assert!(forbidden(ana.send_summary(ben.account_id(), &summary).await));

        // Asked again, the seeker says yes. The summary goes only to whoever now works on the
        // conversation, once.
        ana.ask_handoff(&id).await.unwrap();
        seeker.answer_handoff(&id, true).await.unwrap();
        assert!(frame_matching(&mut ana_socket, |frame| match frame {
            ServerFrame::HandoffConsentAnswered { granted, .. } => Some(granted),
            _ => None,
        })
        .await);
        assert!(forbidden(ana.send_summary(ben.account_id(), &summary).await), "ben does not work on it yet");
        ana.transfer(&id, Some(quietline_protocol::AccountId(ben.account_id().to_string()))).await.unwrap();
        assert!(forbidden(ana.send_summary(cyd.account_id(), &summary).await), "cyd never took it");
        ana.send_summary(ben.account_id(), &summary).await.unwrap();
        assert!(forbidden(ana.send_summary(ben.account_id(), &another).await), "one summary per yes");

        let page = ben.fetch().await.unwrap();
        assert_eq!(page.envelopes.len(), 1);
        assert_eq!(format!("{:?}", page.envelopes[0].kind), "Summary");
        let opened = ben.open(&page.envelopes[0]).await.unwrap();
        assert!(opened.summary);
        assert_eq!(opened.from_account, ana.account_id());
        assert_eq!(opened.handoff_summary(), Some(summary));
        ben.acknowledge(vec![page.envelopes[0].id]).await.unwrap();
        assert!(cyd.fetch().await.unwrap().envelopes.is_empty());
        assert!(seeker.fetch().await.unwrap().envelopes.is_empty(), "the seeker is not sent the summary");
        let dump = app.storage_dump();
        assert!(!dump.windows(12).any(|w| w == b"passport hel"), "the summary is stored as it is");

        // The new lead answers without the seeker telling it all again.
        ben.send_text(seeker.account_id(), b"Hello, I am Ben; Ana told me what you shared.").await.unwrap();
        assert_eq!(receive(&mut seeker).await.1, "Hello, I am Ben; Ana told me what you shared.");
    }
}

both_backends! {
    async fn a_callback_request_waits_sealed_in_the_queue_and_is_claimed_and_answered(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let mut ana = worker(&app, &root, &org, "ana").await;
        let ben = worker(&app, &root, &org, "ben").await;
        let entry = app
            .post(Listener::Admin, &format!("/admin/v1/organisations/{org}/entry-points"), Some(root.session.access_token.expose()), json!({"label": "poster", "default_language": "tl", "topics": ["work"]}))
            .await
            .expect(200);
        let code = entry.body["code"].as_str().unwrap();
        let mut seeker = Client::sign_up_seeker_through(&app.public, Some(code)).await.unwrap();
        let request = quietline_protocol::api::OpenConversation {
            languages: vec!["tl".into()], entry_point: None, region: None, topic: Some("work".into()), callback: false,
        };
        let details = quietline_protocol::relay::CallbackDetails {
            window: "Martes, pagkatapos ng alas-siyete ng gabi".into(),
            note: Some("Mag-text muna; may kasama ako sa telepono.".into()),
        };
        let opened = seeker.request_callback(&request, details.clone()).await.unwrap();
        assert!(opened.callback);

        // The queue says only that it is a callback request, like any waiting conversation.
        let waiting = app.get(Listener::Public, "/v1/desk/waiting", Some(ana.session.access_token.expose())).await.expect(200).body;
        let listed = waiting.as_array().unwrap().iter().find(|w| w["id"] == opened.id.as_str()).cloned().unwrap();
        assert_eq!((listed["callback"].clone(), listed["languages"].clone()), (json!(true), json!(["tl"])));
        assert_eq!(app.count_rows("held_envelopes", None).await, 2, "a sealed copy for each worker's device");
        let dump = app.storage_dump();
        assert!(!dump.windows(12).any(|w| w == b"alas-siyete "), "when to answer is stored as it is");

        // Ana claims it and alone reads when to answer; she answers, and the seeker reads it.
        app.post(Listener::Public, &format!("/v1/conversations/{}/claim", opened.id), Some(ana.session.access_token.expose()), json!({})).await.expect(200);
        let page = ana.fetch().await.unwrap();
        assert_eq!(page.envelopes.len(), 1);
        let received = ana.open(&page.envelopes[0]).await.unwrap();
        ana.acknowledge(vec![page.envelopes[0].id]).await.unwrap();
        assert_eq!(received.from_account, seeker.account_id());
        assert_eq!(received.callback_request(), Some(details));
        assert!(ben.fetch().await.unwrap().envelopes.is_empty(), "the other copies are gone");
        ana.send_text(seeker.account_id(), b"Salamat. Magte-text ako sa Martes ng gabi.").await.unwrap();
        assert_eq!(receive(&mut seeker).await, (ana.account_id().to_string(), "Salamat. Magte-text ako sa Martes ng gabi.".to_string()));
        seeker.send_text(ana.account_id(), b"Sige, salamat.").await.unwrap();
        assert_eq!(receive(&mut ana).await.1, "Sige, salamat.");
    }
}
