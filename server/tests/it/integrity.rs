//! The database's own guard on tenant data: composite foreign keys refuse a
//! row that points into another workspace, whatever code writes it
//! (migration m20261201_000011).

use crate::common::*;
use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, DbErr, Value};
use serde_json::json;
use uuid::Uuid;

/// One workspace's rows, made through the API.
struct Rows {
    ws: Uuid,
    client: Uuid,
    project: Uuid,
    tag: Uuid,
    entry: Uuid,
}

async fn rows(app: &TestApp, name: &str) -> Rows {
    let (mut c, _) = app.signed_up(name).await;
    let token = app.team_token(&mut c, "ReadWrite").await;
    let ws = c.workspace_id().await;
    let mut post = async |path: &str, body: serde_json::Value| -> Uuid {
        let r = c
            .api("POST", path, &token, &ws, Some(body.to_string()))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
        r.json()["id"].as_str().unwrap().parse().unwrap()
    };
    let client = post("/api/v1/clients", json!({ "name": "Acme" })).await;
    let project = post(
        "/api/v1/projects",
        json!({ "name": "Site", "client_id": client }),
    )
    .await;
    let tag = post("/api/v1/tags", json!({ "name": "design" })).await;
    let entry = post(
        "/api/v1/time-entries",
        json!({
            "description": "Layout",
            "project_id": project,
            "tag_ids": [tag],
            "start": "2026-11-30T09:00:00Z",
            "end": "2026-11-30T10:00:00Z",
        }),
    )
    .await;
    Rows {
        ws: ws.parse().unwrap(),
        client,
        project,
        tag,
        entry,
    }
}

async fn run(app: &TestApp, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    let backend = app.db.get_database_backend();
    app.db
        .execute_raw(app::db::statement(backend, sql, values))
        .await
        .map(|r| r.rows_affected())
}

