//! `quietline-admin`: administrators' command-line tasks against the same storage the server
//! uses (same configuration keys as `quietline`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use quietline_server::clock::SystemClock;
use quietline_server::config::{Cli as ServerOptions, Config};
use quietline_server::startup::build_state;
use std::io::BufRead;
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
    /// Creates an instance administrator. The passphrase is read from standard input (one line),
    /// so it never appears in the process list or shell history.
    CreateAdmin {
        /// Sign-in handle: 3 to 32 characters of a-z, 0-9, '.', '_' or '-'.
        #[arg(long)]
        handle: String,
    },
    /// Applies pending database migrations and exits.
    Migrate,
    /// Imports resource cards into an organisation as drafts, from a JSON or CSV file (as the
    /// admin API exports them) or the built-in starter set of Canadian sample cards. Every
    /// problem is listed by row and field, and nothing is imported when there is any.
    ImportCards {
        /// The organisation's id.
        #[arg(long)]
        organisation: String,
        /// A `.json` or `.csv` file.
        #[arg(long, conflicts_with = "starter", required_unless_present = "starter")]
        file: Option<std::path::PathBuf>,
        /// The starter set: sample cards, in English, French, Spanish, Tagalog and Simplified
        /// Chinese, for administrators to review and complete before publishing.
        #[arg(long)]
        starter: bool,
        /// Check and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Sample cards for Canada, kept in the repository (see `admin/starter/`).
const STARTER_CARDS: &str = include_str!("../starter/cards-ca.json");

fn main() {
    let cli = AdminCli::parse();
    if let Err(error) = run(cli) {
        eprintln!("quietline-admin: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: AdminCli) -> anyhow::Result<()> {
    let config = Config::load(&cli.server)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let state = build_state(config, Arc::new(SystemClock)).await?;
        match cli.task {
            Task::Migrate => {
                println!("migrations applied");
            }
            Task::ImportCards {
                organisation,
                file,
                starter,
                dry_run,
            } => import_cards(&state, organisation, file, starter, dry_run).await?,
            Task::CreateAdmin { handle } => {
                let mut passphrase = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut passphrase)
                    .context("reading the passphrase from standard input")?;
                let passphrase = passphrase.trim_end_matches(['\r', '\n']).to_string();
                let totp = quietline_server::accounts::service::create_instance_admin(
                    &state,
                    handle.clone(),
                    passphrase,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                println!("instance administrator {handle} created");
                if let Some(totp) = totp {
                    println!(
                        "add this to an authenticator app (shown once):\n  {}\n  secret: {}",
                        totp.otpauth_uri, totp.secret
                    );
                }
            }
        }
        Ok(())
    })
}

async fn import_cards(
    state: &quietline_server::state::AppState,
    organisation_id: String,
    file: Option<std::path::PathBuf>,
    starter: bool,
    dry_run: bool,
) -> anyhow::Result<()> {
    use quietline_server::cards::transfer::{self, Format, Import};
    let (format, bytes) = match (&file, starter) {
        (Some(path), _) => {
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some(ext) if ext.eq_ignore_ascii_case("csv") => Format::Csv,
                Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
                _ => anyhow::bail!("the file must end in .json or .csv"),
            };
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            (format, bytes)
        }
        _ => {
            // Loading the set twice would make every sample card twice.
            let organisation = organisation_id.clone();
            let rows = state
                .db
                .read(move |conn| {
                    quietline_server::cards::store::list(conn, &organisation)
                        .map_err(quietline_server::db::DbError::from)
                })
                .await?;
            let loaded = rows.iter().any(|row| {
                quietline_server::cards::service::content_of(&row.content)
                    .is_ok_and(|content| content.sample)
            });
            if loaded {
                anyhow::bail!(
                    "the organisation already has sample cards; archive or edit those instead"
                );
            }
            (Format::Json, STARTER_CARDS.as_bytes().to_vec())
        }
    };
    let outcome = transfer::import(
        state,
        Import {
            organisation_id,
            format,
            bytes,
            dry_run,
            editor: "quietline-admin".into(),
        },
    )
    .await;
    match outcome {
        Ok(report) => {
            let verb = if report.dry_run { "would be" } else { "were" };
            println!(
                "{} cards {verb} created, {} updated, {} unchanged (as drafts: review and publish them)",
                report.created, report.updated, report.unchanged
            );
            Ok(())
        }
        Err(error) => {
            for problem in error.problems.iter().flatten() {
                match problem.row {
                    Some(row) => eprintln!("row {row}, {}: {}", problem.field, problem.message),
                    None => eprintln!("{}: {}", problem.field, problem.message),
                }
            }
            anyhow::bail!("{}", error.message)
        }
    }
}
