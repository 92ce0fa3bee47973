//! The encrypted relay end to end: real Signal-protocol clients (the reference client) talking
//! through the real server, on both backends.

// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::SessionGrant;
use quietline_protocol::client::{Client, Received};
use quietline_protocol::relay::{DeviceKeys, ServerFrame};
use quietline_tests::{
    Backend, Listener, SharedServices, StallableProxy, TestApp, both_backends, both_backends_with,
    captured_logs,
};
use serde_json::json;
use std::collections::BTreeSet;

async fn seeker(app: &TestApp) -> Client {
    Client::sign_up_seeker(&app.public).await.unwrap()
}

/// A worker of a fresh organisation, with its client.
async fn worker(app: &TestApp, handle: &str) -> (Client, quietline_tests::AdminLogin, String) {
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let grant = app.enrol_worker(&root, &org, handle, &["tl", "en"]).await;
    (
        Client::with_session(&app.public, grant).await.unwrap(),
        root,
        org,
    )
}

async fn join(
    app: &TestApp,
    root: &quietline_tests::AdminLogin,
    org: &str,
    worker: &Client,
) -> Client {
    app.seeker_in_conversation_with(root, org, worker).await
}

/// A worker of a fresh organisation and a seeker in an active conversation with them.
async fn pair(app: &TestApp, handle: &str) -> (Client, Client) {
    let (worker, root, org) = worker(app, handle).await;
    let seeker = join(app, &root, &org, &worker).await;
    (seeker, worker)
}

/// Fetches, decrypts and acknowledges everything queued for a client, over HTTP.
async fn receive_all(client: &mut Client) -> Vec<Received> {
    let page = client.fetch().await.unwrap();
    let mut received = Vec::new();
    for envelope in &page.envelopes {
        received.push(client.open(envelope).await.unwrap());
    }
    let ids: Vec<i64> = page.envelopes.iter().map(|e| e.id).collect();
    if !ids.is_empty() {
        assert_eq!(
            client.acknowledge(ids.clone()).await.unwrap().acknowledged as usize,
            ids.len()
        );
    }
    received
}

fn texts(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| String::from_utf8(r.plaintext.clone()).unwrap())
        .collect()
}

