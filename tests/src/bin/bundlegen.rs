//! Load generator for card bundles: an organisation with N published cards in six locales; clients
//! fetch the signed bundle as fast as the server answers, in full (gzip, then uncompressed) and
//! revalidating with `If-None-Match` (304). Also times bundles built from scratch.
//!
//!     cargo run --release -p quietline-tests --bin bundlegen -- --cards 200 --seconds 10 --clients 16
//!
//! It starts the server in-process on a fresh SQLite file (the default deployment) and loads the
//! cards through the import endpoint, as an administrator would.
// A failed step should stop the benchmark where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_server::clock::SystemClock;
use quietline_server::startup::Application;
use serde_json::{Value, json};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LOCALES: [&str; 6] = ["en", "fr", "es", "tl", "zh-Hans", "ar"];
const CATEGORIES: [&str; 10] = [
    "shelter",
    "legal_aid",
    "immigration",
    "labour_rights",
    "health",
    "hotline",
    "police_reporting",
    "financial_help",
    "community",
    "know_your_rights",
];

/// Load generator for signed card bundles.
#[derive(clap::Parser)]
struct Options {
    /// Published cards in the organisation
    #[arg(long, default_value_t = 200, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    cards: usize,
    /// How long to fetch, in seconds
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    seconds: u64,
    /// Concurrent clients fetching bundles
    #[arg(long, default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_024))]
    clients: usize,
}

fn options() -> Options {
    clap::Parser::parse()
}

/// Words to make texts from, so that bundles compress about as real text does.
fn vocabulary(locale: &str) -> Vec<&'static str> {
    let text = match locale {
        "zh-Hans" => {
            "安全 住所 法律 帮助 医疗 服务 保密 口译 工作 许可 移民 身份 雇主 工资 投诉 家庭 儿童 警察 报告 庇护 热线 申请 免费 权利 证件 护照 社区 语言 课程 紧急"
        }
        "ar" => {
            "مأوى آمن مساعدة قانونية رعاية صحية سرية عمل تصريح هجرة صاحب أجر شكوى أسرة طفل شرطة بلاغ خط مجاني حقوق وثائق جواز مجتمع لغة دروس طوارئ طعام سكن"
        }
        "fr" => {
            "hébergement sûr aide juridique soins confidentialité travail permis immigration employeur salaire plainte famille enfant police signalement refuge ligne gratuit droits papiers passeport communauté langue cours urgence nourriture logement"
        }
        "es" => {
            "refugio seguro ayuda legal atención salud confidencial trabajo permiso inmigración empleador salario queja familia niño policía denuncia línea gratuito derechos documentos pasaporte comunidad idioma clases emergencia comida vivienda"
        }
        "tl" => {
            "ligtas tirahan tulong legal pangangalaga kalusugan kumpidensyal trabaho permit imigrasyon employer sahod reklamo pamilya bata pulis ulat linya libre karapatan dokumento pasaporte komunidad wika klase emergency pagkain"
        }
        _ => {
            "safe place legal help health care confidential work permit immigration employer wages complaint family child police report shelter line free rights documents passport community language classes emergency food housing"
        }
    };
    text.split(' ').collect()
}

/// `count` words drawn from the locale's vocabulary, different for every card and field.
fn words(locale: &str, seed: u64, count: usize) -> String {
    let vocabulary = vocabulary(locale);
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let separator = if locale == "zh-Hans" { "" } else { " " };
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            vocabulary[(state >> 33) as usize % vocabulary.len()]
        })
        .collect::<Vec<_>>()
        .join(separator)
}

