//! The backends under test: a fresh SQLite file, or a fresh PostgreSQL database and Redis
//! prefix per test, dropped afterwards.

use super::*;

fn required_env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "{name} is required when CI=true: PostgreSQL/Redis tests must run, not skip"
                );
            }
            // Written to the process's stderr directly rather than through `eprintln!`, which
            // the test runner captures: whoever runs `cargo test` sees what did not run.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: {name} is not set, so the PostgreSQL + Redis variants of this binary do not run (bash .ci/run runs both backends)"
                );
            });
            None
        }
    }
}

fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

/// `postgres://…/test?x` with the database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (host, _) = base.rsplit_once('/').expect("database URL has a path");
    match query {
        Some(q) => format!("{host}/{database}?{q}"),
        None => format!("{host}/{database}"),
    }
}

/// A PostgreSQL database and Redis key prefix of one test, removed when dropped.
struct ScratchServices {
    admin_url: String,
    database: String,
    redis_url: String,
    redis_prefix: String,
}

impl Drop for ScratchServices {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.database
            ))
            .execute(&mut conn);
        }
        if let Ok(mut conn) =
            redis::Client::open(self.redis_url.as_str()).and_then(|c| c.get_connection())
        {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.redis_prefix))
                .query(&mut conn)
                .unwrap_or_default();
            for key in keys {
                let _: Result<i64, _> = redis::cmd("DEL").arg(key).query(&mut conn);
            }
        }
    }
}

/// Shared PostgreSQL + Redis settings for one or more instances of a scale-out test.
pub struct SharedServices {
    scratch: ScratchServices,
    pub database_url: String,
    pub data_dir: PathBuf,
}

impl SharedServices {
    /// A fresh database and Redis prefix, or `None` (skipped) when the services are not configured.
    pub fn create() -> Option<SharedServices> {
        let admin_url = required_env("QUIETLINE_TEST_DATABASE_URL")?;
        let redis_url = required_env("QUIETLINE_TEST_REDIS_URL")?;
        let suffix = random_suffix();
        let database = format!("quietline_test_{suffix}");
        let mut conn = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("QUIETLINE_TEST_DATABASE_URL does not connect: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {database}"))
            .execute(&mut conn)
            .expect("creating the test database");
        let redis_client =
            redis::Client::open(redis_url.as_str()).expect("QUIETLINE_TEST_REDIS_URL is a URL");
        let mut redis_conn = redis_client
            .get_connection()
            .unwrap_or_else(|e| panic!("QUIETLINE_TEST_REDIS_URL does not connect: {e}"));
        let _: String = redis::cmd("PING")
            .query(&mut redis_conn)
            .expect("Redis answers PING");
        Some(SharedServices {
            database_url: with_database(&admin_url, &database),
            data_dir: scratch_dir(),
            scratch: ScratchServices {
                admin_url,
                database,
                redis_url,
                redis_prefix: format!("qltest:{suffix}:"),
            },
        })
    }

    pub fn redis_prefix(&self) -> &str {
        &self.scratch.redis_prefix
    }

    pub fn redis_url(&self) -> &str {
        &self.scratch.redis_url
    }

    /// Every Redis key and value under this test's prefix, as text.
    pub fn redis_dump(&self) -> String {
        let mut conn = redis::Client::open(self.scratch.redis_url.as_str())
            .and_then(|c| c.get_connection())
            .expect("Redis connects");
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.scratch.redis_prefix))
            .query(&mut conn)
            .unwrap_or_default();
        let mut dump = String::new();
        for key in keys {
            let value: Option<Vec<u8>> =
                redis::cmd("GET").arg(&key).query(&mut conn).unwrap_or(None);
            dump.push_str(&key);
            dump.push('=');
            dump.push_str(&String::from_utf8_lossy(&value.unwrap_or_default()));
            dump.push('\n');
        }
        dump
    }

    /// Configuration for one instance: all instances share database, Redis and key files.
    pub fn config(&self) -> Config {
        let mut config = base_config(&self.data_dir);
        config.database_url = DatabaseUrl::Postgres(self.database_url.as_str().into());
        config.redis_url = Some(self.scratch.redis_url.as_str().into());
        config.redis_prefix = self.scratch.redis_prefix.clone();
        config
    }
}

pub(crate) fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quietline-test-{}", random_suffix()));
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

/// Test defaults: random ports, few threads, cheap proof of work.
pub fn base_config(data_dir: &std::path::Path) -> Config {
    let mut config = Config::for_data_dir(data_dir);
    config.public_listen = "127.0.0.1:0".parse().unwrap();
    config.admin_listen = "127.0.0.1:0".parse().unwrap();
    config.workers = 1;
    config.signup_pow_bits = 6;
    // Some scenarios sign up dozens of seekers from one address.
    config.signup_rate_limit = 60;
    // The authorisation matrix signs in and redeems invites hundreds of times from one address.
    config.passphrase_rate_limit = 1_000;
    config.web_attempt_rate_limit = 1_000;
    // Load scenarios send and fetch bundles far faster than a person; the limits have tests
    // of their own.
    config.send_rate_limit = 1_000_000;
    config.bundle_rate_limit = 1_000_000;
    config
}

impl Drop for SharedServices {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
