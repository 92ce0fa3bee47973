//! Accounts of the three roles, sessions and devices, end to end on both backends.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::{
    DeviceInfo, Enrolment, PendingInvite, RecoveryCodes, Role, SessionGrant, TotpEnrolment,
    WorkerProfile,
};
use quietline_tests::{Listener, PASSPHRASE, TestApp, both_backends, both_backends_with};
use serde_json::json;

both_backends! {
    async fn seeker_signs_up_anonymously_with_a_proof_of_work(app: TestApp) {
        let body = app.solved_signup().await;
        let grant: SessionGrant = app.post(Listener::Public, "/v1/seekers", None, body.clone()).await.expect(200).json();

        assert_eq!(grant.role, Role::Seeker);
        assert!(grant.organisation_id.is_none());
        assert_eq!(grant.device_id.0, 1);
        // 128 random bits, base64url: 22 characters.
        assert_eq!(grant.account_id.0.len(), 22);
        let me = app.get(Listener::Public, "/v1/account", Some(grant.access_token.expose())).await.expect(200);
        assert_eq!(me.body["account_id"], grant.account_id.0.as_str());
        // Nothing but the id, role and day numbers is stored about a seeker.
        assert_eq!(app.count_rows("credentials", Some(("account_id", grant.account_id.0.clone()))).await, 0);

        // The same solved challenge cannot be used twice.
        let again = app.post(Listener::Public, "/v1/seekers", None, body).await.expect(422);
        assert_eq!(again.code(), "invalid_challenge");
    }

    async fn signup_refuses_a_wrong_or_expired_proof_of_work(app: TestApp) {
        let mut body = app.solved_signup().await;
        let solution = body["solution"].as_u64().unwrap();
        // The smallest solution is returned, so every smaller counter fails.
        if solution > 0 {
            body["solution"] = json!(solution - 1);
            let wrong = app.post(Listener::Public, "/v1/seekers", None, body.clone()).await.expect(422);
            assert_eq!(wrong.code(), "invalid_proof_of_work");
            body["solution"] = json!(solution);
        }
        let mut forged = body.clone();
        let mut challenge = forged["challenge"].as_str().unwrap().to_string();
        challenge.replace_range(0..1, if challenge.starts_with('A') { "B" } else { "A" });
        forged["challenge"] = json!(challenge);
        let forged = app.post(Listener::Public, "/v1/seekers", None, forged).await.expect(422);
        assert_eq!(forged.code(), "invalid_challenge");

        app.clock.advance(601);
        let expired = app.post(Listener::Public, "/v1/seekers", None, body).await.expect(422);
        assert_eq!(expired.code(), "invalid_challenge");
    }

    async fn signup_is_rate_limited_per_hashed_address(app: TestApp) {
        let limit = app.state.config.signup_rate_limit;
        for _ in 0..limit {
            app.sign_up_seeker().await;
        }
        let body = app.solved_signup().await;
        let refused = app.post(Listener::Public, "/v1/seekers", None, body).await.expect(429);
        assert_eq!(refused.code(), "rate_limited");
        // The window ends after an hour.
        app.clock.advance(3_601);
        app.sign_up_seeker().await;
    }

    async fn first_administrator_is_created_once_with_the_setup_token(app: TestApp) {
        let wrong = app
            .post(Listener::Admin, "/admin/v1/setup", None, json!({"setup_token": "guess", "handle": "root", "passphrase": PASSPHRASE, "device_name": "x"}))
            .await
            .expect(403);
        assert_eq!(wrong.code(), "invalid_setup_token");

        let root = app.set_up_root().await;
        assert_eq!(root.session.role, Role::Admin);
        assert!(root.totp_secret.is_some(), "administrators get a second factor by default");
        let me = app.get(Listener::Admin, "/admin/v1/account", Some(root.session.access_token.expose())).await.expect(200);
        assert_eq!(me.body["instance_admin"], true);

        let token = app.setup_token.clone().unwrap();
        let again = app
            .post(Listener::Admin, "/admin/v1/setup", None, json!({"setup_token": token, "handle": "root2", "passphrase": PASSPHRASE, "device_name": "x"}))
            .await
            .expect(403);
        assert_eq!(again.code(), "invalid_setup_token");
        // Only a hash of the setup token was ever stored, and it is gone now.
        assert_eq!(app.count_rows("instance_setup", None).await, 0);
    }

    async fn administrator_sign_in_requires_a_fresh_totp_code(app: TestApp) {
        let root = app.set_up_root().await;
        // Confirming the second factor spent the current step.
        app.clock.advance(30);
        let secret = root.totp_secret.clone().unwrap();
        let login = |totp: Option<String>| json!({"handle": "root", "passphrase": PASSPHRASE, "totp": totp, "device_name": "desk"});

        let missing = app.post(Listener::Admin, "/admin/v1/sessions", None, login(None)).await.expect(401);
        assert_eq!(missing.code(), "totp_required");
        let wrong = app.post(Listener::Admin, "/admin/v1/sessions", None, login(Some("000000".into()))).await.expect(401);
        assert_eq!(wrong.code(), "invalid_totp");

        let code = app.totp_code(&secret);
        app.post(Listener::Admin, "/admin/v1/sessions", None, login(Some(code.clone()))).await.expect(200);
        // A code is good once.
        let replay = app.post(Listener::Admin, "/admin/v1/sessions", None, login(Some(code))).await.expect(401);
        assert_eq!(replay.code(), "invalid_totp");
        app.clock.advance(30);
        app.post(Listener::Admin, "/admin/v1/sessions", None, login(Some(app.totp_code(&secret)))).await.expect(200);

        let bad = json!({"handle": "root", "passphrase": "not the passphrase", "totp": app.totp_code(&secret), "device_name": "desk"});
        let bad = app.post(Listener::Admin, "/admin/v1/sessions", None, bad).await.expect(401);
        assert_eq!(bad.code(), "invalid_credentials");
        // Administrators cannot sign in on the public listener.
        let public = app.post(Listener::Public, "/v1/sessions", None, login(Some(app.totp_code(&secret)))).await.expect(401);
        assert_eq!(public.code(), "invalid_credentials");
    }

    async fn worker_invite_is_single_use_and_expires(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let code = app.invite(&root, &org.id.0, Role::Worker).await;
        let accept = |code: &str, handle: &str| {
            json!({"code": code, "handle": handle, "passphrase": PASSPHRASE, "languages": ["tl", "en-ca"], "device_name": "phone"})
        };
        let enrolment: Enrolment = app.post(Listener::Public, "/v1/invites/accept", None, accept(&code, "maria")).await.expect(200).json();
        assert_eq!(enrolment.session.role, Role::Worker);
        assert_eq!(enrolment.session.organisation_id.as_ref(), Some(&org.id));
        assert!(enrolment.totp.is_none());
        let profile: WorkerProfile = app
            .get(Listener::Public, "/v1/worker/profile", Some(enrolment.session.access_token.expose()))
            .await
            .expect(200)
            .json();
        assert_eq!(profile.languages, vec!["en-CA".to_string(), "tl".to_string()]);

        let reused = app.post(Listener::Public, "/v1/invites/accept", None, accept(&code, "maria2")).await.expect(404);
        assert_eq!(reused.code(), "invalid_invite");

        let code = app.invite(&root, &org.id.0, Role::Worker).await;
        let taken = app.post(Listener::Public, "/v1/invites/accept", None, accept(&code, "maria")).await.expect(409);
        assert_eq!(taken.code(), "handle_taken");
        // A refused enrolment leaves the invite usable.
        app.post(Listener::Public, "/v1/invites/accept", None, accept(&code, "jun")).await.expect(200);

        // An administrator invite is not redeemable as a worker.
        let admin_code = app.invite(&root, &org.id.0, Role::Admin).await;
        app.post(Listener::Public, "/v1/invites/accept", None, accept(&admin_code, "sneaky")).await.expect(404);

        let code = app.invite(&root, &org.id.0, Role::Worker).await;
        app.clock.advance(72 * 3_600 + 1);
        let expired = app.post(Listener::Public, "/v1/invites/accept", None, accept(&code, "late")).await.expect(404);
        assert_eq!(expired.code(), "invalid_invite");
    }

    async fn worker_may_enrol_a_second_factor_which_sign_in_then_requires(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let worker = app.enrol_worker(&root, &org.id.0, "amal", &["ar"]).await;
        let login = |totp: Option<String>| json!({"handle": "amal", "passphrase": PASSPHRASE, "totp": totp, "device_name": "desktop"});
        app.post(Listener::Public, "/v1/sessions", None, login(None)).await.expect(200);

        let enrolment: TotpEnrolment = app
            .post(Listener::Public, "/v1/worker/totp", Some(worker.access_token.expose()), json!({"passphrase": PASSPHRASE}))
            .await
            .expect(200)
            .json();
        assert!(enrolment.otpauth_uri.expose().starts_with("otpauth://totp/"));
        app.post(Listener::Public, "/v1/worker/totp/confirm", Some(worker.access_token.expose()), json!({"code": "123456"}))
            .await
            .expect(401);
        let codes: RecoveryCodes = app
            .post(Listener::Public, "/v1/worker/totp/confirm", Some(worker.access_token.expose()), json!({"code": app.totp_code(enrolment.secret.expose())}))
            .await
            .expect(200)
            .json();
        assert_eq!(codes.codes.len(), 10);

        let missing = app.post(Listener::Public, "/v1/sessions", None, login(None)).await.expect(401);
        assert_eq!(missing.code(), "totp_required");
        app.clock.advance(30);
        app.post(Listener::Public, "/v1/sessions", None, login(Some(app.totp_code(enrolment.secret.expose())))).await.expect(200);
        let again = app.post(Listener::Public, "/v1/worker/totp", Some(worker.access_token.expose()), json!({"passphrase": PASSPHRASE})).await.expect(409);
        assert_eq!(again.code(), "totp_already_enabled");
    }

    async fn a_lost_second_factor_is_reset_only_with_a_second_administrators_approval(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let first = app.enrol_admin(&root, &org, "first-admin").await;
        let second = app.enrol_admin(&root, &org, "second-admin").await;
        let other_org = app.create_organisation(&root, "Elsewhere").await.id.0;
        let stranger = app.enrol_admin(&root, &other_org, "stranger-admin").await;
        let worker = app.enrol_worker(&root, &org, "amal", &["ar"]).await;
        let enrolment: TotpEnrolment = app
            .post(Listener::Public, "/v1/worker/totp", Some(worker.access_token.expose()), json!({"passphrase": PASSPHRASE}))
            .await
            .expect(200)
            .json();
        app.post(Listener::Public, "/v1/worker/totp/confirm", Some(worker.access_token.expose()), json!({"code": app.totp_code(enrolment.secret.expose())}))
            .await
            .expect(200);
        let login = json!({"handle": "amal", "passphrase": PASSPHRASE, "totp": null, "device_name": "new phone"});
        assert_eq!(app.post(Listener::Public, "/v1/sessions", None, login.clone()).await.expect(401).code(), "totp_required");

        let reset = format!("/admin/v1/organisations/{org}/members/{}/totp-reset", worker.account_id.0);
        let by = |admin: &quietline_tests::AdminLogin| admin.session.access_token.expose().to_string();
        let asked = app.post(Listener::Admin, &reset, Some(&by(&first)), json!({})).await.expect(200);
        assert_eq!(asked.body["state"], "requested");
        // Asking again is not approving; an administrator of another organisation cannot.
        assert_eq!(app.post(Listener::Admin, &reset, Some(&by(&first)), json!({})).await.expect(409).code(), "second_approval_required");
        app.post(Listener::Admin, &reset, Some(&by(&stranger)), json!({})).await.expect(403);
        assert_eq!(app.post(Listener::Public, "/v1/sessions", None, login.clone()).await.expect(401).code(), "totp_required", "not reset yet");
        let done = app.post(Listener::Admin, &reset, Some(&by(&second)), json!({})).await.expect(200);
        assert_eq!(done.body["state"], "done");
        app.post(Listener::Public, "/v1/sessions", None, login.clone()).await.expect(200);

        // A request nobody approved within a day lapses: the next call asks anew.
        let own = format!("/admin/v1/organisations/{org}/members/{}/totp-reset", first.session.account_id.0);
        assert_eq!(app.post(Listener::Admin, &own, Some(&by(&first)), json!({})).await.expect(409).code(), "invalid_state", "not one's own");
        let target = format!("/admin/v1/organisations/{org}/members/{}/totp-reset", second.session.account_id.0);
        app.post(Listener::Admin, &target, Some(&by(&first)), json!({})).await.expect(200);
        app.clock.advance(86_400);
        // A day on, the administrator signs in again.
        let signed_in: SessionGrant = app
            .post(Listener::Admin, "/admin/v1/sessions", None, json!({
                "handle": "first-admin",
                "passphrase": PASSPHRASE,
                "totp": app.totp_code(first.totp_secret.as_deref().unwrap()),
                "device_name": "laptop",
            }))
            .await
            .expect(200)
            .json();
        let anew = app.post(Listener::Admin, &target, Some(signed_in.access_token.expose()), json!({})).await.expect(200);
        assert_eq!(anew.body["state"], "requested");
        let unknown = format!("/admin/v1/organisations/{org}/members/{}/totp-reset", "00000000-0000-4000-8000-000000000000");
        app.post(Listener::Admin, &unknown, Some(signed_in.access_token.expose()), json!({})).await.expect(404);

        let audit: Vec<quietline_protocol::api::AuditEntry> = app
            .get(Listener::Admin, &format!("/admin/v1/organisations/{org}/audit?action=totp."), Some(signed_in.access_token.expose()))
            .await
            .expect(200)
            .json();
        let worker_entries: Vec<(&str, Option<&str>)> = audit
            .iter()
            .filter(|e| e.target.as_deref() == Some(worker.account_id.0.as_str()))
            .map(|e| (e.action.as_str(), e.actor_handle.as_deref()))
            .collect();
        assert_eq!(worker_entries, [("totp.reset", Some("second-admin")), ("totp.reset_request", Some("first-admin"))]);
    }

    async fn administrators_set_the_languages_a_member_reads(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let admin = app.enrol_admin(&root, &org, "coordinator").await;
        let token = Some(admin.session.access_token.expose());
        let worker = app.enrol_worker(&root, &org, "amal", &["ar"]).await;
        let path = format!("/admin/v1/organisations/{org}/members/{}/languages", worker.account_id.0);
        let member = app.call("PUT", Listener::Admin, &path, token, Some(&json!({"languages": ["tl-PH", "en", "tl-PH"]}))).await.expect(200);
        assert_eq!(member.body["languages"], json!(["en", "tl-PH"]), "{}", member.body);
        let profile = app.get(Listener::Public, "/v1/worker/profile", Some(worker.access_token.expose())).await.expect(200);
        assert_eq!(profile.body["languages"], json!(["en", "tl-PH"]));
        let bad = app.call("PUT", Listener::Admin, &path, token, Some(&json!({"languages": ["not a tag!"]}))).await.expect(422);
        assert_eq!(bad.code(), "invalid_language_tag");
        // A member of another organisation is not found through this one.
        let other = app.create_organisation(&root, "Elsewhere").await.id.0;
        let stranger = app.enrol_worker(&root, &other, "stranger", &["en"]).await;
        let theirs = format!("/admin/v1/organisations/{org}/members/{}/languages", stranger.account_id.0);
        app.call("PUT", Listener::Admin, &theirs, token, Some(&json!({"languages": ["fr"]}))).await.expect(404);
        let audit: Vec<quietline_protocol::api::AuditEntry> = app
            .get(Listener::Admin, &format!("/admin/v1/organisations/{org}/audit?action=member.languages_set"), token)
            .await
            .expect(200)
            .json();
        assert_eq!(audit.len(), 1, "only the change that went through: {audit:?}");
        assert_eq!(audit[0].target.as_deref(), Some(worker.account_id.0.as_str()));
    }

    async fn a_deactivated_member_is_signed_out_and_refused_like_a_wrong_passphrase_until_reactivated(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let admin = app.enrol_admin(&root, &org, "coordinator").await;
        let token = Some(admin.session.access_token.expose());
        let worker = app.enrol_worker(&root, &org, "amal", &["ar"]).await;
        app.get(Listener::Public, "/v1/account", Some(worker.access_token.expose())).await.expect(200);
        let member = |path: &str| format!("/admin/v1/organisations/{org}/members/{}/{path}", worker.account_id.0);
        let login = |passphrase: &str| json!({"handle": "amal", "passphrase": passphrase, "totp": null, "device_name": "phone"});
        let listed = || async {
            let members = app.get(Listener::Admin, &format!("/admin/v1/organisations/{org}/members"), token).await.expect(200).body;
            members.as_array().unwrap().iter().find(|m| m["handle"] == "amal").unwrap()["deactivated"].clone()
        };
        assert_eq!(listed().await, json!(false));

        app.post(Listener::Admin, &member("deactivate"), token, json!({})).await.expect(204);
        app.get(Listener::Public, "/v1/account", Some(worker.access_token.expose())).await.expect(401);
        app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": worker.refresh_token})).await.expect(401);
        let refused = app.post(Listener::Public, "/v1/sessions", None, login(PASSPHRASE)).await.expect(401);
        let wrong = app.post(Listener::Public, "/v1/sessions", None, login("not the passphrase at all")).await.expect(401);
        assert_eq!(refused.body, wrong.body, "nothing tells a deactivated member from a wrong passphrase");
        assert_eq!(listed().await, json!(true));
        // Twice is harmless; oneself is refused.
        app.post(Listener::Admin, &member("deactivate"), token, json!({})).await.expect(204);
        let own = format!("/admin/v1/organisations/{org}/members/{}/deactivate", admin.session.account_id.0);
        assert_eq!(app.post(Listener::Admin, &own, token, json!({})).await.expect(409).code(), "invalid_state");

        app.post(Listener::Admin, &member("reactivate"), token, json!({})).await.expect(204);
        app.post(Listener::Public, "/v1/sessions", None, login(PASSPHRASE)).await.expect(200);
        assert_eq!(listed().await, json!(false));
        let audit: Vec<quietline_protocol::api::AuditEntry> = app
            .get(Listener::Admin, &format!("/admin/v1/organisations/{org}/audit?action=member."), token)
            .await
            .expect(200)
            .json();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["member.reactivate", "member.deactivate", "member.deactivate"]);
    }

    async fn refresh_tokens_rotate_and_reuse_revokes_the_session(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let refreshed: SessionGrant = app
            .post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": seeker.refresh_token}))
            .await
            .expect(200)
            .json();
        assert_ne!(refreshed.refresh_token.expose(), seeker.refresh_token.expose());
        app.get(Listener::Public, "/v1/account", Some(refreshed.access_token.expose())).await.expect(200);

        // Someone replays the first refresh token: the whole session ends.
        let reuse = app
            .post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": seeker.refresh_token}))
            .await
            .expect(401);
        assert_eq!(reuse.code(), "refresh_token_reused");
        app.get(Listener::Public, "/v1/account", Some(refreshed.access_token.expose())).await.expect(401);
        let later = app
            .post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": refreshed.refresh_token}))
            .await
            .expect(401);
        assert_eq!(later.code(), "invalid_refresh_token");
    }

    async fn access_tokens_expire_and_logout_revokes_at_once(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        app.get(Listener::Public, "/v1/account", Some(seeker.access_token.expose())).await.expect(200);
        app.clock.advance(i64::try_from(app.state.config.access_token_ttl).unwrap() + 10);
        app.get(Listener::Public, "/v1/account", Some(seeker.access_token.expose())).await.expect(401);
        let fresh: SessionGrant = app
            .post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": seeker.refresh_token}))
            .await
            .expect(200)
            .json();

        app.post(Listener::Public, "/v1/sessions/logout", Some(fresh.access_token.expose()), json!({})).await.expect(204);
        app.get(Listener::Public, "/v1/account", Some(fresh.access_token.expose())).await.expect(401);
        app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": fresh.refresh_token}))
            .await
            .expect(401);
    }

    async fn devices_are_listed_added_and_removed(app: TestApp) {
        let seeker = app.sign_up_seeker().await;
        let second: SessionGrant = app
            .post(Listener::Public, "/v1/devices", Some(seeker.access_token.expose()), json!({"name": "tablet"}))
            .await
            .expect(200)
            .json();
        assert_eq!(second.account_id, seeker.account_id);
        assert_eq!(second.device_id.0, 2);
        let devices: Vec<DeviceInfo> = app.get(Listener::Public, "/v1/devices", Some(second.access_token.expose())).await.expect(200).json();
        assert_eq!(devices.len(), 2);
        assert!(devices.iter().any(|d| d.device_id.0 == 2 && d.current && d.name.as_deref() == Some("tablet")));

        // Removing a device ends its sessions at once.
        app.call("DELETE", Listener::Public, "/v1/devices/2", Some(seeker.access_token.expose()), None).await.expect(204);
        app.get(Listener::Public, "/v1/account", Some(second.access_token.expose())).await.expect(401);
        app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": second.refresh_token}))
            .await
            .expect(401);
        app.call("DELETE", Listener::Public, "/v1/devices/2", Some(seeker.access_token.expose()), None).await.expect(404);
        let last = app.call("DELETE", Listener::Public, "/v1/devices/1", Some(seeker.access_token.expose()), None).await.expect(409);
        assert_eq!(last.code(), "last_device");

        // The lowest free number serves again (so no account runs out of them), and the number
        // of devices is capped.
        let max = app.state.config.max_devices;
        for expected in 2..(2 + max - 1) {
            let grant: SessionGrant = app
                .post(Listener::Public, "/v1/devices", Some(seeker.access_token.expose()), json!({}))
                .await
                .expect(200)
                .json();
            assert_eq!(grant.device_id.0, expected);
        }
        let full = app.post(Listener::Public, "/v1/devices", Some(seeker.access_token.expose()), json!({})).await.expect(409);
        assert_eq!(full.code(), "too_many_devices");
    }

    async fn deleting_an_account_removes_everything_linked_to_it(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let worker = app.enrol_worker(&root, &org.id.0, "lena", &["uk", "ru"]).await;
        app.post(Listener::Public, "/v1/devices", Some(worker.access_token.expose()), json!({"name": "desktop"})).await.expect(200);
        let seeker = app.sign_up_seeker().await;
        let id = worker.account_id.0.clone();
        assert_eq!(app.count_rows("devices", Some(("account_id", id.clone()))).await, 2);

        app.call("DELETE", Listener::Public, "/v1/account", Some(worker.access_token.expose()), None).await.expect(204);

        for (table, column) in [
            ("accounts", "id"),
            ("credentials", "account_id"),
            ("member_languages", "account_id"),
            ("devices", "account_id"),
            ("sessions", "account_id"),
        ] {
            assert_eq!(app.count_rows(table, Some((column, id.clone()))).await, 0, "{table} still references the account");
        }
        assert_eq!(app.count_rows("refresh_tokens", None).await, 2, "only root's and the seeker's tokens remain");
        app.get(Listener::Public, "/v1/account", Some(worker.access_token.expose())).await.expect(401);
        // Other accounts are untouched.
        app.get(Listener::Public, "/v1/account", Some(seeker.access_token.expose())).await.expect(200);

        // The handle is free again.
        app.enrol_worker(&root, &org.id.0, "lena", &["uk"]).await;

        // The last instance administrator cannot delete themselves.
        let last = app.call("DELETE", Listener::Admin, "/admin/v1/account", Some(root.session.access_token.expose()), None).await.expect(409);
        assert_eq!(last.code(), "last_instance_admin");
    }

    async fn administrators_manage_members_of_their_organisation(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let admin = app.enrol_admin(&root, &org.id.0, "coordinator").await;
        assert_eq!(admin.session.organisation_id.as_ref(), Some(&org.id));
        let worker = app.enrol_worker(&admin, &org.id.0, "sam", &["pa", "en"]).await;

        let members = app
            .get(Listener::Admin, &format!("/admin/v1/organisations/{}/members", org.id.0), Some(admin.session.access_token.expose()))
            .await
            .expect(200);
        let handles: Vec<&str> = members.body.as_array().unwrap().iter().map(|m| m["handle"].as_str().unwrap()).collect();
        assert_eq!(handles, vec!["coordinator", "sam"]);

        let path = format!("/admin/v1/organisations/{}/members/{}", org.id.0, worker.account_id.0);
        app.call("DELETE", Listener::Admin, &path, Some(admin.session.access_token.expose()), None).await.expect(204);
        app.get(Listener::Public, "/v1/account", Some(worker.access_token.expose())).await.expect(401);
        app.call("DELETE", Listener::Admin, &path, Some(admin.session.access_token.expose()), None).await.expect(404);

        let dup = app
            .post(Listener::Admin, "/admin/v1/organisations", Some(root.session.access_token.expose()), json!({"name": "Harbour House", "default_language": "en"}))
            .await
            .expect(409);
        assert_eq!(dup.code(), "organisation_exists");
    }

    async fn an_invite_redeemed_concurrently_is_used_exactly_once(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let code = app.invite(&root, &org.id.0, Role::Worker).await;
        let app = &app;
        let attempts = (0..4).map(|i| {
            let body = json!({"code": code, "handle": format!("racer{i}"), "passphrase": PASSPHRASE, "device_name": "phone"});
            async move { app.post(Listener::Public, "/v1/invites/accept", None, body).await.status.as_u16() }
        });
        let mut statuses = futures_util::future::join_all(attempts).await;
        statuses.sort_unstable();
        assert_eq!(statuses, vec![200, 404, 404, 404]);
        assert_eq!(app.count_rows("credentials", None).await, 2, "root and one worker");
    }

    async fn a_seeker_signs_up_through_an_entry_point_of_an_organisation(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let path = format!("/admin/v1/organisations/{}/entry-points", org.id.0);
        let created = app
            .post(Listener::Admin, &path, Some(root.session.access_token.expose()), json!({"label": "recipes poster", "default_language": "tl", "topics": ["work", "housing"]}))
            .await
            .expect(200);
        let code = created.body["code"].as_str().unwrap().to_string();
        let id = created.body["id"].as_str().unwrap().to_string();
        let listed = app.get(Listener::Admin, &path, Some(root.session.access_token.expose())).await.expect(200);
        assert_eq!(listed.body[0]["topics"], json!(["work", "housing"]));
        assert!(listed.body[0].get("code").is_none(), "a code is shown once, at creation");

        // An unknown code is refused without spending the solved challenge.
        let mut body = app.solved_signup().await;
        body["entry_point"] = json!("not-a-code");
        let refused = app.post(Listener::Public, "/v1/seekers", None, body.clone()).await.expect(422);
        assert_eq!(refused.code(), "invalid_entry_point");
        body["entry_point"] = json!(code);
        let seeker: SessionGrant = app.post(Listener::Public, "/v1/seekers", None, body).await.expect(200).json();
        assert_eq!(app.count_rows("accounts", Some(("entry_point_id", id.clone()))).await, 1);
        // Only a hash of the code is stored.
        assert!(!String::from_utf8_lossy(&app.storage_dump()).contains(&code));

        // Retiring the entry point leaves the seeker's account.
        app.call("DELETE", Listener::Admin, &format!("{path}/{id}"), Some(root.session.access_token.expose()), None).await.expect(204);
        app.get(Listener::Public, "/v1/account", Some(seeker.access_token.expose())).await.expect(200);
        assert_eq!(app.count_rows("accounts", Some(("entry_point_id", id))).await, 0);
    }

    async fn ten_sign_ins_and_sign_outs_leave_one_device(app: TestApp) {
        let root = app.set_up_root().await;
        let secret = root.totp_secret.clone().unwrap();
        let devices = |token: String| {
            let app = &app;
            async move {
                let listed: Vec<DeviceInfo> = app.get(Listener::Admin, "/admin/v1/devices", Some(&token)).await.expect(200).json();
                listed
            }
        };
        // Sign in and out ten times on a second device: more than the device limit (5).
        for _ in 0..10 {
            app.clock.advance(30);
            let login = json!({"handle": "root", "passphrase": PASSPHRASE, "totp": app.totp_code(&secret), "device_name": "desk"});
            let grant: SessionGrant = app.post(Listener::Admin, "/admin/v1/sessions", None, login).await.expect(200).json();
            assert_eq!(grant.device_id.0, 2, "a freed device number serves again");
            app.post(Listener::Admin, "/admin/v1/sessions/logout", Some(grant.access_token.expose()), json!({})).await.expect(204);
        }
        assert_eq!(devices(root.session.access_token.expose().to_string()).await.len(), 1);

        // Signing in again from the same client takes its device back, and ends its old session.
        let mut previous: Option<SessionGrant> = None;
        for _ in 0..3 {
            app.clock.advance(30);
            let login = json!({
                "handle": "root", "passphrase": PASSPHRASE, "totp": app.totp_code(&secret),
                "device_name": "desk", "device_id": previous.as_ref().map(|g| g.device_id),
            });
            let grant: SessionGrant = app.post(Listener::Admin, "/admin/v1/sessions", None, login).await.expect(200).json();
            if let Some(previous) = &previous {
                assert_eq!(grant.device_id, previous.device_id);
                app.get(Listener::Admin, "/admin/v1/account", Some(previous.access_token.expose())).await.expect(401);
            }
            previous = Some(grant);
        }
        let listed = devices(root.session.access_token.expose().to_string()).await;
        assert_eq!(listed.len(), 2);
        // An administrator removes one of their own devices; its session ends at once.
        let other = previous.unwrap();
        app.call("DELETE", Listener::Admin, &format!("/admin/v1/devices/{}", other.device_id.0), Some(root.session.access_token.expose()), None).await.expect(204);
        app.get(Listener::Admin, "/admin/v1/account", Some(other.access_token.expose())).await.expect(401);
        assert_eq!(devices(root.session.access_token.expose().to_string()).await.len(), 1);
    }

    async fn an_unconfirmed_totp_enrolment_does_not_lock_the_account(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let code = app.invite(&root, &org.id.0, Role::Admin).await;
        let enrolment: Enrolment = app
            .post(Listener::Admin, "/admin/v1/invites/accept", None, json!({"code": code, "handle": "lina", "passphrase": PASSPHRASE, "device_name": "laptop"}))
            .await
            .expect(200)
            .json();
        assert!(enrolment.totp.is_some(), "administrators are offered a second factor at once");
        assert!(enrolment.session.must_enrol_totp);

        // The enrolment is never confirmed: the passphrase alone still signs in…
        let login = json!({"handle": "lina", "passphrase": PASSPHRASE, "device_name": "desk"});
        let grant: SessionGrant = app.post(Listener::Admin, "/admin/v1/sessions", None, login.clone()).await.expect(200).json();
        assert!(grant.must_enrol_totp);
        // …but the session can do nothing but enrol until a code is confirmed.
        let path = format!("/admin/v1/organisations/{}", org.id.0);
        let refused = app.get(Listener::Admin, &path, Some(grant.access_token.expose())).await.expect(403);
        assert_eq!(refused.code(), "totp_enrolment_required");
        let fresh: TotpEnrolment = app.post(Listener::Admin, "/admin/v1/totp", Some(grant.access_token.expose()), json!({"passphrase": PASSPHRASE})).await.expect(200).json();
        app.post(Listener::Admin, "/admin/v1/totp/confirm", Some(grant.access_token.expose()), json!({"code": "000000"})).await.expect(401);
        let codes: RecoveryCodes = app
            .post(Listener::Admin, "/admin/v1/totp/confirm", Some(grant.access_token.expose()), json!({"code": app.totp_code(fresh.secret.expose())}))
            .await
            .expect(200)
            .json();
        assert_eq!(codes.codes.len(), 10);
        app.get(Listener::Admin, &path, Some(grant.access_token.expose())).await.expect(200);
        // From now on the second factor is required, and only hashes of the codes are stored.
        app.post(Listener::Admin, "/admin/v1/sessions", None, login).await.expect(401);
        let dump = String::from_utf8_lossy(&app.storage_dump()).to_string();
        assert!(codes.codes.iter().all(|code| !dump.contains(code.expose())));
    }

    async fn a_recovery_code_stands_in_for_the_second_factor_once(app: TestApp) {
        let root = app.set_up_root().await;
        let code = root.recovery_codes.first().cloned().expect("recovery codes at confirmation");
        let login = |totp: &str| json!({"handle": "root", "passphrase": PASSPHRASE, "totp": totp, "device_name": "desk"});
        // Typed in capitals with spaces, as a person copying it from paper might.
        let typed = code.to_uppercase().replace('-', " ");
        app.post(Listener::Admin, "/admin/v1/sessions", None, login(&typed)).await.expect(200);
        let again = app.post(Listener::Admin, "/admin/v1/sessions", None, login(&code)).await.expect(401);
        assert_eq!(again.code(), "invalid_totp");
        // Another of the codes still works.
        app.post(Listener::Admin, "/admin/v1/sessions", None, login(&root.recovery_codes[1])).await.expect(200);
    }

    async fn invites_are_listed_without_their_codes_and_can_be_revoked(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let token = Some(root.session.access_token.expose());
        let path = format!("/admin/v1/organisations/{}/invites", org.id.0);
        let kept = app.invite(&root, &org.id.0, Role::Worker).await;
        let revoked = app.invite(&root, &org.id.0, Role::Admin).await;
        let listed = app.get(Listener::Admin, &path, token).await.expect(200);
        let invites: Vec<PendingInvite> = listed.json();
        assert_eq!(invites.len(), 2);
        let raw = String::from_utf8_lossy(&listed.raw).to_string();
        assert!(!raw.contains(&kept) && !raw.contains(&revoked), "codes are never listed");

        let admin_invite = invites.iter().find(|i| i.role == Role::Admin).unwrap();
        app.call("DELETE", Listener::Admin, &format!("{path}/{}", admin_invite.id), token, None).await.expect(204);
        app.call("DELETE", Listener::Admin, &format!("{path}/{}", admin_invite.id), token, None).await.expect(404);
        let left: Vec<PendingInvite> = app.get(Listener::Admin, &path, token).await.expect(200).json();
        assert_eq!(left.iter().map(|i| i.role).collect::<Vec<_>>(), vec![Role::Worker]);
        // The revoked code redeems nothing; the other still does.
        let accept = |code: &str| json!({"code": code, "handle": "new-person", "passphrase": PASSPHRASE, "device_name": "laptop"});
        let refused = app.post(Listener::Admin, "/admin/v1/invites/accept", None, accept(&revoked)).await.expect(404);
        assert_eq!(refused.code(), "invalid_invite");
        app.post(Listener::Public, "/v1/invites/accept", None, accept(&kept)).await.expect(200);
    }

    async fn the_daily_salt_of_address_hashes_is_never_stored(app: TestApp) {
        // Two sign-ups from this address, counted under the same keyed hash.
        app.sign_up_seeker().await;
        app.sign_up_seeker().await;
        if let Some(services) = &app.services {
            let dump = services.redis_dump();
            assert!(dump.contains("signup:"), "the counters are in Redis: {dump}");
            assert!(!dump.contains("salt"), "a salt in Redis lets a dump be brute-forced to addresses: {dump}");
        }
        assert!(!String::from_utf8_lossy(&app.storage_dump()).contains("127.0.0.1"));
    }

    async fn a_wrong_invite_code_costs_no_argon2(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let accept = |code: &str| json!({"code": code, "handle": "someone", "passphrase": PASSPHRASE, "device_name": "phone"});
        let before = app.state.passphrases.runs();
        for listener in [Listener::Public, Listener::Admin] {
            let path = if listener == Listener::Public { "/v1/invites/accept" } else { "/admin/v1/invites/accept" };
            let refused = app.post(listener, path, None, accept("not-an-invite")).await.expect(404);
            assert_eq!(refused.code(), "invalid_invite");
        }
        assert_eq!(app.state.passphrases.runs(), before, "no passphrase was hashed for a wrong code");
        let code = app.invite(&root, &org.id.0, Role::Worker).await;
        app.post(Listener::Public, "/v1/invites/accept", None, accept(&code)).await.expect(200);
        assert_eq!(app.state.passphrases.runs(), before + 1);
    }
}

