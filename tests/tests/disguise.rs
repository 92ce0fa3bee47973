//! The public address passes for an ordinary website: a browser, or anyone probing it the way a
//! browser would, finds the site's pages and the site's 404, never the API.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_server::face::Theme;
use quietline_tests::{Answer, Listener, TestApp, both_backends, both_backends_with};

/// What Chromium sends when someone opens an address.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

/// Words that would tell a watcher what the server really is.
const TELLTALES: [&str; 10] = [
    "quietline",
    "actix",
    "rust",
    "json",
    "api",
    "seeker",
    "outreach",
    "signal",
    "v1",
    "error",
];

async fn browse(app: &TestApp, method: &str, path: &str, extra: &[(&str, &str)]) -> Answer {
    let mut headers = vec![("Accept", BROWSER_ACCEPT)];
    headers.extend_from_slice(extra);
    app.call_with_headers(method, Listener::Public, path, None, None, &headers)
        .await
}

/// Header names and values, without those that differ on every answer.
fn stable_headers(answer: &Answer, also_skip: &[&str]) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| !["date", "x-request-id"].contains(&name.as_str()))
        .filter(|(name, _)| !also_skip.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    headers.sort();
    headers
}

fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.raw).into_owned()
}

/// Nothing in an answer names the software, the framework or what it is for.
#[track_caller]
fn says_nothing_of_itself(answer: &Answer) {
    let mut everything = text(answer).to_lowercase();
    // The request id is random: it may spell anything.
    for (name, value) in answer
        .headers
        .iter()
        .filter(|(name, _)| *name != "x-request-id")
    {
        everything.push_str(&format!("\n{name}: {}", value.to_str().unwrap_or("")));
    }
    // `application/json` never appears; other words only as whole words.
    for word in TELLTALES {
        let found = everything
            .split(|c: char| !c.is_alphanumeric())
            .any(|token| token == word);
        assert!(!found, "the site says {word:?}:\n{everything}");
    }
    assert!(answer.headers.get("server").is_none());
    assert!(answer.headers.get("set-cookie").is_none());
}

/// A site page is padded to one of the messaging API's size buckets.
#[track_caller]
fn padded_to_a_bucket(answer: &Answer) {
    let len = answer.raw.len();
    assert_eq!(
        quietline_protocol::padding::padded_len(len),
        len,
        "{len} bytes is no bucket size"
    );
}

