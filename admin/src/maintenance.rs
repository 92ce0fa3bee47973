//! The operator's upkeep: what the reaper would delete, consistent backups and their restore,
//! key rotation, and a health check of the installation (`doctor`).

use anyhow::Context;
use quietline_server::config::{Config, DatabaseUrl};
use quietline_server::state::AppState;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The database file's name in a data directory and in a backup.
const DATABASE_FILE: &str = "quietline.db";

/// The secret files of an installation that a backup carries, under the names they have in a
/// data directory by default: the storage key opens every sealed secret (second factors,
/// bundle signing keys, push subscriptions) and the token key keeps sessions valid.
fn secret_files(config: &Config) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("storage.key", config.storage_key_file.clone()),
        ("token.key", config.token_key_file.clone()),
        ("vapid.key", config.data_dir.join("vapid.key")),
    ]
}

/// Every file whose secrecy the installation depends on, as configured.
fn all_secret_files(config: &Config) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = secret_files(config).into_iter().map(|(_, p)| p).collect();
    files.extend(config.previous_token_key_files.iter().cloned());
    files.extend(config.push_apns_key_file.iter().cloned());
    files.extend(config.push_fcm_credentials_file.iter().cloned());
    if let DatabaseUrl::Sqlite(path) = &config.database_url {
        files.push(path.clone());
    }
    files
}

fn private_dir(path: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("creating {}", path.display()))
}

/// Copies a file so that only its owner can read the copy, whatever the original's mode.
fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut source =
        std::fs::File::open(from).with_context(|| format!("reading {}", from.display()))?;
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .with_context(|| format!("creating {}", to.display()))?;
    std::io::copy(&mut source, &mut target).with_context(|| format!("writing {}", to.display()))?;
    target
        .sync_all()
        .with_context(|| format!("writing {}", to.display()))
}

