//! The authorisation matrix: every endpoint called as every kind of caller, each cell asserted.
//! A worker or administrator of organisation B must never reach organisation A's data.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::api::{Role, SessionGrant};
use quietline_protocol::client::Client;
use quietline_protocol::client::signal::SignalDevice;
use quietline_tests::{AdminLogin, Listener, PASSPHRASE, TestApp, both_backends};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Seeker,
    WorkerA,
    WorkerB,
    AdminA,
    AdminB,
    Root,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Seeker,
    Who::WorkerA,
    Who::WorkerB,
    Who::AdminA,
    Who::AdminB,
    Who::Root,
];
const CLIENTS: &[Who] = &[Who::Seeker, Who::WorkerA, Who::WorkerB];
const WORKERS: &[Who] = &[Who::WorkerA, Who::WorkerB];
const ADMINS: &[Who] = &[Who::AdminA, Who::AdminB, Who::Root];
const ADMINS_OF_A: &[Who] = &[Who::AdminA, Who::Root];
/// The seeker is in an active conversation with worker A.
const SEEKER_AND_WORKER_A: &[Who] = &[Who::Seeker, Who::WorkerA];

/// One endpoint: who may call it, and which statuses count as "got through" for them.
struct Row {
    method: &'static str,
    listener: Listener,
    path: &'static str,
    allowed: &'static [Who],
    ok: &'static [u16],
    /// Calling it changes the caller (signs out, deletes): each cell gets a fresh caller.
    fresh: bool,
}

const fn row(
    method: &'static str,
    listener: Listener,
    path: &'static str,
    allowed: &'static [Who],
) -> Row {
    Row {
        method,
        listener,
        path,
        allowed,
        ok: &[200, 204],
        fresh: false,
    }
}

const ANYONE: &[Who] = &EVERYONE;