async fn looks_like_the_site(app: TestApp, theme: Theme) {
    let home = browse(&app, "GET", "/", &[]).await.expect(200);
    let home_page = text(&home);
    says_nothing_of_itself(&home);
    padded_to_a_bucket(&home);
    assert!(
        home_page.contains(&format!("class=\"theme-{}\"", theme.key())),
        "{home_page}"
    );
    assert_eq!(
        home.headers.get("content-type").unwrap(),
        "text/html; charset=utf-8"
    );
    // The front page runs one script, its own search box's, allowed by its hash and nothing else.
    let csp = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    let script = home_page
        .split_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(script, _)| script)
        .expect("the search box's script");
    let hash = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script))
    };
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    // Its own, and the one a search may answer with; nothing else.
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}' 'sha256-")),
        "{csp}"
    );
    assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
    assert!(
        csp.contains("connect-src 'self';") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(home_page.matches("<script").count(), 1);

    // An unknown site path, an unknown API path and a real API path opened in a browser: one and
    // the same 404, to the byte.
    let unknown = browse(&app, "GET", "/some/page/that-is-not-here", &[]).await;
    let unknown_api = browse(&app, "GET", "/v1/nonexistent", &[]).await;
    let real_api = browse(&app, "GET", "/v1/account", &[]).await;
    let real_api_post = browse(&app, "POST", "/v1/sessions", &[]).await;
    let unknown_curl = app
        .call_with_headers(
            "GET",
            Listener::Public,
            "/wp-login.php",
            None,
            None,
            &[("Accept", "*/*")],
        )
        .await;
    for answer in [
        &unknown,
        &unknown_api,
        &real_api,
        &real_api_post,
        &unknown_curl,
    ] {
        assert_eq!(answer.status, 404);
        assert_eq!(answer.raw, unknown.raw, "{}", text(answer));
        assert_eq!(stable_headers(answer, &[]), stable_headers(&unknown, &[]));
        says_nothing_of_itself(answer);
        padded_to_a_bucket(answer);
    }
    assert!(!text(&unknown).contains("that-is-not-here"));
    // The 404 and the pages are cut from the same cloth: the same headers, the same frame.
    // (The front page's policy also names its scripts.)
    assert_eq!(
        stable_headers(&home, &["content-length", "content-security-policy"]),
        stable_headers(&unknown, &["content-length", "content-security-policy"])
    );
    let frame_of = |page: &str| page.split("<main").next().unwrap_or("").len();
    assert!(frame_of(&text(&unknown)) > 500);
    let not_found_head = text(&unknown);
    let home_head = home_page.split("<title>").next().unwrap();
    assert!(not_found_head.starts_with(home_head));

    // Every page the home page and the sitemap lead to is there.
    let mut links: Vec<String> = home_page
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/'))
        .map(str::to_owned)
        .collect();
    let sitemap = browse(&app, "GET", "/sitemap.xml", &[]).await.expect(200);
    let sitemap_text = text(&sitemap);
    assert!(sitemap_text.starts_with("<?xml"));
    let article_path = format!("/{}/{}", theme.section(), theme.articles()[0].slug);
    assert!(
        sitemap_text.contains(&format!("{}{article_path}<", app.public)),
        "{sitemap_text}"
    );
    for loc in sitemap_text.split("<loc>").skip(1) {
        let url = loc.split("</loc>").next().unwrap();
        links.push(url.strip_prefix(&app.public).unwrap().to_owned());
    }
    assert!(links.len() >= 8 + 6 + 3, "{links:?}");
    for link in &links {
        let answer = browse(&app, "GET", link, &[]).await;
        assert_eq!(answer.status, 200, "{link}");
        says_nothing_of_itself(&answer);
        padded_to_a_bucket(&answer);
    }
    let article = browse(&app, "GET", &article_path, &[]).await.expect(200);
    assert!(text(&article).contains("<li>"));

    let robots = browse(&app, "GET", "/robots.txt", &[]).await.expect(200);
    assert!(text(&robots).starts_with("User-agent: *\n"));
    assert!(text(&robots).contains(&format!("Sitemap: {}/sitemap.xml", app.public)));
    let icon = browse(&app, "GET", "/favicon.ico", &[]).await.expect(200);
    assert_eq!(&icon.raw[..4], &[0, 0, 1, 0], "an ICO file");
    assert_eq!(icon.headers.get("content-type").unwrap(), "image/x-icon");
    let css = browse(&app, "GET", "/assets/site.css", &[])
        .await
        .expect(200);
    assert!(
        css.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    // Nothing on any page comes from elsewhere.
    for page in [&home_page, &text(&article), &text(&unknown)] {
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
    for page in [&text(&article), &text(&unknown)] {
        assert!(!page.contains("<script"));
    }
    // The search box's search: the site's articles, the same whatever key a link carried.
    let search = |form: &'static str| {
        app.call_raw(
            "POST",
            Listener::Public,
            "/search",
            None,
            "application/x-www-form-urlencoded",
            form.as_bytes().to_vec(),
        )
    };
    let plain = search("q=zzzz&k=&l=en").await.expect(200);
    says_nothing_of_itself(&plain);
    padded_to_a_bucket(&plain);
    assert!(
        text(&plain).contains("id=\"search-none\""),
        "{}",
        text(&plain)
    );
    let keyed = search("q=zzzz&k=not-an-entry-point&l=en").await.expect(200);
    assert_eq!(
        keyed.raw, plain.raw,
        "a key and a word that open nothing are an ordinary search"
    );
    let everything = search("q=&k=&l=en").await.expect(200);
    assert_eq!(text(&everything).matches("<li>").count(), 3);
    assert_eq!(
        article.headers.get("content-security-policy").unwrap(),
        quietline_server::face::CONTENT_SECURITY_POLICY
    );
}

both_backends_with! {
    |config| config.site_theme = Theme::Recipes;
    async fn the_recipe_site(app: TestApp) {
        looks_like_the_site(app, Theme::Recipes).await;
    }
}

both_backends_with! {
    |config| config.site_theme = Theme::Weather;
    async fn the_weather_site(app: TestApp) {
        looks_like_the_site(app, Theme::Weather).await;
    }
}

both_backends_with! {
    |config| config.site_theme = Theme::Flashcards;
    async fn the_flashcards_site(app: TestApp) {
        looks_like_the_site(app, Theme::Flashcards).await;
    }
}

both_backends! {
    async fn api_clients_still_get_the_api(app: TestApp) {
        // Asking for JSON: the API's own errors.
        let unknown = app.get(Listener::Public, "/v1/nonexistent", None).await.expect(404);
        assert_eq!(unknown.code(), "not_found");
        let unauthorised = app.get(Listener::Public, "/v1/account", None).await.expect(401);
        assert_eq!(unauthorised.headers.get("content-type").unwrap(), "application/json");
        // A browser that carries credentials is an app: it gets the API too.
        let with_token = app
            .call_with_headers(
                "GET",
                Listener::Public,
                "/v1/account",
                Some("not-a-token"),
                None,
                &[("Accept", BROWSER_ACCEPT)],
            )
            .await
            .expect(401);
        assert_eq!(with_token.headers.get("content-type").unwrap(), "application/json");
        // The API works as before for a client that asks for JSON.
        let seeker = app.sign_up_seeker().await;
        app.get(Listener::Public, "/v1/account", Some(seeker.access_token.expose()))
            .await
            .expect(200);
        // The admin listener has no face: JSON at every path but its console's.
        let admin = app
            .call_with_headers("GET", Listener::Admin, "/no-such-page", None, None, &[("Accept", BROWSER_ACCEPT)])
            .await
            .expect(404);
        assert_eq!(admin.code(), "not_found");
    }

    async fn the_site_reads_in_the_visitors_language(app: TestApp) {
        let french = browse(&app, "GET", "/", &[("Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5")])
            .await
            .expect(200);
        assert_eq!(french.headers.get("content-language").unwrap(), "fr");
        let french_page = text(&french);
        assert!(french_page.contains("<html lang=\"fr\" dir=\"ltr\">"));
        assert!(french_page.contains("Accueil"));
        // Chosen from the list at the foot: kept on every link of the page.
        let arabic = browse(&app, "GET", "/about?lang=ar", &[("Accept-Language", "fr")])
            .await
            .expect(200);
        let arabic_page = text(&arabic);
        assert_eq!(arabic.headers.get("content-language").unwrap(), "ar");
        assert!(arabic_page.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(arabic_page.contains("href=\"/privacy?lang=ar\""));
        assert!(arabic_page.contains("href=\"/about?lang=zh-Hans\""));
        for tag in ["en", "fr", "es", "tl", "zh-Hans", "ar"] {
            let page = browse(&app, "GET", &format!("/?lang={tag}"), &[]).await.expect(200);
            assert_eq!(page.headers.get("content-language").unwrap(), tag);
            says_nothing_of_itself(&page);
        }
        // A language the site does not have: the visitor's own, else English.
        let unknown = browse(&app, "GET", "/?lang=xx", &[]).await.expect(200);
        assert_eq!(unknown.headers.get("content-language").unwrap(), "en");
        // The 404 is the same for every path in one language, and differs between languages.
        let french_404 = browse(&app, "GET", "/nope", &[("Accept-Language", "fr")]).await;
        let french_api_404 = browse(&app, "GET", "/v1/account", &[("Accept-Language", "fr")]).await;
        assert_eq!(french_404.raw, french_api_404.raw);
        assert_ne!(french_404.raw, browse(&app, "GET", "/nope", &[]).await.raw);
    }
}

/// A PNG's text, read back as a phone's camera would.
fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let width = frame.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, frame.height as usize, |x, y| {
            pixels[y * width + x]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

both_backends! {
    async fn entry_points_wear_a_disguise(app: TestApp) {
        let root = app.set_up_root().await;
        let token = root.session.access_token.expose();
        let org = app.create_organisation(&root, "Hearth").await.id.0;
        let base = format!("/admin/v1/organisations/{org}/entry-points");
        let created = app
            .post(Listener::Admin, &base, Some(token), serde_json::json!({
                "label": "flashcards sticker", "default_language": "fr", "theme": "flashcards"
            }))
            .await
            .expect(200);
        let code = created.body["code"].as_str().unwrap().to_owned();
        let slug = created.body["public_slug"].as_str().unwrap().to_owned();
        let id = created.body["id"].as_str().unwrap().to_owned();
        assert_eq!(created.body["theme"], "flashcards");
        assert_ne!(slug, code);
        assert!(slug.len() >= 22, "{slug}");
        let link = created.body["link"].as_str().unwrap().to_owned();
        assert_eq!(link, format!("{}/#{slug}", app.public));
        // The slug is listed, the code never again.
        let listed = app.get(Listener::Admin, &base, Some(token)).await.expect(200);
        assert_eq!(listed.body[0]["public_slug"], slug.as_str());
        assert!(listed.body[0].get("code").is_none());

        // Anyone may read the decoy content, without the code, in their language; every answer
        // has the same size.
        let decoy = |path: String, headers: Vec<(&'static str, &'static str)>, token: Option<String>| {
            let app = &app;
            async move {
                app.call_with_headers("GET", Listener::Public, &path, token.as_deref(), None, &headers).await
            }
        };
        let spanish = decoy(format!("/v1/decoys/{slug}"), vec![("Accept-Language", "es-MX,es;q=0.9")], None)
            .await
            .expect(200);
        assert_eq!(spanish.raw.len(), quietline_protocol::decoys::DECOY_BODY_SIZE);
        assert_eq!(spanish.body["language"], "es");
        assert_eq!(spanish.body["content"]["theme"], "flashcards");
        let days: Vec<u64> = spanish.body["content"]["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["day"].as_u64().unwrap())
            .collect();
        assert_eq!(days, (1..=7).collect::<Vec<_>>(), "a week of cards");
        // Without a language, the entry point's own.
        let default = decoy(format!("/v1/decoys/{slug}"), vec![], None).await.expect(200);
        assert_eq!(default.body["language"], "fr");
        // An unlocked client (signed in) gets the very same answer.
        let seeker = app.sign_up_seeker().await;
        let unlocked = decoy(
            format!("/v1/decoys/{slug}"),
            vec![],
            Some(seeker.access_token.expose().to_owned()),
        )
        .await
        .expect(200);
        assert_eq!(unlocked.raw, default.raw);
        assert_eq!(
            decoy("/v1/decoys/no-such-slug".into(), vec![], None).await.expect(404).code(),
            "not_found"
        );

        // Administrators curate it per language; the theme must match, the size stays.
        let curated = serde_json::json!({"theme": "flashcards", "cards": [
            {"day": 1, "front": "bread", "back": "pain"},
            {"day": 2, "front": "milk", "back": "lait"}
        ]});
        let put = app
            .call("PUT", Listener::Admin, &format!("{base}/{id}/decoys/fr"), Some(token), Some(&curated))
            .await
            .expect(200);
        assert_eq!(put.body["language"], "fr");
        let wrong = serde_json::json!({"theme": "recipes", "recipes": []});
        let refused = app
            .call("PUT", Listener::Admin, &format!("{base}/{id}/decoys/fr"), Some(token), Some(&wrong))
            .await
            .expect(422);
        assert_eq!(refused.code(), "invalid_body");
        let french = decoy(format!("/v1/decoys/{slug}?lang=fr"), vec![], None).await.expect(200);
        assert_eq!(french.body["content"], curated);
        assert_eq!(french.raw.len(), quietline_protocol::decoys::DECOY_BODY_SIZE);
        let list = app.get(Listener::Admin, &format!("{base}/{id}/decoys"), Some(token)).await.expect(200);
        assert_eq!(list.body.as_array().unwrap().len(), 1);
        app.call("DELETE", Listener::Admin, &format!("{base}/{id}/decoys/fr"), Some(token), None)
            .await
            .expect(204);
        let seeded = decoy(format!("/v1/decoys/{slug}?lang=fr"), vec![], None).await.expect(200);
        assert_eq!(seeded.body["content"]["cards"].as_array().unwrap().len(), 7);

        // The slug opens nothing: sign-up needs the code.
        let mut signup = app.solved_signup().await;
        signup["entry_point"] = serde_json::json!(slug);
        let refused = app.post(Listener::Public, "/v1/seekers", None, signup).await.expect(422);
        assert_eq!(refused.code(), "invalid_entry_point");
        let mut signup = app.solved_signup().await;
        signup["entry_point"] = serde_json::json!(code);
        app.post(Listener::Public, "/v1/seekers", None, signup).await.expect(200);

        // The printable QR code reads back as the link, which opens the public site.
        let png = app.get(Listener::Admin, &format!("{base}/{id}/qr.png"), Some(token)).await.expect(200);
        assert_eq!(png.headers.get("content-type").unwrap(), "image/png");
        assert_eq!(decode_qr(&png.raw), link);
        let svg = app.get(Listener::Admin, &format!("{base}/{id}/qr.svg"), Some(token)).await.expect(200);
        assert_eq!(svg.headers.get("content-type").unwrap(), "image/svg+xml");
        assert!(text(&svg).contains("<svg"));
        assert!(!text(&svg).contains(&code) && !text(&svg).contains(&slug), "the link is drawn, not written");
        let face = browse(&app, "GET", "/", &[]).await.expect(200);
        assert!(text(&face).contains("<html"));
    }
}
