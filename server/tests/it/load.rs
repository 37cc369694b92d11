//! Many people working at once through both doors (server functions and
//! `/api/v1`), on SQLite or PostgreSQL: timers started and stopped, entries
//! with tags created, edited and deleted, invoices made, lists and reports
//! read. Passes when no answer is a 5xx and the database ends up holding
//! exactly the writes that were acknowledged (each person keeps a ledger).
//!
//! On SQLite, deferred write transactions used to fail with "database is
//! locked" (a 500) whenever another connection wrote between their read and
//! their write. The short run below is part of `make test`; `make soak`
//! runs the long one (`soak`, ignored by default) with SOAK_CLIENTS people
//! for SOAK_SECS seconds, on two app instances when the database is
//! PostgreSQL, and prints its figures.

use crate::common::*;
use app::db::entities::{invoices, time_entries};
use app::types::Role;
use app::workspaces::{ChangeMemberRole, ListMembers};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long people work: a number of rounds, or for a time (counted from
/// when everyone is set up).
#[derive(Clone, Copy)]
enum Length {
    Rounds(usize),
    For(Duration),
}

/// When one person stops: after a number of rounds, or at a deadline.
#[derive(Clone, Copy)]
enum Stop {
    After(usize),
    At(Instant),
}

/// One person's way in: a signed-in browser, or an API token.
struct Door {
    c: Client,
    /// `Some((token, workspace))` for the API door.
    api: Option<(String, String)>,
    /// Latency of every request, and the answers by class.
    took: Vec<Duration>,
    client_errors: u64,
    server_errors: u64,
}

/// What a person set up before the run: their tags, and their own client
/// and billable project to invoice.
#[derive(Clone)]
struct Own {
    tags: [String; 2],
    client: String,
    project: String,
}

impl Door {
    async fn timed(&mut self, req: Request<Body>) -> Response {
        let t = Instant::now();
        let r = self.c.send(req).await;
        self.took.push(t.elapsed());
        if r.status.is_server_error() {
            self.server_errors += 1;
        } else if r.status.is_client_error() {
            self.client_errors += 1;
        }
        r
    }

    async fn api(&mut self, method: &str, path: &str, body: Option<Value>) -> Response {
        let (token, ws) = self.api.clone().expect("the API door");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("X-Workspace-Id", ws)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        self.timed(req).await
    }

    async fn ui(&mut self, name: &str, args: Value) -> Response {
        let body = args.to_string();
        let req = Request::post(format!("/rpc/{name}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, ORIGIN)
            .body(Body::from(body))
            .unwrap();
        self.timed(req).await
    }

    fn is_api(&self) -> bool {
        self.api.is_some()
    }

    /// A finished entry on `day` of October 2026 (or of November for
    /// entries meant for an invoice), 09:00–10:00.
    async fn create(
        &mut self,
        description: &str,
        month: u32,
        day: usize,
        project: Option<&str>,
        tags: &[&str],
    ) -> Response {
        let day = 1 + day % 28;
        if self.is_api() {
            self.api(
                "POST",
                "/time-entries",
                Some(
                    json!({ "description": description, "project_id": project, "tag_ids": tags,
                    "start": format!("2026-{month:02}-{day:02}T09:00:00Z"),
                    "end": format!("2026-{month:02}-{day:02}T10:00:00Z") }),
                ),
            )
            .await
        } else {
            self.ui(
                "create_entry",
                json!({ "input": { "description": description, "project_id": project, "tag_ids": tags,
                    "start": format!("2026-{month:02}-{day:02}T09:00"),
                    "end": format!("2026-{month:02}-{day:02}T10:00") } }),
            )
            .await
        }
    }

    async fn edit(&mut self, id: &str, description: &str, day: usize, tags: &[&str]) -> Response {
        let day = 1 + day % 28;
        if self.is_api() {
            self.api(
                "PATCH",
                &format!("/time-entries/{id}"),
                Some(json!({ "description": description, "tag_ids": tags })),
            )
            .await
        } else {
            self.ui(
                "update_entry",
                json!({ "id": id, "input": { "description": description, "tag_ids": tags,
                    "start": format!("2026-10-{day:02}T09:00"),
                    "end": format!("2026-10-{day:02}T10:00") } }),
            )
            .await
        }
    }

    async fn delete(&mut self, id: &str) -> Response {
        if self.is_api() {
            self.api("DELETE", &format!("/time-entries/{id}"), None)
                .await
        } else {
            self.ui("delete_entry", json!({ "id": id })).await
        }
    }

    async fn start(&mut self, description: &str, tags: &[&str]) -> Response {
        if self.is_api() {
            self.api(
                "POST",
                "/timer/start",
                Some(json!({ "description": description, "tag_ids": tags })),
            )
            .await
        } else {
            // The UI's answer wraps the entry; the ledger wants the entry.
            let mut r = self
                .ui(
                    "start_timer",
                    json!({ "input": { "description": description, "tag_ids": tags } }),
                )
                .await;
            if r.status.is_success() {
                r.body = r.json()["entry"].to_string();
            }
            r
        }
    }

    async fn stop(&mut self) -> Response {
        if self.is_api() {
            self.api("POST", "/timer/stop", None).await
        } else {
            self.ui("stop_timer", json!({})).await
        }
    }

    async fn invoice(&mut self, client: &str, day: usize) -> Response {
        let day = format!("2026-11-{:02}", 1 + day % 28);
        if self.is_api() {
            self.api(
                "POST",
                "/invoices",
                Some(json!({ "client_id": client, "from": day, "to": day })),
            )
            .await
        } else {
            self.ui(
                "create_invoice",
                json!({ "input": { "client_id": client, "from": day, "to": day } }),
            )
            .await
        }
    }

    async fn read(&mut self, round: usize) -> Response {
        match (self.is_api(), round % 4 == 3) {
            (true, false) => self.api("GET", "/time-entries?limit=50", None).await,
            (true, true) => {
                self.api("GET", "/reports/summary?from=2026-10-01&to=2026-11-30", None)
                    .await
            }
            (false, false) => self.ui("list_entries", json!({ "filter": {} })).await,
            (false, true) => {
                self.ui(
                    "get_report",
                    json!({ "query": { "period": "Custom", "from": "2026-10-01", "to": "2026-11-30" } }),
                )
                .await
            }
        }
    }
}

/// Every write must be acknowledged: a refusal of any kind here is a bug.
fn acked(what: &str, r: &Response) -> Value {
    assert!(r.status.is_success(), "{what}: {} {}", r.status, r.body);
    r.json()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// What one person had acknowledged.
#[derive(Default)]
struct Ledger {
    /// Live entry id → description.
    entries: BTreeMap<String, String>,
    invoices: BTreeSet<String>,
}

async fn work(mut door: Door, own: Own, person: usize, stop: Stop) -> (Door, Ledger) {
    let mut ledger = Ledger::default();
    let mut order: Vec<String> = Vec::new();
    let tags = [own.tags[0].as_str(), own.tags[1].as_str()];
    let mut round = 0;
    loop {
        match stop {
            Stop::After(n) if round >= n => break,
            Stop::At(t) if Instant::now() >= t => break,
            _ => {}
        }
        let description = format!("person {person} round {round}");
        let e = acked(
            "create",
            &door.create(&description, 10, round, None, &tags[..1]).await,
        );
        ledger.entries.insert(id_of(&e), description.clone());
        order.push(id_of(&e));
        let r = door.read(round).await;
        assert!(r.status.is_success(), "read: {} {}", r.status, r.body);
        if round % 3 == 0 {
            let edited = format!("{description} edited");
            let last = order[order.len() - 1].clone();
            let e = acked("edit", &door.edit(&last, &edited, round, &tags).await);
            assert_eq!(e["description"], edited.as_str());
            ledger.entries.insert(id_of(&e), edited);
        }
        if round % 5 == 0 {
            let timer = format!("person {person} timer {round}");
            let e = acked("start", &door.start(&timer, &tags[1..]).await);
            ledger.entries.insert(id_of(&e), timer);
            acked("stop", &door.stop().await);
        }
        if round % 7 == 6 {
            let id = order.remove(0);
            let r = door.delete(&id).await;
            assert!(r.status.is_success(), "delete: {} {}", r.status, r.body);
            ledger.entries.remove(&id);
        }
        if round % 10 == 9 {
            // A billable hour on the person's own project, invoiced at once.
            let billed = format!("person {person} billed {round}");
            let day = round / 10;
            let e = acked(
                "billable entry",
                &door.create(&billed, 11, day, Some(&own.project), &[]).await,
            );
            ledger.entries.insert(id_of(&e), billed);
            let inv = acked("invoice", &door.invoice(&own.client, day).await);
            ledger.invoices.insert(id_of(&inv));
        }
        round += 1;
    }
    (door, ledger)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Sets up `people` admins of one Team workspace (half of them with an API
/// token), spread over `instances` app instances, runs them, and checks
/// the database against their ledgers.
async fn run(people: usize, length: Length, instances: usize) {
    let app = spawn().await;
    let mut routers = vec![app.router.clone()];
    for _ in 1..instances {
        routers.push(app.another_instance().await);
    }
    let (mut owner, _) = app.signed_up("Owner").await;
    let ws = owner.workspace_id().await;
    app.team(&ws).await;

    let mut doors = Vec::new();
    for person in 0..people {
        let (mut c, email) = app.signed_up(&format!("Writer {person}")).await;
        c.join(&mut owner, &email, &ws, app::types::Role::Admin)
            .await;
        let tag = |c: &mut Client, name: String| {
            let mut c = c.clone();
            async move {
                id_of(&acked(
                    "tag",
                    &c.rpc("save_tag", &[("name", &name), ("color", "#10b981")])
                        .await,
                ))
            }
        };
        let tags = [
            tag(&mut c, format!("dev-{person}")).await,
            tag(&mut c, format!("meetings-{person}")).await,
        ];
        let client = id_of(&acked(
            "client",
            &c.rpc("create_client", &[("name", &format!("Client {person}"))])
                .await,
        ));
        let project = id_of(&acked(
            "project",
            &c.rpc(
                "create_project",
                &[
                    ("input[name]", &format!("Project {person}")),
                    ("input[color]", "#4F46E5"),
                    ("input[billable]", "true"),
                    ("input[hourly_rate]", "90"),
                    ("input[client_id]", &client),
                ],
            )
            .await,
        ));
        let api = if person % 2 == 1 {
            let r = c
                .call(
                    "create_api_token",
                    json!({ "name": "load", "scope": "ReadWrite" }),
                )
                .await;
            let token = acked("token", &r)["token"].as_str().unwrap().to_string();
            Some((token, ws.clone()))
        } else {
            None
        };
        c.router = routers[person % routers.len()].clone();
        doors.push((
            Door {
                c,
                api,
                took: Vec::new(),
                client_errors: 0,
                server_errors: 0,
            },
            Own {
                tags,
                client,
                project,
            },
        ));
    }

    let started = Instant::now();
    let stop = match length {
        Length::For(d) => Stop::At(started + d),
        Length::Rounds(n) => Stop::After(n),
    };
    let tasks: Vec<_> = doors
        .into_iter()
        .enumerate()
        .map(|(person, (door, own))| tokio::spawn(work(door, own, person, stop)))
        .collect();
    let mut expected = BTreeMap::new();
    let mut expected_invoices = BTreeSet::new();
    let mut took = Vec::new();
    let (mut client_errors, mut server_errors) = (0, 0);
    for t in tasks {
        let (door, ledger) = t.await.expect("a person's work failed");
        expected.extend(ledger.entries);
        expected_invoices.extend(ledger.invoices);
        took.extend(door.took);
        client_errors += door.client_errors;
        server_errors += door.server_errors;
    }
    let elapsed = started.elapsed();
    took.sort();
    println!(
        "load: {} on {instances} instance(s), {people} people, {:.1} s: {} requests ({:.0}/s), \
         {server_errors} 5xx, {client_errors} 4xx, p50 {:.1} ms, p99 {:.1} ms, {} entries, {} invoices",
        if is_postgres() { "PostgreSQL" } else { "SQLite" },
        elapsed.as_secs_f64(),
        took.len(),
        took.len() as f64 / elapsed.as_secs_f64(),
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.99).as_secs_f64() * 1e3,
        expected.len(),
        expected_invoices.len(),
    );
    assert_eq!(server_errors, 0, "no 5xx answers");
    assert_eq!(client_errors, 0, "no refusals");

    let ws_id: Uuid = ws.parse().unwrap();
    let rows = time_entries::Entity::find()
        .filter(time_entries::Column::WorkspaceId.eq(ws_id))
        .filter(time_entries::Column::DeletedAt.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|r| r.ended_at.is_some()),
        "every timer was stopped"
    );
    let stored: BTreeMap<String, String> = rows
        .into_iter()
        .map(|r| (r.id.to_string(), r.description))
        .collect();
    assert_eq!(
        stored.len(),
        expected.len(),
        "entries stored vs acknowledged"
    );
    assert_eq!(stored, expected);
    let stored_invoices: BTreeSet<String> = invoices::Entity::find()
        .filter(invoices::Column::WorkspaceId.eq(ws_id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id.to_string())
        .collect();
    assert_eq!(stored_invoices, expected_invoices);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_people_through_both_doors_lose_nothing() {
    let instances = if is_postgres() { 2 } else { 1 };
    run(12, Length::Rounds(20), instances).await;
}

/// `make soak`: SOAK_CLIENTS people (64) for SOAK_SECS seconds (60).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long: run by `make soak`"]
async fn soak() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let people = env("SOAK_CLIENTS", 64) as usize;
    let secs = env("SOAK_SECS", 60);
    let instances = if is_postgres() { 2 } else { 1 };
    run(people, Length::For(Duration::from_secs(secs)), instances).await;
}

/// Two owners demoting each other at the same moment leave one owner:
/// the count of owners is taken under the lock of the write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = spawn().await;
    let second = app.another_instance().await;
    for _ in 0..10 {
        let (mut a, _) = app.signed_up("Owner A").await;
        let ws = a.workspace_id().await;
        let (mut b, b_email) = app.signed_up("Owner B").await;
        b.join(&mut a, &b_email, &ws, app::types::Role::Owner).await;
        b.router = second.clone();
        let members = acked("members", &a.invoke(ListMembers {}).await);
        let id_of_name = |name: &str| {
            members
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == name)
                .map(|m| m["user_id"].as_str().unwrap().to_string())
                .unwrap()
        };
        let (a_id, b_id) = (id_of_name("Owner A"), id_of_name("Owner B"));
        let demote = |mut c: Client, other: String| async move {
            c.invoke(ChangeMemberRole {
                user_id: other.parse().unwrap(),
                role: Role::Member,
            })
            .await
        };
        let (ra, rb) = tokio::join!(
            tokio::spawn(demote(a.clone(), b_id)),
            tokio::spawn(demote(b.clone(), a_id))
        );
        for r in [ra.unwrap(), rb.unwrap()] {
            // The second finds itself no longer an owner, or the last one.
            assert!(
                [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(&r.status),
                "{} {}",
                r.status,
                r.body
            );
        }
        let owners = app::db::entities::memberships::Entity::find()
            .filter(
                app::db::entities::memberships::Column::WorkspaceId.eq(ws.parse::<Uuid>().unwrap()),
            )
            .filter(app::db::entities::memberships::Column::Role.eq("owner"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(owners.len(), 1, "exactly one owner is left");
    }
}