fn rows() -> Vec<Row> {
    use Listener::{Admin, Public};
    vec![
        row("POST", Public, "/v1/signup/challenge", ANYONE),
        row("POST", Public, "/v1/seekers", ANYONE),
        row("PUT", Public, "/v1/recovery", &[Who::Seeker]),
        Row {
            ok: &[401],
            ..row("POST", Public, "/v1/recovery", ANYONE)
        },
        row("POST", Public, "/v1/invites/accept", ANYONE),
        Row {
            fresh: true,
            ..row("POST", Public, "/v1/sessions", ANYONE)
        },
        Row {
            fresh: true,
            ..row("POST", Public, "/v1/sessions/refresh", ANYONE)
        },
        Row {
            fresh: true,
            ..row("POST", Public, "/v1/sessions/logout", CLIENTS)
        },
        row("GET", Public, "/v1/account", CLIENTS),
        Row {
            fresh: true,
            ..row("DELETE", Public, "/v1/account", CLIENTS)
        },
        row("GET", Public, "/v1/devices", CLIENTS),
        Row {
            fresh: true,
            ..row("POST", Public, "/v1/devices", CLIENTS)
        },
        Row {
            fresh: true,
            ..row("DELETE", Public, "/v1/devices/2", CLIENTS)
        },
        row("GET", Public, "/v1/worker/profile", WORKERS),
        row("PUT", Public, "/v1/worker/languages", WORKERS),
        Row {
            fresh: true,
            ..row("POST", Public, "/v1/worker/totp", WORKERS)
        },
        // A wrong code: allowed callers get past authorisation to the code check.
        Row {
            ok: &[401],
            ..row("POST", Public, "/v1/worker/totp/confirm", WORKERS)
        },
        row("GET", Public, "/v1/organisations/{org_a}", &[Who::WorkerA]),
        // Fresh callers: publishing keys as worker A would replace the keys the sends below use.
        Row {
            fresh: true,
            ..row("PUT", Public, "/v1/keys", CLIENTS)
        },
        // Callers without published keys get past authorisation to `keys_missing`.
        Row {
            ok: &[200, 404],
            ..row("POST", Public, "/v1/keys/prekeys", CLIENTS)
        },
        row("GET", Public, "/v1/keys/count", CLIENTS),
        row("GET", Public, "/v1/keys/{worker_a}", SEEKER_AND_WORKER_A),
        row("POST", Public, "/v1/conversations", &[Who::Seeker]),
        row("GET", Public, "/v1/conversations", CLIENTS),
        row("GET", Public, "/v1/desk/waiting", WORKERS),
        row("GET", Public, "/v1/desk/availability", WORKERS),
        row("PUT", Public, "/v1/desk/availability", WORKERS),
        row("POST", Public, "/v1/desk/outlook", &[Who::Seeker]),
        row("GET", Public, "/v1/desk/partners", WORKERS),
        row("GET", Public, "/v1/desk/colleagues", WORKERS),
        row("GET", Public, "/v1/entry-point/topics", &[Who::Seeker]),
        row("GET", Public, "/v1/decoys/{slug_a}", ANYONE),
        // The web entry: the site's search and the page's word, starting and coming back, for
        // anyone (a wrong word and a forged pass get past authorisation to their own checks);
        // whom to seal to and the sealed message itself, for the seeker.
        row("POST", Public, "/search", ANYONE),
        Row {
            ok: &[404],
            ..row("POST", Public, "/v1/web/unlock", ANYONE)
        },
        Row {
            ok: &[422],
            ..row("POST", Public, "/v1/web/seekers", ANYONE)
        },
        row("POST", Public, "/v1/web/sessions", ANYONE),
        row("GET", Public, "/v1/web/recipients", &[Who::Seeker]),
        row("POST", Public, "/v1/web/messages", &[Who::Seeker]),
        row("GET", Public, "/v1/push/server-key", CLIENTS),
        row("PUT", Public, "/v1/push/subscription", CLIENTS),
        row("DELETE", Public, "/v1/push/subscription", CLIENTS),
        row("GET", Public, "/v1/desk/canned-replies", WORKERS),
        // The allowed caller gets past authorisation to the check of the worker named.
        Row {
            ok: &[422],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/transfer",
                &[Who::WorkerA],
            )
        },
        row(
            "POST",
            Public,
            "/v1/conversations/{conversation_a}/handoff",
            &[Who::WorkerA],
        ),
        // After the request above: the seeker answers it.
        row(
            "POST",
            Public,
            "/v1/conversations/{conversation_a}/handoff/answer",
            &[Who::Seeker],
        ),
        // Worker B is of another organisation: past authorisation, refused as such.
        Row {
            ok: &[422],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/supporters",
                &[Who::WorkerA],
            )
        },
        // The lead is no supporter: past authorisation, not found as one.
        Row {
            ok: &[404],
            ..row(
                "DELETE",
                Public,
                "/v1/conversations/{conversation_a}/supporters/{worker_a}",
                &[Who::WorkerA],
            )
        },
        // Organisation B is not a partner: past authorisation, refused as such.
        Row {
            ok: &[422],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/referral",
                &[Who::WorkerA],
            )
        },
        // No referral is pending, nor is the conversation closed: `invalid_state`.
        Row {
            ok: &[409],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/referral/accept",
                &[Who::Seeker],
            )
        },
        Row {
            ok: &[409],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/referral/decline",
                &[Who::Seeker],
            )
        },
        Row {
            ok: &[409],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/reopen",
                &[Who::Seeker],
            )
        },
        row(
            "POST",
            Public,
            "/v1/conversations/{waiting_a}/claim",
            &[Who::WorkerA],
        ),
        // Worker A sending to itself names its own sending device: a device mismatch. Worker B
        // shares no conversation with worker A.
        Row {
            ok: &[200, 409],
            ..row(
                "POST",
                Public,
                "/v1/messages/{worker_a}",
                SEEKER_AND_WORKER_A,
            )
        },
        row("GET", Public, "/v1/messages", CLIENTS),
        row("POST", Public, "/v1/sync", CLIENTS),
        // Wipes the caller: fresh callers. Only seekers can leave this way.
        Row {
            fresh: true,
            ..row("POST", Public, "/v1/quick-exit", &[Who::Seeker])
        },
        row("POST", Public, "/v1/messages/ack", CLIENTS),
        // Case notes: workers of the conversation's organisation only; a note sealed to one device
        // of several is refused past authorisation.
        row(
            "GET",
            Public,
            "/v1/conversations/{conversation_a}/notes/recipients",
            &[Who::WorkerA],
        ),
        row(
            "GET",
            Public,
            "/v1/conversations/{conversation_a}/notes",
            &[Who::WorkerA],
        ),
        Row {
            ok: &[200, 409],
            ..row(
                "POST",
                Public,
                "/v1/conversations/{conversation_a}/notes",
                &[Who::WorkerA],
            )
        },
        // GET /v1/websocket is an upgrade handshake; its authentication is proven in relay.rs.
        // Either member shortens the conversation's timer (the organisation sets no default).
        row(
            "PUT",
            Public,
            "/v1/conversations/{conversation_a}/timer",
            SEEKER_AND_WORKER_A,
        ),
        Row {
            ok: &[403],
            ..row("POST", Admin, "/admin/v1/setup", ANYONE)
        },
        row("POST", Admin, "/admin/v1/invites/accept", ANYONE),
        Row {
            ok: &[401],
            ..row("POST", Admin, "/admin/v1/sessions", ANYONE)
        },
        Row {
            ok: &[401],
            ..row("POST", Admin, "/admin/v1/sessions/refresh", ANYONE)
        },
        row("GET", Admin, "/admin/v1/account", ADMINS),
        // Every administrator here has a second factor already.
        Row {
            ok: &[409],
            ..row("POST", Admin, "/admin/v1/totp", ADMINS)
        },
        // A wrong code: allowed callers get past authorisation to the code check.
        Row {
            ok: &[401],
            ..row("POST", Admin, "/admin/v1/totp/confirm", ADMINS)
        },
        row("GET", Admin, "/admin/v1/devices", ADMINS),
        // Device 2 does not exist for these callers: past authorisation, 404.
        Row {
            ok: &[404],
            ..row("DELETE", Admin, "/admin/v1/devices/2", ADMINS)
        },
        Row {
            ok: &[204, 409],
            fresh: true,
            ..row("DELETE", Admin, "/admin/v1/account", ADMINS)
        },
        row("GET", Admin, "/admin/v1/organisations", ADMINS),
        row("POST", Admin, "/admin/v1/organisations", &[Who::Root]),
        row("GET", Admin, "/admin/v1/organisations/{org_a}", ADMINS_OF_A),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/invites",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/invites",
            ADMINS_OF_A,
        ),
        // No such invite: allowed callers get past authorisation to the 404.
        Row {
            ok: &[404],
            ..row(
                "DELETE",
                Admin,
                "/admin/v1/organisations/{org_a}/invites/0000000000000000",
                ADMINS_OF_A,
            )
        },
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/members",
            ADMINS_OF_A,
        ),
        Row {
            fresh: true,
            ..row(
                "DELETE",
                Admin,
                "/admin/v1/organisations/{org_a}/members/{member_a}",
                ADMINS_OF_A,
            )
        },
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/members/{member_a}/totp-reset",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/members/{member_a}/languages",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/members/{member_a}/deactivate",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/members/{member_a}/reactivate",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/statistics",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/decoys",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/decoys/fr",
            ADMINS_OF_A,
        ),
        Row {
            fresh: true,
            ..row(
                "DELETE",
                Admin,
                "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/decoys/fr",
                ADMINS_OF_A,
            )
        },
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/unlock-word",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/qr.svg",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/qr.png",
            ADMINS_OF_A,
        ),
        Row {
            fresh: true,
            ..row(
                "DELETE",
                Admin,
                "/admin/v1/organisations/{org_a}/entry-points/{entry_a}",
                ADMINS_OF_A,
            )
        },
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/disappearing",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/partners",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/partners",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/canned-replies",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/canned-replies",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/canned-replies/{reply_a}",
            ADMINS_OF_A,
        ),
        row(
            "DELETE",
            Admin,
            "/admin/v1/organisations/{org_a}/canned-replies/{reply_a}",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/canned-replies/{reply_a}/versions",
            ADMINS_OF_A,
        ),
        row("GET", Public, "/v1/organisations/{org_a}/cards", CLIENTS),
        row(
            "GET",
            Public,
            "/v1/organisations/{org_a}/cards/bundle",
            CLIENTS,
        ),
        row(
            "GET",
            Public,
            "/v1/organisations/{org_a}/cards/keys",
            CLIENTS,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/cards",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/cards",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/export",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/import",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/coverage",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/stale",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}/translations/fr",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}/submit",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}/publish",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}/archive",
            ADMINS_OF_A,
        ),
        // The fresh card was never published: past authorisation, refused as such.
        Row {
            ok: &[422],
            ..row(
                "POST",
                Admin,
                "/admin/v1/organisations/{org_a}/cards/{card_a}/rollback",
                ADMINS_OF_A,
            )
        },
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/cards/{card_a}/history",
            ADMINS_OF_A,
        ),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/card-settings",
            ADMINS_OF_A,
        ),
        row(
            "PUT",
            Admin,
            "/admin/v1/organisations/{org_a}/card-settings",
            ADMINS_OF_A,
        ),
        row(
            "POST",
            Admin,
            "/admin/v1/organisations/{org_a}/bundle-keys/rotate",
            ADMINS_OF_A,
        ),
        row("GET", Admin, "/admin/v1/audit", &[Who::Root]),
        row(
            "GET",
            Admin,
            "/admin/v1/organisations/{org_a}/audit",
            ADMINS_OF_A,
        ),
        row("GET", Admin, "/openapi.json", ANYONE),
        row("GET", Admin, "/docs/{path}", ANYONE),
        row("GET", Admin, "/metrics", ANYONE),
        row("GET", Admin, "/healthz", ANYONE),
        // Near the end: it closes the conversation the message rows above rely on.
        row(
            "POST",
            Public,
            "/v1/conversations/{conversation_a}/close",
            SEEKER_AND_WORKER_A,
        ),
        // Last: it ends the instance administrator's session.
        Row {
            fresh: true,
            ..row("POST", Admin, "/admin/v1/sessions/logout", ADMINS)
        },
    ]
}

