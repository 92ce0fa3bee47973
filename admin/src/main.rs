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
}

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
