//! `quietline-admin` as an operator runs it, on the default SQLite storage.
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

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Storage (database and keys) in `data_dir`, as the server's first start makes it.
fn create_storage(runtime: &tokio::runtime::Runtime, data_dir: &Path) {
    runtime.block_on(async {
        build_state(Config::for_data_dir(data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
    });
}

/// A new data directory for one test, with its storage.
fn fresh_data_dir(name: &str) -> std::path::PathBuf {
    let data_dir =
        std::env::temp_dir().join(format!("quietline-admin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    create_storage(&runtime(), &data_dir);
    data_dir
}

/// `quietline-admin ARGS`, which must succeed: what it printed.
fn succeeds(data_dir: &Path, args: &[&str]) -> String {
    let output = admin(data_dir, args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// `quietline-admin ARGS`, which must fail with status 1: what it said on standard error.
fn fails(data_dir: &Path, args: &[&str]) -> String {
    let output = admin(data_dir, args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?} should fail: {}",
        text(&output.stdout)
    );
    text(&output.stderr)
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
    let runtime = runtime();
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
            "cards",
            "import",
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
        &[
            "cards",
            "import",
            "--organisation",
            organisation,
            "--starter",
        ],
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
        &[
            "cards",
            "import",
            "--organisation",
            organisation,
            "--starter",
        ],
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
    let refused = fails(
        &data_dir,
        &[
            "cards",
            "import",
            "--organisation",
            organisation,
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert!(refused.contains("row 2, category:"), "{}", refused);
    assert_eq!(cards(&runtime, &data_dir, organisation), (12, 12));
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_data_directory_without_a_database_is_refused_and_nothing_is_created() {
    let empty = std::env::temp_dir().join(format!("quietline-admin-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty);
    let refused = fails(&empty, &["organisations"]);
    let said = refused;
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
    let data_dir = fresh_data_dir("setup");
    let runtime = runtime();
    let ok = |args: &[&str]| succeeds(&data_dir, args);
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
    let unknown = fails(&data_dir, &["invite", "--organisation", "Nowhere"]);
    assert!(unknown.contains("no organisation has the id or name \"Nowhere\""));

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
    let nobody = fails(&data_dir, &["reset-totp", "--handle", "nobody"]);
    assert!(
        nobody.contains("nobody has the handle \"nobody\""),
        "{nobody}"
    );
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
    let runtime = runtime();
    create_storage(&runtime, &data_dir);
    let ok = succeeds;
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
        let broken = fails(&copy, &["audit", "verify"]);
        let error = broken;
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
    let rewritten = fails(
        &forged,
        &["audit", "verify", "--head", &format!("4:{head}")],
    );
    assert!(rewritten.contains("does not hold entry 4"), "{}", rewritten);
    let malformed = admin(&forged, &["audit", "verify", "--head", "four"]);
    assert_eq!(
        malformed.status.code(),
        Some(2),
        "clap refuses it: {}",
        text(&malformed.stderr)
    );
    let _ = std::fs::remove_dir_all(&base);
}

/// The QR code `invite` draws for a dark terminal (a drawn half block is a light module), read
/// back with a QR decoder.
fn read_terminal_qr(drawing: &str) -> String {
    let rows: Vec<Vec<char>> = drawing
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.chars().collect())
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap();
    let scale = 4;
    let light = |x: usize, y: usize| -> bool {
        let c = rows[y / 2].get(x).copied().unwrap_or('█');
        if y.is_multiple_of(2) {
            matches!(c, '█' | '▀')
        } else {
            matches!(c, '█' | '▄')
        }
    };
    let height = rows.len() * 2;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width * scale, height * scale, |x, y| {
            if light(x / scale, y / scale) { 255 } else { 0 }
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in:\n{drawing}");
    grids[0].decode().unwrap().1
}

#[test]
fn an_invite_prints_its_code_and_a_qr_code_of_it() {
    let data_dir = fresh_data_dir("qr");
    succeeds(
        &data_dir,
        &["create-organisation", "--name", "Harbour House"],
    );
    let invite = admin(&data_dir, &["invite", "--organisation", "Harbour House"]);
    assert!(invite.status.success(), "{}", text(&invite.stderr));
    let said = text(&invite.stdout);
    let code = said.split_whitespace().last().unwrap().to_string();
    assert!(code.len() >= 32, "{said}");
    let (_, drawing) = said.split_once("(light on dark):\n").unwrap();
    let (drawing, _) = drawing.split_once("the code:").unwrap();
    assert_eq!(read_terminal_qr(drawing), code);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// The organisation's signed bundle as a seeker's client is served it: signing it needs the
/// bundle signing key that the storage key unseals.
fn served_bundle(
    runtime: &tokio::runtime::Runtime,
    data_dir: &Path,
    organisation: &OrganisationId,
) -> serde_json::Value {
    runtime.block_on(async {
        let state = build_state(Config::for_data_dir(data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
        let seeker = quietline_server::auth::Principal {
            role: quietline_protocol::api::Role::Seeker,
            account_id: "seeker".into(),
            ..quietline_server::auth::Principal::operator()
        };
        let bundle = quietline_server::cards::serve::bundle(
            &state,
            &seeker,
            organisation.clone(),
            Default::default(),
            Some("en".into()),
        )
        .await
        .unwrap();
        // Signed as served: the same cards, day and key make the same bytes (Ed25519 is
        // deterministic).
        serde_json::from_slice(&bundle.json).unwrap()
    })
}

#[test]
fn cards_go_out_and_back_and_a_restored_backup_serves_the_same_signed_cards() {
    let base = std::env::temp_dir().join(format!("quietline-admin-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let data_dir = base.join("live");
    let runtime = runtime();
    let ok = succeeds;
    // One published card (through the service the admin API runs) beside the starter set.
    let organisation = runtime.block_on(async {
        use quietline_server::auth::OrganisationAdmin;
        let state = build_state(Config::for_data_dir(&data_dir), Arc::new(SystemClock)).await.unwrap();
        let organisation = quietline_server::organisations::service::create_organisation(
            &state,
            &quietline_server::auth::Principal::operator(),
            quietline_protocol::api::CreateOrganisation {
                name: "Harbour House".into(),
                default_language: "en".into(),
                disappearing_seconds: None,
            },
        )
        .await
        .unwrap();
        let admin = OrganisationAdmin::operator(&state, organisation.id.clone()).await.unwrap();
        let content = serde_json::from_value(serde_json::json!({
            "category": "shelter", "source_locale": "en", "regions": ["CA-BC"], "cost": "free",
            "translations": {"en": {"title": "Harbour beds", "summary": "Beds tonight.", "body": "", "risk_disclosure": "None."}},
        }))
        .unwrap();
        let card = quietline_server::cards::service::create(&state, &admin, content).await.unwrap();
        quietline_server::cards::service::step(
            &state,
            &admin,
            card.id.clone().into(),
            quietline_server::cards::service::Step::Publish,
        )
        .await
        .unwrap();
        organisation.id
    });
    let org = organisation.0.as_str();
    ok(
        &data_dir,
        &["cards", "import", "--organisation", org, "--starter"],
    );

    // Out and back: an export is read back unchanged, in both formats.
    for name in ["cards.json", "cards.csv"] {
        let file = base.join(name);
        let file = file.to_str().unwrap();
        assert!(
            ok(
                &data_dir,
                &[
                    "cards",
                    "export",
                    "--organisation",
                    "Harbour House",
                    "--to",
                    file
                ]
            )
            .contains("written")
        );
        let checked = ok(
            &data_dir,
            &["cards", "validate", "--organisation", org, "--file", file],
        );
        assert_eq!(
            checked.trim(),
            "0 cards would be created, 0 updated, 13 unchanged (as drafts: review and publish them)",
            "{name}"
        );
    }
    // A bad file: its problems, a failure, and nothing written.
    let bad = base.join("bad.json");
    std::fs::write(&bad, r#"{"cards": [{"content": {"category": "castle"}}]}"#).unwrap();
    let refused = fails(
        &data_dir,
        &[
            "cards",
            "validate",
            "--organisation",
            org,
            "--file",
            bad.to_str().unwrap(),
        ],
    );
    assert!(
        refused.contains("row 1, content: unknown variant `castle`"),
        "{}",
        refused
    );
    let unreadable = fails(
        &data_dir,
        &[
            "cards",
            "import",
            "--organisation",
            org,
            "--file",
            base.join("missing.json").to_str().unwrap(),
        ],
    );
    assert!(unreadable.contains("reading"), "{}", unreadable);
    assert_eq!(cards(&runtime, &data_dir, org), (13, 12));

    let served = served_bundle(&runtime, &data_dir, &organisation);
    let payload: serde_json::Value =
        serde_json::from_str(served["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["cards"].as_array().unwrap().len(), 1, "{served}");

    // A backup while in use, restored into a new data directory, serves the same signed cards.
    let backup = base.join("backup");
    ok(&data_dir, &["backup", "--to", backup.to_str().unwrap()]);
    for file in ["quietline.db", "storage.key", "token.key"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(backup.join(file)).unwrap().permissions(),
        );
        assert_eq!(mode & 0o077, 0, "{file} is private");
    }
    let again = fails(&data_dir, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(
        again.contains("is not empty"),
        "a backup is never written over: {again}"
    );
    let restored = base.join("restored");
    // `restore` needs no database at the target: it is the one task that starts without one.
    ok(&restored, &["restore", "--from", backup.to_str().unwrap()]);
    assert_eq!(served_bundle(&runtime, &restored, &organisation), served);
    assert_eq!(cards(&runtime, &restored, org), (13, 12));
    ok(&restored, &["audit", "verify"]);
    let over = fails(&restored, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(over.contains("there is a database at"), "{}", over);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn doctor_reports_a_readable_secret_and_purge_counts_before_it_deletes() {
    let data_dir =
        std::env::temp_dir().join(format!("quietline-admin-doctor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let runtime = runtime();
    runtime.block_on(async {
        let state = build_state(Config::for_data_dir(&data_dir), Arc::new(SystemClock))
            .await
            .unwrap();
        let row = quietline_server::organisations::store::OrganisationRow {
            id: OrganisationId::from("org"),
            name: "Harbour House".into(),
            default_language: "en".into(),
            created_at: 0,
            disappearing_seconds: None,
        };
        state
            .db
            .write(move |conn| {
                quietline_server::organisations::store::insert_organisation(conn, &row)?;
                // An invite that expired an hour ago.
                quietline_server::organisations::store::insert_invite(
                    conn,
                    "expired-invite-hash",
                    &OrganisationId::from("org"),
                    quietline_protocol::api::Role::Worker,
                    jiff::Timestamp::now().as_second() - 3_600,
                )
                .map_err(quietline_server::db::DbError::from)
            })
            .await
            .unwrap();
    });
    let healthy = admin(&data_dir, &["doctor"]);
    let report = text(&healthy.stdout);
    assert!(
        healthy.status.success(),
        "{report}{}",
        text(&healthy.stderr)
    );
    assert!(
        report.contains("ok    database reachable and migrated"),
        "{report}"
    );
    assert!(
        report.contains("storage.key readable by its owner only"),
        "{report}"
    );
    assert!(report.contains("MiB free where"), "{report}");

    let key = data_dir.join("storage.key");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let sick = admin(&data_dir, &["doctor"]);
    assert_eq!(sick.status.code(), Some(1));
    let report = text(&sick.stdout);
    assert!(
        report.contains(&format!("FAIL  {} has mode 0644", key.display())),
        "{report}"
    );
    assert!(text(&sick.stderr).contains("1 problem(s) found"));
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    // A database that is not there is a failure too, and doctor does not create one.
    let elsewhere = data_dir.join("nowhere");
    let missing = admin(&elsewhere, &["doctor"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stdout).contains("FAIL  database: "),
        "{}",
        text(&missing.stdout)
    );
    assert!(!elsewhere.join("quietline.db").exists());

    let count = |args: &[&str]| {
        let out = admin(&data_dir, args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let said = text(&out.stdout);
        said.lines()
            .find(|l| l.contains("expired invites"))
            .and_then(|l| l.split_whitespace().next())
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    assert_eq!(count(&["purge", "--dry-run"]), 1);
    assert_eq!(
        count(&["purge", "--dry-run"]),
        1,
        "a dry run deletes nothing"
    );
    assert_eq!(count(&["purge"]), 1);
    assert_eq!(count(&["purge", "--dry-run"]), 0);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn rotating_keys_keeps_the_old_token_key_aside_and_gives_each_organisation_a_new_bundle_key() {
    let data_dir = fresh_data_dir("rotate");
    succeeds(
        &data_dir,
        &["create-organisation", "--name", "Harbour House"],
    );
    let before = std::fs::read(data_dir.join("token.key")).unwrap();
    let rotated = admin(&data_dir, &["rotate-keys"]);
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let said = text(&rotated.stdout);
    assert!(
        said.contains("QUIETLINE_PREVIOUS_TOKEN_KEY_FILES="),
        "{said}"
    );
    assert!(
        said.contains("Harbour House: new bundle signing key"),
        "{said}"
    );
    let after = std::fs::read(data_dir.join("token.key")).unwrap();
    assert_ne!(before, after);
    let previous: Vec<_> = std::fs::read_dir(&data_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(".previous"))
        .collect();
    assert_eq!(previous.len(), 1);
    assert_eq!(std::fs::read(&previous[0]).unwrap(), before);
    let audit = text(&admin(&data_dir, &["audit", "list"]).stdout);
    assert!(audit.contains("cards.bundle_key_rotate"), "{audit}");
    let _ = std::fs::remove_dir_all(&data_dir);
}
