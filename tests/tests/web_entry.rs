//! The web entry's API, driven as a browser drives it: unlocked by the entry point's word, a seeker
//! without an app seals each message to the workers' devices, the worker who claims the
//! conversation (a reference client) opens it and answers, sealed to the seeker's key, and the
//! seeker comes back by a handle that a wrong one cannot be told from.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_protocol::client::Client;
use quietline_protocol::client::sealed::{SealedKeyPair, seal};
use quietline_protocol::relay::{EnvelopePage, EnvelopeType};
use quietline_protocol::web::{Resumed, Unlocked, WebRecipients};
use quietline_server::reaper::reap;
use quietline_tests::web::{WebSeeker, entry_point_with_word, unlock};
use quietline_tests::{Listener, TestApp, both_backends, both_backends_with, captured_logs};
use serde_json::json;

/// An organisation with an entry point whose web entry opens with `Basil`; answers the
/// organisation, the entry point's slug and the administrator.
async fn opened_entry(app: &TestApp) -> (String, String, quietline_tests::AdminLogin) {
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let token = root.session.access_token.expose().to_string();
    let slug = entry_point_with_word(app, &root, &org, "Basil").await;
    let listed = app
        .get(
            Listener::Admin,
            &format!("/admin/v1/organisations/{org}/entry-points"),
            Some(&token),
        )
        .await
        .expect(200);
    assert_eq!(listed.body[0]["web_entry"], true);
    (org, slug, root)
}