both_backends_with! {
    |config| config.passphrase_rate_limit = 3;
    async fn passphrase_work_per_address(app: TestApp) {
        // Rotating handles does not buy more passphrase checks from one address.
        for handle in ["a-handle", "b-handle", "c-handle"] {
            let login = json!({"handle": handle, "passphrase": PASSPHRASE, "device_name": "desk"});
            app.post(Listener::Public, "/v1/sessions", None, login)
                .await
                .expect(401);
        }
        let before = app.state.passphrases.runs();
        let login = json!({"handle": "d-handle", "passphrase": PASSPHRASE, "device_name": "desk"});
        let limited = app
            .post(Listener::Public, "/v1/sessions", None, login)
            .await
            .expect(429);
        assert_eq!(limited.code(), "rate_limited");
        let wait: u64 = limited
            .headers
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
        // The same share covers invite redemptions and the other listener, and costs no Argon2.
        let accept = json!({"code": "whatever", "handle": "someone", "passphrase": PASSPHRASE, "device_name": "phone"});
        app.post(Listener::Admin, "/admin/v1/invites/accept", None, accept)
            .await
            .expect(429);
        assert_eq!(app.state.passphrases.runs(), before);
        // A new window gives a new share.
        app.clock.advance(900);
        let login = json!({"handle": "d-handle", "passphrase": PASSPHRASE, "device_name": "desk"});
        app.post(Listener::Public, "/v1/sessions", None, login)
            .await
            .expect(401);
    }
}

