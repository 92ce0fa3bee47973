//! Nothing secret or identifying reaches the logs or storage: a full scenario runs with canary
//! values in every secret and identifying place, then the captured log output (the server's own
//! subscriber at its most verbose) and the storage are scanned for them.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::{Enrolment, Role, SessionGrant};
use quietline_tests::{Backend, Listener, TestApp, captured_logs};
use serde_json::json;

const PASSPHRASE: &str = "CanaryPassphrase-7f3a9c";
const USER_AGENT: &str = "CanaryAgent/9.41";
const FORWARDED_FOR: &str = "203.0.113.177";

async fn scenario(app: &TestApp) -> Vec<String> {
    let mut canaries = vec![
        PASSPHRASE.to_string(),
        USER_AGENT.to_string(),
        FORWARDED_FOR.to_string(),
    ];
    let root = app.set_up_root().await;
    canaries.push(app.setup_token.clone().unwrap());
    canaries.push(root.session.access_token.expose().to_string());
    canaries.push(root.session.refresh_token.expose().to_string());
    canaries.push(root.totp_secret.clone().unwrap());
    let org = app.create_organisation(&root, "Canary Shelter").await;
    let code = app.invite(&root, &org.id.0, Role::Worker).await;
    canaries.push(code.clone());

    // The worker's own requests carry a user agent and a forwarded address.
    let send = |method: &str, path: &str, token: Option<&str>, body: Option<serde_json::Value>| {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = app
            .client
            .request(method, app.url(Listener::Public, path))
            .insert_header(("User-Agent", USER_AGENT))
            .insert_header(("X-Forwarded-For", FORWARDED_FOR));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        async move {
            let mut response = match body {
                Some(body) => request.send_json(&body).await.unwrap(),
                None => request.send().await.unwrap(),
            };
            let raw = response.body().await.unwrap();
            (
                response.status().as_u16(),
                serde_json::from_slice::<serde_json::Value>(&raw).unwrap_or_default(),
            )
        }
    };
    let (status, enrolment) = send(
        "POST",
        "/v1/invites/accept",
        None,
        Some(json!({"code": code, "handle": "canaryhandle", "passphrase": PASSPHRASE, "languages": ["ti"], "device_name": "CanaryDevice"})),
    )
    .await;
    assert_eq!(status, 200, "{enrolment}");
    let enrolment: Enrolment = serde_json::from_value(enrolment).unwrap();
    canaries.push(enrolment.session.access_token.expose().to_string());
    canaries.push(enrolment.session.refresh_token.expose().to_string());
    let token = enrolment.session.access_token.expose().to_string();

    let (status, totp) = send(
        "POST",
        "/v1/worker/totp",
        Some(&token),
        Some(json!({"passphrase": PASSPHRASE})),
    )
    .await;
    assert_eq!(status, 200);
    let secret = totp["secret"].as_str().unwrap().to_string();
    canaries.push(secret.clone());
    let code = app.totp_code(&secret);
    let (status, recovery) = send(
        "POST",
        "/v1/worker/totp/confirm",
        Some(&token),
        Some(json!({"code": code})),
    )
    .await;
    assert_eq!(status, 200);
    // Recovery codes are secrets too: only their hashes may be kept.
    for code in recovery["codes"].as_array().unwrap() {
        canaries.push(code.as_str().unwrap().to_string());
    }
    app.clock.advance(30);
    let code = app.totp_code(&secret);
    let login = json!({"handle": "canaryhandle", "passphrase": PASSPHRASE, "totp": code, "device_name": "CanaryDesk"});
    let (status, grant) = send("POST", "/v1/sessions", None, Some(login)).await;
    assert_eq!(status, 200, "{grant}");
    let grant: SessionGrant = serde_json::from_value(grant).unwrap();
    canaries.push(grant.refresh_token.expose().to_string());
    let (status, refreshed) = send(
        "POST",
        "/v1/sessions/refresh",
        None,
        Some(json!({"refresh_token": grant.refresh_token})),
    )
    .await;
    assert_eq!(status, 200);
    canaries.push(refreshed["access_token"].as_str().unwrap().to_string());
    canaries.push(refreshed["refresh_token"].as_str().unwrap().to_string());
    // Failures are logged too: a wrong passphrase, a malformed body, a reused refresh token.
    let wrong = json!({"handle": "canaryhandle", "passphrase": "CanaryWrongPassphrase-1", "device_name": "x"});
    assert_eq!(send("POST", "/v1/sessions", None, Some(wrong)).await.0, 401);
    canaries.push("CanaryWrongPassphrase-1".into());
    assert_eq!(
        send(
            "POST",
            "/v1/sessions/refresh",
            None,
            Some(json!({"refresh_token": grant.refresh_token}))
        )
        .await
        .0,
        401
    );
    assert_eq!(
        send(
            "POST",
            "/v1/seekers",
            None,
            Some(json!({"challenge": "CanaryBody", "solution": 1}))
        )
        .await
        .0,
        422
    );

    let signup = app.solved_signup().await;
    canaries.push(signup["challenge"].as_str().unwrap().to_string());
    let (status, seeker) = send("POST", "/v1/seekers", None, Some(signup)).await;
    assert_eq!(status, 200);
    canaries.push(seeker["access_token"].as_str().unwrap().to_string());
    canaries.push(seeker["refresh_token"].as_str().unwrap().to_string());
    // What a seeker looks for, and where, is nobody's business: not logged, not stored.
    let search = format!(
        "/v1/organisations/{}/cards?q=CanarySearchTerm&region=CA-QC/CanaryCity",
        org.id.0
    );
    assert_eq!(
        send("GET", &search, seeker["access_token"].as_str(), None)
            .await
            .0,
        200
    );
    let bundle = format!(
        "/v1/organisations/{}/cards/bundle?locales=ti&region=CA-ON/CanaryTown",
        org.id.0
    );
    assert_eq!(
        send("GET", &bundle, seeker["access_token"].as_str(), None)
            .await
            .0,
        200
    );
    canaries.extend(["CanarySearchTerm", "CanaryCity", "CanaryTown"].map(String::from));
    let (status, _) = send(
        "DELETE",
        "/v1/account",
        seeker["access_token"].as_str(),
        None,
    )
    .await;
    assert_eq!(status, 204);
    canaries
}

