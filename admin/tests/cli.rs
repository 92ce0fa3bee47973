//! `quietline-admin import-cards` as an operator runs it, on the default SQLite storage.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietline_protocol::OrganisationId;
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
                quietline_server::cards::store::list(conn, &OrganisationId(organisation))
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
        let row = quietline_server::organisations::store::OrganisationRow {
            id: OrganisationId::from(organisation),
            name: "Harbour House".to_string(),
            default_language: "en".to_string(),
            created_at: 0,
            disappearing_seconds: None,
        };
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

#[test]
fn a_data_directory_without_a_database_is_refused_and_nothing_is_created() {
    let empty = std::env::temp_dir().join(format!("quietline-admin-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty);
    let refused = admin(&empty, &["organisations"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    assert!(
        said.contains("SQLite database"),
        "it says which storage it used: {said}"
    );
    assert!(said.contains("there is no database"), "{said}");
    assert!(!empty.join("quietline.db").exists());
    // The example configuration needs no storage at all.
    let example = admin(&empty, &["example-config"]);
    assert!(example.status.success());
    assert!(text(&example.stdout).contains("#public_listen = \"127.0.0.1:8080\""));
}

#[test]
fn set_up_tasks_name_organisations_by_name_and_reset_a_lost_second_factor() {
    let data_dir =
        std::env::temp_dir().join(format!("quietline-admin-setup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        build_state(Config::for_data_dir(&data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
    });
    let ok = |args: &[&str]| {
        let output = admin(&data_dir, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    let created = ok(&["create-organisation", "--name", "Harbour House"]);
    assert!(
        created.starts_with("organisation Harbour House created: "),
        "{created}"
    );
    assert!(ok(&["organisations"]).contains("Harbour House"));
    ok(&[
        "entry-points",
        "create",
        "--organisation",
        "Harbour House",
        "--label",
        "poster",
        "--topics",
        "work",
    ]);
    let listed = ok(&["entry-points", "list", "--organisation", "Harbour House"]);
    assert!(
        listed.contains("poster") && listed.contains("topics: work"),
        "{listed}"
    );
    let id = listed.split_whitespace().next().unwrap().to_string();
    assert_eq!(
        ok(&[
            "entry-points",
            "retire",
            "--organisation",
            "Harbour House",
            "--id",
            &id
        ])
        .trim(),
        "entry point retired"
    );
    assert!(!ok(&["entry-points", "list", "--organisation", "Harbour House"]).contains("poster"));
    let unknown = admin(&data_dir, &["invite", "--organisation", "Nowhere"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("no organisation has the id or name \"Nowhere\""));

    let admin_created = {
        use std::io::Write;
        let mut child = Command::new(BINARY)
            .env_clear()
            .env("QUIETLINE_DATA_DIR", &data_dir)
            .args(["create-admin", "--handle", "ops"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough passphrase\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(
        admin_created.status.success(),
        "{}",
        text(&admin_created.stderr)
    );
    let second_factor = || {
        runtime.block_on(async {
            let state = build_state(Config::for_data_dir(&data_dir), Arc::new(SystemClock))
                .await
                .unwrap();
            state
                .db
                .read(|conn| {
                    quietline_server::accounts::store::find_credentials_by_handle(conn, "ops")
                        .map_err(quietline_server::db::DbError::from)
                })
                .await
                .unwrap()
                .unwrap()
                .0
                .totp_sealed
                .is_some()
        })
    };
    assert!(
        second_factor(),
        "administrators get a second factor at creation"
    );
    let reset = ok(&["reset-totp", "--handle", "ops"]);
    assert!(reset.contains("second factor of ops is removed"), "{reset}");
    assert!(!second_factor());
    let nobody = admin(&data_dir, &["reset-totp", "--handle", "nobody"]);
    assert_eq!(nobody.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&data_dir);
}