/// A valid draft card.
/// Decoy content for the entry points the matrix creates (recipe apps, the default theme).
fn decoy_content() -> Value {
    json!({"theme": "recipes", "recipes": [{
        "title": "Soupe", "summary": "Vite faite.",
        "ingredients": ["Eau", "Légumes"], "steps": ["Faire cuire."]
    }]})
}

fn card_content() -> Value {
    json!({
        "category": "shelter",
        "source_locale": "en",
        "regions": ["CA-QC"],
        "cost": "free",
        "translations": {"en": {"title": "Shelter", "summary": "A bed.", "body": "", "risk_disclosure": "None."}},
    })
}

struct World {
    root: AdminLogin,
    org_a: String,
    org_b: String,
    seeker: SessionGrant,
    worker_a: SessionGrant,
    worker_b: SessionGrant,
    admin_a: AdminLogin,
    admin_b: AdminLogin,
    /// Worker A has published keys, so sends and bundle fetches can reach it.
    worker_a_registration: u32,
    /// The seeker's active conversation with worker A.
    conversation_a: String,
    entry_a: String,
    slug_a: String,
    counter: std::cell::Cell<u32>,
}

impl World {
    async fn build(app: &TestApp) -> World {
        let root = app.set_up_root().await;
        let org_a = app.create_organisation(&root, "Organisation A").await.id.0;
        let org_b = app.create_organisation(&root, "Organisation B").await.id.0;
        let worker_a = app.enrol_worker(&root, &org_a, "worker-a", &["fr"]).await;
        let worker_a_client = Client::with_session(&app.public, worker_a.clone())
            .await
            .unwrap();
        let entry = app
            .post(
                Listener::Admin,
                &format!("/admin/v1/organisations/{org_a}/entry-points"),
                Some(root.session.access_token.expose()),
                json!({"label": "world door", "default_language": "fr"}),
            )
            .await
            .expect(200);
        let entry_a = entry.body["code"].as_str().unwrap().to_string();
        let slug_a = entry.body["public_slug"].as_str().unwrap().to_string();
        let seeker = app.seeker_through(&entry_a).await;
        let opened = app
            .post(
                Listener::Public,
                "/v1/conversations",
                Some(seeker.access_token.expose()),
                json!({"languages": ["fr"]}),
            )
            .await
            .expect(200);
        let conversation_a = opened.body["id"].as_str().unwrap().to_string();
        app.post(
            Listener::Public,
            &format!("/v1/conversations/{conversation_a}/claim"),
            Some(worker_a.access_token.expose()),
            json!({}),
        )
        .await
        .expect(200);
        World {
            seeker,
            conversation_a,
            entry_a,
            slug_a,
            worker_a_registration: worker_a_client.signal.registration_id(),
            worker_a,
            worker_b: app.enrol_worker(&root, &org_b, "worker-b", &["fr"]).await,
            admin_a: app.enrol_admin(&root, &org_a, "admin-a").await,
            admin_b: app.enrol_admin(&root, &org_b, "admin-b").await,
            root,
            org_a,
            org_b,
            counter: std::cell::Cell::new(0),
        }
    }

