//! The admin CLI against the test database (SQLite or PostgreSQL).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn timether(url: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_timether"))
        .args(["--config", "/nonexistent/Leptos.toml"])
        .args(args)
        .env("TIMETHER_DATABASE_URL", url)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run timether");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test]
async fn admin_commands_work_and_fail_clearly() {
    let (url, _dir) = common::database_url();
    // Migrations first, under the shared lock (tests may run in parallel).
    common::connect(&url).await;
    let m = timether(&url, &["migrate"], None);
    assert!(m.ok, "{}", m.stderr);

    let email = common::unique_email("cli");
    let created = timether(
        &url,
        &["user", "create", "--email", &email, "--name", "Cli Person"],
        Some("a strong cli passphrase\n"),
    );
    assert!(created.ok, "{}", created.stderr);
    assert!(created.stdout.contains(&email));

    let weak = timether(
        &url,
        &[
            "user",
            "create",
            "--email",
            &common::unique_email("weak"),
            "--name",
            "Weak",
        ],
        Some("short\n"),
    );
    assert!(!weak.ok);
    assert!(
        weak.stderr.contains("at least 8 characters"),
        "{}",
        weak.stderr
    );

    let users = timether(&url, &["user", "list"], None);
    assert!(users.ok && users.stdout.contains(&email));

    let list = timether(&url, &["workspace", "list"], None);
    let line = list
        .stdout
        .lines()
        .find(|l| l.contains(&email))
        .expect("workspace line with owner email")
        .to_string();
    let ws = line.split('\t').next().unwrap().to_string();
    assert!(line.contains("\tfree\tactive\t"), "{line}");

    assert!(timether(&url, &["workspace", "set-plan", &ws, "team"], None).ok);
    assert!(timether(&url, &["workspace", "set-billing", &ws, "read-only"], None).ok);
    let list = timether(&url, &["workspace", "list"], None);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with(&ws) && l.contains("\tteam\tread-only\t")),
        "{}",
        list.stdout
    );

    let bad_plan = timether(&url, &["workspace", "set-plan", &ws, "platinum"], None);
    assert!(!bad_plan.ok && bad_plan.stderr.contains("unknown plan"));
    let bad_ws = timether(
        &url,
        &["workspace", "set-billing", "not-an-id", "active"],
        None,
    );
    assert!(!bad_ws.ok && bad_ws.stderr.contains("not a workspace id"));
    let missing = timether(
        &url,
        &[
            "workspace",
            "set-plan",
            &uuid::Uuid::now_v7().to_string(),
            "team",
        ],
        None,
    );
    assert!(
        !missing.ok && missing.stderr.contains("not found"),
        "{}",
        missing.stderr
    );

    let disabled = timether(&url, &["user", "disable", &email], None);
    assert!(disabled.ok, "{}", disabled.stderr);
    let users = timether(&url, &["user", "list"], None);
    assert!(users
        .stdout
        .lines()
        .any(|l| l.contains(&email) && l.ends_with("disabled")));
    let nobody = timether(&url, &["user", "disable", "nobody@example.com"], None);
    assert!(!nobody.ok && nobody.stderr.contains("No account"));
}