fn is_empty_or_missing(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

/// `backup --to DIR`: a consistent copy while the server runs (SQLite's `VACUUM INTO`), with
/// the secret files beside it, in a new directory only the operator can read. For PostgreSQL,
/// the secret files and the `pg_dump` command that copies the database.
pub async fn backup(state: &AppState, to: &Path) -> anyhow::Result<()> {
    if !is_empty_or_missing(to)? {
        anyhow::bail!(
            "{} is not empty: a backup goes into a new directory",
            to.display()
        );
    }
    private_dir(to)?;
    match &state.config.database_url {
        DatabaseUrl::Sqlite(_) => {
            state
                .db
                .copy_into(&to.join(DATABASE_FILE))
                .await
                .context("copying the database")?;
            std::fs::set_permissions(
                to.join(DATABASE_FILE),
                std::fs::Permissions::from_mode(0o600),
            )
            .context("restricting the copy")?;
            println!("database copied to {}", to.join(DATABASE_FILE).display());
        }
        DatabaseUrl::Postgres(_) => {
            println!(
                "the database is PostgreSQL: copy it with\n  pg_dump --format=custom --file {} \"$QUIETLINE_DATABASE_URL\"",
                to.join("quietline.pgdump").display()
            );
        }
    }
    for (name, path) in secret_files(&state.config) {
        if path.exists() {
            copy_private(&path, &to.join(name))?;
            println!("{name} copied");
        }
    }
    println!(
        "keep this backup as safe as the server: its storage key opens every secret sealed in the database"
    );
    Ok(())
}

/// `restore --from DIR`: a backup into a data directory that has no database yet. The server
/// started on it afterwards serves what it served when the backup was taken.
pub fn restore(config: &Config, from: &Path) -> anyhow::Result<()> {
    let DatabaseUrl::Sqlite(database) = &config.database_url else {
        anyhow::bail!(
            "the database is PostgreSQL: restore it with\n  pg_restore --clean --dbname \"$QUIETLINE_DATABASE_URL\" {}\nthen copy the key files of the backup to the paths the configuration names",
            from.join("quietline.pgdump").display()
        );
    };
    let source = from.join(DATABASE_FILE);
    if !source.is_file() {
        anyhow::bail!("{} holds no {DATABASE_FILE}: not a backup", from.display());
    }
    if database.exists() {
        anyhow::bail!(
            "there is a database at {} already: restore into a new data directory, so that nothing is overwritten",
            database.display()
        );
    }
    let targets: Vec<(PathBuf, PathBuf)> = secret_files(config)
        .into_iter()
        .map(|(name, path)| (from.join(name), path))
        .filter(|(source, _)| source.exists())
        .collect();
    if let Some((_, existing)) = targets.iter().find(|(_, target)| target.exists()) {
        anyhow::bail!(
            "{} exists already: restore into a new data directory, so that no key is overwritten",
            existing.display()
        );
    }
    if let Some(parent) = database.parent() {
        private_dir(parent)?;
    }
    copy_private(&source, database)?;
    for (source, target) in targets {
        if let Some(parent) = target.parent() {
            private_dir(parent)?;
        }
        copy_private(&source, &target)?;
    }
    // Opening it checks it is a database and applies any migration newer than the backup.
    let pending = quietline_server::db::pending_migrations(&config.database_url)
        .context("the restored database does not open")?;
    println!(
        "restored into {} ({} migration(s) will be applied at the first start)",
        database.display(),
        pending.len()
    );
    Ok(())
}

/// `purge`: the reaper's pass now; with `dry_run`, what it would delete, as counts.
pub async fn purge(state: &AppState, dry_run: bool) -> anyhow::Result<()> {
    use quietline_server::reaper;
    let counts = if dry_run {
        reaper::rehearse(state).await?
    } else {
        reaper::reap(state).await?
    };
    let verb = if dry_run {
        "would be deleted"
    } else {
        "deleted"
    };
    println!("{verb}:");
    for (what, n) in [
        ("expired envelopes", counts.envelopes),
        ("expired sessions", counts.sessions),
        ("expired refresh tokens", counts.refresh_tokens),
        ("expired invites", counts.invites),
        ("expired send receipts", counts.send_receipts),
        ("seeker accounts unused too long", counts.inactive_seekers),
        (
            "closed conversations past retention",
            counts.closed_conversations,
        ),
    ] {
        println!("  {n:>8}  {what}");
    }
    Ok(())
}

/// `rotate-keys`: a new token signing key (the old one stays valid for verification while it
/// is listed in QUIETLINE_PREVIOUS_TOKEN_KEY_FILES) and new bundle signing keys for every
/// organisation (clients accept a retired key's bundles for the grace period the server
/// already honours).
pub async fn rotate_keys(state: &AppState, tokens: bool, bundles: bool) -> anyhow::Result<()> {
    use quietline_server::auth::OrganisationAdmin;
    use quietline_server::auth::Principal;
    use quietline_server::organisations::service as organisations;
    let (tokens, bundles) = if tokens || bundles {
        (tokens, bundles)
    } else {
        (true, true)
    };
    if tokens {
        let current = &state.config.token_key_file;
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let retired = current.with_file_name(format!(
            "{}.{stamp}.previous",
            current
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("token.key")
        ));
        std::fs::rename(current, &retired)
            .with_context(|| format!("moving {} aside", current.display()))?;
        quietline_server::auth::secrets::load_or_create_key(current)
            .map_err(|e| anyhow::anyhow!("creating the new token key: {e}"))?;
        println!(
            "new token signing key in {}; the old one is {}.\nRestart every instance with QUIETLINE_PREVIOUS_TOKEN_KEY_FILES={} so that access tokens signed with it stay valid until they expire; it can leave the list once QUIETLINE_ACCESS_TOKEN_TTL has passed (clients renew with their refresh tokens).",
            current.display(),
            retired.display(),
            retired.display()
        );
    }
    if bundles {
        for organisation in organisations::list_organisations(state, &Principal::operator())
            .await
            .map_err(crate::refused)?
        {
            let admin = OrganisationAdmin::operator(state, organisation.id.clone())
                .await
                .map_err(crate::refused)?;
            quietline_server::cards::serve::rotate_key(state, &admin)
                .await
                .map_err(crate::refused)?;
            println!("{}: new bundle signing key", organisation.name);
        }
    }
    Ok(())
}

/// One finding of `doctor`.
enum Finding {
    Ok(String),
    Warn(String),
    Fail(String),
}

/// `doctor`: the configuration, the database (reachable, migrated), Redis (if configured),
/// the secret files' permissions, clock skew and free disk. Exits non-zero on any failure.
pub async fn doctor(config: &Config) -> anyhow::Result<()> {
    let mut findings = vec![Finding::Ok("configuration read".to_string())];
    match quietline_server::db::pending_migrations(&config.database_url) {
        Ok(pending) if pending.is_empty() => {
            findings.push(Finding::Ok("database reachable and migrated".into()))
        }
        Ok(pending) => findings.push(Finding::Warn(format!(
            "database reachable; {} migration(s) not applied yet (the server applies them when it starts, or run `quietline-admin migrate`)",
            pending.len()
        ))),
        Err(error) => findings.push(Finding::Fail(format!("database: {error}"))),
    }
    if let DatabaseUrl::Postgres(url) = &config.database_url {
        findings.push(postgres_clock(url.expose().to_string()).await);
    }
    match &config.redis_url {
        None => findings.push(Finding::Ok(
            "no Redis configured: one instance, in-process bus".into(),
        )),
        Some(url) => findings.push(redis_check(url.expose()).await),
    }
    for path in all_secret_files(config) {
        findings.push(permissions(&path));
    }
    findings.push(free_disk(&config.data_dir));
    let mut failed = 0;
    for finding in &findings {
        match finding {
            Finding::Ok(text) => println!("ok    {text}"),
            Finding::Warn(text) => println!("warn  {text}"),
            Finding::Fail(text) => {
                failed += 1;
                println!("FAIL  {text}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} problem(s) found");
    }
    Ok(())
}

fn permissions(path: &Path) -> Finding {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                Finding::Fail(format!(
                    "{} has mode {mode:04o}: others can read it; run chmod 600 {}",
                    path.display(),
                    path.display()
                ))
            } else {
                Finding::Ok(format!("{} readable by its owner only", path.display()))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Finding::Warn(format!(
            "{} does not exist yet (the server creates it when it starts)",
            path.display()
        )),
        Err(e) => Finding::Fail(format!("{}: {e}", path.display())),
    }
}

/// Largest difference between this machine's clock and a service's that goes unremarked:
/// tokens, TOTP codes and expiries are computed on several machines.
const SKEW_WARN: i64 = 5;
const SKEW_FAIL: i64 = 60;

fn skew(service: &str, theirs: i64) -> Finding {
    let ours = jiff::Timestamp::now().as_second();
    let skew = (theirs - ours).abs();
    let text = format!("clock of {service} within {skew} s of this machine's");
    match skew {
        s if s >= SKEW_FAIL => Finding::Fail(format!(
            "{service}'s clock is {skew} s from this machine's: TOTP codes and tokens fail beyond 30 s; synchronise with NTP"
        )),
        s if s >= SKEW_WARN => Finding::Warn(text),
        _ => Finding::Ok(text),
    }
}

async fn postgres_clock(url: String) -> Finding {
    let read = tokio::task::spawn_blocking(move || {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)",
        ))
        .get_result::<i64>(&mut conn)
        .map_err(|e| e.to_string())
    })
    .await;
    match read {
        Ok(Ok(theirs)) => skew("PostgreSQL", theirs),
        Ok(Err(error)) => Finding::Fail(format!("PostgreSQL clock: {error}")),
        Err(_) => Finding::Fail("PostgreSQL clock: the check failed".into()),
    }
}

