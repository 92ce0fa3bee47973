//! The worker's desk in a real browser (Debian's Chromium through ChromeDriver): two workers each
//! run a desk; a seeker, driven by the reference client, writes in Tagalog; the Tagalog speaker
//! sees it first, claims it in the page, and the two talk, while the server stores none of it.
//! Canned replies, shared cards, case notes across a transfer, referrals and the desk's own
//! defences (its `Host`, its CSRF token) are each checked as a person at the desk meets them.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::{Client as Browser, Locator};
use quietline_protocol::api::{OpenConversation, Role};
use quietline_protocol::client::Client;
use quietline_protocol::relay::ServerFrame;
use quietline_tests::chromium::*;
use quietline_tests::web::{WebSeeker, entry_point_with_word, unlock};
use quietline_tests::{AdminLogin, Listener, TestApp, both_backends};
use serde_json::json;
use std::time::Duration;

/// The next message the seeker's device decrypts.
async fn next_text(seeker: &mut Client, socket: &mut quietline_protocol::client::Socket) -> String {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next_frame())
            .await
            .expect("a message arrives")
            .unwrap();
        if let Some(ServerFrame::Envelope { envelope }) = frame {
            let received = seeker.open(&envelope).await.unwrap();
            socket.acknowledge(vec![envelope.id]).await.unwrap();
            return String::from_utf8(received.plaintext).unwrap();
        }
    }
}

/// The conversation's workers as the seeker's client reads them, the lead first.
async fn now_workers(seeker: &Client) -> Vec<String> {
    seeker
        .conversations()
        .await
        .unwrap()
        .remove(0)
        .workers
        .into_iter()
        .map(|w| w.0)
        .collect()
}

/// A desk on this machine for the server, and the browser that opened it.
struct Desk {
    browser: Browser,
    base: String,
    server: actix_web::dev::ServerHandle,
    profile: Scratch,
}

/// Starts a desk on a state file and opens it in a new browser.
async fn launch(
    driver: &Driver,
    app: &TestApp,
    profile: &std::path::Path,
    idle: Duration,
    language: &str,
) -> (Browser, String, actix_web::dev::ServerHandle, String) {
    let running = quietline_desk::start(
        quietline_desk::Options {
            server: app.public.clone(),
            state: profile.join("desk.ql"),
            idle,
        },
        0,
    )
    .unwrap();
    let handle = running.server.handle();
    actix_web::rt::spawn(running.server);
    let browser = browser_in(
        driver,
        &profile.join(format!("chromium-{}", uuid::Uuid::new_v4())),
        language,
    )
    .await;
    browser.goto(&running.launch_url).await.unwrap();
    (
        browser,
        format!("http://{}", running.address),
        handle,
        running.launch_url,
    )
}

/// Starts a desk, opens it in a browser and enrols the worker through its set-up page.
async fn desk(driver: &Driver, app: &TestApp, code: &str, handle: &str, languages: &str) -> Desk {
    let profile = Scratch::new(handle);
    let (browser, base, server, _) =
        launch(driver, app, &profile.0, Duration::from_secs(600), "en").await;
    shows(&browser, "//h1[.='Set up this desk']").await;
    accessible(&browser, "the set-up page").await;
    type_into(&browser, "#code", code).await;
    type_into(&browser, "#handle", handle).await;
    let languages_field = browser.find(Locator::Css("#languages")).await.unwrap();
    languages_field.clear().await.unwrap();
    languages_field.send_keys(languages).await.unwrap();
    type_into(&browser, "#passphrase", "a long desk passphrase").await;
    click(&browser, "form[action='/enrol'] button[type=submit]").await;
    shows(&browser, "//h2[.='Waiting']").await;
    click(&browser, "input[name=available][value=yes]").await;
    click(&browser, "form[action='/availability'] button[type=submit]").await;
    shows(
        &browser,
        "//p[@id='availability-now'][starts-with(., 'You are available')]",
    )
    .await;
    Desk {
        browser,
        base,
        server,
        profile,
    }
}