/// A card of realistic size: about 700 characters of text per locale.
fn card(i: usize) -> Value {
    let texts: serde_json::Map<String, Value> = LOCALES
        .iter()
        .enumerate()
        .map(|(l, locale)| {
            let seed = (i * 16 + l) as u64 * 8;
            (
                locale.to_string(),
                json!({
                    "title": format!("{} {i}", words(locale, seed, 3)),
                    "summary": words(locale, seed + 1, 20),
                    "body": format!("- {}\n- {}\n- {}", words(locale, seed + 2, 25), words(locale, seed + 3, 20), words(locale, seed + 4, 15)),
                    "risk_disclosure": words(locale, seed + 5, 20),
                }),
            )
        })
        .collect();
    json!({
        "card": format!("bench-{i}"),
        "content": {
            "category": CATEGORIES[i % CATEGORIES.len()],
            "source_locale": "en",
            "regions": [if i.is_multiple_of(3) { "national" } else { "CA-QC" }],
            "languages": ["en", "fr"],
            "eligibility": ["any_status"],
            "cost": "free",
            "contact": {"hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "09:00", "closes": "17:00"}], "time_zone": "America/Toronto"},
            "tags": ["benchmark", "sample"],
            "review_by": "2099-01-01",
            "sample": false,
            "to_be_completed": false,
            "translations": texts,
        }
    })
}

fn main() {
    let options = options();
    actix_web::rt::System::new().block_on(run(options));
}

async fn call(http: &awc::Client, url: String, token: &str, body: &Value) -> Value {
    let mut response = http
        .post(url)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(body)
        .await
        .expect("the server answers");
    let value: Value = response.json().limit(1 << 24).await.expect("a JSON answer");
    assert!(response.status().is_success(), "{value}");
    value
}

struct Fetched {
    status: u16,
    etag: String,
    bytes: usize,
}

async fn fetch(http: &awc::Client, url: &str, token: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut request = http
        .get(url)
        .insert_header(("Authorization", format!("Bearer {token}")));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.expect("the server answers");
    let body = response.body().limit(1 << 26).await.expect("a body");
    Fetched {
        status: response.status().as_u16(),
        etag: response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        bytes: body.len(),
    }
}

/// Fetches as fast as `clients` concurrent clients can for `seconds`; returns requests per second.
async fn hammer(
    http: &awc::Client,
    url: &str,
    token: &str,
    headers: &[(&str, &str)],
    expected: u16,
    clients: usize,
    seconds: u64,
) -> f64 {
    let done = Rc::new(Cell::new(0_u64));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, token, done) = (
                http.clone(),
                url.to_string(),
                token.to_string(),
                done.clone(),
            );
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            actix_web::rt::spawn(async move {
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                while Instant::now() < deadline {
                    let fetched = fetch(&http, &url, &token, &headers).await;
                    assert_eq!(fetched.status, expected);
                    done.set(done.get() + 1);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a client finished");
    }
    done.get() as f64 / started.elapsed().as_secs_f64()
}

async fn run(options: Options) {
    let data_dir = std::env::temp_dir().join(format!("quietline-bundlegen-{}", std::process::id()));
    let mut config = quietline_tests::base_config(&data_dir);
    config.workers = 2;
    config.signup_pow_bits = 1;
    config.signup_rate_limit = 100_000;
    config.admin_totp_required = false;
    let app = Application::build(config, Arc::new(SystemClock), false)
        .await
        .expect("server starts");
    let base = format!("http://{}", app.public_addr());
    let admin_base = format!("http://{}", app.admin_addr());
    let setup_token = app
        .setup_token()
        .map(str::to_string)
        .expect("a fresh server");
    actix_web::rt::spawn(app.run_until_stopped());
    let http = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();

    let setup = http
        .post(format!("{admin_base}/admin/v1/setup"))
        .send_json(&json!({"setup_token": setup_token, "handle": "bundlegen", "passphrase": "bundle generator passphrase", "device_name": "bundlegen"}))
        .await
        .expect("setup")
        .json::<Value>()
        .await
        .expect("a session");
    let admin = setup["session"]["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    let org = call(
        &http,
        format!("{admin_base}/admin/v1/organisations"),
        &admin,
        &json!({"name": "Bundles", "default_language": "en"}),
    )
    .await;
    let org = org["id"].as_str().expect("an organisation").to_string();
    let cards: Vec<Value> = (0..options.cards).map(card).collect();
    let report = call(
        &http,
        format!("{admin_base}/admin/v1/organisations/{org}/cards/import"),
        &admin,
        &json!({"cards": cards}),
    )
    .await;
    for outcome in report["cards"].as_array().expect("imported cards") {
        let id = outcome["card"].as_str().expect("an id");
        call(
            &http,
            format!("{admin_base}/admin/v1/organisations/{org}/cards/{id}/publish"),
            &admin,
            &json!({}),
        )
        .await;
    }
    let seeker = quietline_protocol::client::Client::sign_up_seeker(&base)
        .await
        .expect("a seeker");
    let token = seeker.session.access_token.expose().to_string();
    eprintln!(
        "{} cards × {} locales published",
        options.cards,
        LOCALES.len()
    );

    // Built from scratch: each locale chain and region is a new bundle.
    let mut cold = Vec::new();
    for (i, locale) in LOCALES.iter().enumerate() {
        for city in 0..4 {
            let url = format!(
                "{base}/v1/organisations/{org}/cards/bundle?locales={locale}&region=CA-QC/City{i}{city}"
            );
            let started = Instant::now();
            let fetched = fetch(&http, &url, &token, &[("Accept-Encoding", "gzip")]).await;
            assert_eq!(fetched.status, 200);
            cold.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    cold.sort_by(|a, b| a.total_cmp(b));
    let url = format!("{base}/v1/organisations/{org}/cards/bundle?locales=fr-CA&region=CA-QC");
    let full = fetch(&http, &url, &token, &[]).await;
    let gzip = fetch(&http, &url, &token, &[("Accept-Encoding", "gzip")]).await;
    println!(
        "bundle: {} bytes JSON, {} bytes gzip; built from scratch: median {:.1} ms, max {:.1} ms ({} bundles)",
        full.bytes,
        gzip.bytes,
        cold[cold.len() / 2],
        cold[cold.len() - 1],
        cold.len()
    );
    let seconds = options.seconds;
    let clients = options.clients;
    let rate = hammer(
        &http,
        &url,
        &token,
        &[("Accept-Encoding", "gzip")],
        200,
        clients,
        seconds,
    )
    .await;
    println!("full, gzip: {rate:.0} bundles/s ({clients} clients)");
    let rate = hammer(&http, &url, &token, &[], 200, clients, seconds).await;
    println!("full, uncompressed: {rate:.0} bundles/s ({clients} clients)");
    let etag = full.etag.clone();
    let rate = hammer(
        &http,
        &url,
        &token,
        &[("If-None-Match", etag.as_str())],
        304,
        clients,
        seconds,
    )
    .await;
    println!("unchanged (304): {rate:.0} responses/s ({clients} clients)");
    let _ = std::fs::remove_dir_all(&data_dir);
}
