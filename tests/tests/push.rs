//! Push wake-ups end to end: a device's Web Push subscription, a local push service started by
//! the test, and payloads the test decrypts as the device would (RFC 8291), on both backends and
//! across two instances.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use quietline_protocol::client::Client;
use quietline_protocol::push::WAKE_PAYLOAD;
use quietline_server::push::deliver::coalescing_key;
use quietline_tests::{Backend, Listener, SharedServices, TestApp, both_backends_with};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// A push as the push service received it.
struct Received {
    headers: actix_web::http::header::HeaderMap,
    body: Vec<u8>,
}

/// A push service on a free port: records every push, answers with `status`.
struct PushService {
    url: String,
    pushes: mpsc::UnboundedReceiver<Received>,
    status: Arc<AtomicU16>,
}

struct Recorder {
    sender: mpsc::UnboundedSender<Received>,
    status: Arc<AtomicU16>,
}

async fn record(req: HttpRequest, body: web::Bytes, recorder: web::Data<Recorder>) -> HttpResponse {
    let _ = recorder.sender.send(Received {
        headers: req.headers().clone(),
        body: body.to_vec(),
    });
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(recorder.status.load(Ordering::SeqCst)).unwrap(),
    )
    .finish()
}

fn push_service() -> PushService {
    let (sender, pushes) = mpsc::unbounded_channel();
    let status = Arc::new(AtomicU16::new(201));
    let recorder = web::Data::new(Recorder {
        sender,
        status: status.clone(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(recorder.clone())
            .default_service(web::to(record))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/wpush/device-1", server.addrs()[0]);
    actix_web::rt::spawn(server.run());
    PushService {
        url,
        pushes,
        status,
    }
}

/// A device's subscription keys, as a browser or a UnifiedPush distributor makes them.
struct DeviceKeys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

fn device_keys() -> DeviceKeys {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    DeviceKeys {
        secret: p256::SecretKey::from_slice(&bytes).unwrap(),
        auth: *uuid::Uuid::new_v4().as_bytes(),
    }
}

/// Waits until the instances together have handled `n` wake-ups.
async fn handled(apps: &[&TestApp], n: u64) {
    let total = || {
        apps.iter()
            .map(|app| *app.state.push.handled.borrow())
            .sum::<u64>()
    };
    let mut watchers: Vec<_> = apps
        .iter()
        .map(|app| app.state.push.handled.subscribe())
        .collect();
    tokio::time::timeout(Duration::from_secs(60), async {
        while total() < n {
            let changes = watchers.iter_mut().map(|w| Box::pin(w.changed()));
            let _ = futures_util::future::select_all(changes).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} of {n} wake-ups handled", total()));
}

fn drain(service: &mut PushService) -> Vec<Received> {
    let mut all = Vec::new();
    while let Ok(push) = service.pushes.try_recv() {
        all.push(push);
    }
    all
}

/// The VAPID token of a push, checked against the key the server publishes.
fn check_vapid(push: &Received, server_key: &str, endpoint: &str) {
    let authorization = push.headers.get("authorization").unwrap().to_str().unwrap();
    let rest = authorization.strip_prefix("vapid t=").unwrap();
    let (token, key) = rest.split_once(", k=").unwrap();
    assert_eq!(key, server_key);
    let point = URL_SAFE_NO_PAD.decode(key).unwrap();
    assert_eq!(point.len(), 65);
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&point[1..33]),
        &URL_SAFE_NO_PAD.encode(&point[33..]),
    )
    .unwrap();
    let origin = endpoint.split("/wpush").next().unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[origin]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(token, &decoding, &validation)
        .expect("a valid VAPID token for the endpoint's origin")
        .claims;
    assert!(claims["sub"].as_str().is_some());
}

/// The scenario: a worker's offline device subscribes; ten envelopes in a burst make one push,
/// content-free and of fixed size; once the push service says the endpoint is gone, the
/// subscription is removed. `apps` are instances on the same services (the first takes the API
/// calls).
async fn wake_ups(apps: &[&TestApp]) {
    let app = apps[0];
    let mut service = push_service();
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let grant = app.enrol_worker(&root, &org, "sleeper", &["tl"]).await;
    let token = grant.access_token.expose().to_owned();
    let worker = Client::with_session(&app.public, grant).await.unwrap();
    let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;

    let keys = device_keys();
    let server_key = app
        .get(Listener::Public, "/v1/push/server-key", Some(&token))
        .await
        .expect(200)
        .body["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let subscription = json!({
        "endpoint": service.url,
        "p256dh": URL_SAFE_NO_PAD.encode(keys.secret.public_key().to_encoded_point(false).as_bytes()),
        "auth": URL_SAFE_NO_PAD.encode(keys.auth),
    });
    app.call(
        "PUT",
        Listener::Public,
        "/v1/push/subscription",
        Some(&token),
        Some(&subscription),
    )
    .await
    .expect(204);
    // Sealed at rest: the endpoint is nowhere in the database.
    assert!(app.rows_mentioning(&service.url).await.is_empty());
    assert!(app.rows_mentioning("wpush").await.is_empty());

    // Ten envelopes in a burst, the device offline: one push.
    let handled_before: u64 = apps.iter().map(|a| *a.state.push.handled.borrow()).sum();
    for i in 0..10 {
        seeker
            .send_text(worker.account_id(), format!("message {i}").as_bytes())
            .await
            .unwrap();
    }
    handled(apps, handled_before + 10 * apps.len() as u64).await;
    let pushes = drain(&mut service);
    assert_eq!(pushes.len(), 1, "ten envelopes, one push");
    let push = &pushes[0];
    assert_eq!(push.headers.get("content-encoding").unwrap(), "aes128gcm");
    assert!(push.headers.get("ttl").is_some());
    check_vapid(push, &server_key, &service.url);
    let auth = web_push_native::Auth::clone_from_slice(&keys.auth);
    let plain = web_push_native::decrypt(push.body.clone(), &keys.secret, &auth).unwrap();
    assert_eq!(plain, WAKE_PAYLOAD.to_vec(), "the push says nothing");
    let first_size = push.body.len();
    // The coalescing marks in Redis name no account.
    for instance in apps {
        if let Some(services) = &instance.services {
            assert!(!services.redis_dump().contains(worker.account_id()));
        }
    }

    // The interval ends; the push service now says the endpoint is gone.
    service.status.store(410, Ordering::SeqCst);
    let key = coalescing_key(
        &app.state.sealer,
        &worker.account_id().into(),
        worker.device_id(),
    );
    app.state.kv.unmark(&key).await.unwrap();
    let handled_before: u64 = apps.iter().map(|a| *a.state.push.handled.borrow()).sum();
    seeker
        .send_text(worker.account_id(), b"one more")
        .await
        .unwrap();
    handled(apps, handled_before + apps.len() as u64).await;
    let pushes = drain(&mut service);
    assert_eq!(pushes.len(), 1);
    assert_eq!(
        pushes[0].body.len(),
        first_size,
        "every push has the same size"
    );
    assert_eq!(
        app.count_rows("push_subscriptions", None).await,
        0,
        "a gone endpoint is removed"
    );

    // Nothing to push to any more.
    app.state.kv.unmark(&key).await.unwrap();
    let handled_before: u64 = apps.iter().map(|a| *a.state.push.handled.borrow()).sum();
    seeker
        .send_text(worker.account_id(), b"and another")
        .await
        .unwrap();
    handled(apps, handled_before + apps.len() as u64).await;
    assert!(drain(&mut service).is_empty());
}

both_backends_with! {
    |config| {
        config.push_allow_http = true;
        config.push_interval = 3600;
    };
    async fn ten_envelopes_make_one_content_free_push(app: TestApp) {
        wake_ups(&[&app]).await;
    }

    async fn subscriptions_are_checked(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let token = seeker.access_token.expose();
        for bad in [
            json!({"endpoint": "ftp://push.example.org/x", "p256dh": "AAAA", "auth": "AAAA"}),
            json!({"endpoint": "https://push.example.org/x", "p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}),
            json!({"endpoint": "https://push.example.org/x"}),
        ] {
            let refused = app
                .call("PUT", Listener::Public, "/v1/push/subscription", Some(token), Some(&bad))
                .await;
            assert_eq!(refused.status, 422, "{bad}");
        }
        app.call("PUT", Listener::Public, "/v1/push/subscription", None, Some(&json!({})))
            .await
            .expect(401);
        app.call("DELETE", Listener::Public, "/v1/push/subscription", Some(token), None)
            .await
            .expect(204);
    }
}

/// Two instances hear every wake-up; exactly one of them pushes.
#[actix_web::test]
async fn one_instance_pushes_for_a_wake_up() {
    let Some(services) = SharedServices::create() else {
        return;
    };
    let mut config = services.config();
    config.push_allow_http = true;
    config.push_interval = 3600;
    let second = TestApp::start(Backend::Postgres, config.clone(), Some(services)).await;
    let first = TestApp::start(Backend::Postgres, config, None).await;
    wake_ups(&[&first, &second]).await;
}
