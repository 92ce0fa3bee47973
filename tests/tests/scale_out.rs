//! Several stateless instances behind a load balancer: they share PostgreSQL, Redis and the key
//! files, so a session, a revocation or a rate limit on one holds on all. On SQLite the bus is
//! in-process.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::SessionGrant;
use quietline_server::bus::BusEvent;
use quietline_tests::{Backend, Listener, SharedServices, TestApp};
use serde_json::json;
use std::time::Duration;

/// Two instances on the same services. The second owns the services, so it is dropped last.
async fn two_instances(
    adjust: impl Fn(&mut quietline_server::config::Config),
) -> Option<(TestApp, TestApp)> {
    let services = SharedServices::create()?;
    let mut config = services.config();
    adjust(&mut config);
    let second = TestApp::start(Backend::Postgres, config.clone(), Some(services)).await;
    let first = TestApp::start(Backend::Postgres, config, None).await;
    Some((first, second))
}

async fn next_revocation(receiver: &mut tokio::sync::broadcast::Receiver<BusEvent>) -> BusEvent {
    tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("an event within 10 s")
        .expect("the bus is open")
}

#[actix_web::test]
async fn a_session_from_one_instance_works_and_ends_on_another() {
    let Some((a, b)) = two_instances(|_| {}).await else {
        return;
    };
    let seeker = a.sign_up_seeker().await;
    b.get(
        Listener::Public,
        "/v1/account",
        Some(seeker.access_token.expose()),
    )
    .await
    .expect(200);

    let refreshed: SessionGrant = b
        .post(
            Listener::Public,
            "/v1/sessions/refresh",
            None,
            json!({"refresh_token": seeker.refresh_token}),
        )
        .await
        .expect(200)
        .json();
    a.get(
        Listener::Public,
        "/v1/account",
        Some(refreshed.access_token.expose()),
    )
    .await
    .expect(200);
    // Replaying the spent token on the other instance is still detected.
    let reuse = a
        .post(
            Listener::Public,
            "/v1/sessions/refresh",
            None,
            json!({"refresh_token": seeker.refresh_token}),
        )
        .await
        .expect(401);
    assert_eq!(reuse.code(), "refresh_token_reused");
    b.get(
        Listener::Public,
        "/v1/account",
        Some(refreshed.access_token.expose()),
    )
    .await
    .expect(401);
    a.get(Listener::Admin, "/healthz", None).await.expect(200);
    b.get(Listener::Admin, "/healthz", None).await.expect(200);
}

#[actix_web::test]
async fn a_revocation_on_one_instance_reaches_the_bus_of_another() {
    let Some((a, b)) = two_instances(|_| {}).await else {
        return;
    };
    let mut on_b = b.state.bus.subscribe();
    let seeker = a.sign_up_seeker().await;
    let second: SessionGrant = a
        .post(
            Listener::Public,
            "/v1/devices",
            Some(seeker.access_token.expose()),
            json!({}),
        )
        .await
        .expect(200)
        .json();

    a.call(
        "DELETE",
        Listener::Public,
        "/v1/devices/2",
        Some(seeker.access_token.expose()),
        None,
    )
    .await
    .expect(204);

    assert_eq!(
        next_revocation(&mut on_b).await,
        BusEvent::SessionsRevoked {
            account_id: seeker.account_id.clone(),
            device_id: Some(2)
        }
    );
    b.get(
        Listener::Public,
        "/v1/account",
        Some(second.access_token.expose()),
    )
    .await
    .expect(401);
    // What crossed Redis names an account and a device, nothing more.
    let mut on_a = a.state.bus.subscribe();
    b.call(
        "DELETE",
        Listener::Public,
        "/v1/account",
        Some(seeker.access_token.expose()),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        next_revocation(&mut on_a).await,
        BusEvent::SessionsRevoked {
            account_id: seeker.account_id,
            device_id: None
        }
    );
}

#[actix_web::test]
async fn the_signup_rate_limit_is_shared_by_all_instances() {
    let Some((a, b)) = two_instances(|config| config.signup_rate_limit = 3).await else {
        return;
    };
    a.sign_up_seeker().await;
    b.sign_up_seeker().await;
    a.sign_up_seeker().await;
    let body = b.solved_signup().await;
    let refused = b
        .post(Listener::Public, "/v1/seekers", None, body)
        .await
        .expect(429);
    assert_eq!(refused.code(), "rate_limited");
    // No client address is kept in Redis: only salted hashes as key names.
    let dump = b.services.as_ref().unwrap().redis_dump();
    assert!(dump.contains("kv:signup:"));
    assert!(!dump.contains("127.0.0.1"));
}

#[actix_web::test]
async fn the_in_process_bus_carries_revocations_on_sqlite() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut events = app.state.bus.subscribe();
    let seeker = app.sign_up_seeker().await;
    app.post(
        Listener::Public,
        "/v1/sessions/logout",
        Some(seeker.access_token.expose()),
        json!({}),
    )
    .await
    .expect(204);
    assert_eq!(
        next_revocation(&mut events).await,
        BusEvent::SessionsRevoked {
            account_id: seeker.account_id,
            device_id: Some(1)
        }
    );
}

#[actix_web::test]
async fn a_message_sent_through_one_instance_reaches_a_websocket_on_another() {
    let Some((a, b)) = two_instances(|_| {}).await else {
        return;
    };
    // A worker connected to instance B; a seeker talking to them through instance A. (Instance A
    // started last, so it holds the live setup token.)
    let root = a.set_up_root().await;
    let org = b.create_organisation(&root, "Harbour House").await.id.0;
    let grant = b.enrol_worker(&root, &org, "across", &["tl"]).await;
    let mut receiver = quietline_protocol::client::Client::with_session(&b.public, grant)
        .await
        .unwrap();
    let mut seeker = a.seeker_in_conversation_with(&root, &org, &receiver).await;
    let mut socket = receiver.connect().await.unwrap();
    use quietline_protocol::relay::ServerFrame;
    assert_eq!(socket.next_frame().await.unwrap(), Some(ServerFrame::Ready));
    assert_eq!(
        socket.next_frame().await.unwrap(),
        Some(ServerFrame::QueueEmpty)
    );
    seeker
        .send_text(receiver.account_id(), b"across instances")
        .await
        .unwrap();
    let Some(ServerFrame::Envelope { envelope }) = socket.next_frame().await.unwrap() else {
        panic!("expected an envelope")
    };
    assert_eq!(
        receiver.open(&envelope).await.unwrap().plaintext,
        b"across instances"
    );
}

/// The cap on a device's sockets holds across instances: places are leases in Redis.
#[actix_web::test]
async fn a_device_s_sockets_are_counted_across_instances() {
    let Some((a, b)) = two_instances(|config| config.sockets_per_device = 2).await else {
        return;
    };
    let root = a.set_up_root().await;
    let org = a.create_organisation(&root, "Harbour House").await.id.0;
    let worker = a.enrol_worker(&root, &org, "vera", &["en"]).await;
    let open = |app: &TestApp| {
        let url = format!("{}/v1/websocket", app.public.replacen("http", "ws", 1));
        let token = worker.access_token.expose().to_string();
        async move {
            awc::Client::new()
                .ws(url)
                .bearer_auth(token)
                .connect()
                .await
        }
    };
    let (_, _on_a) = open(&a).await.expect("a first socket, on one instance");
    let (_, _on_b) = open(&b).await.expect("a second, on the other");
    for app in [&a, &b] {
        let refused = app
            .websocket_upgrade(worker.access_token.expose())
            .await
            .expect(429);
        assert!(refused.headers.contains_key("retry-after"));
    }
}
