//! The audit log as administrators read it: every change, by whom, to the minute, and never
//! anything said or named; an organisation's administrators see their organisation's entries.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::AuditEntry;
use quietline_tests::{Listener, TestApp, both_backends, captured_logs};
use serde_json::json;

const TITLE: &str = "Canary Shelter Title 61b2";

fn card() -> serde_json::Value {
    json!({
        "category": "shelter",
        "source_locale": "en",
        "regions": ["CA-QC"],
        "cost": "free",
        "translations": {"en": {"title": TITLE, "summary": "A bed.", "body": "", "risk_disclosure": "None."}},
    })
}

both_backends! {
    async fn each_change_is_listed_by_whom_and_each_organisation_sees_its_own(app: TestApp) {
        let root = app.set_up_root().await;
        let org_a = app.create_organisation(&root, "Audit A").await.id.0;
        let org_b = app.create_organisation(&root, "Audit B").await.id.0;
        let admin_a = app.enrol_admin(&root, &org_a, "audit-a").await;
        let admin_b = app.enrol_admin(&root, &org_b, "audit-b").await;
        let a = admin_a.session.access_token.expose().to_string();
        let b = admin_b.session.access_token.expose().to_string();
        let created = app
            .post(Listener::Admin, &format!("/admin/v1/organisations/{org_a}/cards"), Some(&a), card())
            .await
            .expect(200);
        let card_id = created.body["id"].as_str().unwrap().to_string();
        app.post(Listener::Admin, &format!("/admin/v1/organisations/{org_a}/cards/{card_id}/publish"), Some(&a), json!({}))
            .await
            .expect(200);
        app.post(Listener::Admin, &format!("/admin/v1/organisations/{org_b}/cards"), Some(&b), card())
            .await
            .expect(200);

        let read = |path: String, token: String| {
            let app = &app;
            async move {
                let answer = app.get(Listener::Admin, &path, Some(&token)).await.expect(200);
                answer.json::<Vec<AuditEntry>>()
            }
        };
        let own = read(format!("/admin/v1/organisations/{org_a}/audit"), a.clone()).await;
        assert!(own.iter().all(|e| e.organisation_id.as_ref().map(|o| o.0.as_str()) == Some(org_a.as_str())), "{own:?}");
        let newest: Vec<(&str, Option<&str>, Option<&str>)> = own
            .iter()
            .take(2)
            .map(|e| (e.action.as_str(), e.actor_handle.as_deref(), e.target.as_deref()))
            .collect();
        assert_eq!(
            newest,
            [
                ("card.publish", Some("audit-a"), Some(card_id.as_str())),
                ("card.create", Some("audit-a"), Some(card_id.as_str())),
            ]
        );
        assert!(own.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
        assert!(own.iter().all(|e| e.at % 60 == 0), "to the minute");
        // The invite that brought administrator A in, and their first sign-in.
        for action in ["invite.create", "admin.invite_accept", "totp.confirm"] {
            assert!(own.iter().any(|e| e.action == action), "{action}: {own:?}");
        }

        // Filters: a family of actions, one actor, a page.
        let cards = read(format!("/admin/v1/organisations/{org_a}/audit?action=card."), a.clone()).await;
        assert_eq!(cards.len(), 2);
        let by_root = read(format!("/admin/v1/organisations/{org_a}/audit?actor={}", root.session.account_id.0), a.clone()).await;
        assert!(!by_root.is_empty() && by_root.iter().all(|e| e.actor_handle.as_deref() == Some("root")), "{by_root:?}");
        let page = read(format!("/admin/v1/organisations/{org_a}/audit?limit=1&before={}", own[0].seq), a.clone()).await;
        assert_eq!(page, own[1..2]);

        // The instance's whole log, for instance administrators only.
        let all = read("/admin/v1/audit?limit=500".to_string(), root.session.access_token.expose().to_string()).await;
        assert_eq!(all.last().unwrap().seq, 1);
        assert_eq!(all.last().unwrap().action, "instance.set_up");
        assert!(all.iter().any(|e| e.organisation_id.as_ref().map(|o| o.0.as_str()) == Some(org_b.as_str())));
        app.get(Listener::Admin, "/admin/v1/audit", Some(&a)).await.expect(403);
        app.get(Listener::Admin, &format!("/admin/v1/organisations/{org_a}/audit"), Some(&b)).await.expect(403);

        // Never a title, a name or a code.
        let raw = String::from_utf8_lossy(&app.get(Listener::Admin, "/admin/v1/audit?limit=500", Some(root.session.access_token.expose())).await.raw).into_owned();
        for secret in [TITLE, "Audit A", quietline_tests::PASSPHRASE] {
            assert!(!raw.contains(secret), "{secret} in the audit log");
        }
        assert!(app.rows_mentioning(TITLE).await.iter().all(|(table, _, _)| table != "audit_log"));

        // Each head reaches the log output once committed.
        let head = &all[0];
        let logs = captured_logs();
        assert!(logs.contains(&head.hash), "the newest head is in the log output");

        for bad in ["action=card.nonsense", "action=nope.", "limit=0", "limit=501"] {
            let refused = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org_a}/audit?{bad}"), Some(&a)).await;
            assert_eq!(refused.status.as_u16(), 422, "{bad}");
            assert_eq!(refused.code(), "invalid_body");
        }
    }
}
