//! Load generator for the relay: N online device pairs; each sender posts envelopes of a given
//! size to its partner as fast as the server accepts them, each receiver holds the delivery
//! WebSocket and acknowledges. Reports envelopes accepted and delivered per second.
//!
//!     cargo run --release -p quietline-tests --bin loadgen -- --pairs 100 --seconds 20 --size 1024
//!
//! `--scenario quick-exit` instead compares the latency and answer size of a sync and of a quick
//! exit, seeker by seeker (`--pairs` seekers).
//!
//! It starts the server in-process on a fresh SQLite file (the default deployment), creates an
//! organisation, and pairs each worker (receiver) with a seeker (sender) in an active
//! conversation, as in production where only conversation members reach each other.
// A failed step should stop the benchmark where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_protocol::client::Client;
use quietline_protocol::relay::ServerFrame;
use quietline_server::clock::SystemClock;
use quietline_server::startup::Application;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Scenario {
    /// Senders post envelopes as fast as the server accepts them; receivers hold the WebSocket.
    Relay,
    /// Each seeker syncs, then quits; the two answers compared in time and size.
    QuickExit,
}

/// Load generator for the relay.
#[derive(clap::Parser)]
struct Options {
    #[arg(long, value_enum, default_value_t = Scenario::Relay)]
    scenario: Scenario,
    /// Online sender/receiver device pairs
    #[arg(long, default_value_t = 100, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pairs: usize,
    /// How long to send, in seconds
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    seconds: u64,
    /// Ciphertext bytes per envelope
    #[arg(long, default_value_t = 1024, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536))]
    size: usize,
}

fn options() -> Options {
    clap::Parser::parse()
}

#[derive(Default)]
struct Counters {
    accepted: u64,
    delivered: u64,
    latencies_us: Vec<u64>,
}

fn main() {
    let options = options();
    actix_web::rt::System::new().block_on(run(options));
}

async fn run(options: Options) {
    let data_dir = std::env::temp_dir().join(format!("quietline-loadgen-{}", std::process::id()));
    let mut config = quietline_tests::base_config(&data_dir);
    config.workers = 2;
    config.signup_pow_bits = 1;
    config.signup_rate_limit = 100_000;
    config.queue_limit = 1_000_000;
    config.admin_totp_required = false;
    let app = Application::build(config, Arc::new(SystemClock), false)
        .await
        .expect("server starts");
    let base = format!("http://{}", app.public_addr());
    let admin_base = format!("http://{}", app.admin_addr());
    let setup_token = app.setup_token().map(str::to_string);
    actix_web::rt::spawn(app.run_until_stopped());
    eprintln!("setting up {} device pairs against {base}", options.pairs);
    let pairs = set_up_pairs(&base, &admin_base, setup_token.as_deref(), options.pairs).await;
    if let Scenario::QuickExit = options.scenario {
        quick_exit_against_sync(&base, &pairs).await;
        let _ = std::fs::remove_dir_all(data_dir);
        return;
    }
    let counters = Rc::new(RefCell::new(Counters::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut tasks = Vec::new();
    let mut content = vec![0u8; options.size];
    fill_pattern(&mut content);
    let content = URL_SAFE_NO_PAD.encode(&content);
    for (sender, receiver) in pairs {
        let mut socket = receiver.connect().await.expect("receiver connects");
        let counters_rx = counters.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let mut pending = Vec::new();
            while let Ok(Some(frame)) = socket.next_frame().await {
                if let ServerFrame::Envelope { envelope } = frame {
                    counters_rx.borrow_mut().delivered += 1;
                    pending.push(envelope.id);
                    if pending.len() >= 16 {
                        socket
                            .acknowledge(std::mem::take(&mut pending))
                            .await
                            .expect("ack");
                    }
                }
                if Instant::now() > deadline + Duration::from_secs(5) {
                    break;
                }
            }
        }));
        let counters_tx = counters.clone();
        let url = format!("{base}/v1/messages/{}", receiver.account_id());
        let token = sender.session.access_token.expose().to_string();
        let registration_id = receiver.signal.registration_id();
        let content = content.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let http = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let body = serde_json::json!({
                    "id": format!("lg-{n}"),
                    "messages": [{"device_id": 1, "registration_id": registration_id, "type": "message", "content": content}],
                });
                let bytes = quietline_protocol::padding::to_padded_json(&body).expect("json");
                let sent = Instant::now();
                let mut response = http
                    .post(&url)
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .insert_header(("Content-Type", "application/json"))
                    .send_body(bytes)
                    .await
                    .expect("the server answers");
                let _ = response.body().await;
                if response.status().is_success() {
                    let mut counters = counters_tx.borrow_mut();
                    counters.accepted += 1;
                    counters.latencies_us.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                }
            }
        }));
    }
    actix_web::rt::time::sleep_until((deadline + Duration::from_secs(3)).into()).await;
    let elapsed = options.seconds as f64;
    let mut counters = counters.borrow_mut();
    counters.latencies_us.sort_unstable();
    let percentile = |q: f64| quantile(&counters.latencies_us, q);
    println!(
        "pairs={} size={}B seconds={} accepted={} ({:.0}/s) delivered={} ({:.0}/s) send latency p50={:.1}ms p99={:.1}ms",
        options.pairs,
        options.size,
        options.seconds,
        counters.accepted,
        counters.accepted as f64 / elapsed,
        counters.delivered,
        counters.delivered as f64 / elapsed,
        percentile(0.50) as f64 / 1000.0,
        percentile(0.99) as f64 / 1000.0,
    );
    drop(counters);
    for task in tasks {
        task.abort();
    }
    let _ = std::fs::remove_dir_all(data_dir);
}

