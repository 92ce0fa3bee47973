//! The HTTP contract: the OpenAPI document lists exactly the routes served, bad input gets a
//! 4xx JSON error with a stable code, and no response names the software.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_tests::{Listener, TestApp, both_backends, both_backends_with};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// Every `(METHOD, path)` declared with a route attribute in the server's source.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for forbidden in ["web::resource(", ".route(", "web::scope("] {
                assert!(
                    !source.contains(forbidden),
                    "{} registers a route with {forbidden}: declare routes with attributes so they are documented",
                    path.display()
                );
            }
            // `#[get("/path")]`, on one line or, when long, wrapped by rustfmt.
            for method in ["get", "post", "put", "patch", "delete"] {
                for (at, _) in source.match_indices(&format!("#[{method}(")) {
                    let rest = source[at + method.len() + 3..].trim_start();
                    if let Some(rest) = rest.strip_prefix('"') {
                        let route = rest.split('"').next().unwrap();
                        routes.insert((method.to_uppercase(), normalise(route)));
                    }
                }
            }
        }
    }
    routes
}

/// `/docs/{path:.*}` and `/docs/{path}` name the same route.
fn normalise(route: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    let mut skipping = false;
    for c in route.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push(c);
            }
            ':' if in_param => skipping = true,
            '}' => {
                in_param = false;
                skipping = false;
                out.push(c);
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

fn documented(openapi: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.insert((method.to_uppercase(), normalise(path)));
        }
    }
    routes
}

fn concrete(path: &str) -> String {
    path.replace("{device_id}", "2")
        .replace("{path}", "index.html")
        .replace("{organisation_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{account_id}", "nobody")
}