both_backends! {
    async fn seeker_and_worker_exchange_end_to_end_encrypted_messages(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "maria").await;

        // The first message starts a session (PQXDH PreKey message).
        seeker.send_text(worker.account_id(), b"Kumusta, kailangan ko ng tulong").await.unwrap();
        let page = worker.fetch().await.unwrap();
        assert_eq!(page.envelopes.len(), 1);
        assert_eq!(page.envelopes[0].kind, quietline_protocol::relay::EnvelopeType::Prekey);
        assert_eq!(page.envelopes[0].server_received % 60, 0, "arrival is kept to the minute");
        let received = receive_all(&mut worker).await;
        assert_eq!(texts(&received), vec!["Kumusta, kailangan ko ng tulong"]);
        assert_eq!(received[0].from_account, seeker.account_id());

        // The reply and what follows are ordinary ratchet messages.
        worker.send_text(seeker.account_id(), b"Nandito ako. Ligtas ka ba ngayon?").await.unwrap();
        worker.send_text(seeker.account_id(), b"Maaari tayong mag-usap sa Tagalog.").await.unwrap();
        let page = seeker.fetch().await.unwrap();
        assert!(page.envelopes.iter().all(|e| e.kind == quietline_protocol::relay::EnvelopeType::Message));
        assert_eq!(texts(&receive_all(&mut seeker).await), vec!["Nandito ako. Ligtas ka ba ngayon?", "Maaari tayong mag-usap sa Tagalog."]);
        seeker.send_text(worker.account_id(), b"Oo, salamat.").await.unwrap();
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["Oo, salamat."]);
        // Acknowledged envelopes are gone at once.
        assert_eq!(app.count_rows("envelopes", None).await, 0);
    }

    async fn a_worker_with_two_devices_receives_on_both(app: TestApp) {
        let (mut seeker, mut phone) = pair(&app, "amal").await;
        let desktop_grant: SessionGrant = app
            .post(Listener::Public, "/v1/devices", Some(phone.session.access_token.expose()), json!({"name": "desktop"}))
            .await
            .expect(200)
            .json();
        let mut desktop = Client::with_session(&app.public, desktop_grant).await.unwrap();

        seeker.send_text(phone.account_id(), b"to both devices").await.unwrap();
        assert_eq!(texts(&receive_all(&mut phone).await), vec!["to both devices"]);
        assert_eq!(texts(&receive_all(&mut desktop).await), vec!["to both devices"]);
        // Each device has its own queue: acknowledging on one left the other's until it acked.
        assert_eq!(app.count_rows("envelopes", None).await, 0);
    }

    async fn a_new_device_of_the_recipient_is_reported_and_the_sender_recovers(app: TestApp) {
        let (mut seeker, mut phone) = pair(&app, "jun").await;
        seeker.send_text(phone.account_id(), b"first").await.unwrap();
        receive_all(&mut phone).await;

        // The worker adds a device: the seeker's next send names only the phone.
        let grant: SessionGrant = app
            .post(Listener::Public, "/v1/devices", Some(phone.session.access_token.expose()), json!({}))
            .await
            .expect(200)
            .json();
        let mut tablet = Client::with_session(&app.public, grant).await.unwrap();
        let bare = json!({"id": "raw-1", "messages": [{"device_id": phone.device_id(), "registration_id": phone.signal.registration_id(), "type": "message", "content": "AAAA"}]});
        let refused = app
            .post(Listener::Public, &format!("/v1/messages/{}", phone.account_id()), Some(seeker.session.access_token.expose()), bare)
            .await
            .expect(409);
        assert_eq!(refused.code(), "device_mismatch");
        assert_eq!(refused.body["error"]["devices"]["missing_devices"], json!([tablet.device_id()]));

        // The client fetches the new device's bundle and retries by itself.
        seeker.send_text(phone.account_id(), b"second").await.unwrap();
        assert_eq!(texts(&receive_all(&mut phone).await), vec!["second"]);
        assert_eq!(texts(&receive_all(&mut tablet).await), vec!["second"]);

        // A removed device is reported as extra, and dropped.
        app.call("DELETE", Listener::Public, &format!("/v1/devices/{}", tablet.device_id()), Some(phone.session.access_token.expose()), None)
            .await
            .expect(204);
        seeker.send_text(phone.account_id(), b"third").await.unwrap();
        assert_eq!(texts(&receive_all(&mut phone).await), vec!["third"]);

        // A stale registration id is reported too.
        let stale = json!({"id": "raw-2", "messages": [{"device_id": phone.device_id(), "registration_id": phone.signal.registration_id() + 1, "type": "message", "content": "AAAA"}]});
        let refused = app
            .post(Listener::Public, &format!("/v1/messages/{}", phone.account_id()), Some(seeker.session.access_token.expose()), stale)
            .await
            .expect(409);
        assert_eq!(refused.body["error"]["devices"]["stale_devices"], json!([phone.device_id()]));
    }

    async fn a_retried_send_with_the_same_id_is_queued_once(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "lena").await;
        let first = seeker.send_with_id(worker.account_id(), "6f1c9a52-retry", b"only once").await.unwrap();
        assert!(first.queued);
        let again = seeker.send_with_id(worker.account_id(), "6f1c9a52-retry", b"only once").await.unwrap();
        assert!(!again.queued);
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["only once"]);
        // Even after delivery, the same id is not queued again.
        let later = seeker.send_with_id(worker.account_id(), "6f1c9a52-retry", b"only once").await.unwrap();
        assert!(!later.queued);
        assert!(worker.fetch().await.unwrap().envelopes.is_empty());
    }

    async fn an_offline_device_gets_its_queue_in_order_over_the_websocket(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "sam").await;
        for i in 0..12 {
            seeker.send_text(worker.account_id(), format!("message {i:02}").as_bytes()).await.unwrap();
        }
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        let mut got = Vec::new();
        let mut ids = Vec::new();
        loop {
            match socket.next_frame().await.unwrap() {
                Some(ServerFrame::Envelope { envelope }) => {
                    ids.push(envelope.id);
                    got.push(String::from_utf8(worker.open(&envelope).await.unwrap().plaintext).unwrap());
                }
                Some(ServerFrame::QueueEmpty) => break,
                other => panic!("unexpected frame {other:?}"),
            }
        }
        let expected: Vec<String> = (0..12).map(|i| format!("message {i:02}")).collect();
        assert_eq!(got, expected);
        socket.acknowledge(ids).await.unwrap();

        // A message sent while connected arrives live.
        seeker.send_text(worker.account_id(), b"live").await.unwrap();
        let Some(ServerFrame::Envelope { envelope }) = socket.next_frame().await.unwrap() else { panic!("expected an envelope") };
        assert_eq!(worker.open(&envelope).await.unwrap().plaintext, b"live");
        socket.acknowledge(vec![envelope.id]).await.unwrap();
        // Acknowledgements over the socket delete at once (checked by a fresh HTTP fetch).
        let mut emptied = false;
        for _ in 0..50 {
            if worker.fetch().await.unwrap().envelopes.is_empty() {
                emptied = true;
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(emptied, "acknowledged envelopes were not deleted");
        socket.close().await.unwrap();
    }

    async fn removing_a_device_closes_its_websocket(app: TestApp) {
        let (worker, _, _) = worker(&app, "ines").await;
        let grant: SessionGrant = app
            .post(Listener::Public, "/v1/devices", Some(worker.session.access_token.expose()), json!({}))
            .await
            .expect(200)
            .json();
        let second = Client::with_session(&app.public, grant).await.unwrap();
        let mut socket = second.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::QueueEmpty));
        app.call("DELETE", Listener::Public, &format!("/v1/devices/{}", second.device_id()), Some(worker.session.access_token.expose()), None)
            .await
            .expect(204);
        assert_eq!(socket.next_frame().await.unwrap(), None, "the server closes the removed device's socket");
    }

    async fn a_key_with_a_bad_signature_is_refused(app: TestApp) {
        let seeker = seeker(&app).await;
        let mut device = quietline_protocol::client::signal::SignalDevice::generate().unwrap();
        let mut keys: DeviceKeys = device.device_keys(3).await.unwrap();
        keys.signed_pre_key.signature[5] ^= 0x01;
        let body = serde_json::to_value(&keys).unwrap();
        let refused = app.call("PUT", Listener::Public, "/v1/keys", Some(seeker.session.access_token.expose()), Some(&body)).await.expect(422);
        assert_eq!(refused.code(), "invalid_signature");

        let mut keys: DeviceKeys = device.device_keys(3).await.unwrap();
        keys.pq_pre_keys[1].signature[0] ^= 0x80;
        let body = serde_json::to_value(&keys).unwrap();
        assert_eq!(app.call("PUT", Listener::Public, "/v1/keys", Some(seeker.session.access_token.expose()), Some(&body)).await.expect(422).code(), "invalid_signature");

        // A prekey signed by another identity is refused too.
        let other = quietline_protocol::client::signal::SignalDevice::generate().unwrap();
        let mut keys: DeviceKeys = device.device_keys(3).await.unwrap();
        keys.identity_key = other.identity_key();
        let body = serde_json::to_value(&keys).unwrap();
        assert_eq!(app.call("PUT", Listener::Public, "/v1/keys", Some(seeker.session.access_token.expose()), Some(&body)).await.expect(422).code(), "invalid_signature");
    }

    async fn concurrent_bundle_fetches_never_share_a_one_time_prekey(app: TestApp) {
        let (worker, root, org) = worker(&app, "kai").await;
        let mut fetchers = Vec::new();
        for _ in 0..6 {
            fetchers.push(join(&app, &root, &org, &worker).await);
        }
        let target = worker.account_id().to_string();
        let fetches = fetchers.iter().flat_map(|f| [f, f, f, f]).map(|f| f.fetch_bundles(&target));
        let bundles = futures_util::future::join_all(fetches).await;
        let mut ec = Vec::new();
        let mut pq = Vec::new();
        for bundle in bundles {
            let device = bundle.unwrap().devices.remove(0);
            ec.extend(device.pre_key.map(|k| k.key_id));
            pq.push(device.pq_pre_key.key_id);
        }
        // 24 fetches, 20 one-time keys of each kind: 20 distinct EC keys, then none; 20 distinct
        // Kyber keys, then the last-resort one.
        let distinct_ec: BTreeSet<u32> = ec.iter().copied().collect();
        assert_eq!(ec.len(), 20);
        assert_eq!(distinct_ec.len(), 20, "an EC prekey was handed out twice");
        let one_time_pq: Vec<u32> = pq.iter().copied().filter(|id| *id < 1_000_000).collect();
        let distinct_pq: BTreeSet<u32> = one_time_pq.iter().copied().collect();
        assert_eq!(one_time_pq.len(), 20);
        assert_eq!(distinct_pq.len(), 20, "a Kyber prekey was handed out twice");
        assert_eq!(pq.len() - one_time_pq.len(), 4, "then the last-resort key");
        assert_eq!(worker.pre_key_count().await.unwrap().ec, 0);
    }

    async fn a_device_running_low_on_prekeys_is_told_and_replenishes(app: TestApp) {
        let (fetcher, mut worker) = pair(&app, "ada").await;
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::QueueEmpty));
        for _ in 0..11 {
            fetcher.fetch_bundles(worker.account_id()).await.unwrap();
        }
        let Some(ServerFrame::PreKeysLow { count }) = socket.next_frame().await.unwrap() else { panic!("expected a low prekey notice") };
        assert!(count.ec < 10);
        let after = worker.replenish().await.unwrap();
        assert_eq!(after.ec, count.ec + 20);
    }

    async fn no_plaintext_reaches_storage_or_logs(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "canary").await;
        let canaries = ["CANARY-plaintext-ab12cd", "CANARY-reply-ef34gh"];
        seeker.send_text(worker.account_id(), canaries[0].as_bytes()).await.unwrap();
        // Scan while the envelope is stored, before delivery.
        let stored = app.storage_dump();
        let logs = captured_logs();
        assert!(String::from_utf8_lossy(&stored).contains(worker.account_id()), "the dump holds the queue");
        for canary in canaries {
            assert!(!String::from_utf8_lossy(&stored).contains(canary), "storage holds {canary}");
            assert!(!logs.contains(canary), "logs hold {canary}");
        }
        receive_all(&mut worker).await;
        worker.send_text(seeker.account_id(), canaries[1].as_bytes()).await.unwrap();
        let stored = String::from_utf8_lossy(&app.storage_dump()).into_owned();
        assert!(!stored.contains(canaries[1]));
        assert!(!captured_logs().contains(canaries[1]));
        assert_eq!(texts(&receive_all(&mut seeker).await), vec![canaries[1]]);
    }

    async fn an_unknown_a_wiped_and_a_forbidden_account_or_conversation_answer_alike(app: TestApp) {
        let (worker, root, org) = worker(&app, "yara").await;
        let seeker = join(&app, &root, &org, &worker).await;
        let colleague = app.enrol_worker(&root, &org, "xavi", &["tl"]).await;
        let other_worker = Client::with_session(&app.public, colleague).await.unwrap();
        // A seeker who left with the quick exit, and one who is simply not ours to reach.
        let wiped = join(&app, &root, &org, &other_worker).await;
        let wiped_id = wiped.account_id().to_string();
        let wiped_conversation = wiped.conversations().await.unwrap().remove(0).id;
        wiped.quick_exit(None).await.unwrap();
        let stranger = join(&app, &root, &org, &other_worker).await;
        let stranger_conversation = stranger.conversations().await.unwrap().remove(0).id;
        let token = Some(worker.session.access_token.expose());
        let body = json!({"id": "x", "messages": [{"device_id": 1, "registration_id": 1, "type": "message", "content": "AAAA"}]});
        let mut answers = Vec::new();
        for target in ["no-such-account", wiped_id.as_str(), stranger.account_id()] {
            let answer = app.post(Listener::Public, &format!("/v1/messages/{target}"), token, body.clone()).await;
            answers.push((answer.status, answer.code().to_string(), answer.raw.len()));
        }
        for conversation in ["no-such-conversation", wiped_conversation.as_str(), stranger_conversation.as_str()] {
            let path = format!("/v1/conversations/{conversation}/close");
            let answer = app.post(Listener::Public, &path, token, json!({})).await;
            answers.push((answer.status, answer.code().to_string(), answer.raw.len()));
            let path = format!("/v1/conversations/{conversation}/transfer");
            let answer = app.post(Listener::Public, &path, token, json!({})).await;
            answers.push((answer.status, answer.code().to_string(), answer.raw.len()));
        }
        assert_eq!(answers[0].0.as_u16(), 403);
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        // The seeker's own conversation still answers (the check is not simply "refuse all").
        let own = seeker.conversations().await.unwrap();
        assert_eq!(own.len(), 1);
    }

    async fn sends_refuse_oversized_or_unknown_targets(app: TestApp) {
        let (seeker, worker) = pair(&app, "zoe").await;
        let huge = "A".repeat(90_000);
        let body = json!({"id": "x", "messages": [{"device_id": 1, "registration_id": worker.signal.registration_id(), "type": "message", "content": huge}]});
        let refused = app.post(Listener::Public, &format!("/v1/messages/{}", worker.account_id()), Some(seeker.session.access_token.expose()), body).await.expect(413);
        assert_eq!(refused.code(), "ciphertext_too_large");
        let body = json!({"id": "x", "messages": [{"device_id": 1, "registration_id": 1, "type": "message", "content": "AAAA"}]});
        app.post(Listener::Public, "/v1/messages/no-such-account", Some(seeker.session.access_token.expose()), body).await.expect(403);
        // Bodies of the messaging API are padded to size buckets.
        let answer = app.get(Listener::Public, "/v1/messages", Some(seeker.session.access_token.expose())).await.expect(200);
        assert!(quietline_protocol::padding::BUCKETS.contains(&answer.raw.len()), "{} bytes", answer.raw.len());
    }
}

