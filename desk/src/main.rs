//! `quietline-desk`: the outreach worker's desk, served to this machine's browser only.
//!
//!     quietline-desk --server https://help.example.org --state ~/.quietline/desk.ql
//!
//! It prints a one-time address and opens it in the browser; on first run the page asks for the
//! invite code from an administrator, then for the passphrase that encrypts the state file.

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "quietline-desk",
    version,
    about = "The Quietline outreach worker's desk"
)]
struct Cli {
    /// The server's public address.
    #[arg(
        long,
        env = "QUIETLINE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// Encrypted state file (identity, keys, sessions, tokens).
    #[arg(long, default_value = "quietline-desk.ql")]
    state: PathBuf,
    /// Minutes without use after which the desk asks for the passphrase again.
    #[arg(long, default_value_t = 10)]
    idle_minutes: u64,
    /// Port on 127.0.0.1 (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Do not open the browser; only print the address.
    #[arg(long)]
    no_browser: bool,
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env(
            "QUIETLINE_DESK_LOG",
        ))
        .init();
    let cli = Cli::parse();
    let running = quietline_desk::start(
        quietline_desk::Options {
            server: cli.server,
            state: cli.state,
            idle: Duration::from_secs(cli.idle_minutes.max(1) * 60),
        },
        cli.port,
    )?;
    println!("The desk is open at {}", running.launch_url);
    println!("Open that address in your browser; it works once. Stop the desk with Ctrl-C.");
    if !cli.no_browser {
        let _ = std::process::Command::new("xdg-open")
            .arg(&running.launch_url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    let handle = running.server.handle();
    actix_web::rt::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        handle.stop(true).await;
    });
    running.server.await
}
