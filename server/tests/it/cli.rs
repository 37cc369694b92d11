//! The admin CLI against the test database (SQLite or PostgreSQL).

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
        .env(
            "TIMETHER_TOTP_KEY",
            "dGVzdHMgb25seTogbm90IGEgc2VjcmV0IGtleSEhISE",
        )
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
    let (url, _dir) = crate::common::database_url();
    // Migrations first, under the shared lock (tests may run in parallel).
    crate::common::connect(&url).await;
    let m = timether(&url, &["migrate"], None);
    assert!(m.ok, "{}", m.stderr);

    let email = crate::common::unique_email("cli");
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
            &crate::common::unique_email("weak"),
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

    let reset = timether(&url, &["user", "reset-2fa", &email], None);
    assert!(reset.ok, "{}", reset.stderr);
    assert!(
        reset
            .stdout
            .contains("did not have two-factor authentication on"),
        "{}",
        reset.stdout
    );
    let reset = timether(&url, &["user", "reset-2fa", "nobody@example.com"], None);
    assert!(!reset.ok && reset.stderr.contains("No account"));

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

#[tokio::test]
async fn dev_seed_is_deterministic_and_scoped_to_its_workspace() {
    use app::db::entities::time_entries;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let (url, _dir) = crate::common::database_url();
    let db = crate::common::connect(&url).await;
    let now = chrono::Utc::now();
    let mut workspaces = Vec::new();
    for name in ["Seed One", "Seed Two"] {
        let email = crate::common::unique_email(name);
        let (_, ws) = app::users::create(&db, name, &email, crate::common::PASSWORD, now)
            .await
            .unwrap();
        workspaces.push(ws);
    }
    let version = |ws: uuid::Uuid| {
        let db = db.clone();
        async move {
            app::db::entities::workspaces::Entity::find_by_id(ws)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .data_version
        }
    };
    // The schema objects a bulk load takes aside and puts back.
    let schema = || {
        let db = db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            let backend = db.get_database_backend();
            let sql = match backend {
                sea_orm::DbBackend::Postgres => {
                    "SELECT 'index' AS kind, indexdef AS def FROM pg_indexes \
                     WHERE tablename IN ('time_entries', 'time_entry_tags') \
                     UNION ALL SELECT 'trigger', tgname::text || ':' || tgenabled::text FROM pg_trigger \
                     WHERE NOT tgisinternal AND tgrelid IN \
                       ('time_entries'::regclass, 'time_entry_tags'::regclass) \
                     ORDER BY 1, 2"
                }
                _ => {
                    "SELECT type AS kind, sql AS def FROM sqlite_master \
                     WHERE tbl_name IN ('time_entries', 'time_entry_tags') AND sql IS NOT NULL \
                     ORDER BY 1, 2"
                }
            };
            db.query_all_raw(sea_orm::Statement::from_string(backend, sql))
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get::<String>("", "kind").unwrap(),
                        r.try_get::<String>("", "def").unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let objects = schema().await;
    assert!(objects.iter().any(|(k, _)| k == "trigger"), "{objects:?}");
    let mut lists = Vec::new();
    for ws in &workspaces {
        let before = version(*ws).await;
        let run = timether(
            &url,
            &[
                "dev",
                "seed",
                "--workspace",
                &ws.to_string(),
                "--entries",
                "2500",
                "--seed",
                "7",
                "--until",
                "2026-11-27",
            ],
            None,
        );
        assert!(run.ok, "{}", run.stderr);
        assert!(run.stdout.contains("2500 entries"), "{}", run.stdout);
        let rows = time_entries::Entity::find()
            .filter(time_entries::Column::WorkspaceId.eq(*ws))
            .filter(time_entries::Column::EndedAt.is_not_null())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2500);
        let running = time_entries::Entity::find()
            .filter(time_entries::Column::WorkspaceId.eq(*ws))
            .filter(time_entries::Column::EndedAt.is_null())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(running.len(), 2, "two seeded people have running timers");
        // The bulk load skips the per-row version triggers but moves the
        // version on once, and leaves the triggers in place afterwards.
        let seeded = version(*ws).await;
        assert!(seeded > before, "seeding moves the data version on");
        let mut one: time_entries::ActiveModel = rows[0].clone().into();
        one.description = sea_orm::Set("Edited after seeding".into());
        sea_orm::ActiveModelTrait::update(one, &db).await.unwrap();
        assert!(
            version(*ws).await > seeded,
            "the version triggers are back after seeding"
        );
        let mut list: Vec<_> = rows
            .iter()
            .map(|r| (r.started_at, r.ended_at, r.description.clone(), r.billable))
            .collect();
        list.sort();
        // Spread over years, all before --until.
        let first = list.first().unwrap().0;
        let last = list.last().unwrap().0;
        assert!((last - first).num_days() > 2 * 365, "{first} .. {last}");
        assert!(
            last < "2026-11-27T00:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        );
        lists.push(list);
    }
    assert_eq!(lists[0], lists[1], "the same seed gives the same entries");
    assert_eq!(
        schema().await,
        objects,
        "every index and trigger is back as it was"
    );

    let bad = timether(&url, &["dev", "seed", "--workspace", "nope"], None);
    assert!(!bad.ok);
    assert!(bad.stderr.contains("workspace"), "{}", bad.stderr);
}

/// On a SQLite file the seed's entries go in through a connection of their
/// own (`db::direct::SqliteBulk`) instead of sea-orm. The rows must be the
/// very values sea-orm writes (UUIDs as 16-byte blobs, times as sqlx's RFC
/// 3339 text, booleans as integers), or seeded and tracked entries would
/// sort, filter and compare differently.
#[tokio::test]
async fn the_direct_bulk_load_writes_what_sea_orm_writes() {
    use sea_orm::ConnectionTrait;

    if crate::common::is_postgres() {
        // The direct path is SQLite's; PostgreSQL always takes sea-orm's.
        return;
    }
    let (url, _dir) = crate::common::database_url();
    let db = crate::common::connect(&url).await;
    let now = "2026-11-27T10:30:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    let until = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let email = crate::common::unique_email("bulk");
    let (_, ws) = app::users::create(&db, "Bulk Load", &email, crate::common::PASSWORD, now)
        .await
        .unwrap();
    let text = |sql: String| {
        let db = db.clone();
        async move {
            db.query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                sql,
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<_>>()
        }
    };
    // Every column of both tables, quoted with its storage class.
    let quoted = |table: &'static str| async move {
        let columns = text(format!("SELECT name FROM pragma_table_info('{table}')")).await;
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        text(format!("SELECT {row} FROM \"{table}\" ORDER BY 1")).await
    };
    let schema = || {
        text(
            "SELECT type || ':' || name || ':' || coalesce(sql, '') FROM sqlite_master ORDER BY 1"
                .into(),
        )
    };
    let before = schema().await;

    let by_orm = timether_server::seed::seed(&db, None, ws, 3000, 11, until, now)
        .await
        .unwrap();
    let orm_entries = quoted("time_entries").await;
    let orm_links = quoted("time_entry_tags").await;
    db.execute_unprepared("DELETE FROM time_entries")
        .await
        .unwrap();
    assert!(quoted("time_entry_tags").await.is_empty(), "links cascade");

    let direct = timether_server::seed::seed(&db, Some(&url), ws, 3000, 11, until, now)
        .await
        .unwrap();
    assert_eq!(
        (direct.entries, direct.tag_links, direct.running),
        (by_orm.entries, by_orm.tag_links, by_orm.running)
    );
    assert_eq!(
        orm_entries.len(),
        3002,
        "3000 entries and two running timers"
    );
    assert!(orm_links.len() > 1000, "{}", orm_links.len());
    let entries = quoted("time_entries").await;
    let first_diff = orm_entries.iter().zip(&entries).find(|(a, b)| a != b);
    assert_eq!(
        first_diff, None,
        "the first row that differs (sea-orm, direct)"
    );
    assert_eq!(entries, orm_entries);
    assert_eq!(quoted("time_entry_tags").await, orm_links);
    assert_eq!(schema().await, before, "indexes and triggers are back");
    assert!(
        text("SELECT 'x' FROM pragma_foreign_key_check".into())
            .await
            .is_empty(),
        "every row's references hold"
    );

    // A load whose outside references are gone does not start; one dropped
    // unfinished leaves the schema as it was.
    let path = app::db::sqlite_file(&url).unwrap();
    let gone = app::db::direct::SqliteBulk::begin(
        &path,
        &["time_entries"],
        &[("workspaces", &[ws, uuid::Uuid::now_v7()])],
    )
    .err()
    .expect("a missing workspace stops the load");
    assert!(
        gone.to_string().contains("1 of the 2 rows of workspaces"),
        "{gone}"
    );
    let unfinished =
        app::db::direct::SqliteBulk::begin(&path, &["time_entries"], &[("workspaces", &[ws])])
            .unwrap();
    drop(unfinished);
    assert_eq!(schema().await, before, "an unfinished load is rolled back");
}

/// SIGTERM (what a container stop sends) stops the server cleanly and soon:
/// it exits 0 within 10 s instead of being killed by the signal.
#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    let (url, _db_dir) = crate::common::database_url();
    crate::common::connect(&url).await;
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_timether"))
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"),
        ])
        .arg("serve")
        .env("TIMETHER_DATABASE_URL", &url)
        .env("TIMETHER_DATA_DIR", data.path())
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", data.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run timether serve");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the server exited before listening ({status}): {err}");
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "the server never listened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed().as_secs() >= 10 {
            child.kill().unwrap();
            panic!("still running 10 s after SIGTERM");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exited with {status} after SIGTERM");
}