fn assert_absent(haystack: &[u8], canaries: &[String], place: &str) {
    let text = String::from_utf8_lossy(haystack);
    for canary in canaries {
        assert!(
            !text.contains(canary.as_str()),
            "{place} contains the canary {canary:?}"
        );
    }
}

async fn nothing_secret_is_logged_or_stored(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| config.trust_forwarded_for = true).await
    else {
        return;
    };
    let canaries = scenario(&app).await;
    let logs = captured_logs();
    // The capture works: the scenario's requests are in it.
    assert!(
        logs.contains("route=/v1/invites/accept status=200"),
        "no request lines captured"
    );
    assert!(logs.contains("route=/v1/sessions/refresh status=401"));
    assert_absent(logs.as_bytes(), &canaries, "the log output");
    assert!(!logs.contains("User-Agent") && !logs.contains("user-agent"));
    assert!(!logs.contains("Bearer"));

    // Storage holds only hashes and sealed values: no passphrase, token, TOTP seed or address.
    let mut stored = canaries.clone();
    stored.retain(|c| c != USER_AGENT);
    let dump = app.storage_dump();
    assert!(
        String::from_utf8_lossy(&dump).contains("canaryhandle"),
        "the dump holds the stored rows"
    );
    assert_absent(&dump, &stored, "the storage");
}

#[actix_web::test]
async fn nothing_secret_is_logged_or_stored_on_sqlite() {
    nothing_secret_is_logged_or_stored(Backend::Sqlite).await;
}

#[actix_web::test]
async fn nothing_secret_is_logged_or_stored_on_postgres() {
    nothing_secret_is_logged_or_stored(Backend::Postgres).await;
}
