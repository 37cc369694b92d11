//! Test harness: the real router on a real database (SQLite in a temp file,
//! or the PostgreSQL database named by TIMETHER_TEST_DATABASE_URL), and a
//! small cookie-keeping client that calls server functions the way the
//! browser does.
#![allow(dead_code)]

use app::settings::Settings;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub struct TestApp {
    pub router: Router,
    /// The instance's live-update hub (`GET /events`).
    pub live: Arc<app::live::Hub>,
    /// Seconds the server's clock runs ahead of the real one; tests move
    /// it with `advance`.
    pub clock: Arc<std::sync::atomic::AtomicI64>,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The database URL for this run: SQLite unless a PostgreSQL URL is given.
pub fn database_url() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TIMETHER_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => (url, None),
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
            (url, Some(dir))
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TIMETHER_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

static MIGRATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn connect(url: &str) -> DatabaseConnection {
    let _guard = MIGRATE.lock().await;
    app::db::connect(url).await.expect("database")
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, dir) = database_url();
    let db = connect(&url).await;
    let mut settings = Settings {
        database_url: url.clone(),
        totp_key: Some(app::secret_box::SecretKey::generate()),
        ..Settings::default()
    };
    tweak(&mut settings);
    let settings = Arc::new(settings);
    let options = LeptosOptions::builder().output_name("timether").build();
    let clock = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let read = clock.clone();
    let server_clock: timether_server::Clock = Arc::new(move || {
        chrono::Utc::now()
            + chrono::Duration::seconds(read.load(std::sync::atomic::Ordering::SeqCst))
    });
    let live = app::live::Hub::new(db.clone(), settings.clone(), server_clock.clone());
    let router = timether_server::router_with_hub(
        db.clone(),
        settings.clone(),
        options,
        server_clock,
        live.clone(),
    );
    TestApp {
        router,
        live,
        clock,
        db,
        settings,
        url,
        _dir: dir,
    }
}

impl TestApp {
    /// A second app instance on the same database: its own connection pool
    /// and its own per-instance state (rate-limit leases, failed lookups),
    /// as a second server process would have. (Process-wide caches are
    /// shared in a test; they are keyed by the workspace's data version.)
    pub async fn another_instance(&self) -> Router {
        let db = connect(&self.url).await;
        let options = LeptosOptions::builder().output_name("timether").build();
        let read = self.clock.clone();
        timether_server::router_with_clock(
            db,
            self.settings.clone(),
            options,
            Arc::new(move || {
                chrono::Utc::now()
                    + chrono::Duration::seconds(read.load(std::sync::atomic::Ordering::SeqCst))
            }),
        )
    }

    /// Moves workspace `ws` to the Team plan (API access).
    /// Sets the billing status of workspace `ws` (as the billing provider would).
    pub async fn set_billing(&self, ws: &str, status: app::types::BillingStatus) {
        app::workspaces::service::set_billing(&self.db, ws.parse().unwrap(), status)
            .await
            .unwrap();
    }

    pub async fn team(&self, ws: &str) {
        app::workspaces::service::set_plan(&self.db, ws.parse().unwrap(), app::types::Plan::Team)
            .await
            .unwrap();
    }

