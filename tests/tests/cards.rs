//! Resource cards: curated by administrators (versions, review, two-admin approval), served in a
//! negotiated locale with filters and search that agree across backends, and bundled, signed, for
//! offline browsing.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::cards::{BundleError, BundleKey, SignedBundle, verify_bundle};
use quietline_server::clock::Clock;
use quietline_tests::{AdminLogin, Listener, TestApp, both_backends};
use serde_json::{Value, json};

fn text(title: &str, summary: &str, body: &str) -> Value {
    json!({"title": title, "summary": summary, "body": body, "risk_disclosure": "Going there may mean giving your name.", "confidentiality": null})
}

fn card(category: &str, regions: &[&str], translations: Value) -> Value {
    json!({
        "category": category,
        "source_locale": "en",
        "regions": regions,
        "languages": ["en", "fr"],
        "eligibility": ["any_status"],
        "cost": "free",
        "contact": {"always_open": true},
        "tags": [],
        "to_be_completed": false,
        "sample": false,
        "translations": translations,
    })
}

async fn create_and_publish(
    app: &TestApp,
    admin: &AdminLogin,
    org: &str,
    content: Value,
) -> String {
    let token = Some(admin.session.access_token.expose());
    let created = app
        .post(
            Listener::Admin,
            &format!("/admin/v1/organisations/{org}/cards"),
            token,
            content,
        )
        .await
        .expect(200)
        .body;
    let id = created["id"].as_str().unwrap().to_string();
    app.post(
        Listener::Admin,
        &format!("/admin/v1/organisations/{org}/cards/{id}/publish"),
        token,
        json!({}),
    )
    .await
    .expect(200);
    id
}

async fn served(app: &TestApp, token: &str, org: &str, query: &str) -> Vec<Value> {
    app.get(
        Listener::Public,
        &format!("/v1/organisations/{org}/cards?{query}"),
        Some(token),
    )
    .await
    .expect(200)
    .body
    .as_array()
    .unwrap()
    .clone()
}

fn titles(cards: &[Value]) -> Vec<String> {
    let mut titles: Vec<String> = cards
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    titles
}