both_backends! {
    async fn the_websocket_accepts_the_token_as_its_first_frame_only(app: TestApp) {
        let client = seeker(&app).await;
        let url = format!("{}/v1/websocket", app.public.replacen("http", "ws", 1));

        // No header: the token comes as the first frame.
        let (_, mut framed) = awc::Client::new().ws(url.clone()).connect().await.unwrap();
        use futures_util::{SinkExt, StreamExt};
        let auth = serde_json::to_string(&json!({"type": "auth", "token": client.session.access_token})).unwrap();
        framed.send(awc::ws::Message::Text(auth.into())).await.unwrap();
        let Some(Ok(awc::ws::Frame::Text(bytes))) = framed.next().await else { panic!("expected a text frame") };
        assert_eq!(serde_json::from_slice::<ServerFrame>(&bytes).unwrap(), ServerFrame::Ready);

        // A wrong token in the first frame closes the socket without a Ready.
        let (_, mut framed) = awc::Client::new().ws(url.clone()).connect().await.unwrap();
        framed.send(awc::ws::Message::Text(r#"{"type":"auth","token":"forged"}"#.into())).await.unwrap();
        assert!(matches!(framed.next().await, Some(Ok(awc::ws::Frame::Close(_))) | None));

        // A wrong token in the header is refused before the upgrade.
        let refused = awc::Client::new().ws(url).bearer_auth("forged").connect().await;
        assert!(refused.is_err());
    }

    async fn live_websockets_are_closed_cleanly_when_the_server_stops(app: TestApp) {
        let client = seeker(&app).await;
        let mut socket = client.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::QueueEmpty));
        app.stop().await;
        assert_eq!(socket.next_frame().await.unwrap(), None, "a close frame, not a cut connection");
    }

    async fn a_session_started_before_a_signed_prekey_rotation_still_decrypts(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "rotor").await;
        // The seeker's client builds its session from the current bundle, on first send.
        seeker.send_text(worker.account_id(), b"before rotation").await.unwrap();
        // The worker rotates its signed prekey before reading.
        let count = worker.replenish().await.unwrap();
        assert_eq!(count.ec, quietline_protocol::client::PRE_KEY_BATCH * 2 - 1);
        seeker.send_text(worker.account_id(), b"still the first session").await.unwrap();
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["before rotation", "still the first session"]);
    }
}

