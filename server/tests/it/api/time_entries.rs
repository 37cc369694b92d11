//! Time entries and the timer through the API: filters, pages, writes.

use super::*;
use app::entries::{CreateEntry, DeleteEntry, EntryForm};
use app::periods::Period;
use app::reports::GetReport;
use app::time_filter::TimeFilter;
use axum::http::StatusCode;

#[tokio::test]
async fn time_entries_filter_literally_and_page_without_gaps_while_entries_arrive() {
    let app = spawn().await;
    let (mut owner, ws, token) = team_with_token(&app, "Wen").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    let mut v1 = ApiClient::new(&c, t, w);
    // Tag names with LIKE and quoting characters, and one that would match
    // them all if they were patterns.
    let mut tag_ids = std::collections::HashMap::new();
    for name in ["50%", "a_b", "o'neil", "back\\slash", "axb", "50x"] {
        let r = v1.post("/api/v1/tags", json!({ "name": name })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
        tag_ids.insert(name, r.json()["id"].as_str().unwrap().to_string());
    }
    for (i, name) in ["50%", "a_b", "o'neil", "back\\slash", "axb", "50x"]
        .iter()
        .enumerate()
    {
        let input = EntryForm {
            tag_ids: vec![tag_ids[name].parse().unwrap()],
            billable: Some(i % 2 == 0),
            ..new_entry(
                &format!("tagged {name}"),
                &format!("2026-10-0{}T09:00", i + 1),
                &format!("2026-10-0{}T10:00", i + 1),
            )
        };
        let r = owner.invoke(CreateEntry { input }).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    for name in ["50%", "a_b", "o'neil", "back\\slash"] {
        let q = format!("/api/v1/time-entries?tags={}", urlencode(name));
        let r = v1.get(&q).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let data = r.json()["data"].as_array().unwrap().clone();
        assert_eq!(data.len(), 1, "{name}: {data:?}");
        assert_eq!(data[0]["description"], format!("tagged {name}"));
        assert_eq!(data[0]["tags"][0]["name"], *name);
    }
    let r = v1.get("/api/v1/time-entries?tags=%25").await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 0);
    let r = v1.get("/api/v1/time-entries?tags=50%25,axb").await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    let r = v1.get("/api/v1/time-entries?billable=true").await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 3);
    // The person's zone is UTC here: 2026-10-02 09:00 local is 09:00Z.
    let r = v1
        .get("/api/v1/time-entries?from=2026-10-02T00:00:00Z&to=2026-10-04T00:00:00Z")
        .await;
    let data = r.json()["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 2, "{data:?}");
    assert_eq!(data[0]["start"], "2026-10-03T09:00:00Z");
    assert_eq!(data[0]["duration_secs"], 3600);
    for (q, field) in [
        ("from=yesterday", "from"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("billable=maybe", "billable"),
        ("project_id=x", "project_id"),
        ("cursor=garbage", "cursor"),
    ] {
        let r = v1.get(&format!("/api/v1/time-entries?{q}")).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], field, "{q}");
    }

    // 45 more entries, then pages of 10 while new ones keep arriving.
    for i in 0..45 {
        let day = 10 + i / 5;
        let hour = 8 + i % 5;
        let r = owner
            .invoke(CreateEntry {
                input: new_entry(
                    &format!("bulk {i}"),
                    &format!("2026-10-{day:02}T{hour:02}:00"),
                    &format!("2026-10-{day:02}T{hour:02}:30"),
                ),
            })
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let q = match &cursor {
            Some(cur) => format!("/api/v1/time-entries?limit=10&cursor={}", urlencode(cur)),
            None => "/api/v1/time-entries?limit=10".to_string(),
        };
        let r = v1.get(&q).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = r.json();
        for e in page["data"].as_array().unwrap() {
            assert!(
                seen.insert(e["id"].as_str().unwrap().to_string()),
                "twice: {e}"
            );
        }
        // Someone adds an entry between pages.
        added += 1;
        owner
            .invoke(CreateEntry {
                input: new_entry(
                    &format!("late {added}"),
                    &format!("2026-11-{added:02}T09:00"),
                    &format!("2026-11-{added:02}T09:10"),
                ),
            })
            .await;
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 51);

    // A member reads only their own entries.
    let (mut member, member_email) = app.signed_up("Xia").await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let (member_token, _) = create_token(&mut member, "Mine", None, TokenScope::ReadOnly).await;
    let r = api(
        &mut c,
        "GET",
        "/api/v1/time-entries",
        Some(&member_token),
        w,
        None,
    )
    .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 0);
    let owner_id = owner.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/time-entries?user_id={owner_id}"),
        Some(&member_token),
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let any = seen.iter().next().unwrap();
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/time-entries/{any}"),
        Some(&member_token),
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = v1.get(&format!("/api/v1/time-entries/{any}")).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn entries_and_the_timer_can_be_written_through_the_api() {
    let app = spawn().await;
    let (mut owner, ws, token) = team_with_token(&app, "Yara").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    let mut v1 = ApiClient::new(&c, t, w);
    let r = v1.post("/api/v1/tags", json!({ "name": "dev" })).await;
    let dev = r.json()["id"].as_str().unwrap().to_string();

    let r = v1
        .post(
            "/api/v1/time-entries",
            json!({
                "description": "API work", "tag_ids": [dev],
                "start": "2026-11-02T09:00:00Z", "end": "2026-11-02T10:30:00Z"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = r.json();
    assert_eq!(e["duration_secs"], 5400);
    assert_eq!(e["tags"][0]["name"], "dev");
    let id = e["id"].as_str().unwrap().to_string();
    // End before start is refused on the field.
    let r = v1
        .post(
            "/api/v1/time-entries",
            json!({
                "start": "2026-11-02T09:00:00Z", "end": "2026-11-02T08:00:00Z"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "end");
    // Another workspace's tag cannot be attached.
    let (_o2, ws2, token2) = team_with_token(&app, "Zed").await;
    let r = api(
        &mut c,
        "POST",
        "/api/v1/tags",
        Some(&token2),
        Some(&ws2),
        Some(json!({ "name": "theirs" })),
    )
    .await;
    let theirs = r.json()["id"].as_str().unwrap().to_string();
    let r = v1
        .patch(
            &format!("/api/v1/time-entries/{id}"),
            json!({ "tag_ids": [theirs] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = v1
        .patch(
            &format!("/api/v1/time-entries/{id}"),
            json!({ "description": "API work, edited" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["description"], "API work, edited");
    assert_eq!(r.json()["start"], "2026-11-02T09:00:00Z");
    assert_eq!(r.json()["tags"][0]["name"], "dev");

    // The summary matches the UI's report for the same days.
    let r = v1
        .get("/api/v1/reports/summary?from=2026-11-02&to=2026-11-02&group_by=tag")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sum = r.json();
    let ui = owner
        .invoke(GetReport {
            query: TimeFilter {
                period: Period::Custom,
                from: "2026-11-02".into(),
                to: "2026-11-02".into(),
                ..Default::default()
            },
        })
        .await
        .json();
    assert_eq!(sum["total_secs"], 5400);
    assert_eq!(sum["total_secs"], ui["total_secs"]);
    assert_eq!(sum["amount_cents"], ui["amount_cents"]);
    assert_eq!(sum["groups"][0]["name"], "#dev");
    let r = v1
        .get("/api/v1/reports/summary?from=2026-11-02&to=2026-11-02&tags=dev&group_by=day")
        .await;
    assert_eq!(r.json()["groups"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["groups"][0]["secs"], 5400);
    for (q, field) in [
        ("from=2026-11-02&to=2026-11-02&group_by=week", "group_by"),
        ("from=yesterday&to=2026-11-02", "from"),
        ("from=2026-11-02&to=2026-11-02&tags=nope", "tags"),
    ] {
        let r = v1.get(&format!("/api/v1/reports/summary?{q}")).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], field, "{q}");
    }

    // The timer: start, read, stop.
    let r = v1.get("/api/v1/timer").await;
    assert_eq!(r.json(), Value::Null);
    let r = v1
        .post("/api/v1/timer/start", json!({ "description": "Live" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let running = r.json()["id"].as_str().unwrap().to_string();
    assert!(r.json()["end"].is_null());
    app.advance(90);
    let r = v1.get("/api/v1/timer").await;
    assert_eq!(r.json()["id"], running.as_str());
    assert!(r.json()["duration_secs"].as_i64().unwrap() >= 90);
    let r = v1
        .patch(
            &format!("/api/v1/time-entries/{running}"),
            json!({ "description": "x" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Naming another entry stops nothing: 409, and the timer runs on.
    let r = v1
        .send("POST", &format!("/api/v1/timer/stop?entry_id={id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("It was not stopped"));
    assert_eq!(v1.get("/api/v1/timer").await.json()["id"], running.as_str());
    let r = v1
        .send(
            "POST",
            &format!("/api/v1/timer/stop?entry_id={running}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["end"].is_string());
    let r = v1.get("/api/v1/timer").await;
    assert_eq!(r.json(), Value::Null);
    let r = v1.send("POST", "/api/v1/timer/stop", None).await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, Value::Null));

    // Read-only for billing: writes refused, reads served.
    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    for (m, path, body) in [
        ("POST", "/api/v1/timer/start".to_string(), Some(json!({}))),
        ("DELETE", format!("/api/v1/time-entries/{id}"), None),
        (
            "POST",
            "/api/v1/clients".to_string(),
            Some(json!({ "name": "New" })),
        ),
    ] {
        let r = v1.send(m, &path, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {path}");
        assert_eq!(r.json()["error"]["code"], "workspace_read_only");
    }
    let r = v1.get("/api/v1/time-entries").await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    app.set_billing(&ws, app::types::BillingStatus::Active)
        .await;

    let r = v1.delete(&format!("/api/v1/time-entries/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = v1.get(&format!("/api/v1/time-entries/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_entry_list_is_current_after_every_change_and_per_person() {
    let app = spawn().await;
    let (mut owner, ws) = {
        let (mut owner, _) = app.signed_up("Uma").await;
        let ws = owner.workspace_id().await;
        set_plan(&app, &ws, app::types::Plan::Team).await;
        (owner, ws)
    };
    let (mut member, member_email) = app.signed_up("Vic").await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let (owners, _) = create_token(&mut owner, "Owner's", None, TokenScope::ReadWrite).await;
    let (members, _) = create_token(&mut member, "Member's", None, TokenScope::ReadWrite).await;
    let mut c = app.client();
    let w = Some(ws.as_str());
    let list = |token: String| {
        let mut c = app.client();
        let ws = ws.clone();
        async move {
            let r = api(
                &mut c,
                "GET",
                "/api/v1/time-entries?limit=10",
                Some(&token),
                Some(&ws),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()["data"].as_array().unwrap().clone()
        }
    };
    let r = api(
        &mut c,
        "POST",
        "/api/v1/time-entries",
        Some(&owners),
        w,
        Some(json!({ "description": "Planning", "start": "2026-11-02T09:00:00Z", "end": "2026-11-02T10:00:00Z" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(list(owners.clone()).await.len(), 1);
    // The same page again, then the member's: never the owner's page.
    assert_eq!(list(owners.clone()).await[0]["description"], "Planning");
    assert!(list(members.clone()).await.is_empty());

    // An edit shows on the next read.
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/time-entries/{id}"),
        Some(&owners),
        w,
        Some(json!({ "description": "Planning, edited" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(owners.clone()).await;
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["description"], "Planning, edited");
    assert_eq!(page[0]["duration_secs"], 3600);

    // A running entry's duration follows the clock between two reads of
    // the same page.
    let r = api(
        &mut c,
        "POST",
        "/api/v1/timer/start",
        Some(&owners),
        w,
        Some(json!({ "description": "Running" })),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    let page = list(owners.clone()).await;
    assert_eq!(page.len(), 2);
    let running = page.iter().find(|e| e["end"].is_null()).unwrap();
    let before = running["duration_secs"].as_i64().unwrap();
    app.advance(300);
    let page = list(owners.clone()).await;
    let running = page.iter().find(|e| e["end"].is_null()).unwrap();
    assert_eq!(running["description"], "Running");
    let after = running["duration_secs"].as_i64().unwrap();
    assert!(
        (300..=302).contains(&(after - before)),
        "{before} -> {after}"
    );

    // A change outside the API (the UI's server functions) shows too.
    let r = owner
        .invoke(DeleteEntry {
            id: id.parse().unwrap(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(owners.clone()).await;
    assert_eq!(page.len(), 1);
    assert!(page[0]["end"].is_null());
}

#[tokio::test]
async fn the_summary_takes_the_exports_filter() {
    let app = spawn().await;
    let (_owner, ws, token) = team_with_token(&app, "Uma").await;
    let c = app.client();
    let mut v1 = ApiClient::new(&c, Some(token.as_str()), Some(ws.as_str()));
    let r = v1.post("/api/v1/tags", json!({ "name": "dev" })).await;
    let dev = r.json()["id"].as_str().unwrap().to_string();
    for (description, tags, billable, start, end) in [
        ("tagged", json!([dev]), true, "09:00", "10:30"),
        ("untagged", json!([]), false, "11:00", "11:30"),
    ] {
        let r = v1
            .post(
                "/api/v1/time-entries",
                json!({
                    "description": description, "tag_ids": tags, "billable": billable,
                    "start": format!("2026-11-02T{start}:00Z"),
                    "end": format!("2026-11-02T{end}:00Z"),
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let day = "from=2026-11-02&to=2026-11-02";
    for (q, secs) in [
        ("", 7200),
        ("&tags=dev&tag_mode=all", 5400),
        ("&tag_mode=untagged", 1800),
        ("&billable=true", 5400),
        ("&billable=false", 1800),
    ] {
        let r = v1.get(&format!("/api/v1/reports/summary?{day}{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        assert_eq!(r.json()["total_secs"], secs, "{q}");
    }
    // The same filter's CSV holds the same time.
    let r = v1
        .get(&format!(
            "/api/v1/exports/time-entries.csv?{day}&tag_mode=untagged"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.lines().count(), 2, "{}", r.body);
    assert!(r.body.contains(",untagged,"), "{}", r.body);
    let r = v1
        .get(&format!("/api/v1/reports/summary?{day}&tag_mode=some"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "tag_mode");
}