    /// Moves `c`'s current workspace to the Team plan and creates an API
    /// token there with `scope` ("ReadOnly" or "ReadWrite").
    pub async fn team_token(&self, c: &mut Client, scope: &str) -> String {
        let ws = c.workspace_id().await;
        self.team(&ws).await;
        let r = c
            .call(
                "create_api_token",
                serde_json::json!({ "name": "test", "scope": scope }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// Runs the admin CLI on this app's database, without a settings file.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_timether"))
            .args(["--config", "/nonexistent/Leptos.toml"])
            .args(args)
            .env("TIMETHER_DATABASE_URL", &self.url)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run timether")
    }

    /// `timether dev seed`: `entries` entries in workspace `ws` over the
    /// three years up to `until`, with tags and four more people.
    pub fn seed(&self, ws: &str, entries: u32, until: &str) {
        let n = entries.to_string();
        let run = self.cli(&[
            "dev",
            "seed",
            "--workspace",
            ws,
            "--entries",
            &n,
            "--until",
            until,
        ]);
        // The status too: one CI run saw a seed fail with nothing on stderr.
        assert!(
            run.status.success(),
            "{:?}: {}{}",
            run.status,
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }

    /// The server's current time in Unix seconds.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Moves the server's clock to one second into the next 30-second TOTP
    /// step, so a test has the rest of the step to act in.
    pub fn align_to_step(&self) {
        self.align_to(30);
    }

    /// Moves the server's clock to one second into the next fixed window of
    /// `secs` (rate limits count in such windows), so a test counting
    /// attempts is not split across two windows by a slow machine.
    pub fn align_to(&self, secs: i64) {
        let into = self.now().rem_euclid(secs);
        self.advance(secs - into + 1);
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, secs: i64) {
        self.clock
            .fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub fn unique_email(prefix: &str) -> String {
    let prefix: String = prefix.split_whitespace().collect::<Vec<_>>().join(".");
    format!("{prefix}-{}@example.com", uuid::Uuid::now_v7().simple())
}

/// The `id` of a JSON object, as a string.
pub fn id(v: &serde_json::Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The `id` of a JSON object, as the id type server functions take.
pub fn uuid(v: &serde_json::Value) -> uuid::Uuid {
    id(v).parse().expect("a UUID")
}

/// A manual entry's form: a description and `datetime-local` times in the
/// person's zone; the rest as a person leaves it.
pub fn new_entry(description: &str, start: &str, end: &str) -> app::entries::EntryForm {
    app::entries::EntryForm {
        description: description.into(),
        start: start.into(),
        end: end.into(),
        ..Default::default()
    }
}

/// Starting the timer with a description and nothing else.
pub fn new_timer(description: &str) -> app::timer::StartTimer {
    app::timer::StartTimer {
        input: app::timer::TimerInput {
            description: description.into(),
            ..Default::default()
        },
    }
}

pub const PASSWORD: &str = "orbit lantern pepper 42";

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for files that are not text (PDF, gzip).
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A browser: keeps its session cookie, sends our Origin, has an IP.
#[derive(Clone)]
pub struct Client {
    pub router: Router,
    /// The session cookie (`name=value`).
    pub cookie: Option<String>,
    /// The cookie of a sign-in waiting for its second factor.
    pub challenge: Option<String>,
    pub ip: SocketAddr,
    pub origin: Option<String>,
}

impl TestApp {
    pub fn client(&self) -> Client {
        let n = uuid::Uuid::now_v7().as_u128();
        let ip = format!(
            "10.{}.{}.{}:40000",
            (n >> 16) as u8,
            (n >> 8) as u8,
            (n as u8).max(1)
        );
        Client {
            router: self.router.clone(),
            cookie: None,
            challenge: None,
            ip: ip.parse().unwrap(),
            origin: Some(ORIGIN.into()),
        }
    }

    /// A new account (signed in) with its personal workspace.
    pub async fn signed_up(&self, name: &str) -> (Client, String) {
        let mut c = self.client();
        let email = unique_email(&name.to_lowercase());
        let r = c
            .rpc(
                "sign_up",
                &[("name", name), ("email", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (c, email)
    }
}

impl Client {
    pub async fn send(&mut self, mut req: Request<Body>) -> Response {
        req.extensions_mut().insert(ConnectInfo(self.ip));
        let jar: Vec<&str> = [&self.cookie, &self.challenge]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !jar.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, jar.join("; ").parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap().to_string();
            let slot = if pair.contains("timether_2fa=") {
                &mut self.challenge
            } else {
                &mut self.cookie
            };
            if v.contains("Max-Age=0") {
                *slot = None;
            } else {
                *slot = Some(pair);
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn rpc(&mut self, name: &str, form: &[(&str, &str)]) -> Response {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(format!("/rpc/{name}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, "application/json");
        if let Some(o) = &self.origin {
            req = req.header(header::ORIGIN, o);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Calls a server function whose input is JSON (entries, timer).
    pub async fn call(&mut self, name: &str, args: serde_json::Value) -> Response {
        let body = args.to_string();
        let mut req = Request::post(format!("/rpc/{name}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, "application/json");
        if let Some(o) = &self.origin {
            req = req.header(header::ORIGIN, o);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A public API request with `token` for workspace `ws`.
    pub async fn api(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        ws: &str,
        body: Option<String>,
    ) -> Response {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("X-Workspace-Id", ws)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.unwrap_or_default()))
            .unwrap();
        self.send(req).await
    }

    /// Joins the workspace `ws` of `owner` with `role` and switches to it.
    pub async fn join(
        &mut self,
        owner: &mut Client,
        email: &str,
        ws: &str,
        role: app::types::Role,
    ) {
        let r = owner
            .invoke(app::workspaces::AddMember {
                email: email.into(),
                role,
            })
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = self
            .invoke(app::workspaces::SwitchWorkspace {
                workspace_id: ws.parse().expect("a workspace id"),
            })
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    /// The id of the current workspace.
    pub async fn workspace_id(&mut self) -> String {
        self.me().await.json()["current"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A GET (pages, the bundle). A server-rendered page now and then never
    /// finishes in Leptos 0.8's SSR: a lost wake-up leaves the response
    /// waiting with nothing left to run (the leptos-rs/leptos#4851 family,
    /// still seen here with leptos 0.8.23, about once in several full runs).
    /// Such a request is given up after 30 s and sent once more, loudly; a
    /// page that stalls twice fails the test.
    pub async fn get(&mut self, path: &str) -> Response {
        for attempt in 1..=2 {
            let req = Request::get(path).body(Body::empty()).unwrap();
            match tokio::time::timeout(std::time::Duration::from_secs(30), self.send(req)).await {
                Ok(r) => return r,
                Err(_) => eprintln!(
                    "GET {path}: no complete answer in 30 s (attempt {attempt} of 2): the Leptos SSR stall"
                ),
            }
        }
        panic!("GET {path} stalled twice");
    }

    pub async fn me(&mut self) -> Response {
        self.invoke(app::auth::GetMe {}).await
    }
}

/// A public API client: a token for one workspace, sent as the API
/// expects (`Authorization: Bearer`, `X-Workspace-Id`). `None` leaves a
/// header out, for tests of what happens without it.
#[derive(Clone)]
pub struct ApiClient {
    pub client: Client,
    pub token: Option<String>,
    pub workspace: Option<String>,
}

impl ApiClient {
    pub fn new(client: &Client, token: Option<&str>, workspace: Option<&str>) -> ApiClient {
        ApiClient {
            client: client.clone(),
            token: token.map(str::to_string),
            workspace: workspace.map(str::to_string),
        }
    }

    /// `method` on `path` (from `/api/v1`), with a JSON body if given.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = &self.token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(w) = &self.workspace {
            req = req.header("X-Workspace-Id", w);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.client.send(req.unwrap()).await
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send("GET", path, None).await
    }

    pub async fn post(&mut self, path: &str, body: serde_json::Value) -> Response {
        self.send("POST", path, Some(body)).await
    }

    pub async fn patch(&mut self, path: &str, body: serde_json::Value) -> Response {
        self.send("PATCH", path, Some(body)).await
    }

    pub async fn delete(&mut self, path: &str) -> Response {
        self.send("DELETE", path, None).await
    }
}

/// The content type a server function reads its arguments in.
pub trait InputEncoding {
    const CONTENT_TYPE: &'static str;
}

impl<I: leptos::server_fn::ContentType, O> InputEncoding for leptos::server_fn::Http<I, O> {
    const CONTENT_TYPE: &'static str = I::CONTENT_TYPE;
}

impl Client {
    /// Calls a server function with its own argument struct (`CreateEntry
    /// { input }`), encoded as the function reads it: a renamed argument or
    /// field is a compile error here, not a 400 at run time.
    pub async fn invoke<F>(&mut self, args: F) -> Response
    where
        F: leptos::server_fn::ServerFn + serde::Serialize,
        F::Protocol: InputEncoding,
    {
        let content_type = <F::Protocol as InputEncoding>::CONTENT_TYPE;
        let body = if content_type == "application/json" {
            serde_json::to_string(&args).unwrap()
        } else {
            serde_qs::to_string(&args).unwrap()
        };
        let mut req = Request::post(F::PATH)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, "application/json");
        if let Some(o) = &self.origin {
            req = req.header(header::ORIGIN, o);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The text of a PDF (poppler's `pdftotext`, which `make test` installs)
/// and its page count.
pub fn pdf_text(bytes: &[u8]) -> (String, usize) {
    pdf_text_with(bytes, &[])
}

/// A PDF's text as laid out on the page: a table row is one line.
pub fn pdf_lines(bytes: &[u8]) -> String {
    pdf_text_with(bytes, &["-layout"]).0
}

fn pdf_text_with(bytes: &[u8], flags: &[&str]) -> (String, usize) {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(flags)
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils: scripts/test-deps.sh)");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // pdftotext ends every page with a form feed.
    let pages = text.matches('\u{c}').count();
    (text, pages)
}

/// `POST /imports?{query}` with `bytes` as the body, the way the Data tab
/// sends the chosen file. A confirmed import answers 202 and runs as a job;
/// this follows the job to its end (as the page does) and answers as the
/// API door answers the same import: 200 with the report when it was
/// applied, 422 with the report listing the file's problems, or the job's
/// failure sentence with 409. Previews and refusals come back as sent.
pub async fn upload_import(c: &mut Client, query: &str, bytes: Vec<u8>) -> Response {
    let mut req = Request::post(format!("/imports?{query}"))
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header(axum::http::header::CONTENT_LENGTH, bytes.len());
    if let Some(o) = &c.origin {
        req = req.header(axum::http::header::ORIGIN, o);
    }
    let r = c.send(req.body(Body::from(bytes)).unwrap()).await;
    if r.status != StatusCode::ACCEPTED {
        return r;
    }
    let job: uuid::Uuid = r.json()["job"].as_str().unwrap().parse().unwrap();
    let ended = import_job_end(c, job).await;
    let (status, body) = match ended.state {
        app::backup::jobs::JobState::Finished { report, .. } => (
            if report.applied {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            serde_json::to_string(&report).unwrap(),
        ),
        app::backup::jobs::JobState::Failed { message, .. } => (StatusCode::CONFLICT, message),
        app::backup::jobs::JobState::Running { .. } => unreachable!("ended"),
    };
    Response {
        status,
        headers: Default::default(),
        bytes: body.clone().into_bytes(),
        body,
    }
}

/// Asks for the workspace's latest import job until job `id` has ended
/// (at most a minute).
pub async fn import_job_end(c: &mut Client, id: uuid::Uuid) -> app::backup::jobs::ImportJob {
    for _ in 0..1200 {
        let r = c.invoke(app::backup::jobs::LatestImportJob {}).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let job: Option<app::backup::jobs::ImportJob> = serde_json::from_str(&r.body).unwrap();
        let job = job.unwrap_or_else(|| panic!("no import job: {}", r.body));
        assert_eq!(job.id, id, "another job is the latest");
        if !job.running() {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import job {id} did not end within a minute");
}