#[tokio::test]
async fn the_database_refuses_rows_that_point_into_another_workspace() {
    let app = spawn().await;
    let a = rows(&app, "Ada").await;
    let b = rows(&app, "Bo").await;

    let refused: [(&str, &str, Vec<Value>); 6] = [
        (
            "an entry on another workspace's project",
            "UPDATE time_entries SET project_id = ?1 WHERE id = ?2",
            vec![b.project.into(), a.entry.into()],
        ),
        (
            "an entry on an invoice that does not exist",
            "UPDATE time_entries SET invoice_id = ?1 WHERE id = ?2",
            vec![Uuid::now_v7().into(), a.entry.into()],
        ),
        (
            "a tag link to another workspace's tag",
            "INSERT INTO time_entry_tags (entry_id, tag_id, workspace_id) VALUES (?1, ?2, ?3)",
            vec![a.entry.into(), b.tag.into(), a.ws.into()],
        ),
        (
            "a tag link to another workspace's entry",
            "INSERT INTO time_entry_tags (entry_id, tag_id, workspace_id) VALUES (?1, ?2, ?3)",
            vec![b.entry.into(), a.tag.into(), a.ws.into()],
        ),
        (
            "a project for another workspace's client",
            "UPDATE projects SET client_id = ?1 WHERE id = ?2",
            vec![b.client.into(), a.project.into()],
        ),
        (
            "an entry moved to another workspace, keeping its project",
            "UPDATE time_entries SET workspace_id = ?1 WHERE id = ?2",
            vec![b.ws.into(), a.entry.into()],
        ),
    ];
    for (what, sql, values) in refused {
        let outcome = run(&app, sql, values).await;
        assert!(outcome.is_err(), "{what} was written: {outcome:?}");
    }

    // The same statements within one workspace go through: what is refused
    // is the other workspace, not the statement.
    assert_eq!(
        run(
            &app,
            "UPDATE projects SET client_id = ?1 WHERE id = ?2",
            vec![a.client.into(), a.project.into()],
        )
        .await
        .unwrap(),
        1
    );

    // Deleting a client still releases its projects (the single-column key's
    // SET NULL runs before the composite key is checked), and deleting a
    // workspace still removes everything in it.
    run(
        &app,
        "DELETE FROM clients WHERE id = ?1",
        vec![b.client.into()],
    )
    .await
    .unwrap();
    let r = app
        .db
        .query_one_raw(app::db::statement(
            app.db.get_database_backend(),
            "SELECT count(*) FROM projects WHERE id = ?1 AND client_id IS NULL",
            [b.project.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.try_get_by_index::<i64>(0).unwrap(), 1);
    run(
        &app,
        "DELETE FROM workspaces WHERE id = ?1",
        vec![b.ws.into()],
    )
    .await
    .unwrap();
}

/// A database that already holds a reference into another workspace is not
/// migrated: the migration names what it found and changes nothing. (SQLite
/// only: on PostgreSQL every suite shares one database, already migrated.)
#[tokio::test]
async fn the_migration_refuses_data_that_crosses_workspaces() {
    use sea_orm_migration::MigratorTrait;
    if is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/old.db?mode=rwc", dir.path().display());
    let db = sea_orm::Database::connect(&url).await.unwrap();
    app::db::migrations::Migrator::up(&db, Some(10))
        .await
        .unwrap();
    let now = "2026-11-30 09:00:00+00:00";
    let (ws_a, ws_b, user, project, entry) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let backend = db.get_database_backend();
    for (sql, values) in [
        (
            "INSERT INTO users (id, email, name, password_hash, timezone, created_at) \
             VALUES (?1, 'ada@example.com', 'Ada', 'x', 'UTC', ?2)",
            vec![user.into(), now.into()],
        ),
        (
            "INSERT INTO workspaces (id, name, plan, billing_status, created_at) \
             VALUES (?1, 'A', 'free', 'active', ?2)",
            vec![ws_a.into(), now.into()],
        ),
        (
            "INSERT INTO workspaces (id, name, plan, billing_status, created_at) \
             VALUES (?1, 'B', 'free', 'active', ?2)",
            vec![ws_b.into(), now.into()],
        ),
        (
            "INSERT INTO projects (id, workspace_id, name, name_key, color, billable, created_at) \
             VALUES (?1, ?2, 'Site', 'site', '#336699', 0, ?3)",
            vec![project.into(), ws_b.into(), now.into()],
        ),
        (
            "INSERT INTO time_entries (id, workspace_id, user_id, description, project_id, \
             billable, started_at, ended_at, created_at, updated_at) \
             VALUES (?1, ?2, ?3, '', ?4, 0, ?5, ?5, ?5, ?5)",
            vec![
                entry.into(),
                ws_a.into(),
                user.into(),
                project.into(),
                now.into(),
            ],
        ),
    ] {
        db.execute_raw(app::db::statement(backend, sql, values))
            .await
            .unwrap();
    }
    let err = app::db::migrations::Migrator::up(&db, None)
        .await
        .expect_err("the migration ran over a cross-workspace reference");
    assert!(
        err.to_string().contains("time_entries.project_id: 1 row"),
        "{err}"
    );
    // Nothing changed: the row is still there, and migration 11 is not recorded.
    let left = db
        .query_one_raw(app::db::statement(
            backend,
            "SELECT count(*) FROM time_entries WHERE project_id = ?1",
            [project.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(left.try_get_by_index::<i64>(0).unwrap(), 1);
    let applied = db
        .query_one_raw(app::db::statement(
            backend,
            "SELECT count(*) FROM seaql_migrations WHERE version LIKE 'm20261201_000011%'",
            [],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(applied.try_get_by_index::<i64>(0).unwrap(), 0);
}

/// `Scope::update`, the one-row update every domain write uses, names the
/// workspace as well as the id: with another workspace's id it changes
/// nothing.
#[tokio::test]
async fn a_scoped_update_leaves_other_workspaces_alone() {
    use app::db::entities::time_entries;
    use sea_orm::{EntityTrait, Set};
    let app = spawn().await;
    let a = rows(&app, "Ada").await;
    let b = rows(&app, "Bo").await;
    let user = Uuid::now_v7();
    let scope = app::tenant::Scope::from_stored(a.ws, user, "owner", "team", "active", 0);
    let change = |id| time_entries::ActiveModel {
        id: Set(id),
        description: Set("renamed".into()),
        ..Default::default()
    };
    assert!(scope.update(&app.db, change(b.entry)).await.is_err());
    let other = time_entries::Entity::find_by_id(b.entry)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.description, "Layout");
    let own = scope.update(&app.db, change(a.entry)).await.unwrap();
    assert_eq!(own.description, "renamed");
}
