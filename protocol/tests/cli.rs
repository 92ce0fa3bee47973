//! `quietline-client --help` tells a newcomer what to type once it runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_quietline-client");

#[test]
fn help_names_the_commands_of_both_sides() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in [
        "seeker",
        "worker",
        "login",
        "resume",
        "/help",
        "/exit",
        "/accept",
        "/waiting",
        "/claim",
        "/transfer",
        "/refer",
        "/close",
        "/available",
    ] {
        assert!(help.contains(command), "--help does not mention {command}");
    }
}
