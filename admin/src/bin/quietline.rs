//! `quietline`: parse configuration, build both listeners with the administrators' console
//! mounted on the admin one, run — nothing else.

use clap::Parser;
use quietline_server::clock::SystemClock;
use quietline_server::config::{Cli, Config};
use quietline_server::startup::Application;
use quietline_server::telemetry;
use std::sync::Arc;

fn main() {
    let cli = Cli::parse();
    let config = match Config::load(&cli) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("quietline: {error}");
            std::process::exit(2);
        }
    };
    telemetry::init(&config.log, std::io::stderr);
    let setup_file = config
        .data_dir
        .join(quietline_server::accounts::service::SETUP_TOKEN_FILE);
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build_with(
            config,
            Arc::new(SystemClock),
            true,
            Some(quietline_admin::console::configure),
        )
        .await?;
        if let Some(token) = app.setup_token() {
            // On the terminal, set apart from the log lines, and never logged; the database
            // keeps only its hash, the data directory a private copy until it is used.
            let rule = "=".repeat(72);
            println!(
                "\n{rule}\n\
                 No administrator exists yet. Create the first one with this one-time setup token\n\
                 (the console's set-up page, POST /admin/v1/setup on the admin listener, or\n\
                 `quietline-admin create-admin`).\n\
                 It is also in {file} until it is used.\n\n    {token}\n{rule}\n",
                file = setup_file.display()
            );
        }
        app.run_until_stopped().await.map_err(anyhow::Error::from)
    });
    if let Err(error) = result {
        eprintln!("quietline: {error:#}");
        std::process::exit(1);
    }
    // Everything that held a connection has stopped with the runtime; the envelope writer's
    // thread closes its own last. Let it, before the process tears libpq down.
    if !quietline_server::db::wait_for_pools_closed(std::time::Duration::from_secs(10)) {
        tracing::warn!("database connections were still open at exit");
    }
}
