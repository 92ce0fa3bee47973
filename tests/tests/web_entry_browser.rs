//! The web entry in Debian's Chromium, as a seeker without an app meets it: an entry point's link
//! shows only the site until its word is typed in the search box; then the organisation's cards
//! in the browser's language and a way to write. A worker (the reference client) claims the
//! conversation, opens the message and answers; the page shows the answer; a new browser comes
//! back by the codename; Shift three times leaves one innocuous history entry; nothing is left in
//! the browser and nothing readable on the server.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use quietline_protocol::client::Client;
use quietline_tests::chromium::{
    Scratch, accessible, browser_in, click, driver, screenshot, shows, type_into,
};
use quietline_tests::{Listener, TestApp, both_backends, captured_logs};
use serde_json::{Value, json};
use std::time::Duration;

const SHIFT: char = '\u{E008}';
const ESCAPE: char = '\u{E00C}';

/// Polls what a worker's client would poll, until `found` says it has what it waited for.
async fn until<T>(mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..400 {
        if let Some(found) = attempt().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the worker never saw it");
}

/// What the browser keeps for the site: it must be nothing at all.
async fn traces(browser: &fantoccini::Client) -> Value {
    browser
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            (async () => ({
                cookies: document.cookie,
                local: localStorage.length,
                session: sessionStorage.length,
                databases: (await indexedDB.databases()).length,
                caches: (await caches.keys()).length,
                workers: (await navigator.serviceWorker.getRegistrations()).length,
            }))().then(done, (e) => done(String(e)));
            "#,
            vec![],
        )
        .await
        .unwrap()
}

/// Opens `link` as following it from a message does: in a tab of its own, whose history starts
/// with it (the driver's own first page is not the person's).
async fn follow(browser: &fantoccini::Client, link: &str) {
    let before = browser.windows().await.unwrap();
    browser
        .execute("window.open(arguments[0], '_blank')", vec![json!(link)])
        .await
        .unwrap();
    let opened = until(async || {
        let now = browser.windows().await.ok()?;
        now.into_iter().find(|w| !before.contains(w))
    })
    .await;
    browser.switch_to_window(opened).await.unwrap();
}

