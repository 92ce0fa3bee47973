//! Configuration: defaults, overridden by an optional TOML file (`--config`), overridden by
//! `QUIETLINE_*` environment variables. Every value is checked at start; a bad one stops start-up
//! with a message naming the key.

use clap::Parser;
use quietline_protocol::Secret;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Command line of the `quietline` binary. Each option can also be given as the environment
/// variable shown, or as the same key in lower case in the `--config` file.
#[derive(Debug, Default, Parser)]
#[command(name = "quietline", version, about = "Quietline server")]
pub struct Cli {
    /// TOML file with any of the keys below in lower case (e.g. `public_listen = "0.0.0.0:8080"`).
    #[arg(long, env = "QUIETLINE_CONFIG")]
    pub config: Option<PathBuf>,
    /// host:port of the public listener (the mobile clients' API) [default: 127.0.0.1:8080]
    #[arg(long, env = "QUIETLINE_PUBLIC_LISTEN")]
    pub public_listen: Option<String>,
    /// host:port of the admin listener (admin API, OpenAPI, docs, metrics) [default: 127.0.0.1:8081]
    #[arg(long, env = "QUIETLINE_ADMIN_LISTEN")]
    pub admin_listen: Option<String>,
    /// Directory for the SQLite file and generated secrets [default: ./data]
    #[arg(long, env = "QUIETLINE_DATA_DIR")]
    pub data_dir: Option<String>,
    /// `postgres://…` for PostgreSQL, or `sqlite://PATH` [default: sqlite file DATA_DIR/quietline.db]
    #[arg(long, env = "QUIETLINE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// `redis://…`: share the bus and rate limits between instances [default: in-process]
    #[arg(long, env = "QUIETLINE_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel [default: quietline:]
    #[arg(long, env = "QUIETLINE_REDIS_PREFIX")]
    pub redis_prefix: Option<String>,
    /// Log filter, e.g. `info` or `quietline_server=debug` [default: info]
    #[arg(long, env = "QUIETLINE_LOG")]
    pub log: Option<String>,
    /// File holding the token signing key; generated when missing [default: DATA_DIR/token.key]
    #[arg(long, env = "QUIETLINE_TOKEN_KEY_FILE")]
    pub token_key_file: Option<String>,
    /// Comma-separated key files still accepted for verification after a key rotation
    #[arg(long, env = "QUIETLINE_PREVIOUS_TOKEN_KEY_FILES")]
    pub previous_token_key_files: Option<String>,
    /// File holding the key that encrypts secrets at rest; generated when missing [default: DATA_DIR/storage.key]
    #[arg(long, env = "QUIETLINE_STORAGE_KEY_FILE")]
    pub storage_key_file: Option<String>,
    /// Lifetime of access tokens in seconds [default: 600]
    #[arg(long, env = "QUIETLINE_ACCESS_TOKEN_TTL")]
    pub access_token_ttl: Option<String>,
    /// Lifetime of a session without use, in seconds [default: 2592000 (30 days)]
    #[arg(long, env = "QUIETLINE_REFRESH_TOKEN_TTL")]
    pub refresh_token_ttl: Option<String>,
    /// Proof-of-work difficulty of seeker sign-up, in bits (0–32) [default: 20]
    #[arg(long, env = "QUIETLINE_SIGNUP_POW_BITS")]
    pub signup_pow_bits: Option<String>,
    /// Seeker sign-ups per hour from one (hashed) client address [default: 20]
    #[arg(long, env = "QUIETLINE_SIGNUP_RATE_LIMIT")]
    pub signup_rate_limit: Option<String>,
    /// Passphrase checks (sign-ins, invite redemptions, set-up) per 15 minutes from one (hashed)
    /// client address [default: 30]
    #[arg(long, env = "QUIETLINE_PASSPHRASE_RATE_LIMIT")]
    pub passphrase_rate_limit: Option<String>,
    /// Sends one account may make per minute, so no sender can fill a recipient's queue
    /// [default: 600]
    #[arg(long, env = "QUIETLINE_SEND_RATE_LIMIT")]
    pub send_rate_limit: Option<String>,
    /// Prekey bundle fetches one account may make per minute, so nobody drains another's
    /// one-time prekeys [default: 120]
    #[arg(long, env = "QUIETLINE_BUNDLE_RATE_LIMIT")]
    pub bundle_rate_limit: Option<String>,
    /// Live WebSockets one device may hold at once, across all instances [default: 4]
    #[arg(long, env = "QUIETLINE_SOCKETS_PER_DEVICE")]
    pub sockets_per_device: Option<String>,
    /// Require a TOTP second factor of administrators (true/false) [default: true]
    #[arg(long, env = "QUIETLINE_ADMIN_TOTP_REQUIRED")]
    pub admin_totp_required: Option<String>,
    /// Hours an invite stays valid unless the administrator says otherwise [default: 72]
    #[arg(long, env = "QUIETLINE_INVITE_TTL_HOURS")]
    pub invite_ttl_hours: Option<String>,
    /// Devices one account may have [default: 5]
    #[arg(long, env = "QUIETLINE_MAX_DEVICES")]
    pub max_devices: Option<String>,
    /// Take the client address from X-Forwarded-For (only behind a trusted proxy) [default: false]
    #[arg(long, env = "QUIETLINE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<String>,
    /// Trusted proxies in front that append to X-Forwarded-For: the client address is the entry
    /// that many places from the right (1 to 5) [default: 1]
    #[arg(long, env = "QUIETLINE_FORWARDED_HOPS")]
    pub forwarded_hops: Option<String>,
    /// HTTP worker threads per listener [default: number of cores]
    #[arg(long, env = "QUIETLINE_WORKERS")]
    pub workers: Option<String>,
    /// Longest an undelivered envelope is kept, in seconds [default: 604800 (7 days)]
    #[arg(long, env = "QUIETLINE_MESSAGE_TTL")]
    pub message_ttl: Option<String>,
    /// Envelopes one device's queue may hold [default: 10000]
    #[arg(long, env = "QUIETLINE_QUEUE_LIMIT")]
    pub queue_limit: Option<String>,
    /// Seconds between purges of expired data; expired envelopes are gone within this delay [default: 60]
    #[arg(long, env = "QUIETLINE_REAPER_INTERVAL")]
    pub reaper_interval: Option<String>,
    /// Days a seeker account may go unused before it is wiped [default: 30]
    #[arg(long, env = "QUIETLINE_SEEKER_INACTIVITY_DAYS")]
    pub seeker_inactivity_days: Option<String>,
    /// Days a closed conversation is kept before only its aggregate counts remain [default: 30]
    #[arg(long, env = "QUIETLINE_CLOSED_RETENTION_DAYS")]
    pub closed_retention_days: Option<String>,
    /// The public listener's address as clients reach it (e.g. https://example.org behind a
    /// proxy), named in the API document [default: http://PUBLIC_LISTEN]
    #[arg(long, env = "QUIETLINE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Origin of the admin docs page (e.g. http://127.0.0.1:8081) allowed to try the public API
    /// from the browser; the public listener then answers cross-origin requests from it, and from
    /// nothing else [default: none]
    #[arg(long, env = "QUIETLINE_DOCS_ORIGIN")]
    pub docs_origin: Option<String>,
}