both_backends_with! {
    |config| {
        config.trust_forwarded_for = true;
        config.signup_rate_limit = 1;
    };
    /// Behind a trusted proxy, the client is the address the proxy appended: a client that
    /// writes its own first entry does not get a fresh share of the sign-up limit.
    async fn forwarded_for(app: TestApp) {
        let sign_up = |forwarded: &'static str| {
            let app = &app;
            async move {
                let body = app.solved_signup().await;
                app.call_with_headers(
                    "POST",
                    Listener::Public,
                    "/v1/seekers",
                    None,
                    Some(&body),
                    &[("X-Forwarded-For", forwarded)],
                )
                .await
            }
        };
        sign_up("198.51.100.1, 203.0.113.7").await.expect(200);
        let limited = sign_up("198.51.100.2, 203.0.113.7").await.expect(429);
        assert!(limited.headers.get("retry-after").is_some());
        // Another client behind the same proxy has its own share.
        sign_up("198.51.100.1, 203.0.113.8").await.expect(200);
    }
}

both_backends_with! {
    |config| config.trust_forwarded_for = true;
    /// Wrong passphrases from one address hold back that address, on that listener only: the
    /// person signing in from elsewhere, or as an administrator, is not locked out.
    async fn failed_sign_ins(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        app.enrol_worker(&root, &org.id.0, "target", &["en"]).await;
        let attempt = |passphrase: &'static str, from: &'static str| {
            let app = &app;
            async move {
                let login =
                    json!({"handle": "target", "passphrase": passphrase, "device_name": "desk"});
                app.call_with_headers(
                    "POST",
                    Listener::Public,
                    "/v1/sessions",
                    None,
                    Some(&login),
                    &[("X-Forwarded-For", from)],
                )
                .await
            }
        };
        for _ in 0..10 {
            attempt("a wrong passphrase!!", "198.51.100.66")
                .await
                .expect(401);
        }
        let held = attempt(PASSPHRASE, "198.51.100.66").await.expect(429);
        assert!(held.headers.get("retry-after").is_some());
        // The person, from their own address, signs in as usual; so does the administrator.
        attempt(PASSPHRASE, "203.0.113.7").await.expect(200);
        app.clock.advance(30);
        let admin_login = json!({"handle": "root", "passphrase": PASSPHRASE, "totp": app.totp_code(root.totp_secret.as_deref().unwrap()), "device_name": "desk"});
        app.call_with_headers(
            "POST",
            Listener::Admin,
            "/admin/v1/sessions",
            None,
            Some(&admin_login),
            &[("X-Forwarded-For", "198.51.100.66")],
        )
        .await
        .expect(200);
    }
}

