//! Push wake-ups end to end, on both backends and across two instances: a device's Web Push
//! subscription, APNs device token or FCM registration token; a local push service over TLS
//! started by the test in place of the browser's push service, Apple's or Google's; and payloads
//! the test decrypts (RFC 8291) or reads as the device would.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use quietline_protocol::client::Client;
use quietline_protocol::push::{APNS_WAKE_BODY, FCM_WAKE_DATA, WAKE_PAYLOAD};
use quietline_server::config::Config;
use quietline_server::push::deliver::coalescing_key;
use quietline_tests::{Backend, Listener, SharedServices, TestApp, both_backends_with};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// A request as the push service received it.
struct Received {
    path: String,
    version: actix_web::http::Version,
    headers: actix_web::http::header::HeaderMap,
    body: Vec<u8>,
}

/// What the push service answers to pushes: a status and a JSON body.
type Reply = Arc<Mutex<(u16, serde_json::Value)>>;

/// A push service on a free port, over TLS with the test authority's certificate (HTTP/2 where
/// the client offers it): records every push, answers with `reply`. It also stands in for
/// Google's OAuth token endpoint at `/token`.
struct PushService {
    origin: String,
    pushes: mpsc::UnboundedReceiver<Received>,
    token_requests: mpsc::UnboundedReceiver<Received>,
    reply: Reply,
}

struct Recorder {
    pushes: mpsc::UnboundedSender<Received>,
    token_requests: mpsc::UnboundedSender<Received>,
    reply: Reply,
}

/// The access token the stand-in token endpoint grants.
const ACCESS_TOKEN: &str = "ya29.test-access-token";

async fn record(req: HttpRequest, body: web::Bytes, recorder: web::Data<Recorder>) -> HttpResponse {
    let received = Received {
        path: req.path().to_owned(),
        version: req.version(),
        headers: req.headers().clone(),
        body: body.to_vec(),
    };
    if req.path() == "/token" {
        let _ = recorder.token_requests.send(received);
        return HttpResponse::Ok().json(json!({
            "access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer",
        }));
    }
    let _ = recorder.pushes.send(received);
    let (status, body) = recorder.reply.lock().unwrap().clone();
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(body)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/push")
        .join(name)
}