    /// The number of the audit log's newest entry (read from the storage: the cells sign the
    /// instance administrator out at the end).
    async fn audit_head(&self, app: &TestApp) -> u64 {
        let filter = quietline_server::audit::Filter {
            limit: 1,
            ..Default::default()
        };
        let newest = quietline_server::audit::list(&app.state, filter)
            .await
            .unwrap();
        newest.first().map_or(0, |entry| entry.seq)
    }

    fn unique(&self, prefix: &str) -> String {
        self.counter.set(self.counter.get() + 1);
        format!("{prefix}{}", self.counter.get())
    }

    fn token(&self, who: Who) -> Option<String> {
        match who {
            Who::Anonymous => None,
            Who::Seeker => Some(self.seeker.access_token.expose().to_string()),
            Who::WorkerA => Some(self.worker_a.access_token.expose().to_string()),
            Who::WorkerB => Some(self.worker_b.access_token.expose().to_string()),
            Who::AdminA => Some(self.admin_a.session.access_token.expose().to_string()),
            Who::AdminB => Some(self.admin_b.session.access_token.expose().to_string()),
            Who::Root => Some(self.root.session.access_token.expose().to_string()),
        }
    }

    /// A new caller of the same kind, for cells that sign out or delete.
    async fn fresh_token(&self, app: &TestApp, who: Who) -> Option<String> {
        let grant = match who {
            Who::Anonymous => return None,
            Who::Seeker => app.sign_up_seeker().await,
            Who::WorkerA => {
                app.enrol_worker(&self.root, &self.org_a, &self.unique("wa"), &["en"])
                    .await
            }
            Who::WorkerB => {
                app.enrol_worker(&self.root, &self.org_b, &self.unique("wb"), &["en"])
                    .await
            }
            Who::AdminA => {
                app.enrol_admin(&self.root, &self.org_a, &self.unique("aa"))
                    .await
                    .session
            }
            Who::AdminB => {
                app.enrol_admin(&self.root, &self.org_b, &self.unique("ab"))
                    .await
                    .session
            }
            Who::Root => return self.token(Who::Root),
        };
        Some(grant.access_token.expose().to_string())
    }

