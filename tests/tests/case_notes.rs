//! Case notes: sealed by the writer's client to every device of the organisation's workers, kept
//! by the server as opaque copies, read by a colleague who takes over, never by a seeker.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::client::{Client, ClientError};
use quietline_tests::{Listener, TestApp, both_backends};
use serde_json::json;

both_backends! {
    async fn a_case_note_is_read_by_the_colleague_who_takes_over_and_by_no_seeker(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let first = Client::with_session(&app.public, app.enrol_worker(&root, &org, "tala", &["tl"]).await).await.unwrap();
        let second = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ben", &["en"]).await).await.unwrap();
        let other_org = app.create_organisation(&root, "Elsewhere").await.id.0;
        let outsider = Client::with_session(&app.public, app.enrol_worker(&root, &other_org, "olu", &["en"]).await).await.unwrap();
        let seeker = app.seeker_in_conversation_with(&root, &org, &first).await;
        let conversation = first.conversations().await.unwrap()[0].id.clone();

        let note = "Works at the farm on Route 9; the employer holds her passport.";
        let written = first.write_case_note(&conversation, note).await.unwrap();
        let recipients = first.note_recipients(&conversation).await.unwrap();
        assert_eq!(recipients.len(), 2, "one copy for each worker's device");

        second.set_availability(true, None).await.unwrap();
        first.transfer(&conversation, Some(second.session.account_id.clone())).await.unwrap();
        let read = second.case_notes(&conversation).await.unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].id, written.id);
        assert_eq!(read[0].author_handle, "tala");
        assert_eq!(read[0].text.as_deref(), Some(note));
        assert_eq!(read[0].written_at % 60, 0, "stored to the minute");
        assert_eq!(first.case_notes(&conversation).await.unwrap()[0].text.as_deref(), Some(note));

        let stored = String::from_utf8_lossy(&app.storage_dump()).into_owned();
        assert!(!stored.contains("Route 9") && !stored.contains("passport"), "only sealed copies are stored");

        for path in [format!("/v1/conversations/{conversation}/notes"), format!("/v1/conversations/{conversation}/notes/recipients")] {
            let refused = app.get(Listener::Public, &path, Some(seeker.session.access_token.expose())).await;
            assert_eq!(refused.status.as_u16(), 403, "a seeker reads no notes: {path}");
            let refused = app.get(Listener::Public, &path, Some(outsider.session.access_token.expose())).await;
            assert_eq!(refused.status.as_u16(), 403, "another organisation's worker reads none: {path}");
        }
        let unknown = app.get(Listener::Public, "/v1/conversations/00000000-0000-4000-8000-000000000000/notes", Some(second.session.access_token.expose())).await;
        assert_eq!(unknown.status.as_u16(), 403, "an unknown conversation answers as a forbidden one");
    }

    async fn a_note_sealed_to_too_few_devices_is_refused(app: TestApp) {
        let root = app.set_up_root().await;
        let org = app.create_organisation(&root, "Harbour House").await.id.0;
        let worker = Client::with_session(&app.public, app.enrol_worker(&root, &org, "tala", &["tl"]).await).await.unwrap();
        let _colleague = Client::with_session(&app.public, app.enrol_worker(&root, &org, "ben", &["en"]).await).await.unwrap();
        let _seeker = app.seeker_in_conversation_with(&root, &org, &worker).await;
        let conversation = worker.conversations().await.unwrap()[0].id.clone();
        let recipients = worker.note_recipients(&conversation).await.unwrap();
        let only_mine: Vec<_> = recipients.iter().filter(|r| r.account_id == worker.session.account_id).map(|r| json!({
            "account_id": r.account_id, "device_id": r.device_id, "sealed": "AAAA"
        })).collect();
        let path = format!("/v1/conversations/{conversation}/notes");
        let token = worker.session.access_token.expose();
        let refused = app.post(Listener::Public, &path, Some(token), json!({"id": "5f0c3c1e-8d1b-4c55-9a53-0a7f3e1f2b61", "copies": only_mine})).await;
        assert_eq!((refused.status.as_u16(), refused.code()), (409, "recipients_changed"));
        let bad_id = app.post(Listener::Public, &path, Some(token), json!({"id": "note-1", "copies": only_mine})).await;
        assert_eq!((bad_id.status.as_u16(), bad_id.code()), (422, "invalid_body"));
        let listed = worker.case_notes(&conversation).await.unwrap();
        assert!(listed.is_empty(), "nothing refused was stored");
        // The client library seals to the devices listed, and is accepted.
        assert!(!matches!(worker.write_case_note(&conversation, "first contact").await, Err(ClientError::Http { .. })));
    }
}
