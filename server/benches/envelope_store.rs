//! `cargo bench -p quietline-server`: durable envelopes per second through the envelope writer on
//! SQLite, with many concurrent senders (group commit) and with one (a commit per envelope), then
//! acknowledgement deletes. Prints one line per case.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use quietline_protocol::AccountId;
use quietline_protocol::api::Role;
use quietline_server::accounts::store as accounts;
use quietline_server::config::DatabaseUrl;
use quietline_server::db::Db;
use quietline_server::messages::writer::{EnvelopeWriter, NewEnvelope};
use std::time::Instant;

const RECIPIENTS: usize = 100;
const SIZE: usize = 1024;

fn envelope(recipient: usize, guid: String) -> NewEnvelope {
    NewEnvelope {
        account_id: AccountId(format!("recipient-{recipient}")),
        device_id: 1,
        guid,
        kind: 2,
        source_account: Some("sender".into()),
        source_device: Some(1),
        server_received: 0,
        expires_at: i64::MAX,
        disappearing_seconds: None,
        content: vec![0xA5; SIZE],
    }
}

async fn send_all(writer: &EnvelopeWriter, senders: usize, per_sender: usize, tag: &str) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|s| {
            let writer = writer.clone();
            let tag = tag.to_string();
            tokio::spawn(async move {
                for i in 0..per_sender {
                    let guid = format!("{tag}-{s}-{i}");
                    let outcome = writer
                        .send(
                            Some("sender".into()),
                            guid.clone(),
                            i64::MAX,
                            vec![envelope((s + i) % RECIPIENTS, guid)],
                            i64::MAX,
                        )
                        .await
                        .expect("committed");
                    assert_eq!(
                        outcome,
                        quietline_server::messages::writer::SendOutcome::Queued
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("sender finished");
    }
    (senders * per_sender) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let dir = std::env::temp_dir().join(format!("quietline-bench-{}", std::process::id()));
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.join("bench.db")), 8).expect("database");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        db.write(|conn| {
            let sender = AccountId::from("sender");
            accounts::insert_account(conn, &sender, Role::Seeker, None, false, 0)?;
            accounts::add_device(conn, &sender, None, 0, 1)?;
            for r in 0..RECIPIENTS {
                let id = AccountId(format!("recipient-{r}"));
                accounts::insert_account(conn, &id, Role::Seeker, None, false, 0)?;
                accounts::add_device(conn, &id, None, 0, 1)?;
            }
            Ok::<_, quietline_server::db::DbError>(())
        })
        .await
        .expect("fixtures");
        let writer = EnvelopeWriter::start(db.clone()).expect("writer");

        let rate = send_all(&writer, 1, 2_000, "single").await;
        println!("envelope_store/sqlite: 1 sender (one commit per envelope): {rate:.0} envelopes/s of {SIZE} B");
        for senders in [64, 256] {
            let rate = send_all(&writer, senders, 40_000 / senders, &format!("group{senders}")).await;
            println!("envelope_store/sqlite: {senders} concurrent senders (group commit): {rate:.0} envelopes/s of {SIZE} B");
        }

        let started = Instant::now();
        let mut deleted = 0;
        for r in 0..RECIPIENTS {
            let account = format!("recipient-{r}");
            let ids: Vec<i64> = db
                .read(move |conn| {
                    use diesel::prelude::*;
                    use quietline_server::db::schema::envelopes;
                    envelopes::table
                        .filter(envelopes::account_id.eq(account))
                        .select(envelopes::id)
                        .load::<i64>(conn)
                        .map_err(quietline_server::db::DbError::from)
                })
                .await
                .expect("queue");
            deleted += writer.acknowledge(AccountId(format!("recipient-{r}")), 1, ids).await.expect("acknowledged");
        }
        let rate = deleted as f64 / started.elapsed().as_secs_f64();
        println!("envelope_store/sqlite: acknowledgement deletes in batches per device: {rate:.0} envelopes/s");
    });
    let _ = std::fs::remove_dir_all(dir);
}
