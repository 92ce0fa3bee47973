//! A seeker at the web entry, as its page drives the API: the same requests and the same sealing
//! (the reference client's HPKE), with a handle and key pair standing in for a codename's.

use crate::{AdminLogin, Answer, Listener, TestApp};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_protocol::client::sealed::{SealedKeyPair, seal};
use quietline_protocol::relay::EnvelopePage;
use quietline_protocol::web::{Unlocked, WebRecipients};
use serde_json::{Value, json};

/// A new entry point of `organisation_id` whose page opens with `word`; answers its slug.
pub async fn entry_point_with_word(
    app: &TestApp,
    admin: &AdminLogin,
    organisation_id: &str,
    word: &str,
) -> String {
    let token = admin.session.access_token.expose();
    let entry = app
        .post(
            Listener::Admin,
            &format!("/admin/v1/organisations/{organisation_id}/entry-points"),
            Some(token),
            json!({"label": "recipes poster", "default_language": "fr", "topics": ["work"]}),
        )
        .await
        .expect(200);
    let id = entry.body["id"].as_str().expect("an entry point id");
    app.call(
        "PUT",
        Listener::Admin,
        &format!("/admin/v1/organisations/{organisation_id}/entry-points/{id}/unlock-word"),
        Some(token),
        Some(&json!({"word": word})),
    )
    .await
    .expect(204);
    entry.body["public_slug"]
        .as_str()
        .expect("a slug")
        .to_string()
}

/// Opens the page of `slug` with `word`, read in `languages`.
pub async fn unlock(app: &TestApp, slug: &str, word: &str, languages: &[&str]) -> Unlocked {
    app.post(
        Listener::Public,
        "/v1/web/unlock",
        None,
        json!({"slug": slug, "word": word, "languages": languages}),
    )
    .await
    .expect(200)
    .json()
}

/// A seeker in a browser: the handle and keys its codename gave, and its session.
pub struct WebSeeker {
    pub handle: String,
    pub keys: SealedKeyPair,
    pub token: String,
}

impl WebSeeker {
    /// Starts at an unlocked page (`pass`), with keys made from `seed`.
    pub async fn start(app: &TestApp, pass: &str, seed: u8) -> WebSeeker {
        let handle = URL_SAFE_NO_PAD.encode([seed; 32]);
        let keys = SealedKeyPair::derive(&[seed.wrapping_add(1); 32]);
        let mut body = app.solved_signup().await;
        body["pass"] = json!(pass);
        body["handle"] = json!(handle);
        body["public_key"] = json!(URL_SAFE_NO_PAD.encode(keys.public_key()));
        let grant = app
            .post(Listener::Public, "/v1/web/seekers", None, body)
            .await
            .expect(200);
        WebSeeker {
            handle,
            keys,
            token: grant.body["access_token"]
                .as_str()
                .expect("a token")
                .to_string(),
        }
    }

    /// Opens the conversation, in `language`.
    pub async fn open(&self, app: &TestApp, language: &str) -> String {
        app.post(
            Listener::Public,
            "/v1/conversations",
            Some(&self.token),
            json!({"languages": [language], "topic": "work"}),
        )
        .await
        .expect(200)
        .body["id"]
            .as_str()
            .expect("a conversation id")
            .to_string()
    }

    /// Seals `text` to every device the server names, one message id per account; answers whom
    /// it was sealed to and the server's answer.
    pub async fn write(&self, app: &TestApp, text: &str) -> (WebRecipients, Answer) {
        let recipients: WebRecipients = app
            .get(Listener::Public, "/v1/web/recipients", Some(&self.token))
            .await
            .expect(200)
            .json();
        let mut sends: Vec<Value> = Vec::new();
        for recipient in &recipients.recipients {
            let to = recipient.account_id.0.clone();
            let id = format!("{to}-{}", uuid::Uuid::new_v4());
            let id = sends
                .iter()
                .find(|s| s["to"] == to)
                .and_then(|s| s["id"].as_str().map(str::to_string))
                .unwrap_or(id);
            let sealed = seal(&recipient.device.public_key, &id, text.as_bytes()).expect("sealed");
            let copy = json!({"device_id": recipient.device.device_id, "content": URL_SAFE_NO_PAD.encode(sealed)});
            match sends.iter_mut().find(|s| s["to"] == to) {
                Some(send) => send["copies"].as_array_mut().expect("copies").push(copy),
                None => sends.push(json!({"to": to, "id": id, "copies": [copy]})),
            }
        }
        let answer = app
            .post(
                Listener::Public,
                "/v1/web/messages",
                Some(&self.token),
                json!({"sends": sends}),
            )
            .await;
        (recipients, answer)
    }

    /// The replies waiting, opened with the page's key and acknowledged.
    pub async fn replies(&self, app: &TestApp) -> Vec<String> {
        let page: EnvelopePage = app
            .post(Listener::Public, "/v1/sync", Some(&self.token), json!({}))
            .await
            .expect(200)
            .json();
        let ids: Vec<i64> = page.envelopes.iter().map(|e| e.id).collect();
        if !ids.is_empty() {
            app.post(
                Listener::Public,
                "/v1/messages/ack",
                Some(&self.token),
                json!({"ids": ids}),
            )
            .await
            .expect(200);
        }
        page.envelopes
            .iter()
            .map(|e| {
                let plain = self
                    .keys
                    .open(&e.guid, &e.content)
                    .expect("sealed to the page");
                String::from_utf8(plain).expect("text")
            })
            .collect()
    }
}
