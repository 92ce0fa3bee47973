//! `quietline-admin`: administrators' command-line tasks against the same storage the server
//! uses (same configuration keys as `quietline`). Each task runs the same service the admin API
//! calls, as the instance's operator; none has rules of its own.

use anyhow::Context;
use clap::{Parser, Subcommand};
use quietline_protocol::api::{CreateEntryPoint, CreateInvite, CreateOrganisation, Role};
use quietline_protocol::decoys::DisguiseTheme;
use quietline_protocol::{EntryPointId, OrganisationId};
use quietline_server::auth::{OrganisationAdmin, Principal};
use quietline_server::clock::SystemClock;
use quietline_server::config::{Cli as ServerOptions, Config, DatabaseUrl};
use quietline_server::organisations::service as organisations;
use quietline_server::startup::build_state;
use quietline_server::state::AppState;
use std::io::BufRead;

mod cards;
mod maintenance;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "quietline-admin",
    version,
    about = "Quietline administrators' tasks"
)]
struct AdminCli {
    #[command(flatten)]
    server: ServerOptions,
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Creates an instance administrator. The passphrase is asked for without echo (or read as
    /// one line of standard input), so it never appears in the process list or shell history.
    CreateAdmin {
        /// Sign-in handle: 3 to 32 characters of a-z, 0-9, '.', '_' or '-'.
        #[arg(long)]
        handle: String,
    },
    /// Applies pending database migrations and exits.
    Migrate,
    /// Prints an example configuration file: every key, its documentation and its default.
    ExampleConfig,
    /// Adds an organisation (an NGO served by this instance) and prints its id.
    CreateOrganisation {
        #[arg(long)]
        name: String,
        /// BCP 47 tag used when a seeker's languages are not known.
        #[arg(long, default_value = "en")]
        language: String,
        /// Default and longest disappearing-message timer, in seconds: 300, 3600, 86400 or
        /// 604800.
        #[arg(long)]
        disappearing: Option<u64>,
    },
    /// Lists the organisations.
    Organisations,
    /// Removes the second factor of a worker or administrator who lost it and their recovery
    /// codes; they sign in with their passphrase and enrol a new one.
    ResetTotp {
        #[arg(long)]
        handle: String,
    },
    /// Makes a single-use invite for a worker or an administrator of an organisation and prints
    /// its code (shown once; pass it to the person out of band).
    Invite {
        /// The organisation's id or exact name.
        #[arg(long)]
        organisation: String,
        #[arg(long, value_enum, default_value = "worker")]
        role: InviteRole,
        /// Hours until it expires (default QUIETLINE_INVITE_TTL_HOURS).
        #[arg(long)]
        hours: Option<u32>,
    },
    /// The audit log of administrators' changes.
    #[command(subcommand)]
    Audit(AuditTask),
    /// Entry points: the codes through which seekers reach an organisation.
    #[command(subcommand)]
    EntryPoints(EntryPointTask),
    /// Declares the organisations an organisation refers to (replacing the list). A referral
    /// needs both sides to have declared each other.
    Partners {
        /// The organisation's id or exact name.
        #[arg(long)]
        organisation: String,
        /// A partner's id or exact name; repeat for several.
        #[arg(long = "partner")]
        partners: Vec<String>,
    },
    /// Resource cards: import, check or export them.
    #[command(subcommand)]
    Cards(cards::CardsTask),
    /// What the reaper deletes (expired envelopes, sessions, invites; seekers unused too
    /// long; closed conversations past retention), now.
    Purge {
        /// Count what would be deleted; delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A consistent copy of the storage and the secret files, taken while the server runs,
    /// into a new directory.
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// A backup into this configuration's data directory, which must not have a database yet.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// New signing keys: for tokens (the old one kept for verification) and for every
    /// organisation's card bundles. Both unless one is named.
    RotateKeys {
        #[arg(long)]
        tokens: bool,
        #[arg(long)]
        bundles: bool,
    },
    /// Checks the installation: configuration, database, Redis, secret files' permissions,
    /// clocks and free disk. Exits non-zero if anything fails.
    Doctor,
}

#[derive(Debug, Subcommand)]
enum AuditTask {
    /// Checks the audit log's hash chain from the first entry to the head, and exits non-zero if
    /// an entry was edited, removed or reordered.
    Verify {
        /// A head written to the server's log output earlier (`audit_seq` and `audit_head`, as
        /// SEQ:HASH): that entry must still be in the chain, unchanged. Repeat for several.
        #[arg(long = "head", value_parser = audit_head)]
        heads: Vec<(i64, String)>,
    },
    /// Prints the newest entries: when, who, what and which id.
    List {
        /// Only this organisation's (its id).
        #[arg(long)]
        organisation: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn audit_head(value: &str) -> Result<(i64, String), String> {
    let (seq, hash) = value
        .split_once(':')
        .ok_or_else(|| "SEQ:HASH, as the server's log line gives them".to_string())?;
    let seq = seq
        .parse()
        .map_err(|_| format!("{seq:?} is not an entry number"))?;
    Ok((seq, hash.to_string()))
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum InviteRole {
    Worker,
    Admin,
}

#[derive(Debug, Subcommand)]
enum EntryPointTask {
    /// Creates an entry point and prints its code (shown once; only its hash is kept).
    Create {
        /// The organisation's id or exact name.
        #[arg(long)]
        organisation: String,
        /// For administrators only, e.g. "recipes poster, Surrey".
        #[arg(long)]
        label: String,
        #[arg(long, default_value = "en")]
        language: String,
        /// Topics seekers may choose from, separated by commas (e.g. work,housing,safety).
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// What the app built on it passes for: recipes, weather, calculator, flashcards or
        /// news_digest.
        #[arg(long, default_value = "recipes", value_parser = disguise_theme)]
        theme: DisguiseTheme,
    },
    /// Lists an organisation's entry points (without their codes).
    List {
        #[arg(long)]
        organisation: String,
    },
    /// Retires an entry point: its code no longer opens anything.
    Retire {
        #[arg(long)]
        organisation: String,
        /// The entry point's id (from `list`).
        #[arg(long)]
        id: String,
    },
}

fn main() {
    let cli = AdminCli::parse();
    if let Err(error) = run(cli) {
        eprintln!("quietline-admin: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: AdminCli) -> anyhow::Result<()> {
    if let Task::ExampleConfig = cli.task {
        print!("{}", quietline_server::config::example_file());
        return Ok(());
    }
    let config = Config::load(&cli.server)?;
    eprintln!("quietline-admin: {}", describe(&config, &cli.server));
    // These two must not open (and so create or migrate) the storage.
    match &cli.task {
        Task::Restore { from } => return maintenance::restore(&config, from),
        Task::Doctor => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?;
            return runtime.block_on(maintenance::doctor(&config));
        }
        _ => {}
    }
    if let DatabaseUrl::Sqlite(path) = &config.database_url
        && !path.exists()
    {
        // A typo in the data directory must not quietly start a second, empty instance.
        anyhow::bail!(
            "there is no database at {}: start the server once with this configuration (it \
             creates one), or give the server's data directory (--data-dir or QUIETLINE_DATA_DIR)",
            path.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let state = build_state(config, Arc::new(SystemClock)).await?;
        let operator = Principal::operator();
        match cli.task {
            Task::Migrate => {
                println!("migrations applied");
            }
            Task::ExampleConfig => {}
            Task::CreateOrganisation {
                name,
                language,
                disappearing,
            } => {
                let request = CreateOrganisation {
                    name,
                    default_language: language,
                    disappearing_seconds: disappearing,
                };
                let organisation = organisations::create_organisation(&state, &operator, request)
                    .await
                    .map_err(refused)?;
                println!("organisation {} created: {}", organisation.name, organisation.id);
            }
            Task::ResetTotp { handle } => {
                quietline_server::accounts::service::reset_totp(&state, handle.clone())
                    .await
                    .map_err(|_| anyhow::anyhow!("nobody has the handle {handle:?}"))?;
                println!(
                    "the second factor of {handle} is removed: they sign in with their passphrase and enrol a new one"
                );
            }
            Task::Organisations => {
                for organisation in organisations::list_organisations(&state, &operator)
                    .await
                    .map_err(refused)?
                {
                    println!("{}  {}", organisation.id, organisation.name);
                }
            }
            Task::Invite {
                organisation,
                role,
                hours,
            } => {
                let admin = administer(&state, &organisation).await?;
                let role = match role {
                    InviteRole::Worker => Role::Worker,
                    InviteRole::Admin => Role::Admin,
                };
                let request = CreateInvite {
                    role,
                    expires_in_hours: hours,
                };
                let invite = organisations::create_invite(&state, &admin, request)
                    .await
                    .map_err(refused)?;
                // The code last, where a script (or a person) finds it.
                println!(
                    "{} invite (single use, shown once, valid until {}), to scan (light on dark):\n{}\nthe code:\n  {}",
                    role.as_str(),
                    utc(invite.expires_at),
                    terminal_qr(invite.code.expose())?,
                    invite.code.expose()
                );
            }
            Task::EntryPoints(task) => entry_point_task(&state, task).await?,
            Task::Audit(task) => audit_task(&state, task).await?,
            Task::Partners {
                organisation,
                partners,
            } => {
                let admin = administer(&state, &organisation).await?;
                let mut ids = Vec::new();
                for partner in &partners {
                    ids.push(organisation_id(&state, partner).await?);
                }
                let declared = organisations::set_partners(&state, &admin, ids)
                    .await
                    .map_err(refused)?;
                for partner in declared {
                    let note = if partner.mutual {
                        "referrals possible"
                    } else {
                        "not yet a partner the other way: referrals wait for it"
                    };
                    println!("{}: {note}", partner.name);
                }
            }
            Task::Cards(task) => cards::run(&state, task).await?,
            Task::Purge { dry_run } => maintenance::purge(&state, dry_run).await?,
            Task::Backup { to } => maintenance::backup(&state, &to).await?,
            Task::RotateKeys { tokens, bundles } => {
                maintenance::rotate_keys(&state, tokens, bundles).await?
            }
            Task::Restore { .. } | Task::Doctor => {}
            Task::CreateAdmin { handle } => {
                let passphrase = read_passphrase()?;
                let totp = quietline_server::accounts::service::create_instance_admin(
                    &state,
                    handle.clone(),
                    passphrase.into(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                println!("instance administrator {handle} created");
                if let Some(totp) = totp {
                    println!(
                        "add this to an authenticator app (shown once):\n  {}\n  secret: {}",
                        totp.otpauth_uri.expose(),
                        totp.secret.expose()
                    );
                }
            }
        }
        Ok(())
    })
}

/// The new administrator's passphrase: asked without echo at a terminal, else one line of
/// standard input (a script); never an argument, so it stays out of process lists and history.
fn read_passphrase() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("passphrase for the new administrator: ")
            .context("reading the passphrase from the terminal");
    }
    let mut passphrase = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut passphrase)
        .context("reading the passphrase from standard input")?;
    Ok(passphrase.trim_end_matches(['\r', '\n']).to_string())
}

/// Which storage and configuration a run uses, without credentials.
fn describe(config: &Config, options: &ServerOptions) -> String {
    let storage = match &config.database_url {
        DatabaseUrl::Sqlite(path) => format!("SQLite database {}", path.display()),
        DatabaseUrl::Postgres(url) => {
            let url = url.expose();
            let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
            let location = after_scheme
                .rsplit_once('@')
                .map_or(after_scheme, |(_, host)| host);
            let location = location.split('?').next().unwrap_or_default();
            format!("PostgreSQL at {location}")
        }
    };
    let source = match &options.config {
        Some(path) => format!("configuration file {} and the environment", path.display()),
        None => "defaults and the environment".to_string(),
    };
    format!("{storage} (from {source})")
}

/// A QR code drawn with half blocks, two rows of modules per line, for a terminal with light
/// text on a dark ground: the light modules are the drawn ones, so it scans as printed.
fn terminal_qr(text: &str) -> anyhow::Result<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(text.as_bytes()).context("drawing the QR code")?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// A Unix time as people read it.
fn utc(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// A service's refusal, as the command line says it.
pub(crate) fn refused(error: quietline_server::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", error.message)
}

/// An organisation named by id or by exact name.
pub(crate) async fn organisation_id(
    state: &AppState,
    given: &str,
) -> anyhow::Result<OrganisationId> {
    let all = organisations::list_organisations(state, &Principal::operator())
        .await
        .map_err(refused)?;
    all.into_iter()
        .find(|o| o.id.0 == given || o.name == given)
        .map(|o| o.id)
        .ok_or_else(|| anyhow::anyhow!("no organisation has the id or name {given:?}"))
}

/// The operator as administrator of the organisation with this id or name.
pub(crate) async fn administer(state: &AppState, given: &str) -> anyhow::Result<OrganisationAdmin> {
    let organisation = organisation_id(state, given).await?;
    OrganisationAdmin::operator(state, organisation)
        .await
        .map_err(refused)
}

fn disguise_theme(value: &str) -> Result<DisguiseTheme, String> {
    DisguiseTheme::parse(value)
        .ok_or_else(|| "one of recipes, weather, calculator, flashcards, news_digest".to_owned())
}

async fn entry_point_task(state: &AppState, task: EntryPointTask) -> anyhow::Result<()> {
    use quietline_server::entry_points::service as entry_points;
    match task {
        EntryPointTask::Create {
            organisation,
            label,
            language,
            topics,
            theme,
        } => {
            let admin = administer(state, &organisation).await?;
            let request = CreateEntryPoint {
                label,
                default_language: language,
                topics,
                theme: Some(theme),
            };
            let entry = entry_points::create(state, &admin, request)
                .await
                .map_err(refused)?;
            println!(
                "entry point {} created (id {}, a {} app; link to print: {}); its code, shown once:\n  {}",
                entry.label,
                entry.id,
                entry.theme.as_str(),
                entry.link,
                entry.code.unwrap_or_default()
            );
        }
        EntryPointTask::List { organisation } => {
            let admin = administer(state, &organisation).await?;
            for entry in entry_points::list(state, &admin).await.map_err(refused)? {
                println!(
                    "{}  {}  ({}; {}; topics: {}; link: {})",
                    entry.id,
                    entry.label,
                    entry.default_language,
                    entry.theme.as_str(),
                    entry.topics.join(", "),
                    entry.link
                );
            }
        }
        EntryPointTask::Retire { organisation, id } => {
            let admin = administer(state, &organisation).await?;
            entry_points::delete(state, &admin, EntryPointId(id))
                .await
                .map_err(refused)?;
            println!("entry point retired");
        }
    }
    Ok(())
}

async fn audit_task(state: &AppState, task: AuditTask) -> anyhow::Result<()> {
    use quietline_server::audit;
    match task {
        AuditTask::Verify { heads } => {
            let verdict = state.db.read(audit::verify).await?;
            let (entries, head) = match verdict {
                audit::Verdict::Intact { entries, head } => (entries, head),
                audit::Verdict::Broken { seq, reason } => {
                    anyhow::bail!("the audit log is broken at entry {seq}: {reason}")
                }
            };
            for (seq, hash) in heads {
                let found = state.db.read(move |conn| audit::hash_at(conn, seq)).await?;
                if found.as_deref() != Some(hash.as_str()) {
                    anyhow::bail!(
                        "the audit log does not hold entry {seq} as the server announced it: it was rewritten"
                    );
                }
            }
            println!("audit log intact: {entries} entries, head {head}");
        }
        AuditTask::List {
            organisation,
            limit,
        } => {
            let filter = audit::Filter {
                organisation_id: organisation.map(OrganisationId),
                limit: i64::from(limit.clamp(1, 10_000)),
                ..audit::Filter::default()
            };
            for entry in audit::list(state, filter).await.map_err(refused)? {
                println!(
                    "{:>6}  {}  {}  {}  {}",
                    entry.seq,
                    utc(entry.at),
                    entry.actor_handle.as_deref().unwrap_or(&entry.actor),
                    entry.action,
                    entry.target.as_deref().unwrap_or("-")
                );
            }
        }
    }
    Ok(())
}