/// The same keys as the command line, read from the `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    public_listen: Option<String>,
    admin_listen: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    redis_url: Option<String>,
    redis_prefix: Option<String>,
    log: Option<String>,
    token_key_file: Option<String>,
    previous_token_key_files: Option<Vec<String>>,
    storage_key_file: Option<String>,
    access_token_ttl: Option<u64>,
    refresh_token_ttl: Option<u64>,
    signup_pow_bits: Option<u8>,
    signup_rate_limit: Option<u32>,
    passphrase_rate_limit: Option<u32>,
    send_rate_limit: Option<u32>,
    bundle_rate_limit: Option<u32>,
    sockets_per_device: Option<u32>,
    admin_totp_required: Option<bool>,
    invite_ttl_hours: Option<u32>,
    max_devices: Option<u32>,
    trust_forwarded_for: Option<bool>,
    forwarded_hops: Option<u8>,
    workers: Option<usize>,
    message_ttl: Option<u64>,
    queue_limit: Option<u32>,
    reaper_interval: Option<u64>,
    seeker_inactivity_days: Option<u32>,
    closed_retention_days: Option<u32>,
    public_url: Option<String>,
    docs_origin: Option<String>,
}

/// Which database, decided from the URL scheme. A PostgreSQL URL may carry a password: it is
/// kept as a secret, which no `Debug` of the configuration prints.
#[derive(Clone, Debug)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret),
}