fn tls_settings() -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(fixture("service.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("service.key")).unwrap();
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

fn push_service() -> PushService {
    let (pushes_in, pushes) = mpsc::unbounded_channel();
    let (tokens_in, token_requests) = mpsc::unbounded_channel();
    let reply: Reply = Arc::new(Mutex::new((201, json!({}))));
    let recorder = web::Data::new(Recorder {
        pushes: pushes_in,
        token_requests: tokens_in,
        reply: reply.clone(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(recorder.clone())
            .default_service(web::to(record))
    })
    .workers(1)
    .bind_rustls_0_23("127.0.0.1:0", tls_settings())
    .unwrap();
    let origin = format!("https://{}", server.addrs()[0]);
    actix_web::rt::spawn(server.run());
    PushService {
        origin,
        pushes,
        token_requests,
        reply,
    }
}

/// The server trusts the test authority for push services.
fn trust_test_authority(config: &mut Config) {
    config.push_ca_file = Some(fixture("ca.pem"));
    config.push_interval = 3600;
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

fn drain(received: &mut mpsc::UnboundedReceiver<Received>) -> Vec<Received> {
    let mut all = Vec::new();
    while let Ok(push) = received.try_recv() {
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

/// How a device receives its pushes, and what the test knows to check them.
enum Device {
    WebPush(DeviceKeys),
    Apns(String),
    Fcm(String),
}

impl Device {
    fn subscription(&self, service: &PushService) -> serde_json::Value {
        match self {
            Device::WebPush(keys) => json!({
                "kind": "web_push",
                "endpoint": format!("{}/wpush/device-1", service.origin),
                "p256dh": URL_SAFE_NO_PAD.encode(keys.secret.public_key().to_encoded_point(false).as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(keys.auth),
            }),
            Device::Apns(token) => json!({"kind": "apns", "token": token}),
            Device::Fcm(token) => json!({"kind": "fcm", "token": token}),
        }
    }

    /// What the push service says when the device is gone.
    fn gone(&self) -> (u16, serde_json::Value) {
        match self {
            Device::WebPush(_) => (410, json!({})),
            Device::Apns(_) => (410, json!({"reason": "Unregistered", "timestamp": 0})),
            Device::Fcm(_) => (
                404,
                json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}
                ]}}),
            ),
        }
    }

    /// Checks one push: addressed and authorised as its service requires, and content-free.
    /// Returns what every push to this device must equal in size.
    fn check(&self, push: &Received, service: &PushService, server_key: &str) -> usize {
        match self {
            Device::WebPush(keys) => {
                assert_eq!(push.path, "/wpush/device-1");
                assert_eq!(push.headers.get("content-encoding").unwrap(), "aes128gcm");
                assert!(push.headers.get("ttl").is_some());
                check_vapid(push, server_key, &service.origin);
                let auth = web_push_native::Auth::clone_from_slice(&keys.auth);
                let plain =
                    web_push_native::decrypt(push.body.clone(), &keys.secret, &auth).unwrap();
                assert_eq!(plain, WAKE_PAYLOAD.to_vec(), "the push says nothing");
            }
            Device::Apns(token) => {
                assert_eq!(
                    push.version,
                    actix_web::http::Version::HTTP_2,
                    "APNs is HTTP/2"
                );
                assert_eq!(push.path, format!("/3/device/{token}"));
                let header = |name: &str| push.headers.get(name).unwrap().to_str().unwrap();
                assert_eq!(header("apns-topic"), APNS_TOPIC);
                assert_eq!(header("apns-push-type"), "background");
                assert_eq!(header("apns-priority"), "5");
                let jwt = header("authorization").strip_prefix("bearer ").unwrap();
                let key = std::fs::read(fixture("apns.pub.pem")).unwrap();
                let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
                validation.required_spec_claims.clear();
                validation.validate_exp = false;
                let decoded = jsonwebtoken::decode::<serde_json::Value>(
                    jwt,
                    &jsonwebtoken::DecodingKey::from_ec_pem(&key).unwrap(),
                    &validation,
                )
                .expect("a provider token signed with the team's key");
                assert_eq!(decoded.header.kid.as_deref(), Some(APNS_KEY_ID));
                assert_eq!(decoded.claims["iss"], APNS_TEAM_ID);
                assert!(decoded.claims["iat"].as_i64().is_some());
                assert_eq!(
                    push.body,
                    APNS_WAKE_BODY.as_bytes(),
                    "the push says nothing"
                );
            }
            Device::Fcm(token) => {
                assert_eq!(
                    push.path,
                    format!("/v1/projects/{FCM_PROJECT}/messages:send")
                );
                assert_eq!(
                    push.headers.get("authorization").unwrap().to_str().unwrap(),
                    format!("Bearer {ACCESS_TOKEN}")
                );
                let message: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
                let message = &message["message"];
                assert_eq!(message["token"], token.as_str());
                let (key, value) = FCM_WAKE_DATA;
                assert_eq!(
                    message["data"],
                    json!({ key: value }),
                    "the push says nothing"
                );
                assert!(message.get("notification").is_none());
                assert_eq!(message["android"]["collapse_key"], "wake");
            }
        }
        push.body.len()
    }
}

const APNS_KEY_ID: &str = "KEY1234567";
const APNS_TEAM_ID: &str = "TEAM123456";
const APNS_TOPIC: &str = "org.example.pantrynotes";
const FCM_PROJECT: &str = "pantry-notes";
const FCM_ACCOUNT: &str = "push@pantry-notes.iam.gserviceaccount.com";

/// The server pushes through APNs, the test's push service standing in for Apple's.
fn with_apns(config: &mut Config, service: &PushService) {
    trust_test_authority(config);
    config.push_apns_key_file = Some(fixture("apns.p8"));
    config.push_apns_key_id = Some(APNS_KEY_ID.into());
    config.push_apns_team_id = Some(APNS_TEAM_ID.into());
    config.push_apns_topic = Some(APNS_TOPIC.into());
    config.push_apns_url = service.origin.clone();
}

/// The server pushes through FCM with a service account key file as Firebase hands it out, the
/// test's push service standing in for Google's token endpoint and FCM.
fn with_fcm(config: &mut Config, service: &PushService) {
    trust_test_authority(config);
    let account = json!({
        "type": "service_account",
        "project_id": FCM_PROJECT,
        "private_key_id": "f00dfeed",
        "private_key": std::fs::read_to_string(fixture("fcm.key")).unwrap(),
        "client_email": FCM_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": format!("{}/token", service.origin),
    });
    let path = config.data_dir.join("fcm-service-account.json");
    std::fs::create_dir_all(&config.data_dir).unwrap();
    std::fs::write(&path, account.to_string()).unwrap();
    config.push_fcm_credentials_file = Some(path);
    config.push_fcm_url = service.origin.clone();
}

/// The FCM access token was asked for with an assertion signed by the service account's key.
fn check_token_request(request: &Received, service: &PushService) {
    let form: Vec<(String, String)> = url_form(&request.body);
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap()
    };
    assert_eq!(
        field("grant_type"),
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let key = std::fs::read(fixture("fcm.pub.pem")).unwrap();
    let token_uri = format!("{}/token", service.origin);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&token_uri]);
    validation.set_issuer(&[FCM_ACCOUNT]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        &field("assertion"),
        &jsonwebtoken::DecodingKey::from_rsa_pem(&key).unwrap(),
        &validation,
    )
    .expect("an assertion signed with the service account's key")
    .claims;
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );
}

