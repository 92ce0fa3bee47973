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

/// Runs SQL on a copy's storage, as someone with write access to the database file would.
fn tamper(runtime: &tokio::runtime::Runtime, data_dir: &Path, sql: &'static str) {
    runtime.block_on(async {
        let state = build_state(Config::for_data_dir(data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
        state
            .db
            .write(move |conn| {
                use diesel::connection::SimpleConnection;
                conn.batch_execute(sql)
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .unwrap();
    });
}

/// A consistent copy of a data directory: the database through SQLite's `VACUUM INTO`, the key
/// files as they are.
fn copy_data_dir(runtime: &tokio::runtime::Runtime, from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for key in ["storage.key", "token.key"] {
        std::fs::copy(from.join(key), to.join(key)).unwrap();
    }
    let target = to.join("quietline.db").display().to_string();
    runtime.block_on(async {
        let state = build_state(Config::for_data_dir(from), Arc::new(SystemClock))
            .await
            .unwrap();
        state
            .db
            .read(move |conn| {
                use diesel::connection::SimpleConnection;
                conn.batch_execute(&format!("VACUUM INTO '{target}'"))
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .unwrap();
    });
}

#[test]
fn the_audit_log_records_each_change_and_verify_finds_an_edited_removed_or_swapped_entry() {
    let base = std::env::temp_dir().join(format!("quietline-admin-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let data_dir = base.join("live");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        build_state(Config::for_data_dir(&data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
    });
    let ok = |dir: &Path, args: &[&str]| {
        let output = admin(dir, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    let empty = ok(&data_dir, &["audit", "verify"]);
    assert!(empty.contains("intact: 0 entries"), "{empty}");
    ok(
        &data_dir,
        &["create-organisation", "--name", "Harbour House"],
    );
    ok(&data_dir, &["invite", "--organisation", "Harbour House"]);
    ok(
        &data_dir,
        &[
            "entry-points",
            "create",
            "--organisation",
            "Harbour House",
            "--label",
            "poster",
        ],
    );
    ok(
        &data_dir,
        &[
            "invite",
            "--organisation",
            "Harbour House",
            "--role",
            "admin",
        ],
    );

    let listed = ok(&data_dir, &["audit", "list"]);
    let actions: Vec<&str> = listed
        .lines()
        .map(|line| line.split_whitespace().nth(5).unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "invite.create",
            "entry_point.create",
            "invite.create",
            "organisation.create"
        ],
        "{listed}"
    );
    assert!(
        listed.lines().all(|line| line.contains("operator")),
        "{listed}"
    );
    // Never a name or a code: the organisation's name and the entry point's label are not in it.
    assert!(
        !listed.contains("Harbour") && !listed.contains("poster"),
        "{listed}"
    );

    let intact = ok(&data_dir, &["audit", "verify"]);
    assert!(intact.contains("intact: 4 entries, head "), "{intact}");
    let head = intact.trim().rsplit(' ').next().unwrap().to_string();
    ok(
        &data_dir,
        &["audit", "verify", "--head", &format!("4:{head}")],
    );

    let cases: [(&str, &'static str, &str); 5] = [
        (
            "edited",
            "UPDATE audit_log SET target = 'someone-else' WHERE seq = 2;",
            "entry 2: its content does not match its hash",
        ),
        (
            "removed",
            "DELETE FROM audit_log WHERE seq = 2;",
            "entry 2: an entry is missing or out of order",
        ),
        (
            "last-removed",
            "DELETE FROM audit_log WHERE seq = 4;",
            "entry 4: the head names an entry the log does not hold",
        ),
        (
            "swapped",
            "UPDATE audit_log SET seq = -1 WHERE seq = 2; \
             UPDATE audit_log SET seq = 2 WHERE seq = 3; \
             UPDATE audit_log SET seq = 3 WHERE seq = -1;",
            "entry 2: it does not follow the entry before it",
        ),
        (
            "renumbered",
            "UPDATE audit_log SET seq = seq + 10 WHERE seq >= 3;",
            "entry 3: an entry is missing or out of order",
        ),
    ];
    for (name, sql, said) in cases {
        let copy = base.join(name);
        copy_data_dir(&runtime, &data_dir, &copy);
        ok(&copy, &["audit", "verify"]);
        tamper(&runtime, &copy, sql);
        let broken = admin(&copy, &["audit", "verify"]);
        assert_eq!(
            broken.status.code(),
            Some(1),
            "{name}: {}",
            text(&broken.stdout)
        );
        let error = text(&broken.stderr);
        assert!(error.contains(said), "{name}: {error}");
    }

    // A log rewritten from scratch holds together, but not against a head announced before.
    let forged = base.join("forged");
    copy_data_dir(&runtime, &data_dir, &forged);
    tamper(
        &runtime,
        &forged,
        "DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = '0000000000000000000000000000000000000000000000000000000000000000';",
    );
    ok(&forged, &["create-organisation", "--name", "Other"]);
    ok(&forged, &["audit", "verify"]);
    let rewritten = admin(
        &forged,
        &["audit", "verify", "--head", &format!("4:{head}")],
    );
    assert_eq!(rewritten.status.code(), Some(1));
    assert!(
        text(&rewritten.stderr).contains("does not hold entry 4"),
        "{}",
        text(&rewritten.stderr)
    );
    let malformed = admin(&forged, &["audit", "verify", "--head", "four"]);
    assert_eq!(
        malformed.status.code(),
        Some(2),
        "clap refuses it: {}",
        text(&malformed.stderr)
    );
    let _ = std::fs::remove_dir_all(&base);
}
