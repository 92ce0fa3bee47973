//! Configuration: defaults, overridden by an optional TOML file (`--config`), overridden by
//! `QUIETLINE_*` environment variables. Every value is checked at start; a bad one stops start-up
//! with a message naming the key.

use crate::face::Theme;
use clap::Parser;
use quietline_protocol::Secret;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Declares every configuration key once. A special key is given by hand in `resolve_special`
/// (addresses, paths, URLs, values whose default depends on another); a scalar key is a value
/// with its default and the range it must lie in, from which its help text, its check and the
/// example file all follow. The command line's help is each key's documentation.
macro_rules! settings {
    (
        special {
            $( $(#[$special_meta:meta])* $special:ident: $special_type:ty, file $file_type:ty, env $special_env:literal; )*
        }
        scalar {
            $( $(#[doc = $doc:literal])* $scalar:ident: $scalar_type:ty = $default:expr $(, within $range:expr)?, env $env:literal; )*
        }
    ) => {
        /// Command line of the `quietline` binary. Each option can also be given as the
        /// environment variable shown, or as the same key in lower case in the `--config` file.
        #[derive(Debug, Default, Parser)]
        #[command(name = "quietline", version, about = "Quietline server")]
        pub struct Cli {
            /// TOML file with any of the keys below in lower case (e.g. `public_listen = "0.0.0.0:8080"`).
            #[arg(long, env = "QUIETLINE_CONFIG")]
            pub config: Option<PathBuf>,
            $( $(#[$special_meta])* #[arg(long, env = $special_env)] pub $special: Option<String>, )*
            $(
                #[arg(
                    long,
                    env = $env,
                    help = help_text(&[$($doc),*], stringify!($default)),
                )]
                pub $scalar: Option<String>,
            )*
        }

        /// The same keys as the command line, read from the `--config` file.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FileConfig {
            $( $special: Option<$file_type>, )*
            $( $scalar: Option<$scalar_type>, )*
        }

        /// The special keys, resolved.
        struct Special {
            $( $special: $special_type, )*
        }

        /// The checked configuration the server runs with; each key is documented on [`Cli`].
        #[derive(Clone, Debug)]
        pub struct Config {
            $( pub $special: $special_type, )*
            $( $(#[doc = $doc])* pub $scalar: $scalar_type, )*
        }

        impl Config {
            fn merge(cli: &Cli, file: FileConfig) -> Result<Config, ConfigError> {
                $(
                    let $scalar = checked(
                        $env,
                        cli.$scalar.as_ref(),
                        file.$scalar,
                        $default,
                        settings!(@range $($range)?),
                    )?;
                )*
                let special = resolve_special(cli, file)?;
                let config = Config {
                    $( $special: special.$special, )*
                    $( $scalar, )*
                };
                cross_check(&config)?;
                Ok(config)
            }
        }
    };
    (@range) => { .. };
    (@range $range:expr) => { $range };
}

settings! {
    special {
        /// host:port of the public listener (the mobile clients' API) [default: 127.0.0.1:8080]
        public_listen: SocketAddr, file String, env "QUIETLINE_PUBLIC_LISTEN";
        /// host:port of the admin listener (admin API, OpenAPI, docs, metrics) [default: 127.0.0.1:8081]
        admin_listen: SocketAddr, file String, env "QUIETLINE_ADMIN_LISTEN";
        /// Directory for the SQLite file and generated secrets [default: ./data]
        data_dir: PathBuf, file String, env "QUIETLINE_DATA_DIR";
        /// `postgres://…` for PostgreSQL, or `sqlite://PATH` [default: sqlite file DATA_DIR/quietline.db]
        #[arg(hide_env_values = true)]
        database_url: DatabaseUrl, file String, env "QUIETLINE_DATABASE_URL";
        /// `redis://…`: share the bus and rate limits between instances [default: in-process]
        #[arg(hide_env_values = true)]
        redis_url: Option<Secret>, file String, env "QUIETLINE_REDIS_URL";
        /// Prefix of every Redis key and channel [default: quietline:]
        redis_prefix: String, file String, env "QUIETLINE_REDIS_PREFIX";
        /// Log filter, e.g. `info` or `quietline_server=debug` [default: info]
        log: String, file String, env "QUIETLINE_LOG";
        /// File holding the token signing key; generated when missing [default: DATA_DIR/token.key]
        token_key_file: PathBuf, file String, env "QUIETLINE_TOKEN_KEY_FILE";
        /// Comma-separated key files still accepted for verification after a key rotation
        previous_token_key_files: Vec<PathBuf>, file Vec<String>, env "QUIETLINE_PREVIOUS_TOKEN_KEY_FILES";
        /// File holding the key that encrypts secrets at rest; generated when missing [default: DATA_DIR/storage.key]
        storage_key_file: PathBuf, file String, env "QUIETLINE_STORAGE_KEY_FILE";
        /// HTTP worker threads per listener (1 to 256) [default: number of cores]
        workers: usize, file usize, env "QUIETLINE_WORKERS";
        /// The public listener's address as clients reach it (e.g. https://example.org behind a
        /// proxy), named in the API document [default: http://PUBLIC_LISTEN]
        public_url: Option<String>, file String, env "QUIETLINE_PUBLIC_URL";
        /// Origin of the admin docs page (e.g. http://127.0.0.1:8081) allowed to try the public API
        /// from the browser; the public listener then answers cross-origin requests from it, and from
        /// nothing else [default: none]
        docs_origin: Option<String>, file String, env "QUIETLINE_DOCS_ORIGIN";
        /// PEM file of certificate authorities trusted for push services besides the system's (a
        /// self-hosted UnifiedPush distributor with its own authority) [default: none]
        push_ca_file: Option<PathBuf>, file String, env "QUIETLINE_PUSH_CA_FILE";
        /// APNs: the provider token signing key (.p8) from Apple's developer account; devices may
        /// register APNs tokens when it is set [default: none, no APNs]
        push_apns_key_file: Option<PathBuf>, file String, env "QUIETLINE_PUSH_APNS_KEY_FILE";
        /// APNs: the signing key's id, as Apple shows it beside the key [default: none]
        push_apns_key_id: Option<String>, file String, env "QUIETLINE_PUSH_APNS_KEY_ID";
        /// APNs: the Apple developer team id [default: none]
        push_apns_team_id: Option<String>, file String, env "QUIETLINE_PUSH_APNS_TEAM_ID";
        /// APNs: the iOS app's bundle id, the topic of its pushes [default: none]
        push_apns_topic: Option<String>, file String, env "QUIETLINE_PUSH_APNS_TOPIC";
        /// APNs: the service's address; https://api.sandbox.push.apple.com for development builds
        /// of the app [default: https://api.push.apple.com]
        push_apns_url: String, file String, env "QUIETLINE_PUSH_APNS_URL";
        /// FCM: the service account's JSON key file from the Firebase project; devices may register
        /// FCM tokens when it is set [default: none, no FCM]
        push_fcm_credentials_file: Option<PathBuf>, file String, env "QUIETLINE_PUSH_FCM_CREDENTIALS_FILE";
        /// FCM: the service's address [default: https://fcm.googleapis.com]
        push_fcm_url: String, file String, env "QUIETLINE_PUSH_FCM_URL";
    }
    scalar {
        /// Lifetime of access tokens in seconds
        access_token_ttl: u64 = 600, within 30..=86_400, env "QUIETLINE_ACCESS_TOKEN_TTL";
        /// Lifetime of a session without use, in seconds (30 days)
        refresh_token_ttl: u64 = 2_592_000, env "QUIETLINE_REFRESH_TOKEN_TTL";
        /// Proof-of-work difficulty of seeker sign-up, in bits (0–32)
        signup_pow_bits: u8 = 20, within 0..=32, env "QUIETLINE_SIGNUP_POW_BITS";
        /// Seeker sign-ups per hour from one (hashed) client address
        signup_rate_limit: u32 = 20, env "QUIETLINE_SIGNUP_RATE_LIMIT";
        /// Web entry attempts (a word typed to unlock a page, a codename to come back by) per
        /// hour from one (hashed) client address
        web_attempt_rate_limit: u32 = 30, within 1.., env "QUIETLINE_WEB_ATTEMPT_RATE_LIMIT";
        /// Recovery phrases tried (a seeker coming back on a new phone) per hour from one (hashed)
        /// client address
        recovery_rate_limit: u32 = 10, within 1.., env "QUIETLINE_RECOVERY_RATE_LIMIT";
        /// Passphrase checks (sign-ins, invite redemptions, set-up) per 15 minutes from one (hashed)
        /// client address
        passphrase_rate_limit: u32 = 30, within 1.., env "QUIETLINE_PASSPHRASE_RATE_LIMIT";
        /// Sends one account may make per minute, so no sender can fill a recipient's queue
        send_rate_limit: u32 = 600, within 1.., env "QUIETLINE_SEND_RATE_LIMIT";
        /// Prekey bundle fetches one account may make per minute, so nobody drains another's
        /// one-time prekeys
        bundle_rate_limit: u32 = 120, within 1.., env "QUIETLINE_BUNDLE_RATE_LIMIT";
        /// Live WebSockets one device may hold at once, across all instances
        sockets_per_device: u32 = 4, within 1.., env "QUIETLINE_SOCKETS_PER_DEVICE";
        /// Require a TOTP second factor of administrators (true/false)
        admin_totp_required: bool = true, env "QUIETLINE_ADMIN_TOTP_REQUIRED";
        /// Hours an invite stays valid unless the administrator says otherwise
        invite_ttl_hours: u32 = 72, within 1..=720, env "QUIETLINE_INVITE_TTL_HOURS";
        /// Devices one account may have
        max_devices: u32 = 5, within 1..=100, env "QUIETLINE_MAX_DEVICES";
        /// Take the client address from X-Forwarded-For (only behind a trusted proxy)
        trust_forwarded_for: bool = false, env "QUIETLINE_TRUST_FORWARDED_FOR";
        /// Trusted proxies in front that append to X-Forwarded-For: the client address is the entry
        /// that many places from the right (1 to 5)
        forwarded_hops: u8 = 1, within 1..=5, env "QUIETLINE_FORWARDED_HOPS";
        /// Longest an undelivered envelope is kept, in seconds (7 days)
        message_ttl: u64 = 604_800, within 60..=7_776_000, env "QUIETLINE_MESSAGE_TTL";
        /// Envelopes one device's queue may hold
        queue_limit: u32 = 10_000, within 1..=1_000_000, env "QUIETLINE_QUEUE_LIMIT";
        /// Seconds between purges of expired data; expired envelopes are gone within this delay
        reaper_interval: u64 = 60, within 1..=3_600, env "QUIETLINE_REAPER_INTERVAL";
        /// Days a seeker account may go unused before it is wiped
        seeker_inactivity_days: u32 = 30, within 1..=365, env "QUIETLINE_SEEKER_INACTIVITY_DAYS";
        /// Days a closed conversation is kept before only its aggregate counts remain
        closed_retention_days: u32 = 30, within 1..=365, env "QUIETLINE_CLOSED_RETENTION_DAYS";
        /// Seconds between two pushes to one device: wake-ups in between make one more push at
        /// the end of the interval, not one each
        push_interval: u64 = 60, within 1..=86_400, env "QUIETLINE_PUSH_INTERVAL";
        /// Accept push endpoints over plain http (a distributor on the same machine, tests); never
        /// on a server others use (true/false)
        push_allow_http: bool = false, env "QUIETLINE_PUSH_ALLOW_HTTP";
        /// The website the public listener passes for in a browser: recipes, weather or flashcards
        site_theme: Theme = Theme::Recipes, env "QUIETLINE_SITE_THEME";
    }
}

/// Which database, decided from the URL scheme. A PostgreSQL URL may carry a password: it is
/// kept as a secret, which no `Debug` of the configuration prints.
#[derive(Clone, Debug)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret),
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

/// A scalar key's help: its documentation, then its default.
fn help_text(doc: &[&str], default: &str) -> String {
    let words: Vec<&str> = doc
        .iter()
        .flat_map(|line| line.split_whitespace())
        .collect();
    // A default written as an enum variant (`Theme::Recipes`) reads as its value (`recipes`).
    let default = match default.rsplit_once("::") {
        Some((_, variant)) => variant.trim().to_lowercase(),
        None => default.to_owned(),
    };
    format!("{} [default: {default}]", words.join(" "))
}

/// A range a scalar key must lie in, said in words for the error.
trait Allowed<T> {
    fn allows(&self, value: &T) -> bool;
    fn describe(&self) -> String;
}

impl<T> Allowed<T> for std::ops::RangeFull {
    fn allows(&self, _: &T) -> bool {
        true
    }

    fn describe(&self) -> String {
        String::new()
    }
}

impl<T: PartialOrd + std::fmt::Display> Allowed<T> for std::ops::RangeInclusive<T> {
    fn allows(&self, value: &T) -> bool {
        self.contains(value)
    }

    fn describe(&self) -> String {
        format!("must be between {} and {}", self.start(), self.end())
    }
}

impl<T: PartialOrd + std::fmt::Display> Allowed<T> for std::ops::RangeFrom<T> {
    fn allows(&self, value: &T) -> bool {
        self.contains(value)
    }

    fn describe(&self) -> String {
        format!("must be at least {}", self.start)
    }
}

/// A scalar key: the environment/command-line value, else the file's, else the default; then
/// checked against its range.
fn checked<T: std::str::FromStr>(
    key: &'static str,
    cli: Option<&String>,
    file: Option<T>,
    default: T,
    allowed: impl Allowed<T>,
) -> Result<T, ConfigError> {
    let value = match cli {
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| bad(key, format!("cannot read the value {raw:?}")))?,
        None => file.unwrap_or(default),
    };
    if allowed.allows(&value) {
        Ok(value)
    } else {
        Err(bad(key, allowed.describe()))
    }
}

/// Rules between keys.
fn cross_check(config: &Config) -> Result<(), ConfigError> {
    if config.public_listen == config.admin_listen && config.public_listen.port() != 0 {
        return Err(bad(
            "QUIETLINE_ADMIN_LISTEN",
            "must differ from QUIETLINE_PUBLIC_LISTEN: the admin API never shares the public listener",
        ));
    }
    if config.refresh_token_ttl < config.access_token_ttl {
        return Err(bad(
            "QUIETLINE_REFRESH_TOKEN_TTL",
            "must not be shorter than QUIETLINE_ACCESS_TOKEN_TTL",
        ));
    }
    Ok(())
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
}

/// The special keys, each resolved by its own rule.
fn resolve_special(cli: &Cli, file: FileConfig) -> Result<Special, ConfigError> {
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
    let data_dir = PathBuf::from(
        cli.data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| "./data".into()),
    );
    if data_dir.as_os_str().is_empty() {
        return Err(bad("QUIETLINE_DATA_DIR", "must not be empty"));
    }
    let database_url = match cli.database_url.clone().or(file.database_url) {
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
    let web_origin = |key: &'static str, value: String| {
        let value = value.trim().trim_end_matches('/').to_string();
        let scheme_ok = value.starts_with("http://") || value.starts_with("https://");
        let plain = value
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty() && !rest.contains(['/', '?', '#', ' ', '@']));
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
    let optional_path = |raw: Option<&String>, file: Option<String>| {
        raw.cloned()
            .or(file)
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from)
    };
    let optional_text = |raw: Option<&String>, file: Option<String>| {
        raw.cloned()
            .or(file)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let push_ca_file = optional_path(cli.push_ca_file.as_ref(), file.push_ca_file);
    let push_apns_key_file =
        optional_path(cli.push_apns_key_file.as_ref(), file.push_apns_key_file);
    let push_apns_key_id = optional_text(cli.push_apns_key_id.as_ref(), file.push_apns_key_id);
    let push_apns_team_id = optional_text(cli.push_apns_team_id.as_ref(), file.push_apns_team_id);
    let push_apns_topic = optional_text(cli.push_apns_topic.as_ref(), file.push_apns_topic);
    let push_apns_url = web_origin(
        "QUIETLINE_PUSH_APNS_URL",
        optional_text(cli.push_apns_url.as_ref(), file.push_apns_url)
            .unwrap_or_else(|| "https://api.push.apple.com".into()),
    )?;
    if push_apns_key_file.is_some() {
        for (key, value) in [
            ("QUIETLINE_PUSH_APNS_KEY_ID", &push_apns_key_id),
            ("QUIETLINE_PUSH_APNS_TEAM_ID", &push_apns_team_id),
            ("QUIETLINE_PUSH_APNS_TOPIC", &push_apns_topic),
        ] {
            if value.is_none() {
                return Err(bad(key, "is needed with QUIETLINE_PUSH_APNS_KEY_FILE"));
            }
        }
    }
    let push_fcm_credentials_file = optional_path(
        cli.push_fcm_credentials_file.as_ref(),
        file.push_fcm_credentials_file,
    );
    let push_fcm_url = web_origin(
        "QUIETLINE_PUSH_FCM_URL",
        optional_text(cli.push_fcm_url.as_ref(), file.push_fcm_url)
            .unwrap_or_else(|| "https://fcm.googleapis.com".into()),
    )?;
    let workers = checked(
        "QUIETLINE_WORKERS",
        cli.workers.as_ref(),
        file.workers,
        std::thread::available_parallelism().map_or(2, usize::from),
        1..=256,
    )?;
    Ok(Special {
        public_listen,
        admin_listen,
        data_dir,
        database_url,
        redis_url,
        redis_prefix,
        log,
        token_key_file,
        previous_token_key_files,
        storage_key_file,
        workers,
        public_url,
        docs_origin,
        push_ca_file,
        push_apns_key_file,
        push_apns_key_id,
        push_apns_team_id,
        push_apns_topic,
        push_apns_url,
        push_fcm_credentials_file,
        push_fcm_url,
    })
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
        "push_ca_file" => return "\"/etc/quietline/distributor-ca.pem\"".into(),
        "push_apns_key_file" => return "\"/etc/quietline/AuthKey_ABC123DEFG.p8\"".into(),
        "push_apns_key_id" => return "\"ABC123DEFG\"".into(),
        "push_apns_team_id" => return "\"DEF123GHIJ\"".into(),
        "push_apns_topic" => return "\"org.example.pantrynotes\"".into(),
        "push_fcm_credentials_file" => return "\"/etc/quietline/fcm-service-account.json\"".into(),
        _ => {}
    }
    let first = default
        .and_then(|d| d.split_whitespace().next())
        .unwrap_or_default();
    // TOML integers may be grouped with `_` as the declarations are.
    if first.replace('_', "").parse::<u64>().is_ok() || first == "true" || first == "false" {
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
            matches!(&config.database_url, DatabaseUrl::Sqlite(path) if path == Path::new("/tmp/ql/quietline.db"))
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
    fn every_scalar_key_is_checked_against_its_declared_range() {
        let refused = |cli: Cli| Config::merge(&cli, FileConfig::default()).err();
        let error = refused(Cli {
            max_devices: Some("0".into()),
            ..Cli::default()
        });
        assert_eq!(
            error.map(|e| e.to_string()),
            Some("configuration: QUIETLINE_MAX_DEVICES: must be between 1 and 100".into())
        );
        let error = refused(Cli {
            send_rate_limit: Some("0".into()),
            ..Cli::default()
        });
        assert_eq!(
            error.map(|e| e.to_string()),
            Some("configuration: QUIETLINE_SEND_RATE_LIMIT: must be at least 1".into())
        );
        // The file is checked as the environment is.
        let file: FileConfig = toml::from_str("message_ttl = 10").unwrap_or_default();
        let error = Config::merge(&Cli::default(), file).err().map(|e| e.key);
        assert_eq!(error, Some("QUIETLINE_MESSAGE_TTL"));
        // A rule between two keys.
        let error = refused(Cli {
            access_token_ttl: Some("900".into()),
            refresh_token_ttl: Some("600".into()),
            ..Cli::default()
        });
        assert_eq!(error.map(|e| e.key), Some("QUIETLINE_REFRESH_TOKEN_TTL"));
        // Grouped digits, as the declarations and the example file write them.
        let file: FileConfig = toml::from_str("refresh_token_ttl = 2_592_000").unwrap_or_default();
        let config = Config::merge(&Cli::default(), file).ok();
        assert_eq!(config.map(|c| c.refresh_token_ttl), Some(2_592_000));
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
        config.database_url = parse_database_url("postgres://quietline:hunter2@db/quietline")
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