both_backends! {
    async fn openapi_documents_exactly_the_routes_served(app: TestApp) {
        let openapi = app.get(Listener::Admin, "/openapi.json", None).await.expect(200).body;
        assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
        // Both listeners are named, so the docs page can send requests to either.
        let servers: Vec<&str> = openapi["servers"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
        assert_eq!(servers, vec![app.public.as_str(), "/"]);
        let documented = documented(&openapi);
        let in_source = routes_in_source();
        assert!(in_source.len() >= 30, "the source scan found only {} routes", in_source.len());
        let undocumented: Vec<_> = in_source.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&in_source).collect();
        assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
        assert!(unserved.is_empty(), "documented but not served: {unserved:?}");

        // Each documented route answers on its own listener and only there. Decoy content needs
        // a real slug: an unknown one is a 404 of its own.
        let root = app.set_up_root().await;
        let organisation = app.create_organisation(&root, "Contract").await.id.0;
        let slug = app
            .post(
                Listener::Admin,
                &format!("/admin/v1/organisations/{organisation}/entry-points"),
                Some(root.session.access_token.expose()),
                json!({"label": "contract", "default_language": "en"}),
            )
            .await
            .expect(200)
            .body["public_slug"]
            .as_str()
            .unwrap()
            .to_owned();
        for (method, path) in &documented {
            // The public listener's API, and the site's search (which opens the web entry).
            let (home, other) = if path.starts_with("/v1/") || path == "/search" {
                (Listener::Public, Listener::Admin)
            } else {
                (Listener::Admin, Listener::Public)
            };
            let url = concrete(path).replace("{slug}", &slug);
            let body = (method != "GET" && method != "DELETE").then(|| json!({}));
            let here = app.call(method, home, &url, None, body.as_ref()).await;
            assert_ne!(here.status.as_u16(), 404, "{method} {path} is not served on its listener: {}", here.body);
            let there = app.call(method, other, &url, None, body.as_ref()).await;
            assert_eq!(there.status.as_u16(), 404, "{method} {path} is also served on the other listener");
        }
    }

    async fn bad_input_gets_a_clear_4xx_with_a_stable_code(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let token = format!("Bearer {}", seeker.access_token.expose());
        // method, path, content type, body, expected status, expected code
        type Case = (&'static str, &'static str, Option<&'static str>, Vec<u8>, u16, &'static str);
        let cases: Vec<Case> = vec![
            ("POST", "/v1/seekers", Some("application/json"), b"{not json".to_vec(), 400, "malformed_json"),
            ("POST", "/v1/seekers", Some("application/json"), br#"{"challenge": 5, "solution": 1}"#.to_vec(), 422, "invalid_body"),
            ("POST", "/v1/seekers", Some("application/json"), br#"{"challenge": "x", "solution": 1, "phone": "555"}"#.to_vec(), 422, "invalid_body"),
            ("POST", "/v1/seekers", Some("application/json"), br#"{"challenge": "x", "solution": -1}"#.to_vec(), 422, "invalid_body"),
            ("POST", "/v1/seekers", Some("text/plain"), br#"{"challenge": "x", "solution": 1}"#.to_vec(), 415, "unsupported_media_type"),
            ("POST", "/v1/seekers", Some("application/json"), vec![b' '; 70 * 1024], 413, "payload_too_large"),
            ("POST", "/v1/seekers", Some("application/json"), br#"{"challenge": "%%%", "solution": 1}"#.to_vec(), 422, "invalid_challenge"),
            ("POST", "/v1/sessions/refresh", Some("application/json"), b"[]".to_vec(), 422, "invalid_body"),
            ("PUT", "/v1/worker/languages", Some("application/json"), br#"{"languages": ["fr"]}"#.to_vec(), 403, "forbidden"),
            ("DELETE", "/v1/devices/not-a-number", None, Vec::new(), 400, "invalid_parameter"),
            ("DELETE", "/v1/devices/99999999999", None, Vec::new(), 400, "invalid_parameter"),
            ("GET", "/v1/nothing-here", None, Vec::new(), 404, "not_found"),
        ];
        for (method, path, content_type, body, status, code) in cases {
            let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = app.client.request(method.clone(), app.url(Listener::Public, path)).insert_header(("Authorization", token.clone()));
            if let Some(content_type) = content_type {
                request = request.insert_header(("Content-Type", content_type));
            }
            let mut response = request.send_body(body).await.unwrap();
            let raw = response.body().await.unwrap();
            let json: Value = serde_json::from_slice(&raw).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {raw:?}"));
            assert_eq!(response.status().as_u16(), status, "{method} {path}: {json}");
            assert_eq!(json["error"]["code"], code, "{method} {path}");
            assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        // A person's own words never come back in an error message.
        let echoed = app.post(Listener::Public, "/v1/seekers", None, json!({"challenge": "CANARY-ECHO", "solution": "CANARY-ECHO"})).await;
        assert!(!String::from_utf8_lossy(&echoed.raw).contains("CANARY-ECHO"));
    }

    async fn the_http_layers_own_refusals_are_padded_json_like_every_other(app: TestApp) {
        // A refusal from the application, for comparison.
        let reference = app.raw_exchange(Listener::Public, b"POST /v1/seekers HTTP/1.1\r\nhost: x\r\naccept: application/json\r\ncontent-type: application/json\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{not json", false).await;
        let (reference_status, reference_headers, _) = parse_raw(&reference);
        assert_eq!(reference_status, 400);
        let many_headers: String = (0..120).map(|i| format!("x-filler-{i}: a\r\n")).collect();
        let huge_head = format!("GET /v1/account HTTP/1.1\r\nhost: x\r\n{many_headers}\r\n");
        let cases: [(&[u8], bool, u16, &str); 4] = [
            (b"POST /v1/seekers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: abc\r\n\r\n{}", false, 400, "malformed_request"),
            (b"NOT A REQUEST\r\n\r\n", false, 400, "malformed_request"),
            (huge_head.as_bytes(), false, 431, "headers_too_large"),
            // Headers that never end: the server's five seconds for a head run out.
            (b"GET /v1/account HTTP/1.1\r\nhost: x\r\n", true, 408, "request_timeout"),
        ];
        for listener in [Listener::Public, Listener::Admin] {
            for (request, keep_open, status, code) in &cases {
                let raw = app.raw_exchange(listener, request, *keep_open).await;
                let (answer_status, headers, body) = parse_raw(&raw);
                assert_eq!(answer_status, *status, "{listener:?} {code}: {}", String::from_utf8_lossy(&raw));
                let json: Value = serde_json::from_slice(&body).unwrap_or_else(|_| panic!("{code}: not JSON: {}", String::from_utf8_lossy(&raw)));
                assert_eq!(json["error"]["code"], *code);
                assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
                assert_eq!(body.len(), quietline_protocol::padding::padded_len(body.len()), "{code}: the body is padded to a bucket");
                assert_eq!(headers.get("content-type").map(String::as_str), Some("application/json"));
                assert_eq!(headers.get("content-length"), Some(&body.len().to_string()));
                if listener == Listener::Public {
                    for name in ["x-content-type-options", "x-frame-options", "referrer-policy", "cache-control", "cross-origin-resource-policy", "strict-transport-security", "content-security-policy"] {
                        assert_eq!(headers.get(name), reference_headers.get(name), "{code}: {name} as on the application's answers");
                    }
                }
            }
        }
    }

    async fn responses_carry_security_headers_and_never_name_the_software(app: TestApp) {
        for (listener, path) in [(Listener::Public, "/v1/account"), (Listener::Public, "/nowhere"), (Listener::Admin, "/healthz"), (Listener::Admin, "/docs/index.html")] {
            let answer = app.get(listener, path, None).await;
            let headers = &answer.headers;
            assert!(headers.get("server").is_none(), "{path} sends a Server header");
            assert!(headers.get("x-powered-by").is_none());
            assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
            assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
            assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
            assert_eq!(headers.get("cache-control").unwrap(), "no-store");
            assert!(headers.get("content-security-policy").is_some());
        }
        // A watcher probing the public listener finds nothing that says what the service is.
        for path in ["/openapi.json", "/docs/index.html", "/metrics", "/healthz", "/admin/v1/account", "/"] {
            let answer = app.get(Listener::Public, path, None).await.expect(404);
            assert_eq!(answer.body, json!({"error": {"code": "not_found", "message": "Not found."}}));
        }
        // The docs page is served from the binary, with nothing fetched from elsewhere.
        let page = app.get(Listener::Admin, "/docs/index.html", None).await.expect(200);
        let html = String::from_utf8_lossy(&page.raw);
        assert!(html.contains("swagger"), "the docs page is Swagger UI");
        assert!(!html.contains("https://"), "the docs page loads nothing from the internet");
        let initializer = app.get(Listener::Admin, "/docs/swagger-initializer.js", None).await.expect(200);
        assert!(String::from_utf8_lossy(&initializer.raw).contains("/openapi.json"));
    }

    async fn error_messages_speak_the_seekers_language(app: TestApp) {
        let bad = json!({"challenge": "expired-or-forged", "solution": 1});
        for (accept, language, expected) in [
            ("fr-CA,fr;q=0.9", "fr", "La vérification a expiré. Veuillez réessayer."),
            ("tl", "tl", "Nag-expire ang pagsusuri. Subukan muli."),
            ("ar", "ar", "انتهت صلاحية التحقق. يرجى المحاولة مرة أخرى."),
            ("zh-CN", "zh-Hans", "验证已过期。请重试。"),
            ("ti-ER", "en", "The challenge is unknown, expired or used. Ask for a new one."),
        ] {
            let mut response = app
                .client
                .post(app.url(Listener::Public, "/v1/seekers"))
                .insert_header(("Accept-Language", accept))
                .send_json(&bad)
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 422);
            assert_eq!(response.headers().get("content-language").unwrap(), language);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "invalid_challenge", "the code never changes with the language");
            assert_eq!(body["error"]["message"], expected);
        }
    }

    async fn metrics_and_health_report_on_the_admin_listener(app: TestApp) {
        app.get(Listener::Public, "/v1/account", None).await.expect(401);
        let health = app.get(Listener::Admin, "/healthz", None).await.expect(200);
        assert_eq!(health.body, json!({"database": true, "bus": true, "envelope_writer": true}));
        let metrics = app.get(Listener::Admin, "/metrics", None).await.expect(200);
        let text = String::from_utf8_lossy(&metrics.raw);
        assert!(text.contains("quietline_http_requests_total{listener=\"public\",class=\"4xx\"} 1"), "{text}");
    }

    async fn every_route_under_a_missing_organisation_answers_404(app: TestApp) {
        let root = app.set_up_root().await;
        let token = Some(root.session.access_token.expose());
        let openapi = app.get(Listener::Admin, "/openapi.json", None).await.expect(200).body;
        let under_organisation: Vec<(String, String)> = documented(&openapi)
            .into_iter()
            .filter(|(_, path)| path.starts_with("/admin/v1/organisations/{organisation_id}"))
            .collect();
        assert!(under_organisation.len() >= 30, "{}", under_organisation.len());
        for (method, path) in under_organisation {
            let url = concrete(&path).replace("{card_id}", "no-card").replace("{reply_id}", "no-reply")
                .replace("{entry_point_id}", "no-door").replace("{invite_id}", "0000000000000000").replace("{locale}", "fr")
                .replace("{format}", "png");
            let body = (method != "GET" && method != "DELETE").then(|| json!({}));
            let answer = app.call(&method, Listener::Admin, &url, token, body.as_ref()).await;
            // Never 5xx (a foreign key refusing the write) nor 2xx (an empty list): 404, unless
            // the body is refused first (extractors run side by side; the answer is the same for
            // an organisation that exists).
            let status = answer.status.as_u16();
            let body_refused = body.is_some() && [400, 415, 422].contains(&status);
            assert!(status == 404 || body_refused, "{method} {path}: {status} {}", answer.body);
            if status == 404 {
                assert_eq!(answer.code(), "not_found", "{method} {path}");
            }
        }
    }

    async fn no_cross_origin_answers_unless_a_docs_origin_is_set(app: TestApp) {
        let preflight = |origin: &'static str| {
            let app = &app;
            async move {
                app.call_with_headers(
                    "OPTIONS",
                    Listener::Public,
                    "/v1/account",
                    None,
                    None,
                    &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
                )
                .await
            }
        };
        // Without QUIETLINE_DOCS_ORIGIN, nobody gets a cross-origin answer.
        let refused = preflight("http://127.0.0.1:8081").await;
        assert!(refused.headers.get("access-control-allow-origin").is_none());
        assert_eq!(refused.status.as_u16(), 404);
    }
}

/// Status, headers (lower-case names) and body of one raw HTTP/1.1 answer.
fn parse_raw(raw: &[u8]) -> (u16, std::collections::BTreeMap<String, String>, Vec<u8>) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    (status, headers, raw[end + 4..].to_vec())
}

/// Every error code a client may branch on is produced somewhere; an unused one is a stale
/// promise in the API.
#[test]
fn every_error_code_is_used_by_the_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let codes = std::fs::read_to_string(root.join("protocol/src/error.rs")).unwrap();
    let variants: Vec<&str> = codes
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.ends_with(',')
                && l.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && !l.contains(' ')
        })
        .map(|l| l.trim_end_matches(','))
        .collect();
    assert!(
        variants.len() >= 20,
        "found only {} error codes",
        variants.len()
    );
    let mut server = String::new();
    let mut stack = vec![root.join("server/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                server.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let unused: Vec<_> = variants
        .iter()
        .filter(|v| !server.contains(&format!("ErrorCode::{v}")))
        .collect();
    assert!(unused.is_empty(), "error codes never produced: {unused:?}");
}

const DOCS: &str = "http://docs.example:8081";

both_backends_with! {
    |config| config.docs_origin = Some(DOCS.into());
    async fn docs_origin(app: TestApp) {
        let allowed = app
            .call_with_headers(
                "OPTIONS",
                Listener::Public,
                "/v1/account",
                None,
                None,
                &[("Origin", DOCS), ("Access-Control-Request-Method", "GET")],
            )
            .await;
        assert_eq!(allowed.status.as_u16(), 204);
        assert_eq!(
            allowed.headers.get("access-control-allow-origin").unwrap(),
            DOCS
        );
        assert!(
            allowed
                .headers
                .get("access-control-allow-headers")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("authorization")
        );
        let answered = app
            .call_with_headers(
                "GET",
                Listener::Public,
                "/v1/account",
                None,
                None,
                &[("Origin", DOCS)],
            )
            .await;
        assert_eq!(answered.status.as_u16(), 401);
        assert_eq!(
            answered.headers.get("access-control-allow-origin").unwrap(),
            DOCS
        );
        // Any other origin, and the admin listener, answer as if nothing were configured.
        let other = app
            .call_with_headers(
                "OPTIONS",
                Listener::Public,
                "/v1/account",
                None,
                None,
                &[
                    ("Origin", "http://elsewhere.example"),
                    ("Access-Control-Request-Method", "GET"),
                ],
            )
            .await;
        assert!(other.headers.get("access-control-allow-origin").is_none());
        let admin = app
            .call_with_headers(
                "GET",
                Listener::Admin,
                "/admin/v1/account",
                None,
                None,
                &[("Origin", DOCS)],
            )
            .await;
        assert!(admin.headers.get("access-control-allow-origin").is_none());
        // The docs page itself may connect to the public listener.
        let page = app.get(Listener::Admin, "/docs/index.html", None).await;
        let csp = page
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains(&format!("connect-src 'self' {}", app.public)),
            "{csp}"
        );
    }
}