async fn redis_check(url: &str) -> Finding {
    let attempt = async {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        let (seconds, _micros): (i64, i64) = redis::cmd("TIME")
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(seconds)
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), attempt).await {
        Ok(Ok(theirs)) => match skew("Redis", theirs) {
            Finding::Ok(text) => Finding::Ok(format!("Redis reachable; {text}")),
            other => other,
        },
        Ok(Err(error)) => Finding::Fail(format!("Redis unreachable: {error}")),
        Err(_) => Finding::Fail("Redis unreachable: no answer within 3 s".into()),
    }
}

/// Below this the envelope writer is close to failing; below the warning, close to it soon.
const DISK_FAIL: u64 = 256 << 20;
const DISK_WARN: u64 = 2 << 30;

fn free_disk(data_dir: &Path) -> Finding {
    let probe = if data_dir.exists() {
        data_dir
    } else {
        data_dir.parent().unwrap_or(Path::new("."))
    };
    match nix::sys::statvfs::statvfs(probe) {
        Ok(stat) => {
            let free = stat.blocks_available() * stat.fragment_size();
            let text = format!("{} MiB free where {} is", free >> 20, data_dir.display());
            match free {
                f if f < DISK_FAIL => Finding::Fail(text),
                f if f < DISK_WARN => Finding::Warn(text),
                _ => Finding::Ok(text),
            }
        }
        Err(error) => Finding::Fail(format!("free disk of {}: {error}", probe.display())),
    }
}