both_backends_with! {
    |config| config.queue_limit = 3;
    async fn a_full_queue_refuses_further_messages_with_a_stable_code(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "full").await;
        for i in 0..3 {
            seeker.send_text(worker.account_id(), format!("{i}").as_bytes()).await.unwrap();
        }
        let refused = seeker.send_text(worker.account_id(), b"one too many").await;
        match refused {
            Err(quietline_protocol::client::ClientError::Http { status, code, .. }) => {
                assert_eq!((status, code.as_str()), (507, "queue_full"));
            }
            other => panic!("expected queue_full, got {other:?}"),
        }
        // Nothing accepted was lost, and draining the queue makes room.
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["0", "1", "2"]);
        seeker.send_text(worker.account_id(), b"room again").await.unwrap();
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["room again"]);
    }
}

both_backends! {
    async fn a_peer_reregistering_its_identity_is_a_visible_safety_number_change(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "reinstall").await;
        seeker.send_text(worker.account_id(), b"hello").await.unwrap();
        receive_all(&mut worker).await;

        // The worker's device re-registers with a new identity key (a reinstall).
        worker.reregister().await.unwrap();
        let refused = seeker.send_text(worker.account_id(), b"are you still you?").await;
        match refused {
            Err(quietline_protocol::client::ClientError::IdentityChanged { account_id, devices }) => {
                assert_eq!(account_id, worker.account_id());
                assert_eq!(devices, vec![worker.device_id()]);
            }
            other => panic!("expected a safety number change, got {other:?}"),
        }
        // Nothing was sent to the new identity until the person accepted it.
        assert!(worker.fetch().await.unwrap().envelopes.is_empty());
        seeker.accept_new_identity(worker.account_id()).await.unwrap();
        seeker.send_text(worker.account_id(), b"verified in person").await.unwrap();
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["verified in person"]);

        // The other way round: the seeker re-registers and writes first; the worker is warned.
        seeker.reregister().await.unwrap();
        seeker.send_text(worker.account_id(), b"new phone, same person").await.unwrap();
        let page = worker.fetch().await.unwrap();
        match worker.open(&page.envelopes[0]).await {
            Err(quietline_protocol::client::ClientError::IdentityChanged { account_id, .. }) => {
                assert_eq!(account_id, seeker.account_id());
            }
            other => panic!("expected a safety number change, got {other:?}"),
        }
    }
}

