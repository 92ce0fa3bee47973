//! The administrators' console over HTTP, as a browser uses it: the session cookie and what it
//! holds, the form token, the idle timeout (with the server's clock moved on), sign-out on the
//! server, and the same answers as the API for administrators of another organisation.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_tests::{AdminLogin, Listener, PASSPHRASE, TestApp, both_backends};

/// A browser's view of the console: its cookie and the last page's form token.
struct Browser {
    client: awc::Client,
    base: String,
    cookie: Option<String>,
}

/// What the console answered.
struct Page {
    status: u16,
    location: String,
    set_cookie: String,
    body: String,
}

impl Page {
    /// The form token the page's forms carry.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token in {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            client: awc::Client::builder().disable_redirects().finish(),
            base: app.url(Listener::Admin, ""),
            cookie: None,
        }
    }

    async fn send(&mut self, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Page {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("Accept-Language", "en"));
        if let Some(cookie) = &self.cookie {
            request = request.insert_header(("Cookie", cookie.clone()));
        }
        let mut response = match form {
            Some(form) => request.send_form(&form).await.unwrap(),
            None => request.send().await.unwrap(),
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let set_cookie = header("set-cookie");
        let location = header("location");
        if let Some(pair) = set_cookie.split(';').next().filter(|p| !p.is_empty()) {
            self.cookie = Some(pair.to_string()).filter(|p| !p.ends_with('='));
        }
        let body = response.body().await.unwrap();
        Page {
            status: response.status().as_u16(),
            location,
            set_cookie,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send("POST", path, Some(form)).await
    }

    /// Signs `admin` in through the sign-in page; answers the page it was sent to.
    async fn sign_in(&mut self, app: &TestApp, admin: &AdminLogin) -> Page {
        let page = self.get("/console/sign-in").await;
        assert_eq!(page.status, 200);
        let csrf = page.csrf();
        // The second factor's current step may have been spent by its confirmation.
        app.clock.advance(30);
        let code = app.totp_code(admin.totp_secret.as_deref().unwrap());
        let signed = self
            .post(
                "/console/sign-in",
                &[
                    ("csrf", &csrf),
                    ("handle", &admin.handle),
                    ("passphrase", PASSPHRASE),
                    ("code", &code),
                ],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.body);
        signed
    }
}

/// Audit entries of an action so far.
async fn entries(app: &TestApp, action: &str) -> usize {
    quietline_server::audit::list(
        &app.state,
        quietline_server::audit::Filter {
            action: Some(action.to_string()),
            limit: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len()
}

both_backends! {
    async fn the_session_is_a_sealed_strict_cookie_that_ends_when_idle(app: TestApp) {
        let root = app.set_up_root().await;
        let mut browser = Browser::new(&app);
        // The admin listener's address opens the console.
        let page = browser.get("/").await;
        assert_eq!((page.status, page.location.as_str()), (303, "/console/"));
        // Nothing without a session: the console sends the visitor to sign in.
        let page = browser.get("/console/").await;
        assert_eq!((page.status, page.location.as_str()), (303, "/console/sign-in"));
        let signed = browser.sign_in(&app, &root).await;
        assert_eq!(signed.location, "/console/");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
            assert!(signed.set_cookie.contains(attribute), "{}", signed.set_cookie);
        }
        // Plain HTTP here: a Secure cookie would never come back.
        assert!(!signed.set_cookie.contains("Secure"), "{}", signed.set_cookie);
        // Sealed: nothing it holds can be read from it, not even the form token every page shows.
        let cookie = browser.cookie.clone().unwrap();
        let home = browser.get("/console/").await;
        let sealed = cookie.split_once('=').unwrap().1;
        assert!(!sealed.contains(&home.csrf()), "{cookie}");
        let bytes = URL_SAFE_NO_PAD.decode(sealed).unwrap();
        for readable in [&b"access"[..], b"refresh", b"csrf", b"eyJ"] {
            assert!(!bytes.windows(readable.len()).any(|w| w == readable), "{cookie}");
        }
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.body.contains("Organisations"));
        let headers_page = browser.client.get(format!("{}/console/", browser.base)).insert_header(("Cookie", cookie.clone())).send().await.unwrap();
        let policy = headers_page.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
        assert!(policy.starts_with("default-src 'none'; script-src 'self'"), "{policy}");

        // An altered cookie opens nothing.
        let mut forged = Browser::new(&app);
        let mut bytes = cookie.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        forged.cookie = Some(String::from_utf8(bytes).unwrap());
        let page = forged.get("/console/").await;
        assert_eq!((page.status, page.location.as_str()), (303, "/console/sign-in"));

        // Fifteen minutes of use keep it; fifteen without end it, on the server too.
        for _ in 0..3 {
            app.clock.advance(14 * 60);
            assert_eq!(browser.get("/console/").await.status, 200);
        }
        let signed_out = entries(&app, "admin.sign_out").await;
        app.clock.advance(15 * 60 + 1);
        let page = browser.get("/console/").await;
        assert_eq!((page.status, page.location.as_str()), (303, "/console/sign-in?done=idle"));
        assert!(page.set_cookie.contains("Max-Age=0"), "{}", page.set_cookie);
        assert_eq!(entries(&app, "admin.sign_out").await, signed_out + 1);
        let page = browser.get("/console/sign-in?done=idle").await;
        assert!(page.body.contains("signed out after 15 minutes"), "{}", page.body);

        // An idle session that comes back by another page first is over all the same.
        let mut again = Browser::new(&app);
        again.sign_in(&app, &root).await;
        app.clock.advance(15 * 60 + 1);
        let signed_out = entries(&app, "admin.sign_out").await;
        assert_eq!(again.get("/console/sign-in").await.status, 200);
        assert_eq!(entries(&app, "admin.sign_out").await, signed_out + 1, "ended on the server");
        let page = again.get("/console/").await;
        assert_eq!((page.status, page.location.as_str()), (303, "/console/sign-in"));
    }

    async fn a_form_without_the_sessions_token_changes_nothing(app: TestApp) {
        let root = app.set_up_root().await;
        let mut browser = Browser::new(&app);
        browser.sign_in(&app, &root).await;
        let home = browser.get("/console/").await;
        let csrf = home.csrf();
        let before = entries(&app, "organisation.create").await;
        for token in ["", "not-the-token", &csrf[..csrf.len() - 1]] {
            let page = browser.post("/console/organisations", &[("csrf", token), ("name", "Forged"), ("default_language", "en")]).await;
            assert_eq!(page.status, 403, "{}", page.body);
            assert!(page.body.contains("did not come from this console"), "{}", page.body);
        }
        assert_eq!(entries(&app, "organisation.create").await, before);
        let made = browser.post("/console/organisations", &[("csrf", &csrf), ("name", "Harbour House"), ("default_language", "en")]).await;
        assert_eq!(made.status, 303, "{}", made.body);
        assert!(made.location.starts_with("/console/o/"), "{}", made.location);
        assert_eq!(entries(&app, "organisation.create").await, before + 1);

        // Signing out ends the session on the server: the old cookie opens nothing after it.
        let cookie = browser.cookie.clone();
        let out = browser.post("/console/sign-out", &[("csrf", &csrf)]).await;
        assert_eq!((out.status, out.location.as_str()), (303, "/console/sign-in?done=signed-out"));
        let mut replay = Browser::new(&app);
        replay.cookie = cookie;
        let page = replay.get("/console/").await;
        assert_eq!((page.status, page.location.as_str()), (303, "/console/sign-in"));
    }

    async fn another_organisations_pages_answer_as_its_api_does(app: TestApp) {
        let root = app.set_up_root().await;
        let own = app.create_organisation(&root, "Harbour House").await.id.0;
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let admin = app.enrol_admin(&root, &own, "harbour-admin").await;
        let mut browser = Browser::new(&app);
        let signed = browser.sign_in(&app, &admin).await;
        assert_eq!(signed.location, "/console/");
        // An organisation's administrator goes straight to its dashboard.
        let home = browser.get("/console/").await;
        assert_eq!((home.status, home.location.clone()), (303, format!("/console/o/{own}")));
        assert_eq!(browser.get(&format!("/console/o/{own}/cards")).await.status, 200);
        for path in ["", "/cards", "/people", "/audit", "/entry-points", "/settings"] {
            let page = browser.get(&format!("/console/o/{other}{path}")).await;
            assert_eq!(page.status, 403, "{path}: {}", page.body);
            let missing = browser.get(&format!("/console/o/no-such-organisation{path}")).await;
            assert_eq!(missing.status, 403, "{path}: an unknown organisation answers as a forbidden one");
        }
        // The instance's log is for instance administrators.
        let page = browser.get("/console/audit").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("class=\"problem\""), "{}", page.body);
    }

    async fn a_word_set_in_the_console_opens_the_web_entry_and_an_empty_one_closes_it(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let admin = app.enrol_admin(&root, &org, "harbour-admin").await;
        let entry = app
            .post(Listener::Admin, &format!("/admin/v1/organisations/{org}/entry-points"), Some(admin.session.access_token.expose()),
                serde_json::json!({"label": "poster", "default_language": "en"}))
            .await
            .expect(200);
        let id = entry.body["id"].as_str().unwrap().to_string();
        let slug = entry.body["public_slug"].as_str().unwrap().to_string();
        let mut browser = Browser::new(&app);
        browser.sign_in(&app, &admin).await;
        let page = browser.get(&format!("/console/o/{org}/entry-points")).await;
        assert!(page.body.contains("Closed"), "{}", page.body);
        let unlock = || app.post(Listener::Public, "/v1/web/unlock", None, serde_json::json!({"slug": slug, "word": "cumin"}));
        assert_eq!(unlock().await.status.as_u16(), 404);

        let set = browser.post(&format!("/console/o/{org}/entry-points/{id}/web-entry"), &[("csrf", &page.csrf()), ("word", "Cumin")]).await;
        assert_eq!((set.status, set.location.as_str()), (303, format!("/console/o/{org}/entry-points?done=web-entry-set").as_str()));
        let page = browser.get(&set.location).await;
        assert!(page.body.contains("Open with its word") && page.body.contains("The word is set"), "{}", page.body);
        assert!(!page.body.contains("Cumin") && !page.body.contains("cumin"), "the word is not shown again");
        assert_eq!(unlock().await.status.as_u16(), 200);
        assert_eq!(entries(&app, "entry_point.unlock_word_set").await, 1);

        let closed = browser.post(&format!("/console/o/{org}/entry-points/{id}/web-entry"), &[("csrf", &page.csrf()), ("word", "")]).await;
        assert_eq!(closed.status, 303);
        assert_eq!(unlock().await.status.as_u16(), 404);
    }
}