both_backends! {
    async fn cards_are_served_in_the_negotiated_locale_filtered_and_searched(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let shelter = card("shelter", &["CA-QC/Montréal"], json!({
            "en": text("Emergency shelter", "A safe place to sleep tonight.", "Open to **everyone**."),
            "fr": text("Hébergement d'urgence", "Un endroit sûr pour dormir ce soir.", "Ouvert à **toutes et tous**."),
            "zh-Hans": text("紧急避难所", "今晚可以安全睡觉的地方。", "对所有人开放。"),
        }));
        create_and_publish(&app, &root, &org, shelter).await;
        let legal = card("legal_aid", &["national"], json!({
            "en": text("Legal aid clinic", "Free advice about your immigration status.", "Ask about work permits."),
            "fr": text("Clinique juridique", "Conseils gratuits sur votre statut d'immigration.", "Évaluation de votre situation."),
            "ar": text("عيادة المساعدة القانونية", "نصائح مجانية حول وضعك.", "اسأل عن تصاريح العمل."),
        }));
        create_and_publish(&app, &root, &org, legal).await;
        let mut ontario = card("labour_rights", &["CA-ON"], json!({"en": text("Workers' rights centre", "Unpaid wages and unsafe work.", "")}));
        ontario["eligibility"] = json!(["needs_status"]);
        ontario["contact"] = json!({"hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "09:00", "closes": "17:00"}], "time_zone": "America/Toronto"});
        create_and_publish(&app, &root, &org, ontario).await;
        // A draft is never served.
        app.post(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards"), Some(root.session.access_token.expose()), card("health", &["national"], json!({"en": text("Draft clinic", "Not yet.", "")}))).await.expect(200);
        let seeker = app.sign_up_seeker().await;
        let token = seeker.access_token.expose();

        // fr-CA finds fr; a card without French falls back to English; each says its locale.
        let cards = served(&app, token, &org, "locales=fr-CA").await;
        assert_eq!(cards.len(), 3);
        let locales: std::collections::BTreeMap<String, String> = cards.iter().map(|c| (c["category"].as_str().unwrap().to_string(), c["locale"].as_str().unwrap().to_string())).collect();
        assert_eq!(locales["shelter"], "fr");
        assert_eq!(locales["labour_rights"], "en");
        // Accept-Language works the same; Arabic is flagged right to left.
        let arabic = app.call_with_headers("GET", Listener::Public, &format!("/v1/organisations/{org}/cards?category=legal_aid"), Some(token), None, &[("Accept-Language", "ar-EG, en;q=0.5")]).await.expect(200).body;
        assert_eq!((arabic[0]["locale"].clone(), arabic[0]["rtl"].clone()), (json!("ar"), json!(true)));

        // Filters: region (national always matches), eligibility, open now, category.
        assert_eq!(titles(&served(&app, token, &org, "locales=en&region=CA-QC").await), vec!["Emergency shelter", "Legal aid clinic"]);
        assert_eq!(titles(&served(&app, token, &org, "locales=en&region=CA-BC").await), vec!["Legal aid clinic"]);
        assert_eq!(titles(&served(&app, token, &org, "locales=en&eligibility=needs_status").await), vec!["Workers' rights centre"]);
        // Monday 15:00 UTC is 10:00 or 11:00 in Toronto: open; eight hours later, closed.
        let week = 604_800;
        let monday_15_utc = 1_795_446_000; // 2026-11-23
        app.clock.advance(week - (app.clock.now() - monday_15_utc).rem_euclid(week));
        let later = app.sign_up_seeker().await;
        assert_eq!(served(&app, later.access_token.expose(), &org, "locales=en&open_now=true").await.len(), 3);
        app.clock.advance(8 * 3_600);
        let later = app.sign_up_seeker().await;
        assert_eq!(titles(&served(&app, later.access_token.expose(), &org, "locales=en&open_now=true").await), vec!["Emergency shelter", "Legal aid clinic"]);
        let token = later.access_token.expose();
        let unknown = app.get(Listener::Public, &format!("/v1/organisations/{org}/cards?category=spa"), Some(token)).await.expect(422);
        assert_eq!(unknown.code(), "invalid_parameter");

        // Search ignores case and accents, in French and in Chinese.
        assert_eq!(titles(&served(&app, token, &org, "locales=fr&q=HEBERGEMENT").await), vec!["Hébergement d'urgence"]);
        assert_eq!(titles(&served(&app, token, &org, "locales=fr&q=evaluation%20situation").await), vec!["Clinique juridique"]);
        assert_eq!(titles(&served(&app, token, &org, "locales=fr&q=s%C3%BBr%20ENDROIT").await), vec!["Hébergement d'urgence"]);
        assert_eq!(titles(&served(&app, token, &org, "locales=zh-Hans&q=%E9%81%BF%E9%9A%BE").await), vec!["紧急避难所"]);
        assert!(served(&app, token, &org, "locales=fr&q=piscine").await.is_empty());
    }

    async fn publication_needs_a_second_administrator_when_required_and_changes_are_versioned(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let first = app.enrol_admin(&root, &org, "first").await;
        let second = app.enrol_admin(&root, &org, "second").await;
        let base = format!("/admin/v1/organisations/{org}");
        let a = Some(first.session.access_token.expose());
        let b = Some(second.session.access_token.expose());

        // Every problem is reported at once, by field.
        let mut bad = card("shelter", &["Quebec"], json!({"fr": text("", "x", "<script>x</script>")}));
        bad["contact"] = json!({"phones": ["416-555-0199"]});
        let refused = app.post(Listener::Admin, &format!("{base}/cards"), a, bad).await.expect(422);
        assert_eq!(refused.code(), "invalid_card");
        let fields: Vec<&str> = refused.body["error"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        for expected in ["translations.fr.title", "translations.fr.body", "translations.en", "regions[0]", "source"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }

        app.call("PUT", Listener::Admin, &format!("{base}/card-settings"), a, Some(&json!({"two_admin_approval": true}))).await.expect(200);
        let content = card("hotline", &["national"], json!({
            "en": text("Crisis line", "Someone to talk to.", ""),
            "fr": text("Ligne de crise", "Quelqu'un à qui parler.", ""),
        }));
        let created = app.post(Listener::Admin, &format!("{base}/cards"), a, content.clone()).await.expect(200).body;
        let id = created["id"].as_str().unwrap();
        let card_path = format!("{base}/cards/{id}");
        let direct = app.post(Listener::Admin, &format!("{card_path}/publish"), a, json!({})).await.expect(409);
        assert_eq!(direct.code(), "second_approval_required");
        app.post(Listener::Admin, &format!("{card_path}/submit"), a, json!({})).await.expect(200);
        let own = app.post(Listener::Admin, &format!("{card_path}/publish"), a, json!({})).await.expect(409);
        assert_eq!(own.code(), "second_approval_required", "nobody approves their own submission");
        let published = app.post(Listener::Admin, &format!("{card_path}/publish"), b, json!({})).await.expect(200).body;
        assert_eq!(published["state"], "published");
        assert_eq!(published["outdated_locales"], json!([]));
        let v1 = published["version"].as_u64().unwrap();

        // A source edit makes the French translation outdated, in the card and as served.
        let mut edited = content.clone();
        edited["translations"]["en"]["summary"] = json!("Someone to talk to, day and night.");
        let stale = app.call("PUT", Listener::Admin, &card_path, a, Some(&json!({"version": 1, "content": edited}))).await.expect(409);
        assert_eq!(stale.code(), "version_conflict");
        let draft = app.call("PUT", Listener::Admin, &card_path, a, Some(&json!({"version": v1, "content": edited}))).await.expect(200).body;
        assert_eq!(draft["state"], "draft");
        assert_eq!(draft["outdated_locales"], json!(["fr"]));
        app.post(Listener::Admin, &format!("{card_path}/submit"), a, json!({})).await.expect(200);
        app.post(Listener::Admin, &format!("{card_path}/publish"), b, json!({})).await.expect(200);
        let seeker = app.sign_up_seeker().await;
        let fr = served(&app, seeker.access_token.expose(), &org, "locales=fr").await;
        assert_eq!(fr[0]["translation_outdated"], true);
        let en = served(&app, seeker.access_token.expose(), &org, "locales=en").await;
        assert_eq!(en[0]["summary"], "Someone to talk to, day and night.");

        // History says who changed what; a rollback serves the first published text again.
        let history = app.get(Listener::Admin, &format!("{card_path}/history"), a).await.expect(200).body;
        let actions: Vec<&str> = history.as_array().unwrap().iter().map(|v| v["action"].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["created", "submitted", "published", "edited", "submitted", "published"]);
        let edit = &history[3];
        assert_eq!(edit["changes"], json!(["translations.en.summary", "state"]));
        assert_eq!(edit["changed_by"], first.session.account_id.0.as_str());
        assert_eq!(history[2]["changed_by"], second.session.account_id.0.as_str());
        assert_eq!(history[2]["changed_by_handle"], second.handle.as_str(), "editors are named by handle");
        let rolled = app.post(Listener::Admin, &format!("{card_path}/rollback"), a, json!({"version": v1})).await.expect(200).body;
        assert_eq!(rolled["state"], "published");
        assert_eq!(rolled["outdated_locales"], json!([]));
        let en = served(&app, seeker.access_token.expose(), &org, "locales=en").await;
        assert_eq!(en[0]["summary"], "Someone to talk to.");
        let not_published = app.post(Listener::Admin, &format!("{card_path}/rollback"), a, json!({"version": 1})).await.expect(422);
        assert_eq!(not_published.code(), "invalid_body");
        app.post(Listener::Admin, &format!("{card_path}/archive"), b, json!({})).await.expect(200);
        assert!(served(&app, seeker.access_token.expose(), &org, "locales=en").await.is_empty());
    }

    async fn bundles_are_signed_cached_by_etag_and_refused_when_altered(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        for (i, title) in ["Shelter", "Legal aid", "Hotline"].iter().enumerate() {
            let mut content = card("shelter", &["CA-QC"], json!({"en": text(title, "A summary.", ""), "fr": text(&format!("{title} (fr)"), "Un résumé.", "")}));
            content["review_by"] = json!(if i == 0 { "2020-01-01" } else { "2099-01-01" });
            create_and_publish(&app, &root, &org, content).await;
        }
        let seeker = app.sign_up_seeker().await;
        let token = Some(seeker.access_token.expose());
        let path = format!("/v1/organisations/{org}/cards/bundle?locales=fr-CA&region=CA-QC/Montr%C3%A9al");
        let first = app.get(Listener::Public, &path, token).await.expect(200);
        let etag = first.headers.get("etag").unwrap().to_str().unwrap().to_string();
        let bundle: SignedBundle = first.json();
        let keys: Vec<BundleKey> = app.get(Listener::Public, &format!("/v1/organisations/{org}/cards/keys"), token).await.expect(200).json();
        let now = app.clock.now();
        let payload = verify_bundle(&bundle, &keys, now).unwrap();
        assert_eq!(payload.cards.len(), 3);
        assert_eq!(payload.locales, vec!["fr", "en"]);
        assert!(payload.cards.iter().all(|c| c.locale == "fr"));
        assert_eq!(payload.cards.iter().filter(|c| c.may_be_out_of_date).count(), 1, "the card past its review date is marked");

        // Unchanged: 304 for the same tag; compressed when asked.
        let again = app.call_with_headers("GET", Listener::Public, &path, token, None, &[("If-None-Match", etag.as_str())]).await;
        assert_eq!(again.status.as_u16(), 304);
        let gzipped = app.call_with_headers("GET", Listener::Public, &path, token, None, &[("Accept-Encoding", "gzip")]).await.expect(200);
        assert_eq!(gzipped.headers.get("content-encoding").unwrap(), "gzip");
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzipped.raw[..]), &mut json).unwrap();
        assert_eq!(serde_json::from_slice::<SignedBundle>(&json).unwrap(), bundle);

        // An altered body, or a signature by an unknown key, is refused.
        let mut altered = bundle.clone();
        altered.payload = altered.payload.replace("Shelter (fr)", "Shelter (fr) call 555-0100");
        assert_ne!(altered.payload, bundle.payload);
        assert_eq!(verify_bundle(&altered, &keys, now), Err(BundleError::BadSignature));
        assert_eq!(verify_bundle(&bundle, &[], now), Err(BundleError::UnknownKey));

        // A publication changes the tag; a key rotation keeps the old key valid for its grace.
        create_and_publish(&app, &root, &org, card("hotline", &["national"], json!({"en": text("Crisis line", "Talk.", "")}))).await;
        let changed = app.call_with_headers("GET", Listener::Public, &path, token, None, &[("If-None-Match", etag.as_str())]).await.expect(200);
        assert_ne!(changed.headers.get("etag").unwrap().to_str().unwrap(), etag);
        app.post(Listener::Admin, &format!("/admin/v1/organisations/{org}/bundle-keys/rotate"), Some(root.session.access_token.expose()), json!({})).await.expect(200);
        let rotated: Vec<BundleKey> = app.get(Listener::Public, &format!("/v1/organisations/{org}/cards/keys"), token).await.expect(200).json();
        assert_eq!(rotated.len(), 2);
        let newer: SignedBundle = app.get(Listener::Public, &path, token).await.expect(200).json();
        assert_ne!(newer.key_id, bundle.key_id);
        assert!(verify_bundle(&newer, &rotated, now).is_ok());
        assert!(verify_bundle(&bundle, &rotated, now).is_ok(), "the previous key verifies during its grace period");
        assert_eq!(verify_bundle(&bundle, &rotated, now + 15 * 86_400), Err(BundleError::UnknownKey));
    }

    async fn regions_build_one_bundle_per_distinct_answer_and_nonsense_is_refused(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        create_and_publish(&app, &root, &org, card("shelter", &["CA-QC"], json!({"en": text("Shelter", "A bed.", "")}))).await;
        create_and_publish(&app, &root, &org, card("hotline", &["CA-ON"], json!({"en": text("Legal aid", "Advice.", "")}))).await;
        let seeker = app.sign_up_seeker().await;
        let token = Some(seeker.access_token.expose());
        let bundle = |region: String| {
            let app = &app;
            let path = format!("/v1/organisations/{org}/cards/bundle?locales=en&region={region}");
            async move { app.get(Listener::Public, &path, token).await }
        };
        let before = app.state.bundles.builds();
        // Three hundred towns of Quebec: one answer (the Quebec card), one bundle built, and
        // the same bytes for all, naming none of them.
        let mut bodies = std::collections::BTreeSet::new();
        for town in 0..300 {
            let answer = bundle(format!("CA-QC/Town%20{town}")).await.expect(200);
            bodies.insert(answer.raw);
        }
        assert_eq!(bodies.len(), 1);
        assert_eq!(app.state.bundles.builds() - before, 1);
        let only: SignedBundle = serde_json::from_slice(bodies.first().unwrap()).unwrap();
        assert!(!only.payload.contains("Town"), "the bundle does not name the place asked for");
        bundle("CA-ON".into()).await.expect(200);
        assert_eq!(app.state.bundles.builds() - before, 2);

        let long = "A".repeat(81);
        for nonsense in ["%3Cscript%3E", "CA/QC/Montr%C3%A9al/rue", "CA//QC", long.as_str(), "%20"] {
            let refused = bundle(nonsense.to_string()).await.expect(422);
            assert_eq!(refused.code(), "invalid_parameter");
            app.get(Listener::Public, &format!("/v1/organisations/{org}/cards?region={nonsense}"), token).await.expect(422);
        }
        assert_eq!(app.state.bundles.builds() - before, 2);
    }

    async fn cards_of_another_organisation_answer_as_if_they_did_not_exist(app: TestApp) {
        let root = app.set_up_root().await;
        let ours = app.create_organisation(&root, "Harbour House").await.id.0;
        let theirs = app.create_organisation(&root, "Lighthouse").await.id.0;
        let their_card = create_and_publish(&app, &root, &theirs, card("shelter", &["CA-QC"], json!({"en": text("Shelter", "A bed.", "")}))).await;
        let admin = app.enrol_admin(&root, &ours, "amal").await;
        let token = Some(admin.session.access_token.expose());
        let shape = |answer: quietline_tests::Answer| (answer.status.as_u16(), answer.code().to_string(), answer.raw.len());
        let mut foreign = Vec::new();
        let mut missing = Vec::new();
        for suffix in ["", "/history", "/publish"] {
            let method = if suffix == "/publish" { "POST" } else { "GET" };
            let body = (method == "POST").then(|| json!({}));
            // Through the other organisation: refused alike whether the card or the
            // organisation exists.
            for path in [format!("/admin/v1/organisations/{theirs}/cards/{their_card}{suffix}"), format!("/admin/v1/organisations/{theirs}/cards/no-such-card{suffix}"), format!("/admin/v1/organisations/no-such-org/cards/{their_card}{suffix}")] {
                foreign.push(shape(app.call(method, Listener::Admin, &path, token, body.as_ref()).await));
            }
            // Through our own: their card is as unknown as a card that never was.
            for path in [format!("/admin/v1/organisations/{ours}/cards/{their_card}{suffix}"), format!("/admin/v1/organisations/{ours}/cards/no-such-card{suffix}")] {
                missing.push(shape(app.call(method, Listener::Admin, &path, token, body.as_ref()).await));
            }
        }
        assert_eq!(foreign[0].0, 403);
        assert!(foreign.iter().all(|a| *a == foreign[0]), "{foreign:?}");
        assert_eq!(missing[0].0, 404);
        assert!(missing.iter().all(|a| *a == missing[0]), "{missing:?}");
        // Their administrator does reach it (the check is not simply "refuse all").
        app.get(Listener::Admin, &format!("/admin/v1/organisations/{theirs}/cards/{their_card}"), Some(root.session.access_token.expose())).await.expect(200);
    }

    async fn imports_are_checked_whole_and_a_dry_run_writes_nothing(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let token = Some(root.session.access_token.expose());
        let import = |dry: bool| format!("/admin/v1/organisations/{org}/cards/import?dry_run={dry}");
        let csv = |body: &str| body.as_bytes().to_vec();
        let header = "card,source_locale,locale,category,regions,cost,phones,source,hours,time_zone,title,summary,body,risk_disclosure\n";
        // Two cards over three rows; a French cell spans two lines.
        let good = format!("{header}\
            shelter,en,en,shelter,CA-QC/Montréal; CA-ON,free,+1 416-555-0199,https://example.org/contact,mon-fri 09:00-17:00,America/Toronto,Night shelter,A bed tonight.,Open to **everyone**.,You may be asked your name.\n\
            shelter,,fr,,,,,,,,Refuge de nuit,Un lit ce soir.,\"Ouvert à **toutes et tous**,\nsans condition.\",On peut vous demander votre nom.\n\
            legal,fr,fr,legal_aid,national,varies,,,,,Aide juridique,Des conseils.,,Aucun.\n");
        let bad = format!("{good}clinic,en,en,spa,CA-ON,free,416-555-0199,,,,Clinic,,,x\n");
        let cards_of_org = || app.count_rows("resource_cards", Some(("organisation_id", org.clone())));

        // Every problem of the bad row, by row and column; nothing imported, dry run or not.
        for dry in [true, false] {
            let refused = app.call_raw("POST", Listener::Admin, &import(dry), token, "text/csv", csv(&bad)).await.expect(422);
            assert_eq!(refused.code(), "invalid_import");
            let mut found: Vec<(u64, String)> = refused.body["error"]["problems"].as_array().unwrap().iter()
                .map(|p| (p["row"].as_u64().unwrap(), p["field"].as_str().unwrap().to_string())).collect();
            found.sort();
            assert_eq!(found, vec![(4, "category".to_string()), (4, "source".to_string()), (4, "summary".to_string())]);
            assert_eq!(cards_of_org().await, 0, "nothing imported (dry run: {dry})");
        }

        // A clean dry run reports what it would do, and writes nothing.
        let rehearsal = app.call_raw("POST", Listener::Admin, &import(true), token, "text/csv", csv(&good)).await.expect(200).body;
        assert_eq!((rehearsal["dry_run"].clone(), rehearsal["created"].clone()), (json!(true), json!(2)));
        assert!(rehearsal["cards"].as_array().unwrap().iter().all(|c| c["card"].is_null() && c["action"] == "create"));
        assert_eq!(cards_of_org().await, 0);
        let report = app.call_raw("POST", Listener::Admin, &import(false), token, "text/csv", csv(&good)).await.expect(200).body;
        assert_eq!((report["created"].clone(), report["cards"][1]["row"].clone()), (json!(2), json!(3)));
        assert_eq!(cards_of_org().await, 2);
        let listed = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards"), token).await.expect(200).body;
        let shelter = listed.as_array().unwrap().iter().find(|c| c["content"]["category"] == "shelter").unwrap().clone();
        assert_eq!(shelter["state"], "draft");
        assert_eq!(shelter["content"]["regions"], json!(["CA-QC/Montréal", "CA-ON"]));
        assert_eq!(shelter["content"]["translations"]["fr"]["body"], "Ouvert à **toutes et tous**,\nsans condition.");
        assert_eq!(shelter["content"]["contact"]["hours"][0]["days"], json!(["mon", "tue", "wed", "thu", "fri"]));
        let id = shelter["id"].as_str().unwrap().to_string();
        let history = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/{id}/history"), token).await.expect(200).body;
        assert_eq!(history[0]["action"], "imported");

        // Exports import again unchanged, as CSV (one row per card × locale) and as JSON.
        let exported = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/export?format=csv"), token).await.expect(200);
        assert!(exported.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
        let mut reader = csv_rows(&exported.raw);
        let columns = reader.remove(0);
        assert_eq!(columns[0], "card");
        assert_eq!(reader.len(), 3);
        // A cell a spreadsheet would run as a formula is exported inert, and imports unchanged.
        let phones = columns.iter().position(|c| c == "phones").unwrap();
        assert!(reader.iter().any(|row| row[phones] == "'+1 416-555-0199"));
        let again = app.call_raw("POST", Listener::Admin, &import(false), token, "text/csv", exported.raw.clone()).await.expect(200).body;
        assert_eq!((again["created"].clone(), again["updated"].clone(), again["unchanged"].clone()), (json!(0), json!(0), json!(2)));
        let mut document = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/export"), token).await.expect(200).body;
        let again = app.call_raw("POST", Listener::Admin, &import(false), token, "application/json", serde_json::to_vec(&document).unwrap()).await.expect(200).body;
        assert_eq!(again["unchanged"], 2);

        // An edited source text through JSON updates the card and outdates its translation.
        let position = document["cards"].as_array().unwrap().iter().position(|c| c["id"] == id.as_str()).unwrap();
        document["cards"][position]["content"]["translations"]["en"]["title"] = json!("Night shelter (winter)");
        document["cards"][1 - position]["content"]["category"] = json!("spa");
        let refused = app.call_raw("POST", Listener::Admin, &import(false), token, "application/json", serde_json::to_vec(&document).unwrap()).await.expect(422);
        assert_eq!(refused.body["error"]["problems"][0]["row"], json!(2 - position));
        document["cards"][1 - position]["content"]["category"] = json!("legal_aid");
        let updated = app.call_raw("POST", Listener::Admin, &import(false), token, "application/json", serde_json::to_vec(&document).unwrap()).await.expect(200).body;
        assert_eq!((updated["updated"].clone(), updated["unchanged"].clone()), (json!(1), json!(1)));
        let card = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/{id}"), token).await.expect(200).body;
        assert_eq!(card["outdated_locales"], json!(["fr"]));
        let wrong_type = app.call_raw("POST", Listener::Admin, &import(false), token, "text/plain", csv(&good)).await.expect(415);
        assert_eq!(wrong_type.code(), "unsupported_media_type");
    }

    async fn the_coverage_report_and_stale_list_guide_the_review(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let token = Some(root.session.access_token.expose());
        let base = format!("/admin/v1/organisations/{org}");
        let mut overdue = card("shelter", &["CA-ON"], json!({"en": text("Shelter", "A bed.", ""), "fr": text("Refuge", "Un lit.", "")}));
        overdue["review_by"] = json!("2020-01-01");
        let overdue_id = create_and_publish(&app, &root, &org, overdue.clone()).await;
        let mut later = card("hotline", &["national"], json!({"en": text("Crisis line", "Talk.", "")}));
        later["review_by"] = json!("2999-12-31");
        let later_id = create_and_publish(&app, &root, &org, later).await;
        let mut archived = card("health", &["national"], json!({"en": text("Old clinic", "Closed.", ""), "es": text("Clínica", "Cerrada.", "")}));
        archived["review_by"] = json!("2020-01-01");
        let archived_id = create_and_publish(&app, &root, &org, archived).await;
        app.post(Listener::Admin, &format!("{base}/cards/{archived_id}/archive"), token, json!({})).await.expect(200);

        let report = app.get(Listener::Admin, &format!("{base}/cards/coverage?locales=en,fr,es"), token).await.expect(200).body;
        assert_eq!(report["locales"], json!(["en", "es", "fr"]));
        let row = |report: &Value, id: &str| report["cards"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["locales"].clone();
        assert_eq!(report["cards"].as_array().unwrap().len(), 2, "archived cards are left out");
        assert_eq!(row(&report, &overdue_id), json!({"en": "current", "es": "missing", "fr": "current"}));
        assert_eq!(row(&report, &later_id), json!({"en": "current", "es": "missing", "fr": "missing"}));

        // A source edit marks the French translation outdated.
        let current = app.get(Listener::Admin, &format!("{base}/cards/{overdue_id}"), token).await.expect(200).body;
        overdue["translations"]["en"]["summary"] = json!("A bed and a meal.");
        app.call("PUT", Listener::Admin, &format!("{base}/cards/{overdue_id}"), token, Some(&json!({"version": current["version"], "content": overdue}))).await.expect(200);
        let report = app.get(Listener::Admin, &format!("{base}/cards/coverage"), token).await.expect(200).body;
        assert_eq!(row(&report, &overdue_id)["fr"], "outdated");
        assert_eq!(report["totals"]["fr"], json!({"current": 0, "outdated": 1, "missing": 1}));
        assert!(report["locales"].as_array().unwrap().contains(&json!("fr")));

        // Past its review date: listed (and marked in bundles, see the bundle test); the
        // other only when asking far enough ahead.
        let stale = app.get(Listener::Admin, &format!("{base}/cards/stale"), token).await.expect(200).body;
        let ids: Vec<&str> = stale.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![overdue_id.as_str()]);
        assert!(stale[0]["overdue_days"].as_i64().unwrap() > 0);
        assert_eq!(stale[0]["title"], "Shelter");
        let ahead = app.get(Listener::Admin, &format!("{base}/cards/stale?within_days=400000"), token).await.expect(200).body;
        assert_eq!(ahead.as_array().unwrap().len(), 2);
        assert!(ahead[1]["overdue_days"].as_i64().unwrap() < 0);
    }

    async fn the_starter_set_imports_cleanly_and_keeps_to_its_rules(app: TestApp) {
        let starter = include_str!("../../admin/starter/cards-ca.json");
        let document: Value = serde_json::from_str(starter).unwrap();
        let cards = document["cards"].as_array().unwrap();
        assert!(cards.len() >= 12);
        let long_digits = |text: &str| text.chars().fold((0, 0), |(run, best), c| if c.is_ascii_digit() { (run + 1, best.max(run + 1)) } else { (0, best) }).1 >= 5;
        for card in cards {
            let content = &card["content"];
            let name = &card["card"];
            assert_eq!(content["sample"], true, "{name}: sample data");
            let locales: Vec<&str> = content["translations"].as_object().unwrap().keys().map(String::as_str).collect();
            assert!(locales.contains(&"en") && locales.contains(&"fr"), "{name}");
            let others = ["es", "tl", "zh-Hans", "pa", "ar", "uk", "ti"].iter().filter(|l| locales.contains(l)).count();
            assert!(others >= 3, "{name}: {locales:?}");
            let contact = &content["contact"];
            let listed = |field: &str| contact[field].as_array().is_some_and(|a| !a.is_empty());
            let details = listed("phones") || listed("sms") || listed("web") || contact["address"].is_string();
            if details {
                assert!(content["source"].as_str().is_some_and(|s| s.contains("https://")), "{name}: details need their source");
            }
            if !listed("phones") {
                assert_eq!(content["to_be_completed"], true, "{name}: to be completed by the organisation");
            }
            // No number hides in the prose either.
            for text in content["translations"].as_object().unwrap().values() {
                for field in ["title", "summary", "body", "risk_disclosure"] {
                    assert!(!long_digits(text[field].as_str().unwrap()), "{name}: a number in {field}");
                }
            }
        }

        // It imports cleanly (as the console task does), and serves in Tagalog and Chinese.
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let token = Some(root.session.access_token.expose());
        let path = format!("/admin/v1/organisations/{org}/cards/import");
        let dry = app.call_raw("POST", Listener::Admin, &format!("{path}?dry_run=true"), token, "application/json", starter.as_bytes().to_vec()).await.expect(200).body;
        assert_eq!(dry["created"], cards.len());
        let report = app.call_raw("POST", Listener::Admin, &path, token, "application/json", starter.as_bytes().to_vec()).await.expect(200).body;
        for outcome in report["cards"].as_array().unwrap() {
            let id = outcome["card"].as_str().unwrap();
            let card_path = format!("/admin/v1/organisations/{org}/cards/{id}");
            // A sample card is not published as it is: someone reviews it and clears the marks.
            let refused = app.post(Listener::Admin, &format!("{card_path}/publish"), token, json!({})).await.expect(409);
            assert_eq!(refused.code(), "invalid_state");
            let mut card = app.get(Listener::Admin, &card_path, token).await.expect(200).body;
            card["content"]["sample"] = json!(false);
            card["content"]["to_be_completed"] = json!(false);
            let reviewed = json!({"version": card["version"], "content": card["content"]});
            app.call("PUT", Listener::Admin, &card_path, token, Some(&reviewed)).await.expect(200);
            app.post(Listener::Admin, &format!("{card_path}/publish"), token, json!({})).await.expect(200);
        }
        let seeker = app.sign_up_seeker().await;
        let client = quietline_protocol::client::Client::with_session(&app.public, seeker.clone()).await.unwrap();
        let keys = client.card_bundle_keys(&org).await.unwrap();
        let now = app.clock.now();
        let bundle = client.card_bundle(&org, &["tl-PH", "en"], Some("CA-QC/Montréal"), &keys, now).await.unwrap();
        assert_eq!(bundle.payload.cards.len(), cards.len());
        assert!(bundle.payload.cards.iter().all(|c| c.locale == "tl" && !c.sample && !c.to_be_completed));
        let passport = served(&app, seeker.access_token.expose(), &org, "locales=zh-Hans&q=%E6%8A%A4%E7%85%A7").await;
        assert_eq!(titles(&passport), vec!["您的护照和证件属于您自己"]);

        // Kept for offline use, the bundle is verified again when read; changed, it is refused.
        let stored = bundle.to_stored();
        assert!(quietline_protocol::client::VerifiedBundle::from_stored(&stored, &keys, now).is_ok());
        let tampered = String::from_utf8(stored).unwrap().replacen("Canadian Human Trafficking Hotline", "Canadian Human Trafficking Hotlines", 1);
        let refused = quietline_protocol::client::VerifiedBundle::from_stored(tampered.as_bytes(), &keys, now);
        assert!(matches!(refused, Err(quietline_protocol::client::ClientError::Bundle(BundleError::BadSignature))));
        // Bundles signed by a key the app does not trust are refused as they arrive.
        let other = app.create_organisation(&root, "Other House").await.id.0;
        let foreign = client.card_bundle_keys(&other).await.unwrap();
        let refused = client.card_bundle(&org, &["tl"], None, &foreign, now).await;
        assert!(matches!(refused, Err(quietline_protocol::client::ClientError::Bundle(BundleError::UnknownKey))));
    }
}

/// The rows of a CSV export (header first), cells as strings.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// What a worker needs and a seeker must never see.
const HIDDEN_ADDRESS: &str = "Canary 1200 Hidden Lane 7f41";
const CONTACT_PERSON: &str = "Canary Ask-for-Rosa 9c02";

both_backends! {
    async fn frontline_fields_reach_everyone_and_workers_only_fields_only_the_organisations_workers(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let other = app.create_organisation(&root, "Elsewhere").await.id.0;
        let mut content = card("shelter", &["CA-QC"], json!({"en": text("Safe house", "Beds for women.", "")}));
        content["reports"] = json!({"police": "with_consent", "immigration": "never"});
        content["admission"] = json!(["gender", "sobriety", "gender"]);
        content["referral"] = json!("worker_may_refer");
        content["length_of_stay_days"] = json!(90);
        content["security_level"] = json!("high");
        content["workers_only"] = json!({"confidential_address": HIDDEN_ADDRESS, "contact_person": CONTACT_PERSON});
        let id = create_and_publish(&app, &root, &org, content.clone()).await;

        // Everyone sees whether it reports, what it asks, how to get in and for how long.
        let seeker = app.sign_up_seeker().await;
        let listed = served(&app, seeker.access_token.expose(), &org, "").await;
        assert_eq!(listed.len(), 1);
        let card = &listed[0];
        assert_eq!(card["reports"], json!({"police": "with_consent", "immigration": "never"}));
        assert_eq!(card["admission"], json!(["sobriety", "gender"]), "kept once each, in a stable order");
        assert_eq!(card["referral"], "worker_may_refer");
        assert_eq!(card["length_of_stay_days"], 90);
        assert_eq!(card["security_level"], "high");
        assert!(card.get("workers_only").is_none(), "{card}");

        // The organisation's worker sees the workers-only details in the listing; a worker of
        // another organisation does not.
        let worker = app.enrol_worker(&root, &org, "worker-here", &["en"]).await;
        let theirs = served(&app, worker.access_token.expose(), &org, "").await;
        assert_eq!(theirs[0]["workers_only"], json!({"confidential_address": HIDDEN_ADDRESS, "contact_person": CONTACT_PERSON}));
        let stranger = app.enrol_worker(&root, &other, "worker-there", &["en"]).await;
        let strangers = served(&app, stranger.access_token.expose(), &org, "").await;
        assert!(strangers[0].get("workers_only").is_none());

        // No seeker response holds them, nor any bundle (shared by seekers and workers),
        // compressed or not, in any locale.
        let mut answers = Vec::new();
        for (token, path) in [
            (seeker.access_token.expose(), format!("/v1/organisations/{org}/cards")),
            (seeker.access_token.expose(), format!("/v1/organisations/{org}/cards?q=safe&locales=fr")),
            (seeker.access_token.expose(), format!("/v1/organisations/{org}/cards/bundle")),
            (seeker.access_token.expose(), format!("/v1/organisations/{org}/cards/bundle?locales=fr&region=CA-QC")),
            (worker.access_token.expose(), format!("/v1/organisations/{org}/cards/bundle")),
        ] {
            answers.push(app.get(Listener::Public, &path, Some(token)).await.expect(200).raw);
            let gzip = app.call_with_headers("GET", Listener::Public, &path, Some(token), None, &[("Accept-Encoding", "gzip")]).await;
            let mut unzipped = Vec::new();
            if gzip.headers.get("content-encoding").is_some() {
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip.raw[..]), &mut unzipped).unwrap();
            } else {
                unzipped = gzip.raw;
            }
            answers.push(unzipped);
        }
        for answer in &answers {
            let text = String::from_utf8_lossy(answer);
            assert!(text.contains("Safe house") || text.contains("payload"), "a real answer: {text}");
            for hidden in [HIDDEN_ADDRESS, CONTACT_PERSON, "workers_only"] {
                assert!(!text.contains(hidden), "{hidden} reached a seeker or a bundle");
            }
        }

        // Out and back, in both formats, the fields are kept; a bad value is named by field.
        let token = Some(root.session.access_token.expose());
        let csv = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/export?format=csv"), token).await.expect(200).raw;
        let rows = csv_rows(&csv);
        let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
        assert_eq!(rows[1][column("reports_police")], "with_consent");
        assert_eq!(rows[1][column("admission")], "sobriety; gender");
        assert_eq!(rows[1][column("workers_confidential_address")], HIDDEN_ADDRESS);
        let back = app.call_raw("POST", Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/import?dry_run=true"), token, "text/csv", csv.clone()).await.expect(200);
        assert_eq!(back.body["unchanged"], 1, "{}", back.body);
        let json = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/export"), token).await.expect(200).raw;
        let back = app.call_raw("POST", Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/import?dry_run=true"), token, "application/json", json).await.expect(200);
        assert_eq!(back.body["unchanged"], 1, "{}", back.body);
        let mut bad = String::from_utf8(csv).unwrap();
        bad = bad.replacen("with_consent", "sometimes", 1).replacen("sobriety; gender", "sobriety; shoes", 1);
        let refused = app.call_raw("POST", Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/import?dry_run=true"), token, "text/csv", bad.into_bytes()).await.expect(422);
        let mut fields: Vec<&str> = refused.body["error"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["admission", "reports_police"], "{}", refused.body);
        let mut long = content.clone();
        long["length_of_stay_days"] = json!(0);
        long["workers_only"]["contact_person"] = json!("");
        let refused = app.call("PUT", Listener::Admin, &format!("/admin/v1/organisations/{org}/cards/{id}"), token, Some(&json!({"version": 2, "content": long}))).await.expect(422);
        let mut fields: Vec<&str> = refused.body["error"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["length_of_stay_days", "workers_only.contact_person"], "{}", refused.body);
    }
}