both_backends! {
    async fn a_client_saved_to_its_encrypted_file_resumes_its_sessions(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "saver").await;
        seeker.send_text(worker.account_id(), b"before the restart").await.unwrap();
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["before the restart"]);

        let path = app.data_dir.join("worker.ql");
        worker.save(&path, "worker passphrase").await.unwrap();
        let file = std::fs::read(&path).unwrap();
        assert!(!String::from_utf8_lossy(&file).contains(worker.account_id()), "the state file is encrypted");
        assert!(Client::load(&path, "wrong passphrase").await.is_err());
        drop(worker);

        let mut worker = Client::load(&path, "worker passphrase").await.unwrap();
        worker.refresh().await.unwrap();
        seeker.send_text(worker.account_id(), b"after the restart").await.unwrap();
        assert_eq!(texts(&receive_all(&mut worker).await), vec!["after the restart"]);
        worker.send_text(seeker.account_id(), b"reply from the restored device").await.unwrap();
        assert_eq!(texts(&receive_all(&mut seeker).await), vec!["reply from the restored device"]);
    }
}

both_backends! {
    async fn a_send_to_a_device_removed_meanwhile_is_refused_alone(app: TestApp) {
        use quietline_server::messages::writer::{NewEnvelope, SendOutcome};
        let (seeker, worker) = pair(&app, "batch").await;
        let envelope = |device_id: i32, guid: &str| NewEnvelope {
            account_id: worker.account_id().into(),
            device_id,
            guid: guid.to_string(),
            kind: 2,
            source_account: Some(seeker.account_id().into()),
            source_device: Some(1),
            server_received: 0,
            expires_at: i64::MAX,
            disappearing_seconds: None,
            content: b"opaque".to_vec(),
        };
        // Sends racing into one batch: one to a device that no longer exists.
        let writer = &app.state.writer;
        let sends = (0..8).map(|i| {
            let device = if i == 3 { 99 } else { 1 };
            let guid = format!("batch-{i}");
            writer.send(Some(seeker.account_id().into()), guid.clone(), i64::MAX, vec![envelope(device, &guid)], 1_000)
        });
        let outcomes = futures_util::future::join_all(sends).await;
        for (i, outcome) in outcomes.into_iter().enumerate() {
            let expected = if i == 3 { SendOutcome::DeviceGone } else { SendOutcome::Queued };
            assert_eq!(outcome.unwrap(), expected, "send {i}");
        }
        assert_eq!(worker.fetch().await.unwrap().envelopes.len(), 7);
        // The refused send left no receipt: the same id can be used again.
        let retry = writer.send(Some(seeker.account_id().into()), "batch-3".into(), i64::MAX, vec![envelope(1, "batch-3")], 1_000).await;
        assert_eq!(retry.unwrap(), SendOutcome::Queued);
    }
}