async fn set_up_organisation(app: &TestApp, root: &AdminLogin) -> (String, String, String) {
    let org = app.create_organisation(root, "Harbour House").await.id.0;
    let partner = app.create_organisation(root, "Bayanihan Legal").await.id.0;
    let token = root.session.access_token.expose().to_string();
    for (from, to) in [(&org, &partner), (&partner, &org)] {
        app.call(
            "PUT",
            Listener::Admin,
            &format!("/admin/v1/organisations/{from}/partners"),
            Some(&token),
            Some(&json!({"partners": [to]})),
        )
        .await
        .expect(200);
    }
    app.post(Listener::Admin, &format!("/admin/v1/organisations/{org}/canned-replies"), Some(&token),
        json!({"language": "tl", "title": "Pagbati", "body": "Kumusta {name}, narito kami para tumulong."})).await.expect(200);
    let card = app.post(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards"), Some(&token), json!({
        "category": "legal_aid", "source_locale": "en", "regions": ["national"], "cost": "free",
        "contact": {"phones": ["1-833-900-1010"]}, "source": "https://example.org/hotline",
        "workers_only": {"contact_person": "Ana, intake desk, ext. 204"},
        "translations": {"en": {"title": "Hotline for workers", "summary": "Free, confidential advice.",
            "body": "Ask about your rights.", "risk_disclosure": "Calls may show on a shared phone bill."}},
    })).await.expect(200).body;
    let card_id = card["id"].as_str().unwrap();
    app.post(
        Listener::Admin,
        &format!("/admin/v1/organisations/{org}/cards/{card_id}/publish"),
        Some(&token),
        json!({}),
    )
    .await
    .expect(200);
    let entry = app
        .post(
            Listener::Admin,
            &format!("/admin/v1/organisations/{org}/entry-points"),
            Some(&token),
            json!({"label": "poster", "default_language": "tl", "topics": ["work"]}),
        )
        .await
        .expect(200);
    (
        org,
        partner,
        entry.body["code"].as_str().unwrap().to_string(),
    )
}