both_backends! {
    async fn a_seeker_in_a_browser_talks_with_the_worker_who_claims_and_comes_back_by_codename(app: TestApp) {
        let (org, slug, root) = opened_entry(&app).await;
        let mut tala = Client::with_session(&app.public, app.enrol_worker(&root, &org, "tala", &["fr", "tl"]).await).await.unwrap();
        let mut ben = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ben", &["en"]).await).await.unwrap();

        let wrong = app.post(Listener::Public, "/v1/web/unlock", None, json!({"slug": slug, "word": "oregano"})).await;
        let unknown = app.post(Listener::Public, "/v1/web/unlock", None, json!({"slug": "nothing-here", "word": "basil"})).await;
        assert_eq!((wrong.status.as_u16(), wrong.code()), (404, "not_found"));
        assert_eq!((unknown.status.as_u16(), unknown.raw), (404, wrong.raw), "an unknown slug answers as a wrong word");
        let unlocked: Unlocked = app
            .post(Listener::Public, "/v1/web/unlock", None, json!({"slug": slug, "word": "  BASIL ", "languages": ["fr-CA"]}))
            .await
            .expect(200)
            .json();
        assert_eq!(unlocked.language, "fr");
        assert!(unlocked.html.contains("Parler à quelqu&#39;un"), "{}", unlocked.html);
        assert_eq!(unlocked.words.len(), 2048);
        assert_eq!(unlocked.topics, vec!["work".to_string()]);
        let offered: Vec<&str> = unlocked.languages.iter().map(|l| l.tag.as_str()).collect();
        assert_eq!(offered, vec!["en", "fr", "tl"], "the languages the workers read");

        let browser = WebSeeker::start(&app, &unlocked.pass, 7).await;
        app.post(Listener::Public, "/v1/conversations", Some(&browser.token), json!({"languages": ["fr"], "topic": "work"}))
            .await
            .expect(200);
        let first = "Mon patron garde mon passeport";
        let (recipients, sent) = browser.write(&app, first).await;
        assert_eq!(sent.status.as_u16(), 200, "{}", sent.body);
        assert_eq!(recipients.state.as_str(), "waiting");
        assert_eq!(recipients.recipients.len(), 2, "every device of the organisation's workers");

        // Held for the first worker: nobody has it before the claim.
        assert!(tala.fetch().await.unwrap().envelopes.is_empty());
        let conversation = recipients.conversation_id.clone();
        tala.claim(&conversation).await.unwrap();
        let page = tala.fetch().await.unwrap();
        assert_eq!(page.envelopes.len(), 1);
        assert_eq!(page.envelopes[0].kind, EnvelopeType::Sealed);
        let received = tala.open(&page.envelopes[0]).await.unwrap();
        assert_eq!(received.plaintext, first.as_bytes());
        tala.acknowledge(vec![page.envelopes[0].id]).await.unwrap();
        assert!(ben.fetch().await.unwrap().envelopes.is_empty(), "the other worker's copy is gone");
        assert!(ben.open(&page.envelopes[0]).await.is_err(), "and could not be opened by them");

        let reply = "Vous êtes en sécurité pour parler ?";
        tala.send_text(&received.from_account, reply.as_bytes()).await.unwrap();
        let page: EnvelopePage = app.post(Listener::Public, "/v1/sync", Some(&browser.token), json!({})).await.expect(200).json();
        assert_eq!(page.envelopes.len(), 1);
        let envelope = &page.envelopes[0];
        assert_eq!(envelope.kind, EnvelopeType::Sealed);
        assert_eq!(browser.keys.open(&envelope.guid, &envelope.content).unwrap(), reply.as_bytes());
        app.post(Listener::Public, "/v1/messages/ack", Some(&browser.token), json!({"ids": [envelope.id]})).await.expect(200);

        // Claimed: the next message goes to the conversation's worker only.
        let second = "Oui, ce soir";
        let (recipients, sent) = browser.write(&app, second).await;
        assert_eq!(sent.status.as_u16(), 200, "{}", sent.body);
        assert_eq!(recipients.state.as_str(), "active");
        assert!(recipients.recipients.iter().all(|r| r.account_id == tala.session.account_id));
        let page = tala.fetch().await.unwrap();
        assert_eq!(tala.open(&page.envelopes[0]).await.unwrap().plaintext, second.as_bytes());
        let _ = ben.fetch().await.unwrap();

        // Coming back: a known and an unknown handle answer alike in status and size.
        let known = app.post(Listener::Public, "/v1/web/sessions", None, json!({"handle": browser.handle})).await.expect(200);
        let stranger = app.post(Listener::Public, "/v1/web/sessions", None, json!({"handle": URL_SAFE_NO_PAD.encode([9u8; 32])})).await.expect(200);
        assert_eq!(known.raw.len(), stranger.raw.len(), "the same size bucket");
        assert!(known.json::<Resumed>().session.is_some());
        assert!(stranger.json::<Resumed>().session.is_none());

        let stored = String::from_utf8_lossy(&app.storage_dump()).into_owned();
        let logs = captured_logs();
        for secret in ["passeport", "sécurité", "ce soir", browser.handle.as_str(), "basil", "Basil"] {
            assert!(!stored.contains(secret), "storage holds {secret}");
            assert!(!logs.contains(secret), "logs hold {secret}");
        }

        // The page's "delete this conversation" is the quick exit: the handle leads nowhere after.
        app.post(Listener::Public, "/v1/quick-exit", Some(&browser.token), json!({})).await.expect(200);
        app.state.quick_exits.settled().await;
        let gone = app.post(Listener::Public, "/v1/web/sessions", None, json!({"handle": browser.handle})).await.expect(200);
        assert!(gone.json::<Resumed>().session.is_none());
        assert_eq!(gone.raw.len(), stranger.raw.len());
    }

    async fn a_message_sealed_to_too_few_devices_or_a_forged_intake_key_is_refused(app: TestApp) {
        let (org, slug, root) = opened_entry(&app).await;
        let tala = Client::with_session(&app.public, app.enrol_worker(&root, &org, "tala", &["fr"]).await).await.unwrap();
        let mut ben = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ben", &["en"]).await).await.unwrap();
        let unlocked: Unlocked = app
            .post(Listener::Public, "/v1/web/unlock", None, json!({"slug": slug, "word": "basil"}))
            .await
            .expect(200)
            .json();
        let browser = WebSeeker::start(&app, &unlocked.pass, 3).await;
        app.post(Listener::Public, "/v1/conversations", Some(&browser.token), json!({"languages": ["fr"]}))
            .await
            .expect(200);
        let recipients: WebRecipients = app.get(Listener::Public, "/v1/web/recipients", Some(&browser.token)).await.expect(200).json();
        let only_tala = recipients.recipients.iter().find(|r| r.account_id == tala.session.account_id).unwrap();
        let copy = seal(&only_tala.device.public_key, "m-1", b"hello").unwrap();
        let refused = app.post(Listener::Public, "/v1/web/messages", Some(&browser.token), json!({"sends": [{
            "to": only_tala.account_id, "id": "m-1",
            "copies": [{"device_id": only_tala.device.device_id, "content": URL_SAFE_NO_PAD.encode(copy)}],
        }]})).await;
        assert_eq!((refused.status.as_u16(), refused.code()), (409, "recipients_changed"));

        // A forged pass and a spent challenge are refused.
        let mut body = app.solved_signup().await;
        body["pass"] = json!("AAAAAAAAAAA.AAAA");
        body["handle"] = json!(URL_SAFE_NO_PAD.encode([4u8; 32]));
        body["public_key"] = json!(URL_SAFE_NO_PAD.encode(SealedKeyPair::derive(&[5; 32]).public_key()));
        let forged = app.post(Listener::Public, "/v1/web/seekers", None, body).await;
        assert_eq!((forged.status.as_u16(), forged.code()), (422, "invalid_challenge"));

        // An intake key whose signature is not the identity key's is refused like a bad prekey.
        let mut keys = ben.signal.device_keys(2).await.unwrap();
        let intake = keys.intake_key.as_mut().unwrap();
        intake.signature[10] ^= 1;
        let bad = app.call("PUT", Listener::Public, "/v1/keys", Some(ben.session.access_token.expose()), Some(&serde_json::to_value(&keys).unwrap())).await;
        assert_eq!((bad.status.as_u16(), bad.code()), (422, "invalid_signature"));
        assert!(ben.publish_keys().await.is_ok(), "a genuine one is taken");
    }

    async fn a_transferred_conversation_reaches_its_new_worker_and_a_waiting_message_keeps_to_the_timer(app: TestApp) {
        let (org, slug, root) = opened_entry(&app).await;
        let tala = Client::with_session(&app.public, app.enrol_worker(&root, &org, "tala", &["fr"]).await).await.unwrap();
        let mut ben = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ben", &["fr"]).await).await.unwrap();
        app.call("PUT", Listener::Admin, &format!("/admin/v1/organisations/{org}/disappearing"), Some(root.session.access_token.expose()), Some(&json!({"seconds": 300})))
            .await
            .expect(200);
        let unlocked = unlock(&app, &slug, "basil", &["fr"]).await;

        // Written while waiting, never claimed in time: gone with the timer, held copies too.
        let late = WebSeeker::start(&app, &unlocked.pass, 21).await;
        let conversation = late.open(&app, "fr").await;
        let (_, sent) = late.write(&app, "personne ne répond").await;
        assert_eq!(sent.status.as_u16(), 200, "{}", sent.body);
        assert_eq!(app.count_rows("held_envelopes", None).await, 2);
        app.clock.advance(301);
        assert!(reap(&app.state).await.unwrap().envelopes >= 2);
        assert_eq!(app.count_rows("held_envelopes", None).await, 0);
        tala.claim(&conversation).await.unwrap();
        assert!(tala.fetch().await.unwrap().envelopes.is_empty(), "an expired message is never delivered");

        // Claimed, then handed to a colleague: the page seals to the new worker from then on.
        let seeker = WebSeeker::start(&app, &unlock(&app, &slug, "basil", &["fr"]).await.pass, 22).await;
        let conversation = seeker.open(&app, "fr").await;
        tala.set_availability(true, None).await.unwrap();
        ben.set_availability(true, None).await.unwrap();
        tala.claim(&conversation).await.unwrap();
        tala.transfer(&conversation, Some(ben.session.account_id.clone())).await.unwrap();
        let (recipients, sent) = seeker.write(&app, "bonjour Ben").await;
        assert_eq!(sent.status.as_u16(), 200, "{}", sent.body);
        assert!(recipients.recipients.iter().all(|r| r.account_id == ben.session.account_id));
        let page = ben.fetch().await.unwrap();
        assert_eq!(page.envelopes.len(), 1);
        let received = ben.open(&page.envelopes[0]).await.unwrap();
        assert_eq!(received.plaintext, b"bonjour Ben");
        assert_eq!(page.envelopes[0].disappearing_seconds, Some(300), "under the conversation's timer");
        ben.send_text(&received.from_account, b"bonjour").await.unwrap();
        assert_eq!(seeker.replies(&app).await, vec!["bonjour".to_string()]);
        assert!(tala.fetch().await.unwrap().envelopes.is_empty());
    }
}