/// The checked configuration the server runs with.
#[derive(Clone, Debug)]
pub struct Config {
    pub public_listen: SocketAddr,
    pub admin_listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    /// May carry a password, as the database URL may.
    pub redis_url: Option<Secret>,
    pub redis_prefix: String,
    pub log: String,
    pub token_key_file: PathBuf,
    pub previous_token_key_files: Vec<PathBuf>,
    pub storage_key_file: PathBuf,
    pub access_token_ttl: u64,
    pub refresh_token_ttl: u64,
    pub signup_pow_bits: u8,
    pub signup_rate_limit: u32,
    pub passphrase_rate_limit: u32,
    pub send_rate_limit: u32,
    pub bundle_rate_limit: u32,
    pub sockets_per_device: u32,
    pub admin_totp_required: bool,
    pub invite_ttl_hours: u32,
    pub max_devices: u32,
    pub trust_forwarded_for: bool,
    /// Trusted proxies appending to X-Forwarded-For.
    pub forwarded_hops: u8,
    pub workers: usize,
    pub message_ttl: u64,
    pub queue_limit: u32,
    pub reaper_interval: u64,
    pub seeker_inactivity_days: u32,
    pub closed_retention_days: u32,
    /// Where clients reach the public listener, without a trailing slash; when not configured,
    /// filled in at start from the address the listener bound.
    pub public_url: Option<String>,
    /// The one origin, if any, whose browser pages may call the public API (the docs page).
    pub docs_origin: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {problem}")]
pub struct ConfigError {
    pub key: &'static str,
    pub problem: String,
}

fn bad(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        key,
        problem: problem.into(),
    }
}

/// Picks the environment/command-line value, else the file's, then parses it.
fn pick<T: std::str::FromStr>(
    key: &'static str,
    cli: Option<&String>,
    file: Option<T>,
    default: T,
) -> Result<T, ConfigError> {
    match cli {
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| bad(key, format!("cannot read the value {raw:?}"))),
        None => Ok(file.unwrap_or(default)),
    }
}