both_backends! {
    async fn two_workers_answer_a_tagalog_seeker_from_their_desks(app: TestApp) {
        let Some(driver) = driver() else { return };
        let root = app.set_up_root().await;
        let (org, _partner, entry) = set_up_organisation(&app, &root).await;
        let tala_code = app.invite(&root, &org, Role::Worker).await;
        let ben_code = app.invite(&root, &org, Role::Worker).await;
        let tala = desk(&driver, &app, &tala_code, "tala", "tl, en").await;
        let ben = desk(&driver, &app, &ben_code, "ben", "en").await;

        // A seeker writes in through the poster's entry point, in Tagalog.
        let mut seeker = Client::sign_up_seeker_through(&app.public, Some(&entry)).await.unwrap();
        let opened = seeker.open_conversation(&OpenConversation {
            languages: vec!["tl".into()], entry_point: None, region: Some("CA-BC/Surrey".into()), topic: Some("work".into()), callback: false,
        }).await.unwrap();
        let id = opened.id.clone();
        let row = format!("//tr[@data-conversation='{id}']");
        shows(&tala.browser, &format!("{row}[contains(@class,'yours')]")).await;
        shows(&tala.browser, "//div[@id='alerts']/p[contains(., 'Someone is waiting (tl)')]").await;
        shows(&ben.browser, &format!("{row}[contains(@class,'other')]")).await;
        let first = tala.browser.find(Locator::Css("#queue tbody tr")).await.unwrap();
        assert_eq!(first.attr("data-conversation").await.unwrap().as_deref(), Some(id.as_str()), "the Tagalog speaker sees it first");
        screenshot(&tala.browser, "desk-queue").await;
        accessible(&tala.browser, "the queue").await;

        tala.browser.find(Locator::XPath(&format!("{row}//button"))).await.unwrap().click().await.unwrap();
        shows(&tala.browser, "//h1[.='Conversation 1']").await;
        let tala_id = seeker.conversations().await.unwrap()[0].workers[0].0.clone();

        let words_of_seeker = "Kinuha ng amo ko ang pasaporte ko";
        seeker.send_text(&tala_id, words_of_seeker.as_bytes()).await.unwrap();
        shows(&tala.browser, &format!("//ol[@id='messages']/li[contains(@class,'theirs')]/p[.='{words_of_seeker}']")).await;

        let mut socket = seeker.connect().await.unwrap();
        let words_of_worker = "Nandito ako. Ligtas ka ba ngayon?";
        type_into(&tala.browser, "#text", words_of_worker).await;
        click(&tala.browser, "#send-form button").await;
        assert_eq!(next_text(&mut seeker, &mut socket).await, words_of_worker);
        shows(&tala.browser, &format!("//ol[@id='messages']/li[contains(@class,'mine')]/p[.='{words_of_worker}']")).await;

        // The disappearing timer, shortened from the page.
        tala.browser.find(Locator::Css("#seconds")).await.unwrap().select_by_value("3600").await.unwrap();
        click(&tala.browser, "form[action$='/timer'] button").await;
        shows(&tala.browser, "//p[@id='timer-now'][.='Messages disappear: after 1 hour']").await;
        assert_eq!(seeker.conversations().await.unwrap()[0].disappearing_seconds, Some(3600));

        // A canned reply in the conversation's language, its placeholder filled in.
        click(&tala.browser, "form[method=get] button").await;
        type_into(&tala.browser, "#ph-name", "Maria").await;
        click(&tala.browser, "form[action$='/reply'] button").await;
        assert_eq!(next_text(&mut seeker, &mut socket).await, "Kumusta Maria, narito kami para tumulong.");

        // A card from the verified bundle, what to weigh first.
        shows(&tala.browser, "//select[@id='card']/option[.='Hotline for workers']").await;
        click(&tala.browser, "form[action$='/card'] button").await;
        let shared = next_text(&mut seeker, &mut socket).await;
        assert!(shared.starts_with("Calls may show on a shared phone bill."), "{shared}");
        assert!(shared.contains("Hotline for workers") && shared.contains("1-833-900-1010"), "{shared}");
        // What the organisation tells its workers only is on the worker's page, never in what
        // the person receives.
        let private = shows(&tala.browser, "//details[@id='workers-only']/dl/dd").await.prop("textContent").await.unwrap().unwrap_or_default();
        assert_eq!(private.trim(), "Contact person: Ana, intake desk, ext. 204");
        assert!(!shared.contains("Ana"), "{shared}");

        // Safety numbers to compare, one per device of the person.
        // Inside a closed <details>: read what the element holds rather than what is drawn.
        let number = shows(&tala.browser, "//p[@class='safety-number']/code").await.prop("textContent").await.unwrap().unwrap_or_default();
        let number = number.trim().to_string();
        assert!(number.len() == 60 && number.chars().all(|c| c.is_ascii_digit()), "{number:?}");

        // The person's phone is replaced: the desk warns, and sends nothing until the worker accepts.
        seeker.reregister().await.unwrap();
        seeker.send_text(&tala_id, "Bagong telepono ko ito".as_bytes()).await.unwrap();
        shows(&tala.browser, "//ol[@id='messages']/li[contains(@class,'theirs')]/p[.='Bagong telepono ko ito']").await;
        shows(&tala.browser, "//section[@id='safety']//strong[starts-with(., 'The safety number of this person changed')]").await;
        tala.browser.refresh().await.unwrap();
        assert!(tala.browser.find(Locator::Css("#send-form button[disabled]")).await.is_ok(), "sending waits for the worker");
        click(&tala.browser, "form[action$='/trust'] button").await;
        shows(&tala.browser, "//form[@id='send-form']/button[not(@disabled)]").await;
        let renewed = shows(&tala.browser, "//p[@class='safety-number']/code").await.prop("textContent").await.unwrap().unwrap_or_default();
        assert_ne!(renewed.trim(), number, "a new number to compare");
        type_into(&tala.browser, "#text", "Salamat. Ligtas ka ba?").await;
        click(&tala.browser, "#send-form button").await;
        assert_eq!(next_text(&mut seeker, &mut socket).await, "Salamat. Ligtas ka ba?");

        // A case note for whoever takes over.
        let note = "Employer in Surrey holds her passport; prefers Tagalog; safe to text after 9pm.";
        type_into(&tala.browser, "#note", note).await;
        click(&tala.browser, "form[action$='/note'] button").await;
        shows(&tala.browser, &format!("//ul[@id='notes']/li/p[.='{note}']")).await;
        screenshot(&tala.browser, "desk-conversation").await;
        accessible(&tala.browser, "a conversation").await;

        // The transfer dialog hands it to ben, who reads the note.
        click(&tala.browser, "a[href$='/transfer']").await;
        shows(&tala.browser, "//dialog[@open]//legend[.='Hand the conversation to']").await;
        screenshot(&tala.browser, "desk-transfer").await;
        accessible(&tala.browser, "the transfer dialog").await;
        tala.browser.find(Locator::XPath("//dialog//label[starts-with(normalize-space(.), 'ben')]/input")).await.unwrap().click().await.unwrap();
        click(&tala.browser, "form[action$='/transfer'] button[type=submit]").await;
        shows(&tala.browser, "//div[@id='alerts']/p[contains(., 'Conversation 1 is now with ben')]").await;
        shows(&ben.browser, "//div[@id='alerts']/p[contains(., 'was handed to you')]").await;
        ben.browser.goto(&format!("{}/c/{id}", ben.base)).await.unwrap();
        shows(&ben.browser, &format!("//ul[@id='notes']/li/p[.='{note}']")).await;
        shows(&ben.browser, "//ul[@id='notes']/li/p[starts-with(., 'tala, ')]").await;
        let refused = app.get(Listener::Public, &format!("/v1/conversations/{id}/notes"), Some(seeker.session.access_token.expose())).await;
        assert_eq!(refused.status.as_u16(), 403, "no seeker reads case notes");

        // A referral offered from the page; the seeker's answer shows there.
        shows(&ben.browser, "//select[@id='partner']/option[.='Bayanihan Legal']").await;
        click(&ben.browser, "form[action$='/refer'] button").await;
        shows(&ben.browser, "//div[@id='referral']/p[contains(., 'Bayanihan Legal')]").await;
        seeker.answer_referral(&id, true).await.unwrap();
        shows(&ben.browser, "//div[@id='alerts']/p[contains(., 'accepted the referral to Bayanihan Legal')]").await;

        // What the server stored holds nothing anyone wrote.
        let stored = String::from_utf8_lossy(&app.storage_dump()).into_owned();
        for secret in [words_of_seeker, words_of_worker, "Kumusta Maria", note, "safe to text after"] {
            assert!(!stored.contains(secret), "the storage holds {secret:?}");
        }

        // The desk answers only its own address, and changes nothing without its token.
        let cookie = ben.browser.get_named_cookie(quietline_desk::COOKIE).await.unwrap();
        let cookie = format!("{}={}", cookie.name(), cookie.value());
        let http = awc::Client::default();
        let other_host = http.get(format!("{}/", ben.base)).insert_header(("Host", "desk.example:80")).insert_header(("Cookie", cookie.as_str())).send().await.unwrap();
        assert_eq!(other_host.status().as_u16(), 421, "another Host is refused (DNS rebinding)");
        let own = http.get(format!("{}/", ben.base)).insert_header(("Cookie", cookie.as_str())).send().await.unwrap();
        assert_eq!(own.status().as_u16(), 200, "the desk's own address with its cookie is served");
        let csp = own.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        let no_token = http.post(format!("{}/availability", ben.base)).insert_header(("Cookie", cookie.as_str()))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded")).send_body("available=no").await.unwrap();
        assert_eq!(no_token.status().as_u16(), 403, "a change without the CSRF token is refused");
        let no_cookie = http.get(format!("{}/", ben.base)).send().await.unwrap();
        assert_eq!(no_cookie.status().as_u16(), 403, "a browser that did not launch the desk is refused");

        // At 200% zoom (half the width), nothing needs sideways scrolling.
        ben.browser.set_window_size(640, 1000).await.unwrap();
        ben.browser.goto(&format!("{}/", ben.base)).await.unwrap();
        let fits = ben.browser.execute("return document.documentElement.scrollWidth <= document.documentElement.clientWidth;", vec![]).await.unwrap();
        assert_eq!(fits, json!(true), "the desk fits a narrow window");
        screenshot(&ben.browser, "desk-narrow").await;

        tala.browser.close().await.unwrap();
        ben.browser.close().await.unwrap();
    }

    async fn a_worker_answers_from_the_desk_a_seeker_writing_from_the_web_page(app: TestApp) {
        let Some(driver) = driver() else { return };
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let slug = entry_point_with_word(&app, &root, &org, "basil").await;
        let code = app.invite(&root, &org, Role::Worker).await;
        let tala = desk(&driver, &app, &code, "tala", "fr, en").await;

        // The seeker writes from the page while the conversation waits.
        let unlocked = unlock(&app, &slug, "basil", &["fr"]).await;
        let seeker = WebSeeker::start(&app, &unlocked.pass, 11).await;
        let id = seeker.open(&app, "fr").await;
        let words_of_seeker = "Mon patron garde mon passeport";
        let (_, sent) = seeker.write(&app, words_of_seeker).await;
        assert_eq!(sent.status.as_u16(), 200, "{}", sent.body);

        let row = format!("//tr[@data-conversation='{id}']");
        shows(&tala.browser, &row).await;
        tala.browser.find(Locator::XPath(&format!("{row}//button"))).await.unwrap().click().await.unwrap();
        shows(&tala.browser, &format!("//ol[@id='messages']/li[contains(@class,'theirs')]/p[.='{words_of_seeker}']")).await;
        shows(&tala.browser, "//p[@id='from-a-page']").await;
        accessible(&tala.browser, "a conversation with a seeker on the web page").await;
        screenshot(&tala.browser, "desk-web-seeker").await;

        let words_of_worker = "Je suis là. Êtes-vous en sécurité ?";
        type_into(&tala.browser, "#text", words_of_worker).await;
        click(&tala.browser, "#send-form button").await;
        shows(&tala.browser, &format!("//ol[@id='messages']/li[contains(@class,'mine')]/p[.='{words_of_worker}']")).await;
        let mut replies = Vec::new();
        for _ in 0..400 {
            replies = seeker.replies(&app).await;
            if !replies.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(replies, vec![words_of_worker.to_string()], "the page opens what the desk sealed");
        tala.browser.close().await.unwrap();
    }

    async fn a_lead_at_the_desk_brings_in_a_supporter_and_hands_over_with_the_seekers_yes(app: TestApp) {
        let Some(driver) = driver() else { return };
        let root = app.set_up_root().await;
        let (org, _partner, entry) = set_up_organisation(&app, &root).await;
        let code = app.invite(&root, &org, Role::Worker).await;
        let tala = desk(&driver, &app, &code, "tala", "tl, en").await;
        let ben_code = app.invite(&root, &org, Role::Worker).await;
        let ben = desk(&driver, &app, &ben_code, "ben", "tl").await;

        let seeker = Client::sign_up_seeker_through(&app.public, Some(&entry)).await.unwrap();
        let opened = seeker.open_conversation(&OpenConversation {
            languages: vec!["tl".into()], entry_point: None, region: None, topic: Some("work".into()), callback: false,
        }).await.unwrap();
        let id = opened.id.clone();
        let row = format!("//tr[@data-conversation='{id}']");
        shows(&tala.browser, &row).await;
        tala.browser.find(Locator::XPath(&format!("{row}//button"))).await.unwrap().click().await.unwrap();
        shows(&tala.browser, "//p[.='You lead this conversation.']").await;
        let mut socket = seeker.connect().await.unwrap();

        // A colleague joins to support; the person is told who.
        tala.browser.find(Locator::Css("#add")).await.unwrap().select_by_label("ben").await.unwrap();
        click(&tala.browser, "#support-form button").await;
        shows(&tala.browser, "//ul[@id='supporters']/li[starts-with(normalize-space(.), 'ben')]").await;
        let joined = loop {
            let frame = tokio::time::timeout(PATIENCE, socket.next_frame()).await.expect("the person is told").unwrap();
            if let Some(ServerFrame::WorkersChanged { handles, .. }) = frame {
                break handles;
            }
        };
        assert_eq!(joined, ["tala", "ben"]);

        // Before handing over, the person is asked; their yes shows at the desk.
        click(&tala.browser, "form[action$='/handoff'] button").await;
        shows(&tala.browser, "//p[@id='handoff-state'][starts-with(., 'You asked the person')]").await;
        loop {
            let frame = tokio::time::timeout(PATIENCE, socket.next_frame()).await.expect("the person is asked").unwrap();
            if matches!(frame, Some(ServerFrame::HandoffConsentAsked { .. })) {
                break;
            }
        }
        seeker.answer_handoff(&id, true).await.unwrap();
        shows(&tala.browser, "//p[@id='handoff-state'][starts-with(., 'The person said yes')]").await;
        assert!(tala.browser.find(Locator::Css("form[action$='/handoff']")).await.is_err(), "nothing to ask once they said yes");
        accessible(&tala.browser, "a conversation with a supporter and a hand-off granted").await;
        tala.browser.execute("document.getElementById('team').scrollIntoView()", vec![]).await.unwrap();
        screenshot(&tala.browser, "desk-team-and-handoff").await;
        // The supporter's desk has the conversation too, and says whom they support.
        ben.browser.goto(&format!("{}/c/{id}", ben.base)).await.unwrap();
        shows(&ben.browser, "//p[.='You support tala, who leads this conversation.']").await;

        // The transfer dialog takes the summary; only the colleague chosen receives it.
        tala.browser.goto(&format!("{}/c/{id}/transfer", tala.base)).await.unwrap();
        shows(&tala.browser, "//label[@for='summary']").await;
        let summary = "Nagtatrabaho sa bukid; hawak ng amo ang pasaporte. Ligtas tumawag pagkatapos ng 8 pm.";
        type_into(&tala.browser, "#summary", summary).await;
        let ben_id = now_workers(&seeker).await[1].clone();
        click(&tala.browser, &format!("input[name=to][value='{ben_id}']")).await;
        accessible(&tala.browser, "the transfer dialog with a summary").await;
        screenshot(&tala.browser, "desk-transfer-with-summary").await;
        click(&tala.browser, "form[action$='/transfer'] button[type=submit]").await;
        shows(&tala.browser, "//div[@id='alerts']/p[contains(., 'is now with ben')]").await;

        // The colleague's desk opens it and shows it with the conversation, apart from it.
        shows(&ben.browser, "//div[@id='alerts']/p[contains(., 'tala passed on what you need to know')]").await;
        ben.browser.goto(&format!("{}/c/{id}", ben.base)).await.unwrap();
        shows(&ben.browser, &format!("//section[@id='summaries']//blockquote/p[.='{summary}']")).await;
        shows(&ben.browser, "//p[.='You lead this conversation.']").await;
        assert!(ben.browser.find(Locator::Css("#handoff-state")).await.is_err(), "the yes was given to tala, not to ben");
        accessible(&ben.browser, "a conversation handed over with a summary").await;
        screenshot(&ben.browser, "desk-summary-received").await;
        let now = seeker.conversations().await.unwrap().remove(0);
        assert_eq!(now.lead.map(|l| l.0), Some(ben_id));
        assert_eq!(now.worker_handles, ["ben"]);
        tala.browser.close().await.unwrap();
        ben.browser.close().await.unwrap();
    }

    async fn a_callback_request_shows_at_the_desk_as_one_and_says_when_once_claimed(app: TestApp) {
        let Some(driver) = driver() else { return };
        let root = app.set_up_root().await;
        let (org, _partner, entry) = set_up_organisation(&app, &root).await;
        let code = app.invite(&root, &org, Role::Worker).await;
        let tala = desk(&driver, &app, &code, "tala", "tl, en").await;

        let seeker = Client::sign_up_seeker_through(&app.public, Some(&entry)).await.unwrap();
        let request = OpenConversation {
            languages: vec!["tl".into()], entry_point: None, region: None, topic: Some("work".into()), callback: false,
        };
        let window = "Martes, pagkatapos ng alas-siyete ng gabi";
        let opened = seeker.request_callback(&request, quietline_protocol::relay::CallbackDetails { window: window.into(), note: None }).await.unwrap();
        let row = format!("//tr[@data-conversation='{}']", opened.id);
        shows(&tala.browser, &format!("{row}//span[@class='tag'][.='answer later']")).await;
        accessible(&tala.browser, "the queue with a callback request").await;
        tala.browser.find(Locator::XPath(&format!("{row}//button"))).await.unwrap().click().await.unwrap();
        shows(&tala.browser, &format!("//ol[@id='messages']/li[contains(@class,'theirs')][p/strong[starts-with(., 'Asks to be answered later')]]/p[.='{window}']")).await;
        assert!(tala.browser.find(Locator::Css("#from-a-page")).await.is_err(), "an app's callback request is not from a page");
        accessible(&tala.browser, "a callback request claimed").await;
        screenshot(&tala.browser, "desk-callback").await;
        tala.browser.close().await.unwrap();
    }

    async fn a_desk_opens_its_state_file_again_and_locks_when_left_idle(app: TestApp) {
        let Some(driver) = driver() else { return };
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let code = app.invite(&root, &org, Role::Worker).await;
        let first = desk(&driver, &app, &code, "tala", "tl").await;
        first.browser.close().await.unwrap();
        first.server.stop(true).await;

        // The next run asks for the passphrase that seals the state file.
        let (browser, base, server, launch_url) = launch(&driver, &app, &first.profile.0, Duration::from_secs(600), "en").await;
        shows(&browser, "//h1[.='Unlock the desk']").await;
        accessible(&browser, "the unlock page").await;
        type_into(&browser, "#passphrase", "not the passphrase").await;
        click(&browser, "form[action='/unlock'] button").await;
        shows(&browser, "//p[@role='alert'][.='That passphrase does not open this desk.']").await;
        type_into(&browser, "#passphrase", "a long desk passphrase").await;
        click(&browser, "form[action='/unlock'] button").await;
        shows(&browser, "//span[@class='who'][.='Signed in as tala']").await;
        let again = awc::Client::default().get(&launch_url).send().await.unwrap();
        assert_eq!(again.status().as_u16(), 403, "the launch address opens the desk once");
        let _ = base;
        browser.close().await.unwrap();
        server.stop(true).await;

        // Left longer than its idle time, the desk asks again before showing anything (in the
        // browser's language).
        let (browser, _, server, _) = launch(&driver, &app, &first.profile.0, Duration::ZERO, "fr").await;
        shows(&browser, "//h1[.='Déverrouiller le poste']").await;
        type_into(&browser, "#passphrase", "a long desk passphrase").await;
        click(&browser, "form[action='/unlock'] button").await;
        shows(&browser, "//h1[.='Déverrouiller le poste']").await;
        assert!(browser.find(Locator::Css("span.who")).await.is_err(), "a locked desk does not say who is signed in");
        assert!(browser.find(Locator::Css("p[role=alert]")).await.is_err(), "the passphrase was right");
        browser.close().await.unwrap();
        server.stop(true).await;
    }
}