/// The value at quantile `q` of sorted samples.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    match sorted.len() {
        0 => 0,
        n => sorted[((n as f64 * q) as usize).min(n - 1)],
    }
}

/// Quick exit must look like a sync on the wire, in time too. Every seeker (each in an active
/// conversation, nothing waiting in its queue) first syncs and then quits, one seeker after
/// another; the two latencies and answer sizes are reported side by side.
async fn quick_exit_against_sync(base: &str, pairs: &[(Client, Client)]) {
    let http = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let body = quietline_protocol::padding::to_padded_json(&quietline_protocol::relay::Sync {})
        .expect("json");
    let mut timings: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut sizes: [std::collections::BTreeSet<usize>; 2] = Default::default();
    for (seeker, _) in pairs {
        let token = seeker.session.access_token.expose().to_string();
        // An untimed sync first, so neither timed request pays for the first touch.
        let steps = [
            ("/v1/sync", None),
            ("/v1/sync", Some(0)),
            ("/v1/quick-exit", Some(1)),
        ];
        for (path, timed) in steps {
            let started = Instant::now();
            let mut response = http
                .post(format!("{base}{path}"))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header(("Content-Type", "application/json"))
                .send_body(body.clone())
                .await
                .expect("the server answers");
            let answer = response.body().await.expect("a body");
            let elapsed = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            if let Some(kind) = timed {
                timings[kind].push(elapsed);
                sizes[kind].insert(answer.len());
            }
        }
    }
    for (kind, name) in ["sync", "quick exit"].iter().enumerate() {
        timings[kind].sort_unstable();
        println!(
            "{name:>10}: n={} p50={:.2}ms p90={:.2}ms p99={:.2}ms answer bytes={:?}",
            timings[kind].len(),
            quantile(&timings[kind], 0.50) as f64 / 1000.0,
            quantile(&timings[kind], 0.90) as f64 / 1000.0,
            quantile(&timings[kind], 0.99) as f64 / 1000.0,
            sizes[kind],
        );
    }
}

/// One organisation and entry point; per pair, a worker (the receiver) and a seeker (the sender)
/// in an active conversation.
async fn set_up_pairs(
    base: &str,
    admin_base: &str,
    setup_token: Option<&str>,
    count: usize,
) -> Vec<(Client, Client)> {
    let http = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let call = |url: String, token: Option<String>, body: serde_json::Value| {
        let http = http.clone();
        async move {
            let mut request = http.post(url);
            if let Some(token) = token {
                request = request.insert_header(("Authorization", format!("Bearer {token}")));
            }
            let mut response = request.send_json(&body).await.expect("the server answers");
            let value: serde_json::Value =
                response.json().limit(1 << 20).await.expect("a JSON answer");
            assert!(response.status().is_success(), "{value}");
            value
        }
    };
    let passphrase = "load generator passphrase";
    let setup = call(
        format!("{admin_base}/admin/v1/setup"),
        None,
        serde_json::json!({"setup_token": setup_token.expect("a fresh server"), "handle": "loadgen", "passphrase": passphrase, "device_name": "loadgen"}),
    )
    .await;
    let admin = setup["session"]["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    let org = call(
        format!("{admin_base}/admin/v1/organisations"),
        Some(admin.clone()),
        serde_json::json!({"name": "Load", "default_language": "en"}),
    )
    .await;
    let org = org["id"].as_str().expect("an organisation").to_string();
    let entry = call(
        format!("{admin_base}/admin/v1/organisations/{org}/entry-points"),
        Some(admin.clone()),
        serde_json::json!({"label": "load", "default_language": "en"}),
    )
    .await;
    let entry = entry["code"].as_str().expect("a code").to_string();
    let mut pairs = Vec::new();
    for i in 0..count {
        let invite = call(
            format!("{admin_base}/admin/v1/organisations/{org}/invites"),
            Some(admin.clone()),
            serde_json::json!({"role": "worker"}),
        )
        .await;
        let accept = quietline_protocol::api::AcceptInvite {
            code: invite["code"].as_str().expect("a code").into(),
            handle: format!("worker-{i}"),
            passphrase: passphrase.into(),
            languages: vec!["en".into()],
            device_name: "loadgen".into(),
        };
        let worker = Client::accept_invite(base, accept)
            .await
            .expect("the worker enrols");
        let seeker = Client::sign_up_seeker_through(base, Some(&entry))
            .await
            .expect("the seeker signs up");
        let opened = call(
            format!("{base}/v1/conversations"),
            Some(seeker.session.access_token.expose().to_string()),
            serde_json::json!({"languages": ["en"]}),
        )
        .await;
        let id = opened["id"].as_str().expect("a conversation");
        call(
            format!("{base}/v1/conversations/{id}/claim"),
            Some(worker.session.access_token.expose().to_string()),
            serde_json::json!({}),
        )
        .await;
        pairs.push((seeker, worker));
    }
    pairs
}

fn fill_pattern(buffer: &mut [u8]) {
    // Ciphertext is indistinguishable from random bytes; its value does not matter to the server.
    for (i, byte) in buffer.iter_mut().enumerate() {
        *byte = (i.wrapping_mul(2_654_435_761) >> 13) as u8;
    }
}
