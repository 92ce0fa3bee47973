//! The `quietline` binary as an operator runs it: configuration from the environment, a default
//! start on SQLite with nothing else running, private secret files, and a clean stop on SIGTERM.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_quietline");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One plain HTTP/1.1 exchange; returns the status line and the body.
fn http(port: u16, method: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the server did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn help_lists_every_environment_variable() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for key in [
        "QUIETLINE_PUBLIC_LISTEN",
        "QUIETLINE_ADMIN_LISTEN",
        "QUIETLINE_DATA_DIR",
        "QUIETLINE_DATABASE_URL",
        "QUIETLINE_REDIS_URL",
        "QUIETLINE_LOG",
        "QUIETLINE_CONFIG",
        "QUIETLINE_TOKEN_KEY_FILE",
        "QUIETLINE_SIGNUP_POW_BITS",
    ] {
        assert!(help.contains(key), "--help does not mention {key}");
    }
}

#[test]
fn an_invalid_value_stops_start_up_naming_its_key() {
    let output = Command::new(BINARY)
        .env("QUIETLINE_ADMIN_LISTEN", "localhost-without-port")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("QUIETLINE_ADMIN_LISTEN"), "{stderr}");

    let dir = std::env::temp_dir().join(format!("ql-bin-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("quietline.toml");
    std::fs::write(&file, "public_listen = \"127.0.0.1:1\"\nno_such_key = 1\n").unwrap();
    let output = Command::new(BINARY)
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no_such_key"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn default_start_serves_both_listeners_on_sqlite_and_stops_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("ql-bin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (public, admin) = (free_port(), free_port());
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("QUIETLINE_PUBLIC_LISTEN", format!("127.0.0.1:{public}"))
        .env("QUIETLINE_ADMIN_LISTEN", format!("127.0.0.1:{admin}"))
        .env("QUIETLINE_DATA_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_listening(public);
    wait_until_listening(admin);

    let (status, body) = http(public, "POST", "/v1/signup/challenge");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"challenge\""));
    let (status, body) = http(admin, "GET", "/healthz");
    assert!(status.contains("200"), "{status} {body}");
    let (status, _) = http(public, "GET", "/healthz");
    assert!(
        status.contains("404"),
        "the public listener has no operations endpoints"
    );

    // Data and secrets exist, readable by their owner only.
    assert_eq!(mode(&dir), 0o700);
    for file in ["quietline.db", "token.key", "storage.key"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file} is not private");
    }

    let kill = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(kill.success());
    let exit = child.wait().unwrap();
    assert_eq!(
        exit.code(),
        Some(0),
        "SIGTERM must end the server with status 0"
    );

    // The setup token went to the terminal, never to the log.
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let token = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 32 && !l.contains(' '))
        .unwrap_or_else(|| panic!("no setup token on the terminal: {stdout}"))
        .to_string();
    let logs: Vec<String> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    assert!(logs.iter().any(|l| l.contains("quietline is serving")));
    assert!(logs.iter().any(|l| l.contains("quietline stopped")));
    assert!(!logs.iter().any(|l| l.contains(&token)));

    // A second start keeps the same database and keys and migrates nothing twice.
    let mut again = Command::new(BINARY)
        .env_clear()
        .env("QUIETLINE_PUBLIC_LISTEN", format!("127.0.0.1:{public}"))
        .env("QUIETLINE_ADMIN_LISTEN", format!("127.0.0.1:{admin}"))
        .env("QUIETLINE_DATA_DIR", &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_listening(admin);
    let (status, _) = http(admin, "GET", "/healthz");
    assert!(status.contains("200"));
    Command::new("kill")
        .arg("-INT")
        .arg(again.id().to_string())
        .status()
        .unwrap();
    assert_eq!(again.wait().unwrap().code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `QUIETLINE_TEST_DATABASE_URL` without its query (so TLS is negotiated as in production) and
/// `QUIETLINE_TEST_REDIS_URL`; `None` (skip, with a reason) when absent, except under `CI=true`.
fn scale_out_services() -> Option<(String, String)> {
    let database = std::env::var("QUIETLINE_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let redis = std::env::var("QUIETLINE_TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty());
    match (database, redis) {
        (Some(database), Some(redis)) => Some((
            database.split('?').next().unwrap_or_default().to_string(),
            redis,
        )),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "QUIETLINE_TEST_DATABASE_URL and QUIETLINE_TEST_REDIS_URL are required when CI=true"
            );
            eprintln!("skipped: PostgreSQL/Redis URLs not set");
            None
        }
    }
}

#[test]
fn on_postgres_and_redis_the_binary_serves_and_stops_cleanly() {
    use diesel::{Connection, RunQueryDsl};
    let Some((admin_url, redis_url)) = scale_out_services() else {
        return;
    };
    let database = format!("quietline_binary_{}", std::process::id());
    let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let dir = std::env::temp_dir().join(format!("ql-bin-pg-{}", std::process::id()));
    let (public, admin_port) = (free_port(), free_port());
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("QUIETLINE_PUBLIC_LISTEN", format!("127.0.0.1:{public}"))
        .env("QUIETLINE_ADMIN_LISTEN", format!("127.0.0.1:{admin_port}"))
        .env("QUIETLINE_DATA_DIR", &dir)
        .env("QUIETLINE_DATABASE_URL", format!("{base}/{database}"))
        .env("QUIETLINE_REDIS_URL", &redis_url)
        .env(
            "QUIETLINE_REDIS_PREFIX",
            format!("qlbin{}:", std::process::id()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_listening(admin_port);
    wait_until_listening(public);
    for _ in 0..3 {
        let (status, _) = http(public, "POST", "/v1/signup/challenge");
        assert!(status.contains("200"), "{status}");
    }
    let (status, body) = http(admin_port, "GET", "/healthz");
    assert!(
        status.contains("200") && body.contains("\"bus\":true"),
        "{status} {body}"
    );
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let exit = child.wait().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert_eq!(
        exit.code(),
        Some(0),
        "SIGTERM must end the server with status 0 ({exit}): {logs}"
    );
    assert!(
        logs.contains("database=Postgres") && logs.contains("bus=\"redis\""),
        "{logs}"
    );
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&mut admin);
    let _ = std::fs::remove_dir_all(dir);
}
