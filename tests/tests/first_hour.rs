//! The README's first hour, walked as a newcomer walks it: the real `quietline` server on a
//! fresh data directory, `quietline-admin` for the set-up, and `quietline-client` for a worker,
//! a second worker and a seeker, each in its own pseudo-terminal, typing what the README says.
//! No API call is made outside those programs.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rexpect::session::PtySession;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// How long one expected line may take to appear: generous, for a machine with both cores busy.
const PATIENCE_MS: u64 = 90_000;
const PASSPHRASE: &str = "correct horse battery staple";

/// A binary of this workspace, built next to the test binaries by `cargo test --workspace`.
fn binary(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let path = deps.parent().unwrap().parent().unwrap().join(name);
    assert!(
        path.exists(),
        "{} is missing: run the suite with `cargo test --workspace`, which builds it",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server, stopped when the test ends however it ends.
struct Server {
    child: Child,
    public: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the server keeps its data: a data directory and, on PostgreSQL + Redis, their URLs,
/// given to the server and to `quietline-admin` alike.
struct Deployment {
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
}

fn start_server(deployment: &Deployment) -> Server {
    let data_dir = deployment.dir.as_path();
    let public_port = free_port();
    let child = Command::new(binary("quietline"))
        .env_clear()
        .env("QUIETLINE_DATA_DIR", data_dir)
        .envs(deployment.env.iter().cloned())
        .env(
            "QUIETLINE_PUBLIC_LISTEN",
            format!("127.0.0.1:{public_port}"),
        )
        .env(
            "QUIETLINE_ADMIN_LISTEN",
            format!("127.0.0.1:{}", free_port()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        public: format!("http://127.0.0.1:{public_port}"),
    };
    // The database exists once the server has written its setup token next to it.
    let token = data_dir.join("setup-token");
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(PATIENCE_MS);
    while !token.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server
}

/// `quietline-admin ARGS` on the server's data directory; its output when it succeeds.
fn admin(deployment: &Deployment, args: &[&str], stdin: Option<&str>) -> String {
    let mut command = Command::new(binary("quietline-admin"));
    command
        .env_clear()
        .env("QUIETLINE_DATA_DIR", &deployment.dir)
        .envs(deployment.env.iter().cloned())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{text}\n").as_bytes())
            .unwrap();
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&stdout).to_string();
    assert!(
        status.success(),
        "quietline-admin {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

/// The last word of the last line: where the admin tasks print a code or an id.
fn last_word(output: &str) -> String {
    output
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// `quietline-client ARGS` in a pseudo-terminal, past the passphrase prompt.
fn client(server: &Server, state: &Path, args: &[&str]) -> PtySession {
    let mut command = Command::new(binary("quietline-client"));
    command
        .env_clear()
        .env("LANG", "C.UTF-8")
        .env("TZ", "UTC")
        .arg("--server")
        .arg(&server.public)
        .arg("--state")
        .arg(state)
        .args(args);
    let mut session = rexpect::session::spawn_command(command, Some(PATIENCE_MS)).unwrap();
    session.exp_string("passphrase").unwrap();
    session.send_line(PASSPHRASE).unwrap();
    session
}

#[test]
fn a_worker_and_a_seeker_talk_by_following_the_readme_sqlite() {
    walk_the_readme("sqlite", Vec::new());
}

#[test]
fn a_worker_and_a_seeker_talk_by_following_the_readme_postgres() {
    let Some(services) = quietline_tests::SharedServices::create() else {
        return;
    };
    walk_the_readme(
        "postgres",
        vec![
            ("QUIETLINE_DATABASE_URL", services.database_url.clone()),
            ("QUIETLINE_REDIS_URL", services.redis_url().to_string()),
            (
                "QUIETLINE_REDIS_PREFIX",
                services.redis_prefix().to_string(),
            ),
        ],
    );
}

fn walk_the_readme(name: &str, env: Vec<(&'static str, String)>) {
    let data_dir = std::env::temp_dir().join(format!(
        "quietline-first-hour-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let deployment = Deployment {
        dir: data_dir.clone(),
        env,
    };
    let server = start_server(&deployment);

    // The setup token waits in a file only its owner can read.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data_dir.join("setup-token"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // The coordinator's set-up, with the commands the README shows.
    let created = admin(
        &deployment,
        &["create-admin", "--handle", "ops"],
        Some("a passphrase for the coordinator"),
    );
    assert!(created.contains("otpauth://totp/"), "{created}");
    assert!(
        !data_dir.join("setup-token").exists(),
        "the setup token's file goes once it is used"
    );
    admin(
        &deployment,
        &[
            "create-organisation",
            "--name",
            "Harbour House",
            "--language",
            "en",
        ],
        None,
    );
    admin(
        &deployment,
        &[
            "create-organisation",
            "--name",
            "North Shore Legal",
            "--language",
            "en",
        ],
        None,
    );
    admin(
        &deployment,
        &[
            "partners",
            "--organisation",
            "Harbour House",
            "--partner",
            "North Shore Legal",
        ],
        None,
    );
    let mutual = admin(
        &deployment,
        &[
            "partners",
            "--organisation",
            "North Shore Legal",
            "--partner",
            "Harbour House",
        ],
        None,
    );
    assert!(mutual.contains("referrals possible"), "{mutual}");
    let invite_maria = last_word(&admin(
        &deployment,
        &[
            "invite",
            "--organisation",
            "Harbour House",
            "--role",
            "worker",
        ],
        None,
    ));
    let invite_jose = last_word(&admin(
        &deployment,
        &["invite", "--organisation", "Harbour House"],
        None,
    ));
    let entry = last_word(&admin(
        &deployment,
        &[
            "entry-points",
            "create",
            "--organisation",
            "Harbour House",
            "--label",
            "recipes poster",
            "--language",
            "tl",
            "--topics",
            "work,housing",
            "--theme",
            "recipes",
        ],
        None,
    ));

    // Terminal 1 and 2: two workers redeem their invites and become available.
    let mut maria = client(
        &server,
        &data_dir.join("maria.ql"),
        &[
            "worker",
            "--invite",
            &invite_maria,
            "--handle",
            "maria",
            "--languages",
            "tl,en",
        ],
    );
    maria.exp_string("Signed in as maria").unwrap();
    maria.send_line("/available").unwrap();
    maria.exp_string("You are available.").unwrap();
    let mut jose = client(
        &server,
        &data_dir.join("jose.ql"),
        &[
            "worker",
            "--invite",
            &invite_jose,
            "--handle",
            "jose",
            "--languages",
            "tl,es",
        ],
    );
    jose.exp_string("Signed in as jose").unwrap();
    jose.send_line("/available 3").unwrap();
    jose.exp_string("You are available, for up to 3 conversations.")
        .unwrap();

    // Terminal 3: a seeker comes through the entry point; nobody asks for an account id.
    let mut seeker = client(
        &server,
        &data_dir.join("seeker.ql"),
        &[
            "seeker",
            "--entry",
            &entry,
            "--languages",
            "tl",
            "--topic",
            "work",
        ],
    );
    seeker.exp_string("Is it safe to talk now?").unwrap();
    seeker.send_line("").unwrap();
    seeker
        .exp_string("Someone who reads your language is available now.")
        .unwrap();
    seeker.exp_string("Write when you are ready.").unwrap();

    // Maria hears of it, finds it in the queue and claims it.
    // (rexpect reads bytes one by one, so only ASCII is matched.)
    maria.exp_string("Someone is waiting: tl").unwrap();
    maria.send_line("/waiting").unwrap();
    maria.exp_string("1) tl").unwrap();
    maria.send_line("/claim 1").unwrap();
    maria.exp_string("You took #1").unwrap();
    jose.exp_string("maria took a waiting conversation.")
        .unwrap();
    seeker
        .exp_string("You are now talking with maria.")
        .unwrap();

    // Messages both ways, end to end encrypted by the clients.
    seeker
        .send_line("Kailangan ko ng tulong sa trabaho")
        .unwrap();
    maria
        .exp_string("#1: Kailangan ko ng tulong sa trabaho")
        .unwrap();
    maria
        .send_line("Nandito ako. Ligtas ka ba ngayon?")
        .unwrap();
    seeker
        .exp_string("maria: Nandito ako. Ligtas ka ba ngayon?")
        .unwrap();

    // A transfer: each side is told who it talks with now, and the new worker writes first.
    maria.send_line("/transfer jose").unwrap();
    maria.exp_string("#1 is now with jose.").unwrap();
    jose.exp_string("was handed to you.").unwrap();
    seeker.exp_string("You are now talking with jose.").unwrap();
    jose.send_line("Ako si jose, tutulungan kita.").unwrap();
    seeker
        .exp_string("jose: Ako si jose, tutulungan kita.")
        .unwrap();
    seeker.send_line("Salamat").unwrap();
    jose.exp_string("#1: Salamat").unwrap();

    // A referral, in neutral words and without identifiers, accepted by the seeker.
    jose.send_line("/partners").unwrap();
    jose.exp_string("1) North Shore Legal").unwrap();
    jose.send_line("/refer 1").unwrap();
    jose.exp_string("Offered North Shore Legal").unwrap();
    seeker
        .exp_string("jose suggests another organisation that can help with work.")
        .unwrap();
    seeker.send_line("/accept").unwrap();
    seeker.exp_string("You have moved.").unwrap();
    jose.exp_string("accepted the referral").unwrap();

    // Another seeker cannot talk now and asks to be answered later; only the worker who takes
    // it reads when.
    let mut later = client(
        &server,
        &data_dir.join("later.ql"),
        &[
            "seeker",
            "--entry",
            &entry,
            "--languages",
            "tl",
            "--topic",
            "work",
        ],
    );
    later.exp_string("Is it safe to talk now?").unwrap();
    later.send_line("later").unwrap();
    later.exp_string("When is it safe to answer you?").unwrap();
    later.send_line("weekdays after 6 pm").unwrap();
    later.exp_string("Anything else").unwrap();
    later.send_line("").unwrap();
    later.exp_string("Your request waits").unwrap();
    maria
        .exp_string("Someone asks to be answered later: tl")
        .unwrap();
    maria.send_line("/waiting").unwrap();
    maria.exp_string("(answer later)").unwrap();
    maria.send_line("/claim 1").unwrap();
    maria
        .exp_string("asks to be answered later. Safe: weekdays after 6 pm")
        .unwrap();

    for mut session in [maria, jose, seeker] {
        session.send_line("/quit").unwrap();
        session.exp_eof().unwrap();
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
