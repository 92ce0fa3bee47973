//! `quietline-admin` against the same data directory the server uses.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_quietline-admin");

fn run(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("QUIETLINE_DATA_DIR", dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn create_admin_makes_an_instance_administrator_once_per_handle() {
    let dir = std::env::temp_dir().join(format!("ql-admin-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let output = run(&dir, &["migrate"], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let output = run(
        &dir,
        &["create-admin", "--handle", "ops"],
        "a long enough passphrase\n",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("instance administrator ops created"));
    assert!(
        stdout.contains("otpauth://totp/Quietline:ops?secret="),
        "a second factor is set up: {stdout}"
    );
    // The passphrase was read from standard input and is nowhere in the output.
    assert!(!stdout.contains("a long enough passphrase"));

    let output = run(
        &dir,
        &["create-admin", "--handle", "ops"],
        "another long passphrase\n",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("handle is taken"));

    let output = run(&dir, &["create-admin", "--handle", "short"], "too short\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 12 characters"));
    let _ = std::fs::remove_dir_all(dir);
}