    /// The body each endpoint needs, made fresh for every cell.
    async fn body(&self, app: &TestApp, row: &Row) -> Option<Value> {
        let body = match (row.method, row.path) {
            ("POST", "/v1/seekers") => app.solved_signup().await,
            ("POST", "/v1/invites/accept") => {
                let code = app.invite(&self.root, &self.org_a, Role::Worker).await;
                json!({"code": code, "handle": self.unique("inv"), "passphrase": PASSPHRASE, "device_name": "phone"})
            }
            ("POST", "/admin/v1/invites/accept") => {
                let code = app.invite(&self.root, &self.org_a, Role::Admin).await;
                json!({"code": code, "handle": self.unique("adm"), "passphrase": PASSPHRASE, "device_name": "laptop"})
            }
            ("POST", "/v1/sessions") => {
                let handle = self.unique("login");
                app.enrol_worker(&self.root, &self.org_a, &handle, &["en"])
                    .await;
                json!({"handle": handle, "passphrase": PASSPHRASE, "device_name": "desk"})
            }
            ("POST", "/v1/sessions/refresh") => {
                json!({"refresh_token": app.sign_up_seeker().await.refresh_token})
            }
            ("POST", "/admin/v1/sessions") => {
                json!({"handle": "root", "passphrase": "wrong passphrase!", "device_name": "x"})
            }
            ("POST", "/admin/v1/sessions/refresh") => json!({"refresh_token": "not-a-token"}),
            ("POST", "/admin/v1/setup") => {
                json!({"setup_token": "wrong", "handle": "nobody", "passphrase": PASSPHRASE, "device_name": "x"})
            }
            ("PUT", "/v1/worker/languages")
            | ("PUT", "/admin/v1/organisations/{org_a}/members/{member_a}/languages") => {
                json!({"languages": ["fr", "en"]})
            }
            ("PUT", "/v1/push/subscription") => json!({
                "kind": "web_push",
                "endpoint": "https://push.example.org/wpush/matrix",
                // The P-256 generator point, and 16 bytes.
                "p256dh": "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU",
                "auth": "AAAAAAAAAAAAAAAAAAAAAA"
            }),
            ("POST", "/v1/worker/totp/confirm") => json!({"code": "000000"}),
            ("POST", "/admin/v1/totp/confirm") => json!({"code": "000000"}),
            ("POST", "/v1/worker/totp") | ("POST", "/admin/v1/totp") => {
                json!({"passphrase": PASSPHRASE})
            }
            ("POST", "/admin/v1/organisations") => {
                json!({"name": self.unique("Organisation "), "default_language": "fr"})
            }
            ("POST", "/admin/v1/organisations/{org_a}/invites") => json!({"role": "worker"}),
            ("POST", "/admin/v1/organisations/{org_a}/entry-points") => {
                json!({"label": self.unique("poster "), "default_language": "fr", "topics": ["work"]})
            }
            ("PUT", "/v1/keys") => {
                let mut device = SignalDevice::generate().unwrap();
                serde_json::to_value(device.device_keys(2).await.unwrap()).unwrap()
            }
            ("POST", "/v1/messages/{worker_a}") => json!({
                "id": self.unique("m"),
                "messages": [{"device_id": 1, "registration_id": self.worker_a_registration, "type": "message", "content": "AAAA"}]
            }),
            ("POST", "/v1/messages/ack") => json!({"ids": [1, 2, 3]}),
            ("POST", "/v1/conversations/{conversation_a}/notes") => json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "copies": [{"account_id": self.worker_a.account_id.0, "device_id": 1, "sealed": "AAAA"}]
            }),
            ("POST", "/v1/conversations") => json!({"languages": ["fr"]}),
            ("PUT", "/v1/desk/availability") => json!({"available": true}),
            ("POST", "/v1/desk/outlook") => json!({"languages": ["fr"]}),
            ("POST", "/v1/conversations/{conversation_a}/transfer")
            | ("POST", "/v1/conversations/{conversation_a}/supporters") => {
                json!({"worker": self.worker_b.account_id.0})
            }
            ("POST", "/v1/conversations/{conversation_a}/referral") => {
                json!({"organisation_id": self.org_b})
            }
            ("PUT", "/admin/v1/organisations/{org_a}/partners") => {
                json!({"partners": [self.org_b]})
            }
            ("POST", "/admin/v1/organisations/{org_a}/canned-replies") => {
                json!({"language": "fr", "title": self.unique("Bonjour "), "body": "Bonjour {name}"})
            }
            ("PUT", "/admin/v1/organisations/{org_a}/canned-replies/{reply_a}") => {
                json!({"version": 1, "language": "fr", "title": "Salut", "body": "Salut"})
            }
            ("PUT", "/v1/conversations/{conversation_a}/timer") => json!({"seconds": 3600}),
            ("PUT", "/admin/v1/organisations/{org_a}/disappearing") => json!({"seconds": 86400}),
            ("POST", "/v1/conversations/{conversation_a}/close") => {
                json!({"outcome": "information_given"})
            }
            ("POST", "/admin/v1/organisations/{org_a}/cards") => card_content(),
            ("POST", "/v1/web/unlock") => json!({"slug": self.slug_a, "word": "not the word"}),
            ("POST", "/v1/web/seekers") => json!({
                "pass": "AAAAAAAAAAAA.AAAA", "handle": "A".repeat(43), "public_key": format!("BQ{}", "A".repeat(42)),
                "challenge": "AAAA", "solution": 0,
            }),
            ("POST", "/v1/web/sessions") => json!({"handle": "A".repeat(43)}),
            ("POST", "/v1/conversations/{conversation_a}/handoff/answer") => {
                json!({"granted": false})
            }
            ("PUT", "/v1/recovery") => {
                json!({"lookup": "A".repeat(43), "key": format!("{}A", "B".repeat(42))})
            }
            // A phrase nobody set.
            ("POST", "/v1/recovery") => {
                json!({"lookup": format!("{}A", "C".repeat(42)), "key": format!("{}A", "B".repeat(42))})
            }
            ("POST", "/v1/web/messages") => json!({"sends": [{
                "to": self.worker_a.account_id, "id": "matrix-web-1",
                "copies": [{"device_id": self.worker_a.device_id, "content": "AAAA"}],
            }]}),
            ("PUT", "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/unlock-word") => {
                json!({"word": "cumin"})
            }
            ("PUT", "/admin/v1/organisations/{org_a}/entry-points/{entry_a}/decoys/fr") => {
                decoy_content()
            }
            ("PUT", "/admin/v1/organisations/{org_a}/cards/{card_a}") => {
                json!({"version": 1, "content": card_content()})
            }
            ("PUT", "/admin/v1/organisations/{org_a}/cards/{card_a}/translations/fr") => {
                json!({"title": "Refuge", "summary": "Un lit.", "body": "", "risk_disclosure": "Aucun."})
            }
            ("POST", "/admin/v1/organisations/{org_a}/cards/import") => json!({"cards": []}),
            ("POST", "/admin/v1/organisations/{org_a}/cards/{card_a}/rollback") => {
                json!({"version": 1})
            }
            ("PUT", "/admin/v1/organisations/{org_a}/card-settings") => {
                json!({"two_admin_approval": false})
            }
            ("POST", _) | ("PUT", _) => json!({}),
            _ => return None,
        };
        Some(body)
    }

    async fn path(&self, app: &TestApp, row: &Row, token: Option<&str>) -> String {
        let mut path = row
            .path
            .replace("{org_a}", &self.org_a)
            .replace("{path}", "index.html")
            .replace("{worker_a}", &self.worker_a.account_id.0)
            .replace("{slug_a}", &self.slug_a)
            .replace("{conversation_a}", &self.conversation_a);
        if path.contains("{waiting_a}") {
            // A new seeker through organisation A's door, waiting to be claimed.
            let mut signup = app.solved_signup().await;
            signup["entry_point"] = json!(self.entry_a);
            let seeker: SessionGrant = app
                .post(Listener::Public, "/v1/seekers", None, signup)
                .await
                .expect(200)
                .json();
            let opened = app
                .post(
                    Listener::Public,
                    "/v1/conversations",
                    Some(seeker.access_token.expose()),
                    json!({"languages": ["en"]}),
                )
                .await
                .expect(200);
            path = path.replace("{waiting_a}", opened.body["id"].as_str().unwrap());
        }
        if path.contains("{entry_a}") {
            let created = app
                .post(
                    Listener::Admin,
                    &format!("/admin/v1/organisations/{}/entry-points", self.org_a),
                    Some(self.root.session.access_token.expose()),
                    json!({"label": self.unique("door "), "default_language": "en"}),
                )
                .await
                .expect(200);
            path = path.replace("{entry_a}", created.body["id"].as_str().unwrap());
            if row.method == "DELETE" && path.ends_with("/decoys/fr") {
                // There is curated content to remove.
                app.call(
                    "PUT",
                    Listener::Admin,
                    &path,
                    Some(self.root.session.access_token.expose()),
                    Some(&decoy_content()),
                )
                .await
                .expect(200);
            }
        }
        if path.contains("{reply_a}") {
            let created = app
                .post(
                    Listener::Admin,
                    &format!("/admin/v1/organisations/{}/canned-replies", self.org_a),
                    Some(self.root.session.access_token.expose()),
                    json!({"language": "fr", "title": self.unique("Réponse "), "body": "Bonjour"}),
                )
                .await
                .expect(200);
            path = path.replace("{reply_a}", created.body["id"].as_str().unwrap());
        }
        if path.contains("{card_a}") {
            let created = app
                .post(
                    Listener::Admin,
                    &format!("/admin/v1/organisations/{}/cards", self.org_a),
                    Some(self.root.session.access_token.expose()),
                    card_content(),
                )
                .await
                .expect(200);
            path = path.replace("{card_a}", created.body["id"].as_str().unwrap());
        }
        if path.contains("{member_a}") {
            let member = app
                .enrol_worker(&self.root, &self.org_a, &self.unique("member"), &["en"])
                .await;
            path = path.replace("{member_a}", &member.account_id.0);
        }
        if row.path == "/v1/devices/2" {
            // The caller needs a second device to remove.
            if let Some(token) = token {
                app.post(Listener::Public, "/v1/devices", Some(token), json!({}))
                    .await;
            }
        }
        path
    }
}