both_backends! {
    async fn a_stolen_token_cannot_enrol_a_second_factor_and_codes_cannot_be_guessed(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await;
        let worker = app.enrol_worker(&root, &org.id.0, "guarded", &["en"]).await;
        let token = Some(worker.access_token.expose());
        // The access token alone is not enough: the passphrase is asked again.
        app.post(Listener::Public, "/v1/worker/totp", token, json!({})).await.expect(422);
        let wrong = app.post(Listener::Public, "/v1/worker/totp", token, json!({"passphrase": "not the passphrase"})).await.expect(401);
        assert_eq!(wrong.code(), "invalid_credentials");
        let enrolment: TotpEnrolment = app.post(Listener::Public, "/v1/worker/totp", token, json!({"passphrase": PASSPHRASE})).await.expect(200).json();
        // Five wrong codes, then even the right one waits for the window to pass.
        for _ in 0..5 {
            app.post(Listener::Public, "/v1/worker/totp/confirm", token, json!({"code": "000000"})).await.expect(401);
        }
        let held = app.post(Listener::Public, "/v1/worker/totp/confirm", token, json!({"code": app.totp_code(enrolment.secret.expose())})).await.expect(429);
        assert!(held.headers.get("retry-after").is_some());
        app.clock.advance(900);
        let refreshed: SessionGrant = app.post(Listener::Public, "/v1/sessions/refresh", None, json!({"refresh_token": worker.refresh_token})).await.expect(200).json();
        app.post(Listener::Public, "/v1/worker/totp/confirm", Some(refreshed.access_token.expose()), json!({"code": app.totp_code(enrolment.secret.expose())}))
            .await
            .expect(200);
    }
}
