//! `quietline-client`: try Quietline from two terminals.
//!
//!     # terminal 1, a worker redeeming an invite from an administrator
//!     QUIETLINE_CLIENT_PASSPHRASE='a long passphrase' quietline-client --state worker.ql worker --invite CODE --handle maria
//!     # terminal 2, an anonymous seeker
//!     QUIETLINE_CLIENT_PASSPHRASE='another passphrase' quietline-client --state seeker.ql seeker --entry CODE
//!
//! Then type `/to ACCOUNT_ID` (shown by the other side) and write; `/whoami`, `/quit`; a seeker's
//! `/exit` is the quick exit (wipes the account and the state file). State
//! (identity, keys, sessions, tokens) is kept in the state file, encrypted with the passphrase;
//! `resume` continues from it.

use clap::{Parser, Subcommand};
use quietline_protocol::api::AcceptInvite;
use quietline_protocol::client::{Client, ClientError};
use quietline_protocol::relay::ServerFrame;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "quietline-client",
    version,
    about = "Quietline reference client"
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
    /// A duress code: entered instead of the passphrase on `resume`, it wipes the account and the
    /// state files, and shows an empty screen.
    #[arg(long, env = "QUIETLINE_CLIENT_DURESS", hide_env_values = true)]
    duress_code: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign up as an anonymous seeker, then chat.
    Seeker {
        /// The entry point code (from a poster or a disguised app) of the organisation to reach.
        #[arg(long)]
        entry: Option<String>,
    },
    /// Redeem a worker invite, then chat.
    Worker {
        #[arg(long)]
        invite: String,
        #[arg(long)]
        handle: String,
        /// Languages spoken, as BCP 47 tags separated by commas.
        #[arg(long, value_delimiter = ',', default_value = "en")]
        languages: Vec<String>,
    },
    /// Continue from the state file, then chat.
    Resume,
}

fn passphrase() -> String {
    if let Ok(passphrase) = std::env::var("QUIETLINE_CLIENT_PASSPHRASE") {
        return passphrase;
    }
    eprint!("passphrase: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim_end_matches(['\r', '\n']).to_string()
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
    let passphrase = passphrase();
    let mut client = match cli.command {
        Command::Seeker { entry } => {
            Client::sign_up_seeker_through(&cli.server, entry.as_deref()).await?
        }
        Command::Worker {
            invite,
            handle,
            languages,
        } => {
            let request = AcceptInvite {
                code: invite,
                handle,
                passphrase: passphrase.clone(),
                languages,
                device_name: "quietline-client".into(),
            };
            Client::accept_invite(&cli.server, request).await?
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
    if let Some(code) = &cli.duress_code {
        client.arm_duress_code(&cli.state, code)?;
    }
    println!(
        "you are {} (device {}). /to ACCOUNT_ID to choose whom to write to.",
        client.account_id(),
        client.device_id()
    );
    chat(&mut client, &cli.state, &passphrase).await
}

async fn chat(
    client: &mut Client,
    state: &std::path::Path,
    passphrase: &str,
) -> Result<(), ClientError> {
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut socket = client.connect().await?;
    let mut peer: Option<String> = None;
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { break };
                let line = line.trim().to_string();
                if line == "/quit" {
                    break;
                } else if line == "/exit" {
                    // Quick exit: the account and this device's state file are wiped at once.
                    client.quick_exit(Some(state)).await?;
                    println!("done");
                    return Ok(());
                } else if line == "/whoami" {
                    println!("you are {} (device {})", client.account_id(), client.device_id());
                } else if let Some(id) = line.strip_prefix("/accept ").or_else(|| line.strip_prefix("/decline ")) {
                    match client.answer_referral(id.trim(), line.starts_with("/accept")).await {
                        Ok(_) if line.starts_with("/accept") => println!("moved; waiting for someone to answer"),
                        Ok(_) => println!("you stay in this conversation"),
                        Err(error) => println!("not answered: {error}"),
                    }
                } else if let Some(account) = line.strip_prefix("/to ") {
                    peer = Some(account.trim().to_string());
                    println!("writing to {}", account.trim());
                } else if !line.is_empty() {
                    let Some(to) = peer.clone() else {
                        println!("choose someone first: /to ACCOUNT_ID");
                        continue;
                    };
                    let sent = match client.send_text(&to, line.as_bytes()).await {
                        Err(ClientError::Http { status: 401, .. }) => {
                            client.refresh().await?;
                            client.send_text(&to, line.as_bytes()).await
                        }
                        other => other,
                    };
                    match sent {
                        Ok(_) => {}
                        Err(ClientError::IdentityChanged { account_id, .. }) => {
                            println!("the safety number of {account_id} changed. Verify it with them; sending again trusts the new one.");
                            client.accept_new_identity(&account_id).await?;
                        }
                        Err(error) => println!("not sent: {error}"),
                    }
                    client.save(state, passphrase).await?;
                }
            }
            frame = socket.next_frame() => match frame? {
                Some(ServerFrame::Envelope { envelope }) => {
                    match client.open(&envelope).await {
                        Ok(received) => {
                            println!("[{}:{}] {}", received.from_account, received.from_device, String::from_utf8_lossy(&received.plaintext));
                            if peer.is_none() {
                                peer = Some(received.from_account);
                            }
                        }
                        Err(error) => println!("a message could not be decrypted: {error}"),
                    }
                    socket.acknowledge(vec![envelope.id]).await?;
                    client.save(state, passphrase).await?;
                }
                Some(ServerFrame::PreKeysLow { .. }) => {
                    client.replenish().await?;
                    client.save(state, passphrase).await?;
                }
                Some(ServerFrame::WorkersChanged { workers, .. }) => {
                    // Someone else answers now: later messages go to them.
                    peer = workers.into_iter().next();
                    match &peer {
                        Some(worker) => println!("you are now talking with {worker}"),
                        None => println!("waiting for someone to answer"),
                    }
                }
                Some(ServerFrame::ReferralOffered { conversation_id, organisation_name, .. }) => {
                    println!("{organisation_name} may be able to help better. /accept {conversation_id} to go there, /decline {conversation_id} to stay.");
                }
                Some(_) => {}
                None => {
                    println!("the server closed the connection");
                    break;
                }
            }
        }
    }
    client.save(state, passphrase).await
}
