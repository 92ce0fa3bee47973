//! The envelope writer: one thread per instance that commits sends and acknowledgements in
//! groups. SQLite commits only so many transactions a second but many rows per transaction, so
//! every request waiting at a moment shares one commit. Each operation runs in its own savepoint:
//! one refused send (queue full, device just removed) does not undo the others.
//! It is the only place that writes envelopes and send receipts; `store.rs` holds the reads.

use crate::db::schema::{envelopes, send_receipts};
use crate::db::{Db, DbConn, DbError};
use crate::error::ApiError;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use quietline_protocol::AccountId;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Operations in one transaction at most.
const MAX_BATCH: usize = 512;
/// Operations waiting for the writer before senders wait too (backpressure).
const QUEUE: usize = 4096;

pub struct NewEnvelope {
    pub account_id: AccountId,
    pub device_id: i32,
    pub guid: String,
    pub kind: i16,
    pub source_account: Option<AccountId>,
    pub source_device: Option<i32>,
    pub server_received: i64,
    pub expires_at: i64,
    pub disappearing_seconds: Option<i64>,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    Queued,
    /// The sender used this message id before: nothing was queued again.
    Duplicate,
    /// A recipient device's queue is full: nothing was queued.
    QueueFull,
    /// A recipient device was removed meanwhile: nothing was queued.
    DeviceGone,
}

struct Send {
    source_account: Option<AccountId>,
    guid: String,
    receipt_expires_at: i64,
    envelopes: Vec<NewEnvelope>,
    queue_limit: i64,
    reply: oneshot::Sender<Result<SendOutcome, String>>,
}

struct Ack {
    account_id: AccountId,
    device_id: i32,
    ids: Vec<i64>,
    reply: oneshot::Sender<Result<usize, String>>,
}

enum Op {
    Send(Send),
    Ack(Ack),
}

#[derive(Clone)]
pub struct EnvelopeWriter {
    ops: mpsc::Sender<Op>,
    health: Arc<Health>,
}

/// How the writer fares: an instance whose writer stopped, or whose last commit failed (a full
/// disk, a lost database), cannot take messages, and says so on `/healthz`.
#[derive(Default)]
struct Health {
    stopped: AtomicBool,
    /// Commits failed since the last one that succeeded.
    failing: AtomicU64,
}

/// Marks the writer stopped when its thread ends, also by a panic.
struct Running(Arc<Health>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.stopped.store(true, Ordering::SeqCst);
    }
}

/// Why one operation's savepoint was rolled back.
enum Refusal {
    Full,
    Gone,
    Db(DieselError),
}

impl From<DieselError> for Refusal {
    fn from(error: DieselError) -> Refusal {
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Refusal::Gone,
            other => Refusal::Db(other),
        }
    }
}

impl EnvelopeWriter {
    /// Starts the writer thread; it ends when the last handle is dropped.
    pub fn start(db: Db) -> std::io::Result<EnvelopeWriter> {
        let (ops, receiver) = mpsc::channel(QUEUE);
        let health = Arc::new(Health::default());
        let running = Running(health.clone());
        std::thread::Builder::new()
            .name("envelope-writer".into())
            .spawn(move || {
                let running = running;
                run(&db, receiver, &running.0);
            })?;
        Ok(EnvelopeWriter { ops, health })
    }

    /// Whether the writer runs and its last commit succeeded.
    pub fn healthy(&self) -> bool {
        !self.health.stopped.load(Ordering::SeqCst)
            && self.health.failing.load(Ordering::SeqCst) == 0
    }

    /// Queues a message for every listed device, durably: it returns once committed.
    pub async fn send(
        &self,
        source_account: Option<AccountId>,
        guid: String,
        receipt_expires_at: i64,
        envelopes: Vec<NewEnvelope>,
        queue_limit: i64,
    ) -> Result<SendOutcome, ApiError> {
        self.submit(|reply| {
            Op::Send(Send {
                source_account,
                guid,
                receipt_expires_at,
                envelopes,
                queue_limit,
                reply,
            })
        })
        .await
    }