both_backends! {
    async fn a_slow_reader_gets_at_most_64_unacknowledged_envelopes_and_can_reconnect(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "slow").await;
        for i in 0..80 {
            seeker.send_text(worker.account_id(), format!("{i}").as_bytes()).await.unwrap();
        }
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        let mut ids = Vec::new();
        for _ in 0..64 {
            let Some(ServerFrame::Envelope { envelope }) = socket.next_frame().await.unwrap() else { panic!("expected an envelope") };
            worker.open(&envelope).await.unwrap();
            ids.push(envelope.id);
        }
        // Nothing more until something is acknowledged: not even "queue empty".
        let more = actix_web::rt::time::timeout(std::time::Duration::from_millis(500), socket.next_frame()).await;
        assert!(more.is_err(), "the server sent beyond the in-flight bound: {more:?}");
        socket.acknowledge(ids[..10].to_vec()).await.unwrap();
        for _ in 0..10 {
            let Some(ServerFrame::Envelope { envelope }) = socket.next_frame().await.unwrap() else { panic!("expected an envelope") };
            worker.open(&envelope).await.unwrap();
        }
        // The connection drops; unacknowledged envelopes come again, in order, on reconnect.
        drop(socket);
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        let Some(ServerFrame::Envelope { envelope }) = socket.next_frame().await.unwrap() else { panic!("expected an envelope") };
        assert_eq!(envelope.id, ids[10], "redelivery starts at the oldest unacknowledged envelope");
    }

    async fn a_device_without_a_connection_gets_a_content_free_wake_up_event(app: TestApp) {
        use quietline_server::bus::BusEvent;
        let (mut seeker, worker) = pair(&app, "sleepy").await;
        let mut events = app.state.bus.subscribe();
        seeker.send_text(worker.account_id(), b"wake up").await.unwrap();
        let mut woken = false;
        while let Ok(Ok(event)) = actix_web::rt::time::timeout(std::time::Duration::from_secs(5), events.recv()).await {
            if event == (BusEvent::WakeUp { account_id: worker.account_id().into(), device_id: worker.device_id() }) {
                woken = true;
                break;
            }
        }
        assert!(woken, "no wake-up event for the offline device");

        // Online devices are not woken.
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
        let mut events = app.state.bus.subscribe();
        seeker.send_text(worker.account_id(), b"you are online").await.unwrap();
        let mut queued = false;
        while let Ok(Ok(event)) = actix_web::rt::time::timeout(std::time::Duration::from_secs(2), events.recv()).await {
            assert!(!matches!(event, BusEvent::WakeUp { .. }), "an online device was woken");
            queued |= matches!(event, BusEvent::EnvelopesQueued { .. });
        }
        assert!(queued);
    }
}

both_backends! {
    async fn only_members_of_an_active_conversation_reach_each_other(app: TestApp) {
        let (mut staff, root, org) = worker(&app, "member").await;
        let mut seeker = join(&app, &root, &org, &staff).await;
        // A worker of another organisation, and a stranger seeker, are refused with 403.
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let grant = app.enrol_worker(&root, &other, "outsider", &["en"]).await;
        let mut outsider = Client::with_session(&app.public, grant).await.unwrap();
        let mut stranger = seeker_without_conversation(&app).await;
        for client in [&mut outsider, &mut stranger] {
            let refused = client.send_text(seeker.account_id(), b"let me in").await;
            assert!(matches!(refused, Err(quietline_protocol::client::ClientError::Http { status: 403, .. })), "{refused:?}");
            let bundles = client.fetch_bundles(seeker.account_id()).await;
            assert!(matches!(bundles, Err(quietline_protocol::client::ClientError::Http { status: 403, .. })), "{bundles:?}");
        }
        // Members do.
        seeker.send_text(staff.account_id(), b"member to member").await.unwrap();
        assert_eq!(texts(&receive_all(&mut staff).await), vec!["member to member"]);

        // Once the conversation is closed, neither side reaches the other.
        let conversations = app.get(Listener::Public, "/v1/conversations", Some(staff.session.access_token.expose())).await.expect(200);
        let id = conversations.body[0]["id"].as_str().unwrap().to_string();
        app.post(Listener::Public, &format!("/v1/conversations/{id}/close"), Some(staff.session.access_token.expose()), json!({"outcome": "information_given"}))
            .await
            .expect(200);
        let after = staff.send_text(seeker.account_id(), b"after closing").await;
        assert!(matches!(after, Err(quietline_protocol::client::ClientError::Http { status: 403, .. })), "{after:?}");
    }
}

async fn seeker_without_conversation(app: &TestApp) -> Client {
    seeker(app).await
}

both_backends_with! {
    |config| {
        config.send_rate_limit = 3;
        config.bundle_rate_limit = 2;
    };
    /// One sender cannot fill a recipient's queue, nor drain their one-time prekeys: both are
    /// limited per account and minute, answered with 429 and when to try again.
    async fn sender_limits(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "wendy").await;
        for text in ["one", "two", "three"] {
            seeker
                .send_text(worker.account_id(), text.as_bytes())
                .await
                .unwrap();
        }
        let refused = seeker
            .send_text(worker.account_id(), b"four")
            .await
            .unwrap_err();
        let quietline_protocol::client::ClientError::Http {
            status: 429, code, ..
        } = refused
        else {
            panic!("expected 429, got {refused}");
        };
        assert_eq!(code, "rate_limited");
        // The recipient still hears from everyone else.
        worker
            .send_text(seeker.account_id(), b"still here")
            .await
            .unwrap();
        // The first send fetched the worker's bundles once; one more is allowed, then none.
        let path = format!("/v1/keys/{}", worker.account_id());
        app.get(Listener::Public, &path, Some(seeker.session.access_token.expose()))
            .await
            .expect(200);
        let drained = app
            .get(Listener::Public, &path, Some(seeker.session.access_token.expose()))
            .await
            .expect(429);
        assert!(drained.headers.get("retry-after").is_some());
        // A new minute, a new share.
        app.clock.advance(60);
        seeker.refresh().await.unwrap();
        seeker
            .send_text(worker.account_id(), b"four")
            .await
            .unwrap();
        assert_eq!(
            texts(&receive_all(&mut worker).await),
            vec!["one", "two", "three", "four"]
        );
    }
}