/// `application/x-www-form-urlencoded`, decoded.
fn url_form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap()
}

/// The scenario: a worker's offline device subscribes; ten envelopes in a burst make one push,
/// content-free and of fixed size; once the push service says the device is gone, the
/// subscription is removed. `apps` are instances on the same services (the first takes the API
/// calls).
async fn wake_ups(apps: &[&TestApp], mut service: PushService, device: Device) {
    let app = apps[0];
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let grant = app.enrol_worker(&root, &org, "sleeper", &["tl"]).await;
    let token = grant.access_token.expose().to_owned();
    let worker = Client::with_session(&app.public, grant).await.unwrap();
    let mut seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;

    let server_key = app
        .get(Listener::Public, "/v1/push/server-key", Some(&token))
        .await
        .expect(200)
        .body["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let subscription = device.subscription(&service);
    app.call(
        "PUT",
        Listener::Public,
        "/v1/push/subscription",
        Some(&token),
        Some(&subscription),
    )
    .await
    .expect(204);
    // Sealed at rest: where the pushes go is nowhere in the database.
    let secret_part = match &device {
        Device::WebPush(_) => "wpush".to_owned(),
        Device::Apns(token) | Device::Fcm(token) => token.clone(),
    };
    assert!(app.rows_mentioning(&secret_part).await.is_empty());
    assert!(app.rows_mentioning(&service.origin).await.is_empty());

    // Ten envelopes in a burst, the device offline: one push.
    let handled_before: u64 = apps.iter().map(|a| *a.state.push.handled.borrow()).sum();
    for i in 0..10 {
        seeker
            .send_text(worker.account_id(), format!("message {i}").as_bytes())
            .await
            .unwrap();
    }
    handled(apps, handled_before + 10 * apps.len() as u64).await;
    let pushes = drain(&mut service.pushes);
    assert_eq!(pushes.len(), 1, "ten envelopes, one push");
    let first_size = device.check(&pushes[0], &service, &server_key);
    if let Device::Fcm(_) = device {
        let requests = drain(&mut service.token_requests);
        assert_eq!(requests.len(), 1, "one access token");
        check_token_request(&requests[0], &service);
    }
    // The coalescing marks in Redis name no account.
    for instance in apps {
        if let Some(services) = &instance.services {
            assert!(!services.redis_dump().contains(worker.account_id()));
        }
    }

    // The interval ends; the push service now says the device is gone.
    *service.reply.lock().unwrap() = device.gone();
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
    let pushes = drain(&mut service.pushes);
    assert_eq!(pushes.len(), 1);
    assert_eq!(
        device.check(&pushes[0], &service, &server_key),
        first_size,
        "every push has the same size"
    );
    if let Device::Fcm(_) = device {
        // Unless it lapses, the access token is asked for once.
        assert!(drain(&mut service.token_requests).is_empty());
    }
    assert_eq!(
        app.count_rows("push_subscriptions", None).await,
        0,
        "a gone device's subscription is removed"
    );

    // Nothing to push to any more.
    app.state.kv.unmark(&key).await.unwrap();
    let handled_before: u64 = apps.iter().map(|a| *a.state.push.handled.borrow()).sum();
    seeker
        .send_text(worker.account_id(), b"and another")
        .await
        .unwrap();
    handled(apps, handled_before + apps.len() as u64).await;
    assert!(drain(&mut service.pushes).is_empty());
}

/// A hex APNs device token, as iOS hands them out (32 bytes).
fn apns_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// An FCM registration token of the form Firebase hands out.
fn fcm_token() -> String {
    format!(
        "{}:APA91b{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Runs `scenario` against one instance on `backend`, its push service started first.
async fn on(
    backend: Backend,
    configure: fn(&mut Config, &PushService),
    device: impl FnOnce() -> Device,
) {
    let service = push_service();
    let Some(app) = TestApp::spawn_with(backend, |config| configure(config, &service)).await else {
        return;
    };
    wake_ups(&[&app], service, device()).await;
}

macro_rules! on_both_backends {
    ($($name:ident: $configure:expr, $device:expr;)*) => {$(
        mod $name {
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                on(Backend::Sqlite, $configure, $device).await;
            }

            #[actix_web::test]
            async fn postgres() {
                on(Backend::Postgres, $configure, $device).await;
            }
        }
    )*};
}

on_both_backends! {
    ten_envelopes_make_one_content_free_web_push: |config, _| trust_test_authority(config), || Device::WebPush(device_keys());
    ten_envelopes_make_one_content_free_apns_push: with_apns, || Device::Apns(apns_token());
    ten_envelopes_make_one_content_free_fcm_push: with_fcm, || Device::Fcm(fcm_token());
}

both_backends_with! {
    trust_test_authority;
    async fn subscriptions_are_checked(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let token = seeker.access_token.expose();
        for bad in [
            json!({"kind": "web_push", "endpoint": "ftp://push.example.org/x", "p256dh": "AAAA", "auth": "AAAA"}),
            json!({"kind": "web_push", "endpoint": "https://push.example.org/x", "p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}),
            json!({"kind": "web_push", "endpoint": "https://push.example.org/x"}),
            // Plain http only where the configuration allows it.
            Device::WebPush(device_keys()).subscription(&PushService::pretend("http://127.0.0.1:9")),
            // No kind, or a vendor this server has no credentials for.
            json!({"token": apns_token()}),
            json!({"kind": "apns", "token": apns_token()}),
            json!({"kind": "fcm", "token": fcm_token()}),
        ] {
            let refused = app
                .call("PUT", Listener::Public, "/v1/push/subscription", Some(token), Some(&bad))
                .await;
            assert_eq!(refused.status, 422, "{bad}");
        }
        let good = Device::WebPush(device_keys()).subscription(&PushService::pretend("https://push.example.org"));
        app.call("PUT", Listener::Public, "/v1/push/subscription", Some(token), Some(&good))
            .await
            .expect(204);
        app.call("PUT", Listener::Public, "/v1/push/subscription", None, Some(&json!({})))
            .await
            .expect(401);
        app.call("DELETE", Listener::Public, "/v1/push/subscription", Some(token), None)
            .await
            .expect(204);
        assert_eq!(app.count_rows("push_subscriptions", None).await, 0);
    }
}

/// A server with APNs configured refuses tokens that are not an APNs token's form.
#[actix_web::test]
async fn vendor_tokens_are_checked() {
    let service = push_service();
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        with_apns(config, &service);
        with_fcm(config, &service);
    })
    .await
    .unwrap();
    let seeker = app.sign_up_seeker().await;
    let token = seeker.access_token.expose();
    for bad in [
        json!({"kind": "apns", "token": "not hex at all"}),
        json!({"kind": "apns", "token": "abc"}),
        json!({"kind": "apns", "token": "ab".repeat(201)}),
        json!({"kind": "fcm", "token": "has spaces in it"}),
        json!({"kind": "fcm", "token": ""}),
        json!({"kind": "fcm", "token": "a".repeat(4097)}),
    ] {
        let refused = app
            .call(
                "PUT",
                Listener::Public,
                "/v1/push/subscription",
                Some(token),
                Some(&bad),
            )
            .await;
        assert_eq!(refused.status, 422, "{bad}");
    }
    for good in [
        json!({"kind": "apns", "token": apns_token()}),
        json!({"kind": "fcm", "token": fcm_token()}),
    ] {
        app.call(
            "PUT",
            Listener::Public,
            "/v1/push/subscription",
            Some(token),
            Some(&good),
        )
        .await
        .expect(204);
    }
}

/// Credentials that cannot be used stop start-up, naming the key.
#[actix_web::test]
async fn unusable_vendor_credentials_stop_start_up() {
    let data_dir = std::env::temp_dir().join(format!("quietline-push-{}", uuid::Uuid::new_v4()));
    let mut config = quietline_tests::base_config(&data_dir);
    config.push_apns_key_file = Some(fixture("fcm.pub.pem"));
    config.push_apns_key_id = Some(APNS_KEY_ID.into());
    config.push_apns_team_id = Some(APNS_TEAM_ID.into());
    config.push_apns_topic = Some(APNS_TOPIC.into());
    let error = quietline_server::startup::build_state(
        config,
        Arc::new(quietline_server::clock::SystemClock),
    )
    .await
    .err()
    .expect("an unusable APNs key is refused");
    assert!(
        format!("{error:#}").contains("QUIETLINE_PUSH_APNS_KEY_FILE"),
        "{error:#}"
    );
}

impl PushService {
    /// A service at `origin` that is never reached (for subscriptions that are only checked).
    fn pretend(origin: &str) -> PushService {
        let (_, pushes) = mpsc::unbounded_channel();
        let (_, token_requests) = mpsc::unbounded_channel();
        PushService {
            origin: origin.to_owned(),
            pushes,
            token_requests,
            reply: Arc::new(Mutex::new((201, json!({})))),
        }
    }
}

/// Two instances hear every wake-up; exactly one of them pushes.
#[actix_web::test]
async fn one_instance_pushes_for_a_wake_up() {
    let Some(services) = SharedServices::create() else {
        return;
    };
    let mut config = services.config();
    trust_test_authority(&mut config);
    let second = TestApp::start(Backend::Postgres, config.clone(), Some(services)).await;
    let first = TestApp::start(Backend::Postgres, config, None).await;
    wake_ups(
        &[&first, &second],
        push_service(),
        Device::WebPush(device_keys()),
    )
    .await;
}