impl Config {
    /// Reads the configuration from the parsed command line and environment.
    pub fn load(cli: &Cli) -> Result<Config, ConfigError> {
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    bad(
                        "QUIETLINE_CONFIG",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| {
                    bad(
                        "QUIETLINE_CONFIG",
                        format!("{}: {}", path.display(), e.message()),
                    )
                })?
            }
            None => FileConfig::default(),
        };
        Self::merge(cli, file)
    }

    /// Defaults for a server whose data lives in `data_dir`: what `cargo run` uses.
    pub fn for_data_dir(data_dir: &Path) -> Config {
        let cli = Cli {
            data_dir: Some(data_dir.display().to_string()),
            ..Cli::default()
        };
        // The defaults are valid by construction; a failure here is a bug in this file.
        match Self::merge(&cli, FileConfig::default()) {
            Ok(config) => config,
            Err(e) => unreachable!("default configuration is invalid: {e}"),
        }
    }

    fn merge(cli: &Cli, file: FileConfig) -> Result<Config, ConfigError> {
        let listen = |key, raw: Option<&String>, file: Option<String>, default: &str| {
            let value = raw.cloned().or(file).unwrap_or_else(|| default.to_string());
            value.trim().parse::<SocketAddr>().map_err(|_| {
                bad(
                    key,
                    format!("expected host:port such as 127.0.0.1:8080, got {value:?}"),
                )
            })
        };
        let public_listen = listen(
            "QUIETLINE_PUBLIC_LISTEN",
            cli.public_listen.as_ref(),
            file.public_listen,
            "127.0.0.1:8080",
        )?;
        let admin_listen = listen(
            "QUIETLINE_ADMIN_LISTEN",
            cli.admin_listen.as_ref(),
            file.admin_listen,
            "127.0.0.1:8081",
        )?;
        if public_listen == admin_listen && public_listen.port() != 0 {
            return Err(bad(
                "QUIETLINE_ADMIN_LISTEN",
                "must differ from QUIETLINE_PUBLIC_LISTEN: the admin API never shares the public listener",
            ));
        }
        let data_dir = PathBuf::from(
            cli.data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| "./data".into()),
        );
        if data_dir.as_os_str().is_empty() {
            return Err(bad("QUIETLINE_DATA_DIR", "must not be empty"));
        }
        let database = match cli.database_url.clone().or(file.database_url) {
            None => DatabaseUrl::Sqlite(data_dir.join("quietline.db")),
            Some(url) => parse_database_url(&url)?,
        };
        let redis_url = cli
            .redis_url
            .clone()
            .or(file.redis_url)
            .filter(|u| !u.is_empty());
        let is_redis = |url: &str| {
            ["redis://", "rediss://", "unix://"]
                .iter()
                .any(|s| url.starts_with(s))
        };
        if redis_url.as_deref().is_some_and(|url| !is_redis(url)) {
            return Err(bad(
                "QUIETLINE_REDIS_URL",
                "expected a redis://, rediss:// or unix:// URL",
            ));
        }
        let redis_url = redis_url.map(Secret::from);
        let redis_prefix = cli
            .redis_prefix
            .clone()
            .or(file.redis_prefix)
            .unwrap_or_else(|| "quietline:".into());
        let log = cli
            .log
            .clone()
            .or(file.log)
            .unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log).is_err() {
            return Err(bad(
                "QUIETLINE_LOG",
                format!("not a valid log filter: {log:?}"),
            ));
        }
        let path_or = |raw: Option<&String>, file: Option<String>, default: &str| {
            raw.cloned()
                .or(file)
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join(default))
        };
        let token_key_file = path_or(
            cli.token_key_file.as_ref(),
            file.token_key_file,
            "token.key",
        );
        let storage_key_file = path_or(
            cli.storage_key_file.as_ref(),
            file.storage_key_file,
            "storage.key",
        );
        let previous_token_key_files = match &cli.previous_token_key_files {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            None => file
                .previous_token_key_files
                .unwrap_or_default()
                .into_iter()
                .map(PathBuf::from)
                .collect(),
        };
        let access_token_ttl = pick(
            "QUIETLINE_ACCESS_TOKEN_TTL",
            cli.access_token_ttl.as_ref(),
            file.access_token_ttl,
            600,
        )?;
        if !(30..=86_400).contains(&access_token_ttl) {
            return Err(bad(
                "QUIETLINE_ACCESS_TOKEN_TTL",
                "must be between 30 and 86400 seconds",
            ));
        }
        let refresh_token_ttl = pick(
            "QUIETLINE_REFRESH_TOKEN_TTL",
            cli.refresh_token_ttl.as_ref(),
            file.refresh_token_ttl,
            30 * 86_400,
        )?;
        if refresh_token_ttl < access_token_ttl {
            return Err(bad(
                "QUIETLINE_REFRESH_TOKEN_TTL",
                "must not be shorter than QUIETLINE_ACCESS_TOKEN_TTL",
            ));
        }
        let signup_pow_bits = pick(
            "QUIETLINE_SIGNUP_POW_BITS",
            cli.signup_pow_bits.as_ref(),
            file.signup_pow_bits,
            20,
        )?;
        if signup_pow_bits > 32 {
            return Err(bad("QUIETLINE_SIGNUP_POW_BITS", "must be between 0 and 32"));
        }
        let signup_rate_limit = pick(
            "QUIETLINE_SIGNUP_RATE_LIMIT",
            cli.signup_rate_limit.as_ref(),
            file.signup_rate_limit,
            20,
        )?;
        let passphrase_rate_limit = pick(
            "QUIETLINE_PASSPHRASE_RATE_LIMIT",
            cli.passphrase_rate_limit.as_ref(),
            file.passphrase_rate_limit,
            30,
        )?;
        if passphrase_rate_limit == 0 {
            return Err(bad("QUIETLINE_PASSPHRASE_RATE_LIMIT", "must be at least 1"));
        }
        let send_rate_limit = pick(
            "QUIETLINE_SEND_RATE_LIMIT",
            cli.send_rate_limit.as_ref(),
            file.send_rate_limit,
            600,
        )?;
        if send_rate_limit == 0 {
            return Err(bad("QUIETLINE_SEND_RATE_LIMIT", "must be at least 1"));
        }
        let bundle_rate_limit = pick(
            "QUIETLINE_BUNDLE_RATE_LIMIT",
            cli.bundle_rate_limit.as_ref(),
            file.bundle_rate_limit,
            120,
        )?;
        if bundle_rate_limit == 0 {
            return Err(bad("QUIETLINE_BUNDLE_RATE_LIMIT", "must be at least 1"));
        }
        let sockets_per_device = pick(
            "QUIETLINE_SOCKETS_PER_DEVICE",
            cli.sockets_per_device.as_ref(),
            file.sockets_per_device,
            4,
        )?;
        if sockets_per_device == 0 {
            return Err(bad("QUIETLINE_SOCKETS_PER_DEVICE", "must be at least 1"));
        }
        let admin_totp_required = pick(
            "QUIETLINE_ADMIN_TOTP_REQUIRED",
            cli.admin_totp_required.as_ref(),
            file.admin_totp_required,
            true,
        )?;
        let invite_ttl_hours = pick(
            "QUIETLINE_INVITE_TTL_HOURS",
            cli.invite_ttl_hours.as_ref(),
            file.invite_ttl_hours,
            72,
        )?;
        if !(1..=720).contains(&invite_ttl_hours) {
            return Err(bad(
                "QUIETLINE_INVITE_TTL_HOURS",
                "must be between 1 and 720",
            ));
        }
        let max_devices = pick(
            "QUIETLINE_MAX_DEVICES",
            cli.max_devices.as_ref(),
            file.max_devices,
            5,
        )?;
        if !(1..=100).contains(&max_devices) {
            return Err(bad("QUIETLINE_MAX_DEVICES", "must be between 1 and 100"));
        }
        let trust_forwarded_for = pick(
            "QUIETLINE_TRUST_FORWARDED_FOR",
            cli.trust_forwarded_for.as_ref(),
            file.trust_forwarded_for,
            false,
        )?;
        let forwarded_hops = pick(
            "QUIETLINE_FORWARDED_HOPS",
            cli.forwarded_hops.as_ref(),
            file.forwarded_hops,
            1,
        )?;
        if !(1..=5).contains(&forwarded_hops) {
            return Err(bad("QUIETLINE_FORWARDED_HOPS", "must be between 1 and 5"));
        }
        let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
        let workers = pick(
            "QUIETLINE_WORKERS",
            cli.workers.as_ref(),
            file.workers,
            default_workers,
        )?;
        if !(1..=256).contains(&workers) {
            return Err(bad("QUIETLINE_WORKERS", "must be between 1 and 256"));
        }
        let message_ttl = pick(
            "QUIETLINE_MESSAGE_TTL",
            cli.message_ttl.as_ref(),
            file.message_ttl,
            7 * 86_400,
        )?;
        if !(60..=90 * 86_400).contains(&message_ttl) {
            return Err(bad(
                "QUIETLINE_MESSAGE_TTL",
                "must be between 60 seconds and 90 days",
            ));
        }
        let queue_limit = pick(
            "QUIETLINE_QUEUE_LIMIT",
            cli.queue_limit.as_ref(),
            file.queue_limit,
            10_000,
        )?;
        if !(1..=1_000_000).contains(&queue_limit) {
            return Err(bad(
                "QUIETLINE_QUEUE_LIMIT",
                "must be between 1 and 1000000",
            ));
        }
        let reaper_interval = pick(
            "QUIETLINE_REAPER_INTERVAL",
            cli.reaper_interval.as_ref(),
            file.reaper_interval,
            60,
        )?;
        if !(1..=3_600).contains(&reaper_interval) {
            return Err(bad(
                "QUIETLINE_REAPER_INTERVAL",
                "must be between 1 and 3600 seconds",
            ));
        }
        let seeker_inactivity_days = pick(
            "QUIETLINE_SEEKER_INACTIVITY_DAYS",
            cli.seeker_inactivity_days.as_ref(),
            file.seeker_inactivity_days,
            30,
        )?;
        if !(1..=365).contains(&seeker_inactivity_days) {
            return Err(bad(
                "QUIETLINE_SEEKER_INACTIVITY_DAYS",
                "must be between 1 and 365",
            ));
        }
        let closed_retention_days = pick(
            "QUIETLINE_CLOSED_RETENTION_DAYS",
            cli.closed_retention_days.as_ref(),
            file.closed_retention_days,
            30,
        )?;
        if !(1..=365).contains(&closed_retention_days) {
            return Err(bad(
                "QUIETLINE_CLOSED_RETENTION_DAYS",
                "must be between 1 and 365",
            ));
        }
        let web_origin = |key: &'static str, value: String| {
            let value = value.trim().trim_end_matches('/').to_string();
            let scheme_ok = value.starts_with("http://") || value.starts_with("https://");
            let plain = value.split_once("://").is_some_and(|(_, rest)| {
                !rest.is_empty() && !rest.contains(['/', '?', '#', ' ', '@'])
            });
            if scheme_ok && plain {
                Ok(value)
            } else {
                Err(bad(
                    key,
                    format!(
                        "expected scheme://host[:port], such as https://example.org, got {value:?}"
                    ),
                ))
            }
        };
        let public_url = cli
            .public_url
            .clone()
            .or(file.public_url)
            .map(|url| web_origin("QUIETLINE_PUBLIC_URL", url))
            .transpose()?;
        let docs_origin = cli
            .docs_origin
            .clone()
            .or(file.docs_origin)
            .filter(|o| !o.trim().is_empty())
            .map(|o| web_origin("QUIETLINE_DOCS_ORIGIN", o))
            .transpose()?;
        Ok(Config {
            public_url,
            docs_origin,
            public_listen,
            admin_listen,
            data_dir,
            database,
            redis_url,
            redis_prefix,
            log,
            token_key_file,
            previous_token_key_files,
            storage_key_file,
            access_token_ttl,
            refresh_token_ttl,
            signup_pow_bits,
            signup_rate_limit,
            passphrase_rate_limit,
            send_rate_limit,
            bundle_rate_limit,
            sockets_per_device,
            admin_totp_required,
            invite_ttl_hours,
            max_devices,
            trust_forwarded_for,
            forwarded_hops,
            workers,
            message_ttl,
            queue_limit,
            reaper_interval,
            seeker_inactivity_days,
            closed_retention_days,
        })
    }
}