/// The next frame of a socket that must stay open.
async fn next(socket: &mut quietline_protocol::client::Socket) -> ServerFrame {
    socket
        .next_frame()
        .await
        .unwrap()
        .expect("the socket stays open")
}

both_backends! {
    async fn failed_acknowledgements_are_reported_and_never_silence_the_socket(app: TestApp) {
        let (mut seeker, mut worker) = pair(&app, "vera").await;
        seeker.send_text(worker.account_id(), b"still there?").await.unwrap();
        let mut socket = worker.connect().await.unwrap();
        assert_eq!(next(&mut socket).await, ServerFrame::Ready);
        let ServerFrame::Envelope { envelope } = next(&mut socket).await else { panic!("expected the message") };
        assert_eq!(next(&mut socket).await, ServerFrame::QueueEmpty);
        assert_eq!(worker.open(&envelope).await.unwrap().plaintext, b"still there?");

        // The storage refuses every delete, as a full disk or a failover would.
        let (refuse, allow): (Vec<&str>, Vec<&str>) = match app.backend {
            Backend::Sqlite => (
                vec!["CREATE TRIGGER refuse_deletes BEFORE DELETE ON envelopes BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"],
                vec!["DROP TRIGGER refuse_deletes"],
            ),
            Backend::Postgres => (
                vec![
                    "CREATE FUNCTION refuse_deletes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$ LANGUAGE plpgsql",
                    "CREATE TRIGGER refuse_deletes BEFORE DELETE ON envelopes FOR EACH ROW EXECUTE FUNCTION refuse_deletes()",
                ],
                vec!["DROP TRIGGER refuse_deletes ON envelopes"],
            ),
        };
        execute(&app, refuse).await;
        // More failures than the in-flight window holds: each is reported, and the envelope,
        // still queued, comes again every time.
        for _ in 0..70 {
            socket.acknowledge(vec![envelope.id]).await.unwrap();
            assert_eq!(next(&mut socket).await, ServerFrame::AcknowledgementFailed { ids: vec![envelope.id] });
            let ServerFrame::Envelope { envelope: again } = next(&mut socket).await else { panic!("expected the message again") };
            assert_eq!(again.id, envelope.id);
        }
        execute(&app, allow).await;
        socket.acknowledge(vec![envelope.id]).await.unwrap();
        // The acknowledgement went through: a new message is the next thing delivered.
        seeker.send_text(worker.account_id(), b"hello again").await.unwrap();
        let ServerFrame::Envelope { envelope: fresh } = next(&mut socket).await else { panic!("expected the new message") };
        assert!(fresh.id > envelope.id);
    }
}

/// A server on fresh PostgreSQL + Redis services, talking to Redis through `proxy`.
async fn behind(proxy: &StallableProxy, services: SharedServices) -> TestApp {
    let mut config = services.config();
    config.redis_url = Some(proxy.url.as_str().into());
    TestApp::start(Backend::Postgres, config, Some(services)).await
}

/// Redis is unreachable (connections open, nothing answered): a send is committed and answered
/// at once, and a device connected to the same instance still hears of it. (Redis exists only
/// with PostgreSQL.)
#[actix_web::test]
async fn sends_are_answered_and_delivered_while_redis_does_not_answer() {
    let Some(services) = SharedServices::create() else {
        return;
    };
    let proxy = StallableProxy::start(services.redis_url()).await;
    let app = behind(&proxy, services).await;
    let (mut seeker, mut worker) = pair(&app, "vera").await;
    seeker
        .send_text(worker.account_id(), b"first")
        .await
        .unwrap();
    let mut socket = worker.connect().await.unwrap();
    assert_eq!(next(&mut socket).await, ServerFrame::Ready);
    let ServerFrame::Envelope { envelope } = next(&mut socket).await else {
        panic!("expected the message")
    };
    assert_eq!(next(&mut socket).await, ServerFrame::QueueEmpty);
    socket.acknowledge(vec![envelope.id]).await.unwrap();

    proxy.stall();
    // Without a bound on Redis, the send limit and the notice wait for as long as Redis is gone
    // and the client gives up; with one, the send is answered.
    seeker
        .send_text(worker.account_id(), b"while redis is gone")
        .await
        .unwrap();
    let ServerFrame::Envelope { envelope } = next(&mut socket).await else {
        panic!("expected the message during the outage")
    };
    assert_eq!(
        worker.open(&envelope).await.unwrap().plaintext,
        b"while redis is gone"
    );
    assert!(
        app.state.bus.unsent() > 0,
        "the notice is kept for the other instances"
    );
    proxy.resume();
}