both_backends! {
    async fn every_endpoint_admits_exactly_the_callers_it_should(app: TestApp) {
        let world = World::build(&app).await;
        assert!(!world.org_b.is_empty());
        let mut mismatches = Vec::new();
        let mut cells = 0;
        for row in rows() {
            for who in EVERYONE {
                let token = if row.fresh { world.fresh_token(&app, who).await } else { world.token(who) };
                let body = world.body(&app, &row).await;
                let path = world.path(&app, &row, token.as_deref()).await;
                // Every change on the admin listener is in the audit log, and nothing refused is.
                let audited = row.listener == Listener::Admin && row.method != "GET";
                let before = if audited { world.audit_head(&app).await } else { 0 };
                // The site's search takes what a form sends.
                let answer = if row.path == "/search" {
                    app.call_raw(row.method, row.listener, &path, token.as_deref(), "application/x-www-form-urlencoded", b"q=soup".to_vec()).await
                } else {
                    app.call(row.method, row.listener, &path, token.as_deref(), body.as_ref()).await
                };
                let status = answer.status.as_u16();
                if audited {
                    let after = world.audit_head(&app).await;
                    let changed = matches!(status, 200 | 204);
                    if changed != (after > before) {
                        mismatches.push(format!(
                            "{} {} as {who:?}: answered {status}, audit log from entry {before} to {after}",
                            row.method, row.path
                        ));
                    }
                }
                let expected_allowed = row.allowed.contains(&who);
                let fine = if expected_allowed {
                    row.ok.contains(&status) && !matches!(answer.code(), "unauthenticated" | "forbidden")
                } else if who == Who::Anonymous {
                    status == 401 && answer.code() == "unauthenticated"
                } else {
                    // A token for the other listener is not a credential there (401); the right
                    // listener but the wrong role or organisation is forbidden (403).
                    (status == 401 && answer.code() == "unauthenticated") || (status == 403 && answer.code() == "forbidden")
                };
                cells += 1;
                if !fine {
                    mismatches.push(format!(
                        "{} {} as {who:?}: expected {}, got {status} {}",
                        row.method,
                        row.path,
                        if expected_allowed { "allowed" } else { "denied" },
                        answer.body
                    ));
                }
            }
        }
        assert_eq!(cells, rows().len() * EVERYONE.len());
        assert!(mismatches.is_empty(), "authorisation mismatches:\n{}", mismatches.join("\n"));
    }

    async fn organisation_admins_see_only_their_own_organisation(app: TestApp) {
        let world = World::build(&app).await;
        let listed = app.get(Listener::Admin, "/admin/v1/organisations", Some(world.admin_b.session.access_token.expose())).await.expect(200);
        let ids: Vec<&str> = listed.body.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![world.org_b.as_str()]);
        let all = app.get(Listener::Admin, "/admin/v1/organisations", Some(world.root.session.access_token.expose())).await.expect(200);
        assert_eq!(all.body.as_array().unwrap().len(), 2);
        // Admin B cannot remove a member of organisation A even knowing the ids.
        let path = format!("/admin/v1/organisations/{}/members/{}", world.org_a, world.worker_a.account_id.0);
        app.call("DELETE", Listener::Admin, &path, Some(world.admin_b.session.access_token.expose()), None).await.expect(403);
        // Nor through their own organisation's path.
        let path = format!("/admin/v1/organisations/{}/members/{}", world.org_b, world.worker_a.account_id.0);
        app.call("DELETE", Listener::Admin, &path, Some(world.admin_b.session.access_token.expose()), None).await.expect(404);
        app.get(Listener::Public, "/v1/account", Some(world.worker_a.access_token.expose())).await.expect(200);
    }
}