    /// Deletes acknowledged envelopes of one device; returns how many were deleted.
    pub async fn acknowledge(
        &self,
        account_id: AccountId,
        device_id: i32,
        ids: Vec<i64>,
    ) -> Result<usize, ApiError> {
        self.submit(|reply| {
            Op::Ack(Ack {
                account_id,
                device_id,
                ids,
                reply,
            })
        })
        .await
    }

    /// Hands an operation to the writer thread and waits for its commit.
    async fn submit<T>(
        &self,
        op: impl FnOnce(oneshot::Sender<Result<T, String>>) -> Op,
    ) -> Result<T, ApiError> {
        let stopped = || ApiError::unavailable("envelope writer stopped");
        let (reply, answer) = oneshot::channel();
        self.ops.send(op(reply)).await.map_err(|_| stopped())?;
        // Nothing was committed: the client may send again, here or at another instance.
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(|cause| ApiError::unavailable(format!("envelope commit failed: {cause}")))
    }
}

fn run(db: &Db, mut receiver: mpsc::Receiver<Op>, health: &Health) {
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        commit(db, batch, health);
    }
}

enum Outcome {
    Send(Result<SendOutcome, String>),
    Ack(Result<usize, String>),
}

/// Applies a batch in one transaction, then answers every waiting request. The batch first runs
/// without savepoints (the common case: nothing fails); if an operation fails midway (a device
/// removed during a send), the transaction is rolled back and the batch runs again with a savepoint
/// per operation, so that only that operation is refused. The writer's health is updated before
/// anyone is answered, so a client told of a failure finds `/healthz` saying so.
fn commit(db: &Db, batch: Vec<Op>, health: &Health) {
    let apply = |conn: &mut DbConn, savepoints: bool| {
        let mut depths = HashMap::new();
        batch
            .iter()
            .map(|op| match op {
                Op::Send(send) => {
                    apply_send(conn, send, &mut depths, savepoints).map(Outcome::Send)
                }
                Op::Ack(ack) => apply_ack(conn, ack).map(|n| Outcome::Ack(Ok(n))),
            })
            .collect::<Result<Vec<_>, DbError>>()
    };
    let result = db
        .write_blocking(|conn| apply(conn, false))
        .or_else(|_| db.write_blocking(|conn| apply(conn, true)));
    match result {
        Ok(outcomes) => {
            health.failing.store(0, Ordering::SeqCst);
            for (op, outcome) in batch.into_iter().zip(outcomes) {
                match (op, outcome) {
                    (Op::Send(send), Outcome::Send(result)) => drop(send.reply.send(result)),
                    (Op::Ack(ack), Outcome::Ack(result)) => drop(ack.reply.send(result)),
                    (Op::Send(send), Outcome::Ack(_)) => {
                        drop(send.reply.send(Err("mismatched outcome".into())))
                    }
                    (Op::Ack(ack), Outcome::Send(_)) => {
                        drop(ack.reply.send(Err("mismatched outcome".into())))
                    }
                }
            }
        }
        Err(error) => {
            health.failing.fetch_add(1, Ordering::SeqCst);
            // Nothing of the batch was committed: every request learns so.
            let message = error.to_string();
            for op in batch {
                match op {
                    Op::Send(send) => drop(send.reply.send(Err(message.clone()))),
                    Op::Ack(ack) => drop(ack.reply.send(Err(message.clone()))),
                }
            }
        }
    }
}

fn queue_depth(
    conn: &mut DbConn,
    depths: &mut HashMap<(AccountId, i32), i64>,
    account_id: &AccountId,
    device_id: i32,
) -> Result<i64, DieselError> {
    if let Some(depth) = depths.get(&(account_id.clone(), device_id)) {
        return Ok(*depth);
    }
    let depth = envelopes::table
        .filter(envelopes::account_id.eq(account_id))
        .filter(envelopes::device_id.eq(device_id))
        .count()
        .get_result(conn)?;
    depths.insert((account_id.clone(), device_id), depth);
    Ok(depth)
}