/// A notice Redis did not take reaches a device on another instance once Redis answers again,
/// without waiting for the connection's keepalive rescan.
#[actix_web::test]
async fn a_notice_lost_to_an_outage_reaches_other_instances_when_redis_is_back() {
    let Some(services) = SharedServices::create() else {
        return;
    };
    let proxy = StallableProxy::start(services.redis_url()).await;
    let mut proxied = services.config();
    proxied.redis_url = Some(proxy.url.as_str().into());
    // The instance owning the services is dropped last.
    let other = TestApp::start(Backend::Postgres, services.config(), Some(services)).await;
    let app = TestApp::start(Backend::Postgres, proxied, None).await;
    // The worker is served by the other instance, the seeker by the one behind the proxy. (The
    // instance started last holds the current setup token.)
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let grant = other.enrol_worker(&root, &org, "vera", &["tl", "en"]).await;
    let worker = Client::with_session(&other.public, grant).await.unwrap();
    let mut seeker = join(&app, &root, &org, &worker).await;
    let mut socket = worker.connect().await.unwrap();
    assert_eq!(next(&mut socket).await, ServerFrame::Ready);
    assert_eq!(next(&mut socket).await, ServerFrame::QueueEmpty);

    proxy.stall();
    seeker
        .send_text(worker.account_id(), b"held back")
        .await
        .unwrap();
    proxy.resume();
    // Well inside the 30 s keepalive after which the socket would look at its queue anyway.
    let frame = tokio::time::timeout(std::time::Duration::from_secs(20), socket.next_frame())
        .await
        .expect("the notice arrives once Redis is back")
        .unwrap();
    assert!(
        matches!(frame, Some(ServerFrame::Envelope { .. })),
        "{frame:?}"
    );
}

/// Runs statements on the server's database, as an operator (or a failing disk) would.
async fn execute(app: &TestApp, statements: Vec<&'static str>) {
    app.state
        .db
        .write(move |conn| {
            for sql in statements {
                diesel::RunQueryDsl::execute(diesel::sql_query(sql), conn)?;
            }
            Ok::<_, quietline_server::db::DbError>(())
        })
        .await
        .unwrap();
}

both_backends! {
    async fn an_instance_that_cannot_store_messages_says_so_and_recovers(app: TestApp) {
        let (mut seeker, worker) = pair(&app, "vera").await;
        app.get(Listener::Admin, "/healthz", None).await.expect(200);
        // The storage refuses every new envelope, as a full disk would.
        let (refuse, allow): (Vec<&str>, Vec<&str>) = match app.backend {
            Backend::Sqlite => (
                vec!["CREATE TRIGGER refuse_inserts BEFORE INSERT ON envelopes BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"],
                vec!["DROP TRIGGER refuse_inserts"],
            ),
            Backend::Postgres => (
                vec![
                    "CREATE FUNCTION refuse_inserts() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$ LANGUAGE plpgsql",
                    "CREATE TRIGGER refuse_inserts BEFORE INSERT ON envelopes FOR EACH ROW EXECUTE FUNCTION refuse_inserts()",
                ],
                vec!["DROP TRIGGER refuse_inserts ON envelopes"],
            ),
        };
        execute(&app, refuse).await;
        match seeker.send_text(worker.account_id(), b"are you there").await {
            Err(quietline_protocol::client::ClientError::Http { status, code, .. }) => {
                assert_eq!((status, code.as_str()), (503, "service_unavailable"));
            }
            other => panic!("expected 503, got {other:?}"),
        }
        let health = app.get(Listener::Admin, "/healthz", None).await.expect(503);
        assert_eq!(health.body["envelope_writer"], json!(false));
        assert_eq!(health.body["database"], json!(true));

        execute(&app, allow).await;
        seeker.send_text(worker.account_id(), b"are you there").await.unwrap();
        let health = app.get(Listener::Admin, "/healthz", None).await.expect(200);
        assert_eq!(health.body["envelope_writer"], json!(true));
    }
}

both_backends_with! {
    |config| config.sockets_per_device = 2;
    /// One device cannot hold more sockets than its share: one more is refused with 429 and when
    /// to try again, also when it authenticates in its first frame; a closed socket frees its place.
    async fn a_device_holds_only_so_many_sockets(app: TestApp) {
        let (_, worker) = pair(&app, "vera").await;
        let mut first = worker.connect().await.unwrap();
        assert_eq!(next(&mut first).await, ServerFrame::Ready);
        let mut second = worker.connect().await.unwrap();
        assert_eq!(next(&mut second).await, ServerFrame::Ready);

        let refused = app.websocket_upgrade(worker.session.access_token.expose()).await.expect(429);
        assert_eq!(refused.code(), "rate_limited");
        assert!(refused.headers.contains_key("retry-after"));
        // Authenticated in its first frame, the socket is closed with "try again later".
        let url = format!("{}/v1/websocket", app.public.replacen("http", "ws", 1));
        let (_, mut framed) = awc::Client::new().ws(url).connect().await.unwrap();
        use futures_util::{SinkExt, StreamExt};
        let auth = serde_json::to_string(&json!({"type": "auth", "token": worker.session.access_token})).unwrap();
        framed.send(awc::ws::Message::Text(auth.into())).await.unwrap();
        let Some(Ok(awc::ws::Frame::Close(Some(reason)))) = framed.next().await else { panic!("expected the socket to be closed") };
        assert_eq!(reason.code, awc::ws::CloseCode::Again);

        // A closed socket frees its place.
        first.close().await.unwrap();
        let mut third = worker.connect().await.unwrap();
        assert_eq!(next(&mut third).await, ServerFrame::Ready);
        app.websocket_upgrade(worker.session.access_token.expose()).await.expect(429);
    }
}
