//! Time entries and the running timer through their server functions, on
//! SQLite or PostgreSQL: validation, the one-timer rule across devices and
//! restarts, roles, read-only workspaces and workspace isolation.

use crate::common::*;
use app::auth::SignIn;
use app::entries::{
    CreateEntry, DeleteEntry, EntryFilter, EntryForm, ListEntries, NewEntryTimes, RestoreEntry,
    UpdateEntry,
};
use app::periods::Period;
use app::projects::{CreateProject, DeleteProject, ProjectInput, UpdateProject};
use app::reports::GetReport;
use app::tags::SaveTag;
use app::time_filter::TimeFilter;
use app::timer::{ContinueEntry, CurrentTimer, StartTimer, StopTimer, TimerInput, UpdateTimer};
use app::workspaces::{CreateWorkspace, SwitchWorkspace, UpdateRates};
use axum::http::StatusCode;
use serde_json::{json, Value};

/// A manual entry from `start` to `end` (`datetime-local`, the person's zone).
fn entry(start: &str, end: &str) -> CreateEntry {
    CreateEntry {
        input: EntryForm {
            description: "Write report".into(),
            start: start.into(),
            end: end.into(),
            ..Default::default()
        },
    }
}

fn all_entries(page: &Value) -> Vec<Value> {
    page["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["entries"].as_array().unwrap().clone())
        .collect()
}

/// The Website project's form, billable at 100 an hour.
fn website(archived: bool) -> ProjectInput {
    ProjectInput {
        name: "Website".into(),
        client_id: None,
        color: "#4f46e5".into(),
        billable: true,
        hourly_rate: "100".into(),
        archived,
    }
}

fn delete_project(id: &str, keep_entries: bool) -> DeleteProject {
    DeleteProject {
        id: id.parse().unwrap(),
        keep_entries,
    }
}

async fn catalogue(c: &mut Client) -> (String, String, String) {
    let proj = c
        .invoke(CreateProject {
            input: website(false),
        })
        .await
        .json();
    let dev = c
        .invoke(SaveTag {
            id: None,
            name: "dev".into(),
            color: "#10b981".into(),
        })
        .await
        .json();
    let meetings = c
        .invoke(SaveTag {
            id: None,
            name: "meetings".into(),
            color: "#f59e0b".into(),
        })
        .await
        .json();
    (id(&proj), id(&dev), id(&meetings))
}

#[tokio::test]
async fn manual_entries_are_validated_grouped_by_day_and_undoable() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Ada").await;
    let (proj, dev, meetings) = catalogue(&mut c).await;

    let r = c
        .invoke(CreateEntry {
            input: EntryForm {
                description: "  Build pages ".into(),
                project_id: Some(proj.parse().unwrap()),
                tag_ids: vec![
                    dev.parse().unwrap(),
                    meetings.parse().unwrap(),
                    dev.parse().unwrap(),
                ],
                start: "2026-11-20T09:00".into(),
                end: "2026-11-20T10:30".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e = r.json();
    assert_eq!(e["description"], "Build pages");
    assert_eq!(e["duration_secs"], 5400);
    assert_eq!(e["billable"], true, "billable comes from the project");
    assert_eq!(e["project"]["name"], "Website");
    let tags: Vec<&str> = e["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["dev", "meetings"]);
    assert_eq!(e["time_range"], "09:00 – 10:30");

    // End before start, bad dates, and over 24 hours without confirmation.
    let r = c
        .invoke(entry("2026-11-20T11:00", "2026-11-20T10:00"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"]["field"], "end");
    let r = c.invoke(entry("next tuesday", "2026-11-20T10:00")).await;
    assert_eq!(r.json()["Invalid"]["field"], "start");
    let r = c
        .invoke(entry("2026-11-18T08:00", "2026-11-19T09:00"))
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "confirm_long");
    let mut long = entry("2026-11-18T08:00", "2026-11-19T09:00");
    long.input.confirm_long = true;
    let r = c.invoke(long).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let long = r.json();
    // It ends the next day, and says so.
    assert_eq!(long["time_range"], "08:00 – 09:00 +1");
    // A new description keeps the confirmed times: nothing is asked again.
    let r = c
        .invoke(UpdateEntry {
            id: uuid(&long),
            input: EntryForm {
                description: "Write the long report".into(),
                start: "2026-11-18T08:00".into(),
                end: "2026-11-19T09:00".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Moving its end does ask again.
    let r = c
        .invoke(UpdateEntry {
            id: uuid(&long),
            input: EntryForm {
                description: "Write the long report".into(),
                start: "2026-11-18T08:00".into(),
                end: "2026-11-19T10:00".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "confirm_long");
    let r = c
        .invoke(entry("2026-11-20T13:00", "2026-11-20T13:30"))
        .await;
    let second = r.json();
    assert_eq!(second["billable"], false);

    // Grouped by day, newest first, with day totals.
    let page = c
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    let days = page["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["day"], "2026-11-20");
    assert_eq!(days[0]["total_secs"], 5400 + 1800);
    assert_eq!(days[0]["entries"][0]["id"], second["id"]);
    assert_eq!(days[1]["day"], "2026-11-18");
    // The 25-hour entry counts its 16 hours of the 18th there; its 9 hours
    // of the 19th belong to the 19th.
    assert_eq!(days[1]["total_secs"], 16 * 3600);

    // Filters: tag, project, date range.
    let by_tag = c
        .invoke(ListEntries {
            filter: EntryFilter {
                tag_ids: vec![meetings.parse().unwrap()],
                ..Default::default()
            },
        })
        .await
        .json();
    assert_eq!(all_entries(&by_tag).len(), 1);
    let by_project = c
        .invoke(ListEntries {
            filter: EntryFilter {
                project_id: Some(proj.parse().unwrap()),
                ..Default::default()
            },
        })
        .await
        .json();
    assert_eq!(all_entries(&by_project).len(), 1);
    let range = c
        .invoke(ListEntries {
            filter: EntryFilter {
                from: "2026-11-19".into(),
                to: "2026-11-20".into(),
                ..Default::default()
            },
        })
        .await
        .json();
    assert_eq!(all_entries(&range).len(), 2);
    let r = c
        .invoke(ListEntries {
            filter: EntryFilter {
                from: "2026-11-21".into(),
                to: "2026-11-20".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "to");

    // Edit, then delete and undo.
    let r = c
        .invoke(UpdateEntry {
            id: uuid(&second),
            input: EntryForm {
                description: "Call".into(),
                tag_ids: vec![meetings.parse().unwrap()],
                start: "2026-11-20T13:00".into(),
                end: "2026-11-20T14:00".into(),
                billable: Some(true),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["duration_secs"], 3600);
    assert_eq!(r.json()["tags"][0]["name"], "meetings");
    let r = c.invoke(DeleteEntry { id: uuid(&second) }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = c
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    assert_eq!(all_entries(&page).len(), 2);
    let r = c.invoke(RestoreEntry { id: uuid(&second) }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = c
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    assert_eq!(all_entries(&page).len(), 3);

    // Deleting a project with entries asks first; confirming keeps the entries.
    let r = c.invoke(delete_project(&proj, false)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("1 time entry"), "{}", r.body);
    let r = c.invoke(delete_project(&proj, true)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = c
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    let list = all_entries(&page);
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|e| e["project"].is_null()));
}

#[tokio::test]
async fn the_list_pages_through_many_entries_without_gaps() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Pager").await;
    // 230 entries, several per day.
    for i in 0..230 {
        let day = 1 + i / 10;
        let hour = 8 + (i % 10);
        let r = c
            .invoke(entry(
                &format!("2026-10-{day:02}T{hour:02}:00"),
                &format!("2026-10-{day:02}T{hour:02}:30"),
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let mut seen = std::collections::HashSet::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = c
            .invoke(ListEntries {
                filter: EntryFilter {
                    cursor: before.clone(),
                    ..Default::default()
                },
            })
            .await
            .json();
        pages += 1;
        for e in all_entries(&page) {
            assert!(seen.insert(id(&e)), "an entry appeared twice");
        }
        // A day split across pages still shows its whole total.
        for d in page["days"].as_array().unwrap() {
            assert_eq!(d["total_secs"], 10 * 1800, "{}", d["day"]);
        }
        match page["next"].as_str() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 230);
}

#[tokio::test]
async fn one_timer_runs_per_person_and_survives_reload_restart_and_devices() {
    let app = spawn().await;
    let (mut phone, email) = app.signed_up("Tim").await;
    let (proj, dev, _) = catalogue(&mut phone).await;

    let r = phone
        .invoke(StartTimer {
            input: TimerInput {
                description: "Design".into(),
                project_id: Some(proj.parse().unwrap()),
                tag_ids: vec![dev.parse().unwrap()],
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["stopped_in"].is_null());
    let first = r.json()["entry"].clone();
    assert!(first["ended_at"].is_null());
    assert_eq!(first["billable"], true);

    // A second device (another session of the same person) sees it.
    let mut laptop = app.client();
    let r = laptop
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cur = laptop.invoke(CurrentTimer {}).await.json();
    assert_eq!(cur["id"], first["id"]);
    assert_eq!(cur["tags"][0]["name"], "dev");

    // A restarted server (a new router on the same database) sees it too.
    let db = connect(&app.url).await;
    let restarted = timether_server::router(
        db,
        app.settings.clone(),
        leptos::prelude::LeptosOptions::builder()
            .output_name("timether")
            .build(),
    );
    let mut after_restart = phone.clone();
    after_restart.router = restarted;
    let cur = after_restart.invoke(CurrentTimer {}).await.json();
    assert_eq!(cur["id"], first["id"]);

    // Starting another on the laptop stops the first.
    let second = laptop
        .invoke(StartTimer {
            input: TimerInput {
                description: "Review".into(),
                ..Default::default()
            },
        })
        .await
        .json()["entry"]
        .clone();
    assert_ne!(second["id"], first["id"]);
    let cur = phone.invoke(CurrentTimer {}).await.json();
    assert_eq!(cur["id"], second["id"]);
    let page = phone
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    let finished = all_entries(&page);
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["id"], first["id"]);

    // Edit while running, then stop: it becomes a finished entry.
    let r = phone
        .invoke(UpdateTimer {
            input: TimerInput {
                description: "Review PR".into(),
                tag_ids: vec![dev.parse().unwrap()],
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["description"], "Review PR");
    // A page still showing the first timer (a stale tab) stops nothing:
    // it names its entry, and learns what runs now.
    let stale = phone
        .invoke(StopTimer {
            entry_id: Some(uuid(&first)),
        })
        .await
        .json();
    assert_eq!(stale["OtherRunning"]["id"], second["id"], "{stale}");
    let cur = phone.invoke(CurrentTimer {}).await.json();
    assert_eq!(cur["id"], second["id"], "still running");
    let stopped = phone
        .invoke(StopTimer {
            entry_id: Some(uuid(&second)),
        })
        .await
        .json();
    let stopped = stopped["Entry"].clone();
    assert_eq!(stopped["id"], second["id"]);
    assert!(!stopped["ended_at"].is_null());
    let again = phone
        .invoke(StopTimer {
            entry_id: Some(uuid(&second)),
        })
        .await
        .json();
    assert_eq!(again, json!("AlreadyStopped"));
    assert!(phone.invoke(CurrentTimer {}).await.json().is_null());

    // Continue starts a new timer with the same details.
    let cont = phone
        .invoke(ContinueEntry { id: uuid(&first) })
        .await
        .json()["entry"]
        .clone();
    assert_eq!(cont["description"], "Design");
    assert_eq!(cont["project"]["id"], proj.as_str());
    assert_eq!(cont["tags"][0]["id"], dev.as_str());
    assert!(cont["ended_at"].is_null());
}

#[tokio::test]
async fn one_timer_runs_per_person_across_workspaces() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Wanda").await;
    let first_ws = c.workspace_id().await;
    let r = c
        .invoke(StartTimer {
            input: TimerInput {
                description: "Client A work".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = r.json()["entry"].clone();
    let first_name = c.me().await.json()["current"]["name"]
        .as_str()
        .unwrap()
        .to_string();

    // A second workspace of the same person.
    let r = c
        .invoke(CreateWorkspace {
            name: "Side Gig".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second_ws = c.workspace_id().await;
    assert_ne!(second_ws, first_ws);
    assert!(c.invoke(CurrentTimer {}).await.json().is_null());

    // Starting here stops the one over there, and says where.
    let r = c
        .invoke(StartTimer {
            input: TimerInput {
                description: "Gig work".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stopped_in"], first_name.as_str());
    assert!(r.json()["entry"]["ended_at"].is_null());
    c.invoke(SwitchWorkspace {
        workspace_id: first_ws.parse().unwrap(),
    })
    .await;
    assert!(c.invoke(CurrentTimer {}).await.json().is_null());
    let page = c
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    let stopped = all_entries(&page);
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0]["id"], a["id"]);
    assert!(!stopped[0]["ended_at"].is_null());

    // The database holds the rule too: a second running entry is refused.
    use app::db::entities::time_entries;
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    let db = connect(&app.url).await;
    let a_id: uuid::Uuid = a["id"].as_str().unwrap().parse().unwrap();
    let dup = time_entries::Entity::update_many()
        .col_expr(
            time_entries::Column::EndedAt,
            Expr::value(None::<chrono::DateTime<chrono::Utc>>),
        )
        .filter(time_entries::Column::Id.eq(a_id))
        .exec(&db)
        .await;
    assert!(dup.is_err(), "a second running timer was stored: {dup:?}");
}

#[tokio::test]
async fn members_edit_only_their_own_entries_and_foreign_ids_are_refused() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Olga").await;
    let (mut member, member_email) = app.signed_up("Max").await;
    let (mut stranger, _) = app.signed_up("Eve").await;
    let ws = owner.workspace_id().await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let (proj, dev, _) = catalogue(&mut owner).await;
    let (s_proj, s_tag, _) = catalogue(&mut stranger).await;

    let mine = member
        .invoke(entry("2026-11-20T09:00", "2026-11-20T10:00"))
        .await
        .json();
    let theirs = owner
        .invoke(entry("2026-11-20T11:00", "2026-11-20T12:00"))
        .await
        .json();

    // The member may use the workspace's project and tags on their own entry.
    let r = member
        .invoke(UpdateEntry {
            id: uuid(&mine),
            input: EntryForm {
                project_id: Some(proj.parse().unwrap()),
                tag_ids: vec![dev.parse().unwrap()],
                start: "2026-11-20T09:00".into(),
                end: "2026-11-20T10:00".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // ...but not change the owner's entry.
    for (f, args) in [
        (
            "update_entry",
            json!({ "id": theirs["id"], "input": { "description": "x",
                "start": "2026-11-20T11:00", "end": "2026-11-20T12:00" } }),
        ),
        ("delete_entry", json!({ "id": theirs["id"] })),
    ] {
        let r = member.call(f, args).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{f}: {}", r.body);
    }
    // The owner may change the member's entry.
    let r = owner
        .invoke(UpdateEntry {
            id: uuid(&mine),
            input: EntryForm {
                description: "Checked".into(),
                start: "2026-11-20T09:00".into(),
                end: "2026-11-20T10:00".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Another workspace's project or tag cannot be attached, by anyone.
    for (project_id, tag_ids) in [
        (Some(s_proj.parse().unwrap()), vec![]),
        (None, vec![s_tag.parse().unwrap()]),
    ] {
        let input = EntryForm {
            project_id,
            tag_ids: tag_ids.clone(),
            start: "2026-11-20T09:00".into(),
            end: "2026-11-20T10:00".into(),
            ..Default::default()
        };
        let r = owner.invoke(CreateEntry { input }).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let input = TimerInput {
            project_id,
            tag_ids,
            ..Default::default()
        };
        let r = owner.invoke(StartTimer { input }).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    let r = owner
        .invoke(UpdateEntry {
            id: uuid(&theirs),
            input: EntryForm {
                tag_ids: vec![s_tag.parse().unwrap()],
                start: "2026-11-20T11:00".into(),
                end: "2026-11-20T12:00".into(),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "tag_ids");

    // The stranger cannot see, change, continue or delete our entries.
    for (f, args) in [
        (
            "update_entry",
            json!({ "id": theirs["id"], "input": { "start": "2026-11-20T11:00", "end": "2026-11-20T12:00" } }),
        ),
        ("delete_entry", json!({ "id": theirs["id"] })),
        ("restore_entry", json!({ "id": theirs["id"] })),
        ("continue_entry", json!({ "id": theirs["id"] })),
    ] {
        let r = stranger.call(f, args).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{f}: {}", r.body);
    }
    let page = stranger
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    assert!(all_entries(&page).is_empty());
}

#[tokio::test]
async fn a_read_only_workspace_refuses_every_entry_and_timer_write() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Rita").await;
    let e = c
        .invoke(entry("2026-11-20T09:00", "2026-11-20T10:00"))
        .await
        .json();
    let ws = c.workspace_id().await;
    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    for (f, args) in [
        (
            "create_entry",
            serde_json::to_value(entry("2026-11-21T09:00", "2026-11-21T10:00")).unwrap(),
        ),
        (
            "update_entry",
            json!({ "id": e["id"], "input": { "start": "2026-11-20T09:00", "end": "2026-11-20T11:00" } }),
        ),
        ("delete_entry", json!({ "id": e["id"] })),
        ("restore_entry", json!({ "id": e["id"] })),
        ("start_timer", json!({ "input": {} })),
        ("update_timer", json!({ "input": {} })),
        ("stop_timer", json!({})),
        ("continue_entry", json!({ "id": e["id"] })),
    ] {
        let r = c.call(f, args).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{f}: {}", r.body);
        assert_eq!(r.json(), json!("WorkspaceReadOnly"), "{f}");
    }
    for (f, form) in [
        (
            "update_rates",
            vec![("currency", "EUR"), ("default_rate", "90")],
        ),
        ("delete_project", vec![("id", e["id"].as_str().unwrap())]),
    ] {
        let r = c.rpc(f, &form).await;
        assert_eq!(r.json(), json!("WorkspaceReadOnly"), "{f}");
    }
    // Reading still works.
    let page = c
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(all_entries(&page.json()).len(), 1);
}

#[tokio::test]
async fn workspace_rates_and_currency_are_checked() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Cora").await;
    let r = c
        .invoke(UpdateRates {
            currency: "eur".into(),
            default_rate: "92.5".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = c.me().await.json();
    assert_eq!(me["current"]["currency"], "EUR");
    assert_eq!(me["current"]["default_rate_cents"], 9250);
    let r = c
        .invoke(UpdateRates {
            currency: "euro".into(),
            default_rate: "".into(),
        })
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "currency");
    let r = c
        .invoke(UpdateRates {
            currency: "EUR".into(),
            default_rate: "-3".into(),
        })
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "default_rate");
}

#[tokio::test]
async fn reports_keep_archived_history_and_members_see_only_their_time() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Rhea").await;
    let (mut member, member_email) = app.signed_up("Milo").await;
    let ws = owner.workspace_id().await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let r = owner
        .invoke(UpdateRates {
            currency: "EUR".into(),
            default_rate: "60".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (proj, dev, _) = catalogue(&mut owner).await; // Website at 100/h, billable
    let mut e = entry("2026-11-23T09:00", "2026-11-23T10:30");
    e.input.project_id = Some(proj.parse().unwrap());
    e.input.tag_ids = vec![dev.parse().unwrap()];
    assert_eq!(owner.invoke(e).await.status, StatusCode::OK);
    let mut e = entry("2026-11-24T09:00", "2026-11-24T09:20");
    e.input.billable = Some(true);
    assert_eq!(member.invoke(e).await.status, StatusCode::OK);

    // Archive the project: its time stays in the report.
    let r = owner
        .invoke(UpdateProject {
            id: proj.parse().unwrap(),
            input: website(true),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let q = TimeFilter {
        period: Period::Custom,
        from: "2026-11-23".into(),
        to: "2026-11-29".into(),
        ..Default::default()
    };
    let report = |query: &TimeFilter| GetReport {
        query: query.clone(),
    };
    let rep = owner.invoke(report(&q)).await;
    assert_eq!(rep.status, StatusCode::OK, "{}", rep.body);
    let rep = rep.json();
    assert_eq!(rep["everyone"], true);
    assert_eq!(rep["total_secs"], 5400 + 1200);
    assert_eq!(rep["billable_secs"], 5400 + 1200);
    // 1.5 h at 100 + 20 min at the default 60.
    assert_eq!(rep["amount_cents"], 15000 + 2000);
    assert_eq!(rep["currency"], "EUR");
    assert_eq!(rep["bars"].as_array().unwrap().len(), 7);
    assert_eq!(rep["bars"][0]["secs"], 5400);
    assert_eq!(rep["by_project"][0]["name"], "Website");
    assert_eq!(rep["by_tag"][0]["name"], "#dev");

    // Filters narrow the report like the entries list.
    let by_tag = TimeFilter {
        tag_ids: vec![dev.parse().unwrap()],
        ..q.clone()
    };
    assert_eq!(
        owner.invoke(report(&by_tag)).await.json()["total_secs"],
        5400
    );

    // A member's report is their own time.
    let mine = member.invoke(report(&q)).await.json();
    assert_eq!(mine["everyone"], false);
    assert_eq!(mine["total_secs"], 1200);

    let bad = TimeFilter {
        to: "2026-11-01".into(),
        ..q.clone()
    };
    assert_eq!(
        owner.invoke(report(&bad)).await.json()["Invalid"]["field"],
        "to"
    );
}

/// Entry pages are cached per workspace data version. Changes made around
/// the service layer (here: straight through the entities, as another app
/// instance, the CLI or an import would) must show on the very next list,
/// including a day total summed from entries on a later page.
#[tokio::test]
async fn cached_pages_follow_every_change_made_anywhere() {
    use app::db::entities::{projects, tags, time_entries, time_entry_tags};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

    let app = spawn().await;
    let (mut c, _) = app.signed_up("Cache").await;
    let ws: uuid::Uuid = c.workspace_id().await.parse().unwrap();
    let (proj, dev, _) = catalogue(&mut c).await;
    // Five entries on 1 October, then 98 on later days: the first page
    // (100) ends inside 1 October, whose total comes from the database.
    for h in 0..5 {
        let r = c
            .invoke(CreateEntry {
                input: EntryForm {
                    description: "Early".into(),
                    project_id: Some(proj.parse().unwrap()),
                    tag_ids: vec![dev.parse().unwrap()],
                    start: format!("2026-10-01T{:02}:00", 8 + h),
                    end: format!("2026-10-01T{:02}:30", 8 + h),
                    ..Default::default()
                },
            })
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    for i in 0..98 {
        let r = c
            .invoke(entry(
                &format!("2026-10-{:02}T{:02}:00", 2 + i / 10, 8 + i % 10),
                &format!("2026-10-{:02}T{:02}:15", 2 + i / 10, 8 + i % 10),
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let list = |c: &mut Client| {
        let mut c = c.clone();
        async move {
            c.invoke(ListEntries {
                filter: EntryFilter::default(),
            })
            .await
            .json()
        }
    };
    let oct1 = |page: &Value| {
        page["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["day"] == "2026-10-01")
            .cloned()
            .unwrap()
    };
    let first = list(&mut c).await;
    assert_eq!(all_entries(&first).len(), 100);
    assert_eq!(oct1(&first)["entries"].as_array().unwrap().len(), 2);
    assert_eq!(oct1(&first)["total_secs"], 5 * 1800);
    assert_eq!(list(&mut c).await, first, "the same page twice");

    // Other tests share a PostgreSQL database: every statement here is
    // narrowed to this test's workspace.
    let early = time_entries::Entity::find()
        .filter(time_entries::Column::WorkspaceId.eq(ws))
        .filter(time_entries::Column::Description.eq("Early"))
        .all(&app.db)
        .await
        .unwrap();
    let oldest = early.iter().min_by_key(|e| e.started_at).unwrap().clone();

    // An entry on the next page leaves: 1 October's total on this page drops.
    let mut am = oldest.clone().into_active_model();
    am.deleted_at = Set(Some(oldest.started_at));
    am.update(&app.db).await.unwrap();
    let page = list(&mut c).await;
    assert_eq!(oct1(&page)["total_secs"], 4 * 1800);

    // A project renamed elsewhere.
    let p = projects::Entity::find_by_id(proj.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am = p.into_active_model();
    am.name = Set("Website relaunch".into());
    am.update(&app.db).await.unwrap();
    let page = list(&mut c).await;
    let newest_early = oct1(&page)["entries"][0].clone();
    assert_eq!(newest_early["project"]["name"], "Website relaunch");
    assert_eq!(newest_early["tags"][0]["name"], "dev");

    // A tag renamed, then taken off every entry.
    let t = tags::Entity::find_by_id(dev.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am = t.into_active_model();
    am.name = Set("development".into());
    am.update(&app.db).await.unwrap();
    assert_eq!(
        oct1(&list(&mut c).await)["entries"][0]["tags"][0]["name"],
        "development"
    );
    time_entry_tags::Entity::delete_many()
        .filter(time_entry_tags::Column::WorkspaceId.eq(ws))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(oct1(&list(&mut c).await)["entries"][0]["tags"], json!([]));

    // A description changed elsewhere.
    let newest = time_entries::Entity::find()
        .filter(time_entries::Column::WorkspaceId.eq(ws))
        .filter(time_entries::Column::Description.eq("Write report"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|e| e.started_at)
        .unwrap();
    let mut am = newest.into_active_model();
    am.description = Set("Edited by another instance".into());
    am.update(&app.db).await.unwrap();

    let page = list(&mut c).await;
    assert_eq!(
        all_entries(&page)[0]["description"],
        "Edited by another instance"
    );
}

#[tokio::test]
async fn the_served_list_follows_the_day_and_the_person() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Wren").await;
    let ws = owner.workspace_id().await;
    let (mut member, member_email) = app.signed_up("Xan").await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    // The last hour, as the form suggests it.
    let times = owner.invoke(NewEntryTimes {}).await.json();
    let (start, end) = (times[0].as_str().unwrap(), times[1].as_str().unwrap());
    let r = owner.invoke(entry(start, end)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let label = |page: &Value| page["days"][0]["label"].as_str().unwrap().to_string();
    let first = owner
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    let before = label(&first);
    assert!(before == "Today" || before == "Yesterday", "{before}");
    // The same question again is answered the same.
    let again = owner
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    assert_eq!(again, first);
    // Another person of the workspace asks the same: their own list.
    let theirs = member
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert!(all_entries(&theirs.json()).is_empty(), "{}", theirs.body);
    // A day later nothing changed in the workspace, but the labels did.
    app.advance(24 * 3600);
    let later = owner
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await
        .json();
    let after = label(&later);
    assert_ne!(after, before);
    assert_ne!(after, "Today");
    assert_eq!(all_entries(&later), all_entries(&first));
}
