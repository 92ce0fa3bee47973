//! `quietline-client`: the reference client on a terminal, for a seeker or an outreach worker.
//!
//!     # a worker redeems an invite from an administrator (asks for a new passphrase)
//!     quietline-client --state worker.ql worker --invite CODE --handle maria --languages tl,en
//!     # an anonymous seeker comes through an entry point (asks for a passphrase for the state file)
//!     quietline-client --state seeker.ql seeker --entry CODE --languages tl
//!
//! Each side then types messages; lines starting with `/` are commands (`/help` lists them). State
//! (identity, keys, sessions, tokens) is kept in the state file, encrypted with the passphrase;
//! `resume` continues from it. A seeker's `/exit` is the quick exit.

mod seeker;
mod terminal;
mod worker;

use clap::{Parser, Subcommand};
use quietline_protocol::api::{AcceptInvite, Login};
use quietline_protocol::client::{Client, ClientError};
use std::path::PathBuf;
use terminal::Terminal;

#[derive(Parser)]
#[command(
    name = "quietline-client",
    version,
    about = "Quietline reference client",
    after_help = "Once started, type messages; lines starting with / are commands:\n  \
        seekers: /status /recovery /accept /decline /exit (quick exit) /quit\n  \
        workers: /waiting /claim /list /switch /available /away /colleagues /transfer\n           \
        /partners /refer /close /quit\n\
        /help lists them with what they do. The passphrase is asked for without echo \
        (QUIETLINE_CLIENT_PASSPHRASE, for scripts, is read instead when set)."
)]
struct Cli {
    /// The server's public listener.
    #[arg(
        long,
        env = "QUIETLINE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// Encrypted state file (identity, keys, sessions, tokens).
    #[arg(long, default_value = "quietline-client.ql")]
    state: PathBuf,
    /// Also ask for a duress code: entered instead of the passphrase on `resume`, it wipes the
    /// account and the state files, and shows an empty screen.
    #[arg(long)]
    duress_code: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign up as an anonymous seeker through an entry point, open a conversation, then chat.
    Seeker {
        /// The entry point code (from a poster or a disguised app) of the organisation to reach
        /// (base64url: it may begin with a `-`).
        #[arg(long, allow_hyphen_values = true)]
        entry: String,
        /// Languages you read, most preferred first, as BCP 47 tags separated by commas
        /// (default: the terminal's locale).
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
        /// What it is about, one of the organisation's topics (asked when not given).
        #[arg(long)]
        topic: Option<String>,
        /// Province or territory, optionally a city: e.g. CA-BC or CA-BC/Surrey.
        #[arg(long)]
        region: Option<String>,
    },
    /// Redeem a worker invite (choosing handle and passphrase), then work at the desk.
    Worker {
        /// The code from the administrator (base64url: it may begin with a `-`).
        #[arg(long, allow_hyphen_values = true)]
        invite: String,
        #[arg(long)]
        handle: String,
        /// Languages spoken, as BCP 47 tags separated by commas.
        #[arg(long, value_delimiter = ',', default_value = "en")]
        languages: Vec<String>,
    },
    /// Sign a worker in on this device (a new device of the account), then work at the desk.
    Login {
        #[arg(long)]
        handle: String,
    },
    /// A seeker on a new phone: come back by the recovery phrase (asked for without echo) to
    /// the account and its open conversations; the account's other devices are removed.
    Recover,
    /// Continue from the state file.
    Resume,
}

fn main() {
    let cli = Cli::parse();
    let result = actix_rt::System::new().block_on(run(cli));
    if let Err(error) = result {
        eprintln!("quietline-client: {error}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), ClientError> {
    let new_state = !matches!(cli.command, Command::Resume);
    let passphrase = terminal::secret(
        "QUIETLINE_CLIENT_PASSPHRASE",
        if new_state {
            "passphrase (at least 12 characters; it also protects this device's state file): "
        } else {
            "passphrase: "
        },
    )?;
    let duress = match cli.duress_code {
        true => Some(terminal::secret(
            "QUIETLINE_CLIENT_DURESS",
            "duress code (different from the passphrase): ",
        )?),
        false => None,
    };
    // Lines are read only once the prompts without echo are done, so the two never compete.
    let mut terminal = Terminal::start();
    let client = match cli.command {
        Command::Seeker {
            entry,
            languages,
            topic,
            region,
        } => {
            let client = Client::sign_up_seeker_through(&cli.server, Some(&entry)).await?;
            client.save(&cli.state, &passphrase).await?;
            arm_duress(&client, &cli.state, duress.as_deref())?;
            let languages = if languages.is_empty() {
                terminal::locale_languages()
            } else {
                languages
            };
            let start = seeker::Start {
                languages,
                topic,
                region,
            };
            return seeker::start(client, &cli.state, &passphrase, start, &mut terminal).await;
        }
        Command::Worker {
            invite,
            handle,
            languages,
        } => {
            let request = AcceptInvite {
                code: invite.into(),
                handle,
                passphrase: passphrase.as_str().into(),
                languages,
                device_name: "quietline-client".into(),
            };
            Client::accept_invite(&cli.server, request).await?
        }
        Command::Login { handle } => {
            let totp = terminal
                .ask("code from your authenticator app (Enter if none): ")
                .await;
            let login = Login {
                handle,
                passphrase: passphrase.as_str().into(),
                totp: Some(totp).filter(|code| !code.is_empty()).map(Into::into),
                device_name: "quietline-client".into(),
                device_id: None,
            };
            Client::log_in_worker(&cli.server, &login).await?
        }
        Command::Recover => {
            let phrase = terminal::secret(
                "QUIETLINE_CLIENT_RECOVERY_PHRASE",
                "recovery phrase (the twelve words): ",
            )?;
            Client::recover(&cli.server, &phrase).await?
        }
        Command::Resume => match Client::load(&cli.state, &passphrase).await {
            Ok(mut client) => {
                client.refresh().await?;
                client
            }
            Err(error) => {
                if Client::exit_under_duress(&cli.state, &passphrase).await? {
                    // Looks like an app with nothing in it.
                    println!("no conversations yet.");
                    return Ok(());
                }
                return Err(error);
            }
        },
    };
    client.save(&cli.state, &passphrase).await?;
    arm_duress(&client, &cli.state, duress.as_deref())?;
    match client.session.role {
        quietline_protocol::api::Role::Seeker => {
            seeker::resume(client, &cli.state, &passphrase, &mut terminal).await
        }
        _ => worker::desk(client, &cli.state, &passphrase, &mut terminal).await,
    }
}

fn arm_duress(
    client: &Client,
    state: &std::path::Path,
    code: Option<&str>,
) -> Result<(), ClientError> {
    match code {
        Some(code) => client.arm_duress_code(state, code),
        None => Ok(()),
    }
}