/// Whether a row's path (placeholders like `{org_a}`, or concrete values like `2`) names the
/// route `template` (`{organisation_id}`…): the same segments, a placeholder anywhere the
/// template has one.
fn row_names(row_path: &str, template: &str) -> bool {
    let row: Vec<&str> = row_path
        .split('?')
        .next()
        .unwrap_or_default()
        .split('/')
        .collect();
    let route: Vec<&str> = template.split('/').collect();
    row.len() == route.len()
        && row
            .iter()
            .zip(&route)
            // A parameter may fill a whole segment or end one (`qr.{format}`).
            .all(|(r, t)| match t.find('{') {
                Some(at) => r.starts_with(&t[..at]),
                None => r == t,
            })
}

/// A route added without a row in the matrix fails here, so no endpoint escapes the check.
#[actix_web::test]
async fn every_route_served_has_a_row_in_the_matrix() {
    let app = TestApp::spawn(quietline_tests::Backend::Sqlite)
        .await
        .unwrap();
    let openapi = app
        .get(Listener::Admin, "/openapi.json", None)
        .await
        .expect(200)
        .body;
    let rows = rows();
    let mut missing = Vec::new();
    for (template, item) in openapi["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            // The operations paths are not part of the API a caller is authorised for, and the
            // WebSocket's upgrade is authenticated on its first frame (proven in relay.rs).
            let operations = [
                "/openapi.json",
                "/docs/{path}",
                "/metrics",
                "/healthz",
                "/v1/websocket",
            ];
            if operations.contains(&template.as_str()) {
                continue;
            }
            if !rows
                .iter()
                .any(|row| row.method == method && row_names(row.path, template))
            {
                missing.push(format!("{method} {template}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the authorisation matrix: {missing:?}"
    );
}
