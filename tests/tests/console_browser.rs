//! The administrators' console in a real browser (Debian's Chromium through ChromeDriver), on a
//! server that has been used: conversations over several days, in three languages, claimed and
//! closed with outcomes. The dashboard draws them as charts (SVG, drawn on the server) with the
//! same numbers in tables, small counts shown as "<5". (`tests/browser/console.test.mjs` walks
//! through the rest of the console on the real binary.)
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::Locator;
use quietline_tests::chromium::*;
use quietline_tests::{Backend, Listener, PASSPHRASE, TestApp};
use serde_json::json;

/// A seeker through the entry point `code`, with a conversation open in `languages`.
async fn conversation(app: &TestApp, code: &str, languages: &[&str]) -> String {
    let seeker = app.seeker_through(code).await;
    let opened = app
        .post(
            Listener::Public,
            "/v1/conversations",
            Some(seeker.access_token.expose()),
            json!({ "languages": languages }),
        )
        .await
        .expect(200);
    opened.body["id"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn the_dashboard_charts_a_used_servers_conversations() {
    let Some(driver) = driver() else { return };
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    let root = app.set_up_root().await;
    let org = app.create_organisation(&root, "Harbour House").await.id.0;
    let entry = app
        .post(
            Listener::Admin,
            &format!("/admin/v1/organisations/{org}/entry-points"),
            Some(root.session.access_token.expose()),
            json!({"label": "door", "default_language": "en"}),
        )
        .await
        .expect(200);
    let code = entry.body["code"].as_str().unwrap().to_string();
    let mut worker = app
        .enrol_worker(&root, &org, "tala", &["tl", "en", "fr"])
        .await;

    // Three days: Tagalog busier each day, English steady, French too rare to show exactly.
    for day in 0..3usize {
        if day > 0 {
            // A day later the worker's app refreshes its session, as it would.
            worker = app
                .post(
                    Listener::Public,
                    "/v1/sessions/refresh",
                    None,
                    json!({"refresh_token": worker.refresh_token}),
                )
                .await
                .expect(200)
                .json();
        }
        let token = worker.access_token.expose().to_string();
        let mut opened = Vec::new();
        for i in 0..10 + 2 * day {
            let outcome = ["information_given", "referred"][i % 2];
            opened.push((conversation(&app, &code, &["tl"]).await, outcome));
        }
        for _ in 0..5 {
            opened.push((conversation(&app, &code, &["en"]).await, "no_response"));
        }
        for _ in 0..2 {
            opened.push((conversation(&app, &code, &["fr"]).await, "safety_concern"));
        }
        app.clock.advance(120);
        for (id, outcome) in &opened {
            app.post(
                Listener::Public,
                &format!("/v1/conversations/{id}/claim"),
                Some(&token),
                json!({}),
            )
            .await
            .expect(200);
            app.post(
                Listener::Public,
                &format!("/v1/conversations/{id}/close"),
                Some(&token),
                json!({ "outcome": outcome }),
            )
            .await
            .expect(200);
        }
        app.clock.advance(86_400);
    }

    let profile = Scratch::new("console");
    let browser = browser_in(&driver, &profile.0, "en").await;
    browser
        .goto(&app.url(Listener::Admin, "/console/sign-in"))
        .await
        .unwrap();
    type_into(&browser, "#handle", &root.handle).await;
    type_into(&browser, "#passphrase", PASSPHRASE).await;
    let secret = root.totp_secret.clone().unwrap();
    type_into(&browser, "#code", &app.totp_code(&secret)).await;
    click(&browser, "button[type=submit]").await;
    shows(&browser, "//h1[text()='Organisations']").await;
    browser
        .goto(&app.url(Listener::Admin, &format!("/console/o/{org}")))
        .await
        .unwrap();
    shows(&browser, "//h1[text()='Harbour House']").await;

    let charts = browser
        .find_all(Locator::Css("section.chart img"))
        .await
        .unwrap();
    assert_eq!(charts.len(), 2, "opened by language and closed by outcome");
    // The tables say what the charts draw: per day, Tagalog 10, 12, 14; French hidden as "<5".
    let tables = browser
        .find_all(Locator::Css("section.chart table"))
        .await
        .unwrap();
    let opened = tables[0].html(false).await.unwrap();
    let closed = tables[1].html(false).await.unwrap();
    let cells = |html: &str| -> Vec<String> {
        html.split("<td>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap_or_default().to_string())
            .collect()
    };
    // Columns: en, fr, tl.
    assert_eq!(
        cells(&opened),
        ["5", "&lt;5", "10", "5", "&lt;5", "12", "5", "&lt;5", "14"],
        "{opened}"
    );
    // Columns: information given, referred, no response, safety concern, other.
    assert_eq!(
        cells(&closed)[..10],
        ["5", "5", "5", "&lt;5", "0", "6", "6", "5", "&lt;5", "0"],
        "{closed}"
    );
    let src = charts[0].attr("src").await.unwrap().unwrap();
    assert!(src.starts_with("data:image/svg+xml;base64,"), "{src}");
    shows(&browser, "//h2[text()='Time to a first claim']").await;
    shows(&browser, "//td[text()='1 to 5 minutes']").await;
    browser.set_window_size(1280, 1400).await.unwrap();
    screenshot(&browser, "console-dashboard").await;
    accessible(&browser, "dashboard").await;
    browser.close().await.unwrap();
    app.stop().await;
}
