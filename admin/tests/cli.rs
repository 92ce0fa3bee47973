//! `quietline-admin import-cards` as an operator runs it, on the default SQLite storage.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_server::clock::SystemClock;
use quietline_server::config::Config;
use quietline_server::startup::build_state;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

const BINARY: &str = env!("CARGO_BIN_EXE_quietline-admin");

fn admin(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BINARY)
        .env_clear()
        .env("QUIETLINE_DATA_DIR", data_dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// Opens the storage the console task uses: (cards of the organisation, sample ones among them).
fn cards(runtime: &tokio::runtime::Runtime, data_dir: &Path, organisation: &str) -> (usize, usize) {
    let organisation = organisation.to_string();
    runtime.block_on(async {
        let state = build_state(Config::for_data_dir(data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
        let rows = state
            .db
            .read(move |conn| {
                quietline_server::cards::store::list(conn, &organisation)
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .unwrap();
        let samples = rows
            .iter()
            .filter(|row| {
                quietline_server::cards::service::content_of(&row.content)
                    .unwrap()
                    .sample
            })
            .count();
        (rows.len(), samples)
    })
}

#[test]
fn the_starter_set_is_checked_then_imported_once_and_files_report_their_problems() {
    let data_dir = std::env::temp_dir().join(format!("quietline-admin-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let organisation = "8d0c1d9e-5b8a-4f57-9a51-6f0c2f1a7c11";
    runtime.block_on(async {
        let state = build_state(Config::for_data_dir(&data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
        let row = (
            organisation.to_string(),
            "Harbour House".to_string(),
            "en".to_string(),
            0,
            None,
        );
        state
            .db
            .write(move |conn| {
                quietline_server::organisations::store::insert_organisation(conn, &row)
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .unwrap();
    });

    let dry = admin(
        &data_dir,
        &[
            "import-cards",
            "--organisation",
            organisation,
            "--starter",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).starts_with("12 cards would be created"),
        "{}",
        text(&dry.stdout)
    );
    assert_eq!(cards(&runtime, &data_dir, organisation), (0, 0));

    let real = admin(
        &data_dir,
        &["import-cards", "--organisation", organisation, "--starter"],
    );
    assert!(real.status.success(), "{}", text(&real.stderr));
    assert!(
        text(&real.stdout).starts_with("12 cards were created"),
        "{}",
        text(&real.stdout)
    );
    assert_eq!(cards(&runtime, &data_dir, organisation), (12, 12));
    // Loading the set again would duplicate it.
    let again = admin(
        &data_dir,
        &["import-cards", "--organisation", organisation, "--starter"],
    );
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already has sample cards"));

    // A file with a problem: listed by row and field, exit status 1, nothing imported.
    let file = data_dir.join("cards.csv");
    std::fs::write(
        &file,
        "card,source_locale,locale,category,regions,cost,title,summary,risk_disclosure\n\
         a,en,en,shelter,CA-ON,free,Shelter,A bed.,None.\n\
         b,en,en,castle,CA-ON,free,Castle,Towers.,None.\n",
    )
    .unwrap();
    let refused = admin(
        &data_dir,
        &[
            "import-cards",
            "--organisation",
            organisation,
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("row 2, category:"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(cards(&runtime, &data_dir, organisation), (12, 12));
    let _ = std::fs::remove_dir_all(&data_dir);
}