/// Types a word that is not the entry point's (the site's search finds nothing), then its word.
async fn unlock(browser: &fantoccini::Client) {
    shows(browser, "//form[@id='site-search']").await;
    type_into(browser, "#q", "basilic").await;
    click(browser, "#site-search button").await;
    shows(browser, "//p[@id='search-none' and not(@hidden)]").await;
    browser
        .find(Locator::Css("#q"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(browser, "#q", "basil").await;
    click(browser, "#site-search button").await;
    shows(browser, "//h2[@id='cards-heading']").await;
}

both_backends! {
    async fn a_seeker_opens_the_page_talks_comes_back_and_leaves_no_trace(app: TestApp) {
        let Some(driver) = driver() else { return };
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let token = root.session.access_token.expose().to_string();
        let entry = app
            .post(Listener::Admin, &format!("/admin/v1/organisations/{org}/entry-points"), Some(&token),
                json!({"label": "recipes poster", "default_language": "en", "topics": ["work"]}))
            .await
            .expect(200);
        let id = entry.body["id"].as_str().unwrap();
        let link = entry.body["link"].as_str().unwrap().to_string();
        app.call("PUT", Listener::Admin, &format!("/admin/v1/organisations/{org}/entry-points/{id}/unlock-word"), Some(&token), Some(&json!({"word": "basil"})))
            .await
            .expect(204);
        let risk = "Ils ne demandent pas vos papiers.";
        let card = json!({
            "category": "hotline", "source_locale": "en", "regions": ["national"], "languages": ["en", "fr"], "source": "https://example.org/safe-line",
            "eligibility": ["any_status"], "cost": "free",
            "contact": {"always_open": true, "phones": ["+18005550199"]},
            "tags": [], "to_be_completed": false, "sample": false,
            "translations": {
                "en": {"title": "Safe Line", "summary": "Someone to talk to, day and night.", "body": "Calls are **free**.", "risk_disclosure": "They do not ask for papers.", "confidentiality": null},
                "fr": {"title": "Ligne Refuge", "summary": "Quelqu'un à qui parler, jour et nuit.", "body": "Les appels sont **gratuits**.", "risk_disclosure": risk, "confidentiality": null},
            },
        });
        let created = app.post(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards"), Some(&token), card).await.expect(200);
        let card_id = created.body["id"].as_str().unwrap();
        app.post(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/{card_id}/publish"), Some(&token), json!({})).await.expect(200);
        let mut tala = Client::with_session(&app.public, app.enrol_worker(&root, &org, "tala", &["fr"]).await).await.unwrap();

        // The link shows the site, and only the site; the slug leaves the address at once.
        let profile = Scratch::new("web-entry");
        let browser = browser_in(&driver, &profile.0, "fr-CA").await;
        follow(&browser, &link).await;
        shows(&browser, "//form[@id='site-search']").await;
        assert!(browser.find(Locator::Id("entry")).await.is_err(), "nothing but the decoy");
        assert_eq!(browser.execute("return [history.length, location.hash]", vec![]).await.unwrap(), json!([1, ""]));
        screenshot(&browser, "web-entry-locked").await;

        unlock(&browser).await;
        shows(&browser, "//h3[text()='Ligne Refuge']").await;
        let order = browser.execute(
            "const card = document.querySelector('.card'); const risk = card.querySelector('.risk'); const contact = card.querySelector('.contact');\
             return [risk.textContent.includes(arguments[0]), !!(risk.compareDocumentPosition(contact) & Node.DOCUMENT_POSITION_FOLLOWING), card.querySelector('.body strong').textContent];",
            vec![json!("papiers")]).await.unwrap();
        assert_eq!(order, json!([true, true, "gratuits"]), "risks before contact details, Markdown rendered");
        accessible(&browser, "the unlocked page").await;
        screenshot(&browser, "web-entry-card").await;

        // Writing: a codename shown once, then the message goes sealed.
        let first = "Mon patron garde mon passeport.";
        type_into(&browser, "#start-text", first).await;
        click(&browser, "#start button[type=submit]").await;
        let codename = shows(&browser, "//p[@id='codename' and normalize-space(text())!='']").await.text().await.unwrap();
        assert_eq!(codename.split_whitespace().count(), 6, "{codename}");
        click(&browser, "#codename-kept").await;
        shows(&browser, "//ol[@id='messages']/li[contains(@class,'you')]").await;

        let waiting = until(async || tala.waiting().await.ok().and_then(|w| w.first().map(|c| c.id.clone()))).await;
        tala.claim(&waiting).await.unwrap();
        let envelope = until(async || tala.fetch().await.ok().and_then(|p| p.envelopes.into_iter().next())).await;
        let received = tala.open(&envelope).await.unwrap();
        assert_eq!(received.plaintext, first.as_bytes(), "the worker reads what the page sealed");
        tala.acknowledge(vec![envelope.id]).await.unwrap();
        let reply = "Je suis là. Êtes-vous en sécurité maintenant ?";
        tala.send_text(&received.from_account, reply.as_bytes()).await.unwrap();
        shows(&browser, &format!("//li[contains(@class,'them')]/p[text()='{reply}']")).await;
        accessible(&browser, "the conversation").await;
        // A small phone: everything reflows, nothing scrolls sideways.
        browser.set_window_size(360, 740).await.unwrap();
        let fits = browser.execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![]).await.unwrap();
        assert_eq!(fits, json!(true), "no sideways scrolling on a small screen");
        browser
            .execute("document.querySelector('#messages li:last-child').scrollIntoView({block: 'end'})", vec![])
            .await
            .unwrap();
        screenshot(&browser, "web-entry-conversation").await;
        // Esc twice leaves too.
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: ESCAPE }).then(KeyAction::Up { value: ESCAPE })
            .then(KeyAction::Down { value: ESCAPE }).then(KeyAction::Up { value: ESCAPE });
        browser.perform_actions(keys).await.unwrap();
        shows(&browser, "//form[@id='site-search']").await;
        assert!(browser.find(Locator::Id("entry")).await.is_err(), "the entry is gone");
        browser.close().await.unwrap();

        // Another browser, later: the codename brings the conversation back. A wrong one does not.
        let profile = Scratch::new("web-entry-again");
        let browser = browser_in(&driver, &profile.0, "fr-CA").await;
        follow(&browser, &link).await;
        unlock(&browser).await;
        type_into(&browser, "#return-codename", "pas le bon nom de code").await;
        click(&browser, "#return button[type=submit]").await;
        shows(&browser, "//p[@id='return-none' and not(@hidden)]").await;
        type_into(&browser, "#return-codename", &codename.to_uppercase()).await;
        click(&browser, "#return button[type=submit]").await;
        shows(&browser, "//div[@id='thread' and not(@hidden)]").await;
        // What the wrong codename and the right one got back, as the browser itself saw it.
        let answers = browser
            .execute("return performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/v1/web/sessions')).map((e) => [e.responseStatus, e.encodedBodySize])", vec![])
            .await
            .unwrap();
        assert_eq!(answers, json!([[200, 1024], [200, 1024]]), "a wrong codename and the right one answer alike");
        let second = "Oui, pour une heure.";
        type_into(&browser, "#reply-text", second).await;
        click(&browser, "#reply button[type=submit]").await;
        shows(&browser, &format!("//li[contains(@class,'you')]/p[text()='{second}']")).await;
        let envelope = until(async || tala.fetch().await.ok().and_then(|p| p.envelopes.into_iter().next())).await;
        assert_eq!(tala.open(&envelope).await.unwrap().plaintext, second.as_bytes());

        // "Delete this conversation and leave": the wipe of a quick exit, and the site again.
        assert_eq!(app.count_rows("web_seekers", None).await, 1);
        click(&browser, "#delete").await;
        shows(&browser, "//form[@id='site-search']").await;
        assert!(browser.find(Locator::Id("entry")).await.is_err(), "the entry is gone");
        app.state.quick_exits.settled().await;
        assert_eq!(app.count_rows("web_seekers", None).await, 0, "the conversation and its codename's handle are wiped");
        assert!(tala.conversations().await.unwrap().is_empty(), "the worker's conversation ended with it");

        // Shift three times: the decoy, and one innocuous entry in the history. (The link again:
        // the site's front page alone opens nothing.)
        follow(&browser, &link).await;
        unlock(&browser).await;
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: SHIFT }).then(KeyAction::Up { value: SHIFT })
            .then(KeyAction::Down { value: SHIFT }).then(KeyAction::Up { value: SHIFT })
            .then(KeyAction::Down { value: SHIFT }).then(KeyAction::Up { value: SHIFT });
        browser.perform_actions(keys).await.unwrap();
        shows(&browser, "//form[@id='site-search']").await;
        assert!(browser.find(Locator::Id("entry")).await.is_err(), "the entry is gone");
        assert_eq!(browser.execute("return [history.length, location.pathname, location.hash]", vec![]).await.unwrap(), json!([1, "/", ""]));
        screenshot(&browser, "web-entry-after-exit").await;
        assert_eq!(traces(&browser).await, json!({"cookies": "", "local": 0, "session": 0, "databases": 0, "caches": 0, "workers": 0}));
        browser.close().await.unwrap();

        // The page and its API are never cached; the server holds nothing readable.
        for (listener, path) in [(Listener::Public, "/"), (Listener::Public, "/v1/signup/challenge")] {
            let answer = app.call(if path == "/" { "GET" } else { "POST" }, listener, path, None, (path != "/").then(|| json!({})).as_ref()).await;
            assert_eq!(answer.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "{path}");
            assert_eq!(answer.headers.get("referrer-policy").and_then(|v| v.to_str().ok()), Some("no-referrer"), "{path}");
        }
        let stored = String::from_utf8_lossy(&app.storage_dump()).into_owned();
        let logs = captured_logs();
        for secret in ["passeport", "sécurité", "pour une heure", codename.as_str()] {
            assert!(!stored.contains(secret), "storage holds {secret}");
            assert!(!logs.contains(secret), "logs hold {secret}");
        }
        for word in codename.split_whitespace() {
            assert!(!logs.contains(&format!(" {word} ")), "logs hold a codename word");
        }
    }
}