fn parse_database_url(url: &str) -> Result<DatabaseUrl, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseUrl::Postgres(url.into()))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(bad("QUIETLINE_DATABASE_URL", "sqlite:// needs a file path"));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    } else {
        Err(bad(
            "QUIETLINE_DATABASE_URL",
            "expected postgres://… or sqlite://PATH",
        ))
    }
}

/// The example configuration file (`server/quietline.example.toml`): every key of the `--config`
/// file with its documentation, made from the command line's own help so the two cannot drift
/// apart (a test checks the file in the repository is current). Every setting is commented out:
/// the file documents the defaults rather than changing them.
pub fn example_file() -> String {
    use clap::CommandFactory;
    let mut out = String::from(
        "# Quietline configuration: pass with `quietline --config FILE` (or QUIETLINE_CONFIG).\n\
         # Every key can also be set by its environment variable, which wins over this file.\n\
         # Generated from `quietline --help` by `quietline-admin example-config`.\n",
    );
    for arg in Cli::command().get_arguments() {
        let key = arg.get_id().as_str();
        let Some(env) = arg.get_env().and_then(|e| e.to_str()) else {
            continue;
        };
        if key == "config" || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let (text, default) = match help.split_once(" [default: ") {
            Some((text, default)) => (text, Some(default.trim_end_matches(']'))),
            None => (help.as_str(), None),
        };
        out.push('\n');
        let mut line = String::from("#");
        for word in text.split_whitespace() {
            if line.len() + word.len() > 98 {
                out.push_str(&line);
                out.push('\n');
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(word);
        }
        out.push_str(&line);
        out.push_str(&format!("\n# ({env}"));
        if let Some(default) = default {
            out.push_str(&format!("; default: {default}"));
        }
        out.push_str(")\n");
        out.push_str(&format!("#{key} = {}\n", example_value(key, default)));
    }
    out
}

/// A TOML value for a key: its default where that is a plain value, else an example.
fn example_value(key: &str, default: Option<&str>) -> String {
    match key {
        "database_url" => return "\"postgres://quietline@127.0.0.1/quietline\"".into(),
        "redis_url" => return "\"redis://127.0.0.1:6379\"".into(),
        "token_key_file" => return "\"./data/token.key\"".into(),
        "storage_key_file" => return "\"./data/storage.key\"".into(),
        "previous_token_key_files" => return "[\"./data/token.key.old\"]".into(),
        "public_url" => return "\"https://example.org\"".into(),
        "docs_origin" => return "\"http://127.0.0.1:8081\"".into(),
        "workers" => return "2".into(),
        _ => {}
    }
    let first = default
        .and_then(|d| d.split_whitespace().next())
        .unwrap_or_default();
    if first.parse::<u64>().is_ok() || first == "true" || first == "false" {
        first.to_string()
    } else {
        format!("{first:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_is_current_and_every_key_in_it_is_valid() {
        let committed = include_str!("../quietline.example.toml");
        assert_eq!(
            committed,
            example_file(),
            "regenerate: quietline-admin example-config > server/quietline.example.toml"
        );
        let settings: String = committed
            .lines()
            .filter_map(|line| line.strip_prefix('#'))
            .filter(|line| !line.starts_with(' ') && !line.is_empty())
            .map(|line| format!("{line}\n"))
            .collect();
        let file: FileConfig =
            toml::from_str(&settings).expect("every example key is a valid setting");
        assert_eq!(file.public_listen.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(file.access_token_ttl, Some(600));
        assert_eq!(file.admin_totp_required, Some(true));
        // One setting per key of the command line, less `--config` itself.
        use clap::CommandFactory;
        let keys = Cli::command()
            .get_arguments()
            .filter(|a| a.get_env().is_some())
            .count()
            - 1;
        assert_eq!(settings.lines().count(), keys);
    }

    #[test]
    fn defaults_serve_sqlite_in_the_data_directory() {
        let config = Config::for_data_dir(Path::new("/tmp/ql"));
        assert!(
            matches!(&config.database, DatabaseUrl::Sqlite(path) if path == Path::new("/tmp/ql/quietline.db"))
        );
        assert_eq!(config.public_listen.port(), 8080);
        assert_eq!(config.admin_listen.port(), 8081);
        assert!(config.redis_url.is_none());
        assert!(config.admin_totp_required);
    }

    #[test]
    fn an_invalid_value_names_its_key() {
        let cli = Cli {
            public_listen: Some("not-an-address".into()),
            ..Cli::default()
        };
        let error = Config::merge(&cli, FileConfig::default())
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("QUIETLINE_PUBLIC_LISTEN")));

        let cli = Cli {
            signup_pow_bits: Some("40".into()),
            ..Cli::default()
        };
        let error = Config::merge(&cli, FileConfig::default())
            .err()
            .map(|e| e.key);
        assert_eq!(error, Some("QUIETLINE_SIGNUP_POW_BITS"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let file: FileConfig =
            match toml::from_str("public_listen = \"127.0.0.1:9000\"\nmax_devices = 3") {
                Ok(f) => f,
                Err(e) => panic!("{e}"),
            };
        let cli = Cli {
            public_listen: Some("127.0.0.1:9100".into()),
            ..Cli::default()
        };
        let config = Config::merge(&cli, file).ok();
        assert_eq!(config.as_ref().map(|c| c.public_listen.port()), Some(9100));
        assert_eq!(config.map(|c| c.max_devices), Some(3));
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("public_listn = \"x\"").is_err());
    }

    #[test]
    fn database_url_scheme_picks_the_backend() {
        assert!(matches!(
            parse_database_url("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            parse_database_url("sqlite:///tmp/x.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(parse_database_url("mysql://x").is_err());
    }

    #[test]
    fn credentials_in_urls_never_show_in_the_configuration_s_debug() {
        let mut config = Config::for_data_dir(Path::new("/tmp/ql"));
        config.database = parse_database_url("postgres://quietline:hunter2@db/quietline")
            .unwrap_or(DatabaseUrl::Sqlite(PathBuf::new()));
        config.redis_url = Some(Secret::from("redis://:hunter3@cache:6379"));
        let shown = format!("{config:?}");
        assert!(shown.contains("Postgres"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("hunter3"),
            "{shown}"
        );
    }
}