both_backends_with! {
    |config| config.web_attempt_rate_limit = 2;
    async fn words_and_codenames_are_limited_per_address_before_any_argon2(app: TestApp) {
        let (_org, slug, _root) = opened_entry(&app).await;
        for _ in 0..2 {
            app.post(Listener::Public, "/v1/web/unlock", None, json!({"slug": slug, "word": "thyme"})).await.expect(404);
            app.post(Listener::Public, "/v1/web/sessions", None, json!({"handle": URL_SAFE_NO_PAD.encode([1u8; 32])})).await.expect(200);
        }
        let before = app.state.passphrases.runs();
        let limited = app.post(Listener::Public, "/v1/web/unlock", None, json!({"slug": slug, "word": "basil"})).await.expect(429);
        assert_eq!(limited.code(), "rate_limited");
        assert!(limited.headers.get("retry-after").is_some());
        assert_eq!(app.state.passphrases.runs(), before, "a refused attempt costs no Argon2");
        let limited = app.post(Listener::Public, "/v1/web/sessions", None, json!({"handle": URL_SAFE_NO_PAD.encode([1u8; 32])})).await.expect(429);
        assert!(limited.headers.get("retry-after").is_some());
        // The site's search with a key is the same attempt; without one it is only a search.
        let search = |form: &'static str| {
            app.call_raw("POST", Listener::Public, "/search", None, "application/x-www-form-urlencoded", form.as_bytes().to_vec())
        };
        assert_eq!(search("q=basil&k=x&l=fr").await.status.as_u16(), 429);
        assert_eq!(search("q=basil&k=&l=fr").await.status.as_u16(), 200);
        app.clock.advance(3_600);
        app.post(Listener::Public, "/v1/web/unlock", None, json!({"slug": slug, "word": "basil"})).await.expect(200);
    }
}