/// Whether the sender used this message id before.
fn seen_before(conn: &mut DbConn, send: &Send) -> Result<bool, DieselError> {
    let Some(source) = &send.source_account else {
        return Ok(false);
    };
    diesel::select(diesel::dsl::exists(
        send_receipts::table
            .filter(send_receipts::source_account.eq(source))
            .filter(send_receipts::guid.eq(&send.guid)),
    ))
    .get_result(conn)
}

/// The statements of one send. A full queue is found before anything is written, so refusing it
/// needs no rollback.
fn write_send(
    conn: &mut DbConn,
    send: &Send,
    depths: &mut HashMap<(AccountId, i32), i64>,
    added: &mut Vec<(AccountId, i32)>,
) -> Result<SendOutcome, Refusal> {
    for envelope in &send.envelopes {
        if queue_depth(conn, depths, &envelope.account_id, envelope.device_id)? >= send.queue_limit
        {
            return if seen_before(conn, send)? {
                Ok(SendOutcome::Duplicate)
            } else {
                Err(Refusal::Full)
            };
        }
    }
    if let Some(source) = &send.source_account {
        let fresh = crate::on_backend!(conn, |c| diesel::insert_into(send_receipts::table)
            .values((
                send_receipts::source_account.eq(source),
                send_receipts::guid.eq(&send.guid),
                send_receipts::expires_at.eq(send.receipt_expires_at),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if fresh == 0 {
            return Ok(SendOutcome::Duplicate);
        }
    }
    for envelope in &send.envelopes {
        let inserted = crate::on_backend!(conn, |c| diesel::insert_into(envelopes::table)
            .values((
                envelopes::account_id.eq(&envelope.account_id),
                envelopes::device_id.eq(envelope.device_id),
                envelopes::guid.eq(&envelope.guid),
                envelopes::kind.eq(envelope.kind),
                envelopes::source_account.eq(&envelope.source_account),
                envelopes::source_device.eq(envelope.source_device),
                envelopes::server_received.eq(envelope.server_received),
                envelopes::expires_at.eq(envelope.expires_at),
                envelopes::disappearing_seconds.eq(envelope.disappearing_seconds),
                envelopes::content.eq(&envelope.content),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if inserted == 1 {
            added.push((envelope.account_id.clone(), envelope.device_id));
        }
    }
    Ok(SendOutcome::Queued)
}

/// One send, in its own savepoint when `savepoint`. `Err` aborts the whole batch: without a
/// savepoint, any failure does (the batch then runs again with savepoints).
fn apply_send(
    conn: &mut DbConn,
    send: &Send,
    depths: &mut HashMap<(AccountId, i32), i64>,
    savepoint: bool,
) -> Result<Result<SendOutcome, String>, DbError> {
    let mut added = Vec::new();
    let result = if savepoint {
        conn.transaction::<_, Refusal, _>(|conn| write_send(conn, send, depths, &mut added))
    } else {
        write_send(conn, send, depths, &mut added)
    };
    match result {
        Ok(outcome) => {
            for key in added {
                *depths.entry(key).or_insert(0) += 1;
            }
            Ok(Ok(outcome))
        }
        Err(Refusal::Full) => Ok(Ok(SendOutcome::QueueFull)),
        Err(Refusal::Gone) if savepoint => Ok(Ok(SendOutcome::DeviceGone)),
        Err(Refusal::Gone) => Err(DbError::Query(DieselError::RollbackTransaction)),
        Err(Refusal::Db(error)) => Err(DbError::Query(error)),
    }
}

fn apply_ack(conn: &mut DbConn, ack: &Ack) -> Result<usize, DbError> {
    diesel::delete(
        envelopes::table
            .filter(envelopes::account_id.eq(&ack.account_id))
            .filter(envelopes::device_id.eq(ack.device_id))
            .filter(envelopes::id.eq_any(&ack.ids)),
    )
    .execute(conn)
    .map_err(DbError::from)
}
