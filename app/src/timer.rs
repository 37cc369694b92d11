//! The running timer: an entry without an end, stored on the server so it
//! survives reloads, restarts and a second device. One per person, across
//! all their workspaces (a unique index holds this across app instances): a
//! person works on one thing at a time, and time tracked twice would be
//! billed twice. Starting a new one stops the old, wherever it runs, and
//! says so when that was in another workspace.

use crate::entries::{Entry, TimeEntry};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

/// What the top bar sends when starting or editing the timer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimerInput {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    /// `None` takes the project's default.
    #[serde(default)]
    pub billable: Option<bool>,
}

#[server(prefix = "/rpc", endpoint = "current_timer", input = Json)]
pub async fn current_timer() -> Result<Option<TimeEntry>, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let e = service::current(&ctx.db, &scope, ctx.now).await?;
        Ok(e.map(|e| TimeEntry::of(e, tz)))
    })
    .await
}

/// A started timer, and the workspace whose timer it stopped, if another.
/// The domain returns it with an [`Entry`], the page receives a
/// [`TimeEntry`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Started<E = TimeEntry> {
    pub entry: E,
    /// The name of the other workspace where the person's timer was running.
    pub stopped_in: Option<String>,
}

/// The description of an entry, in either form: what messages name.
pub trait Described {
    fn description(&self) -> &str;
}

impl Described for Entry {
    fn description(&self) -> &str {
        &self.description
    }
}

impl Described for TimeEntry {
    fn description(&self) -> &str {
        &self.description
    }
}

impl<E> Started<E> {
    /// The same outcome with the entry in another form.
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> Started<F> {
        Started {
            entry: f(self.entry),
            stopped_in: self.stopped_in,
        }
    }

    /// What the page says after starting.
    pub fn message(&self) -> String {
        match &self.stopped_in {
            Some(ws) => format!(
                "Timer started. Your timer in “{ws}” was stopped: one timer runs at a time."
            ),
            None => "Timer started.".into(),
        }
    }
}

#[server(prefix = "/rpc", endpoint = "start_timer", input = Json)]
pub async fn start_timer(input: TimerInput) -> Result<Started, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let started = service::start(&ctx.db, &scope, input, ctx.now).await?;
        Ok(started.map(|e| TimeEntry::of(e, tz)))
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "update_timer", input = Json)]
pub async fn update_timer(input: TimerInput) -> Result<TimeEntry, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let e = service::update(&ctx.db, &scope, input, ctx.now).await?;
        Ok(TimeEntry::of(e, tz))
    })
    .await
}

/// What Stop did. A page names the entry it shows running; a page that is
/// out of date (another tab or device stopped it, or started another) stops
/// nothing and learns what runs now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Stopped<E = TimeEntry> {
    /// The entry, finished.
    Entry(E),
    /// No timer was running any more.
    AlreadyStopped,
    /// Another entry runs now; it was left running.
    OtherRunning(E),
}

impl<E: Described> Stopped<E> {
    /// The same outcome with the entry in another form.
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> Stopped<F> {
        match self {
            Stopped::Entry(e) => Stopped::Entry(f(e)),
            Stopped::AlreadyStopped => Stopped::AlreadyStopped,
            Stopped::OtherRunning(e) => Stopped::OtherRunning(f(e)),
        }
    }

    /// What the page says when its Stop found a different state.
    pub fn message(&self) -> Option<String> {
        match self {
            Stopped::Entry(_) => None,
            Stopped::AlreadyStopped => Some(
                "This timer had already been stopped in another tab or on another device."
                    .to_string(),
            ),
            Stopped::OtherRunning(e) => Some(format!(
                "{} is running now, started in another tab or on another device. It was not stopped.",
                if e.description().is_empty() {
                    "Another timer".to_string()
                } else {
                    format!("“{}”", e.description())
                }
            )),
        }
    }
}

#[server(prefix = "/rpc", endpoint = "stop_timer", input = Json)]
pub async fn stop_timer(entry_id: Option<Uuid>) -> Result<Stopped, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let stopped = service::stop(&ctx.db, &scope, entry_id, ctx.now).await?;
        Ok(stopped.map(|e| TimeEntry::of(e, tz)))
    })
    .await
}

/// Starts a timer with the same description, project, tags and billable
/// flag as an existing entry.
#[server(prefix = "/rpc", endpoint = "continue_entry", input = Json)]
pub async fn continue_entry(id: Uuid) -> Result<Started, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let started = service::continue_entry(&ctx.db, &scope, id, ctx.now).await?;
        Ok(started.map(|e| TimeEntry::of(e, tz)))
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::db::entities::{time_entries, workspaces};
    use crate::entries::service::{
        description, entries_of, live, tag_ids_of, visible, write_entry, Row,
    };
    use crate::error::Error;
    use crate::tenant::Scope;
    use chrono::{DateTime, SubsecRound, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

    /// Where a timer started at `started_at` ends when stopped at `now`:
    /// never before its start (a clock that went backwards gives 0 s).
    pub fn stop_time(started_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        now.trunc_subsecs(0).max(started_at)
    }

    /// The person's running entry in this workspace: one lookup in
    /// `idx_time_entries_running`. Every signed-in page asks for it.
    pub(super) fn running_query(scope: &Scope) -> sea_orm::Select<time_entries::Entity> {
        live(scope)
            .filter(time_entries::Column::UserId.eq(scope.user_id))
            .filter(time_entries::Column::EndedAt.is_null())
    }

    async fn running(
        db: &impl ConnectionTrait,
        scope: &Scope,
    ) -> Result<Option<time_entries::Model>, Error> {
        Ok(running_query(scope).one(db).await?)
    }

    pub async fn current(
        db: &DatabaseConnection,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<Option<Entry>, Error> {
        match running(db, scope).await? {
            None => Ok(None),
            Some(m) => Ok(entries_of(db, scope, vec![m], now).await?.pop()),
        }
    }

    /// Stops the person's running timer in this workspace, if any.
    async fn stop_running(
        db: &impl ConnectionTrait,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<Option<time_entries::Model>, Error> {
        let Some(m) = running(db, scope).await? else {
            return Ok(None);
        };
        let end = stop_time(m.started_at, now);
        scope
            .update_many::<time_entries::Entity>()
            .col_expr(time_entries::Column::EndedAt, Expr::value(Some(end)))
            .col_expr(time_entries::Column::UpdatedAt, Expr::value(now))
            .filter(time_entries::Column::Id.eq(m.id))
            .filter(time_entries::Column::EndedAt.is_null())
            .exec(db)
            .await?;
        Ok(Some(time_entries::Model {
            ended_at: Some(end),
            updated_at: now,
            ..m
        }))
    }

    /// Stops the person's timer running in another workspace, if any, and
    /// names that workspace. The timer is their own: stopping it is allowed
    /// even where billing made the workspace read-only, or the person is no
    /// longer a member, since it would otherwise block every new timer.
    async fn stop_elsewhere(
        db: &impl ConnectionTrait,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, Error> {
        // A read about the person, not about the other workspace's data.
        let Some(m) = time_entries::Entity::find()
            .filter(time_entries::Column::UserId.eq(scope.user_id))
            .filter(time_entries::Column::WorkspaceId.ne(scope.workspace_id))
            .filter(time_entries::Column::EndedAt.is_null())
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        time_entries::Entity::update_many()
            .col_expr(
                time_entries::Column::EndedAt,
                Expr::value(Some(stop_time(m.started_at, now))),
            )
            .col_expr(time_entries::Column::UpdatedAt, Expr::value(now))
            .filter(time_entries::Column::Id.eq(m.id))
            .filter(time_entries::Column::WorkspaceId.eq(m.workspace_id))
            .filter(time_entries::Column::UserId.eq(scope.user_id))
            .filter(time_entries::Column::EndedAt.is_null())
            .exec(db)
            .await?;
        let name = workspaces::Entity::find_by_id(m.workspace_id)
            .one(db)
            .await?
            .map(|w| w.name)
            .unwrap_or_else(|| "another workspace".into());
        Ok(Some(name))
    }

    /// Starts a timer now, stopping the one already running, here or in
    /// another workspace.
    pub async fn start(
        db: &DatabaseConnection,
        scope: &Scope,
        input: TimerInput,
        now: DateTime<Utc>,
    ) -> Result<Started<Entry>, Error> {
        scope.writable()?;
        let description = description(&input.description)?;
        let now = now.trunc_subsecs(0);
        let txn = crate::db::begin_write(db).await?;
        // A refused project or tag rolls this back: the old timer runs on.
        stop_running(&txn, scope, now).await?;
        let stopped_in = stop_elsewhere(&txn, scope, now).await?;
        let row = Row {
            description,
            project_id: input.project_id,
            tag_ids: input.tag_ids,
            billable: input.billable,
            started_at: now,
            ended_at: None,
        };
        let entry = write_entry(&txn, scope, None, row, now).await?;
        txn.commit().await?;
        Ok(Started { entry, stopped_in })
    }

    /// Changes the running timer's description, project, tags or billable
    /// flag. Without a billable flag it keeps its own, or takes a new
    /// project's default.
    pub async fn update(
        db: &DatabaseConnection,
        scope: &Scope,
        input: TimerInput,
        now: DateTime<Utc>,
    ) -> Result<Entry, Error> {
        scope.writable()?;
        let description = description(&input.description)?;
        let txn = crate::db::begin_write(db).await?;
        let cur = running(&txn, scope)
            .await?
            .ok_or_else(|| Error::Conflict("No timer is running.".into()))?;
        let billable = match input.billable {
            None if input.project_id == cur.project_id => Some(cur.billable),
            b => b,
        };
        let row = Row {
            description,
            project_id: input.project_id,
            tag_ids: input.tag_ids,
            billable,
            started_at: cur.started_at,
            ended_at: None,
        };
        let entry = write_entry(&txn, scope, Some(&cur), row, now).await?;
        txn.commit().await?;
        Ok(entry)
    }

    /// Stops the timer; it becomes a finished entry.
    /// Stops the running timer; with `expected`, only if that entry is the
    /// one running (see [`Stopped`]).
    pub async fn stop(
        db: &DatabaseConnection,
        scope: &Scope,
        expected: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<Stopped<Entry>, Error> {
        scope.writable()?;
        let txn = crate::db::begin_write(db).await?;
        let current = running(&txn, scope).await?;
        let outcome = match (current, expected) {
            (None, _) => Stopped::AlreadyStopped,
            (Some(m), Some(want)) if m.id != want => {
                match entries_of(&txn, scope, vec![m], now).await?.pop() {
                    Some(v) => Stopped::OtherRunning(v),
                    None => Stopped::AlreadyStopped,
                }
            }
            (Some(_), _) => match stop_running(&txn, scope, now).await? {
                Some(m) => match entries_of(&txn, scope, vec![m], now).await?.pop() {
                    Some(v) => Stopped::Entry(v),
                    None => Stopped::AlreadyStopped,
                },
                None => Stopped::AlreadyStopped,
            },
        };
        txn.commit().await?;
        Ok(outcome)
    }

    pub async fn continue_entry(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Started<Entry>, Error> {
        let m = visible(db, scope, id).await?;
        let tag_ids = tag_ids_of(db, scope, id).await?;
        start(
            db,
            scope,
            TimerInput {
                description: m.description,
                project_id: m.project_id,
                tag_ids,
                billable: Some(m.billable),
            },
            now,
        )
        .await
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::service::*;
    use super::{Stopped, TimerInput};
    use crate::tenant::Scope;
    use crate::types::{BillingStatus, Plan, Role};
    use chrono::{TimeZone, Utc};
    use chrono_tz::Tz;

    #[test]
    fn a_timer_across_midnight_belongs_to_the_day_it_started() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // 23:30 to 00:45 Berlin time, in winter (UTC+1).
        let start = Utc.with_ymd_and_hms(2026, 11, 27, 22, 30, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 23, 45, 0).unwrap();
        let end = stop_time(start, now);
        assert_eq!((end - start).num_minutes(), 75);
        assert_eq!(
            crate::periods::local_day(tz, start).to_string(),
            "2026-11-27"
        );
        assert_eq!(crate::periods::local_day(tz, end).to_string(), "2026-11-28");
    }

    #[test]
    fn a_timer_across_a_dst_change_counts_real_time() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Started 01:30 local on 25 Oct 2026 (CEST), stopped 02:30 local the
        // second time round (CET): the wall clock says one hour, two passed.
        let start = crate::periods::parse_local(tz, "2026-10-25T01:30", "start").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
        assert_eq!(crate::periods::hm(tz, now), "02:30");
        assert_eq!((stop_time(start, now) - start).num_hours(), 2);
        // A clock that went backwards never gives a negative entry.
        assert_eq!(stop_time(now, start), now);
    }

    /// A database in memory with one person, owner of their workspace.
    async fn owner() -> (
        sea_orm::DatabaseConnection,
        crate::db::entities::users::Model,
        Scope,
    ) {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap();
        let (user, ws) = crate::users::create(
            &db,
            "Ada Lovelace",
            "ada@example.com",
            "orbit lantern pepper 42",
            t0,
        )
        .await
        .unwrap();
        let scope = Scope {
            workspace_id: ws,
            user_id: user.id,
            role: Role::Owner,
            plan: Plan::Free,
            billing_status: BillingStatus::Active,
            data_version: 0,
        };
        (db, user, scope)
    }

    #[tokio::test]
    async fn starting_a_timer_stops_the_running_one() {
        let (db, user, scope) = owner().await;
        let t0 = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let input = |d: &str| TimerInput {
            description: d.into(),
            ..Default::default()
        };
        let a = start(&db, &scope, input("first"), t0).await.unwrap().entry;
        let t1 = t0 + chrono::Duration::minutes(30);
        let b = start(&db, &scope, input("second"), t1).await.unwrap().entry;
        let cur = current(&db, &scope, t1).await.unwrap().unwrap();
        assert_eq!(cur.id, b.id);
        assert_eq!(cur.description, "second");
        let t2 = t1 + chrono::Duration::minutes(15);
        // Naming the first (a stale page) leaves the second running.
        let stale = stop(&db, &scope, Some(a.id), t2).await.unwrap();
        assert!(matches!(&stale, Stopped::OtherRunning(e) if e.id == b.id));
        let Stopped::Entry(stopped) = stop(&db, &scope, Some(b.id), t2).await.unwrap() else {
            panic!("the running entry, named, stops");
        };
        assert_eq!(stopped.duration_secs, 900);
        assert!(current(&db, &scope, t2).await.unwrap().is_none());
        // The first timer ended when the second started.
        let query = crate::entries::EntryFilter::default()
            .query(Tz::UTC, user.id)
            .unwrap();
        let page = crate::entries::service::list(&db, &scope, Tz::UTC, &query, t2)
            .await
            .unwrap();
        let all: Vec<_> = page.days.iter().flat_map(|d| d.entries.iter()).collect();
        assert_eq!(all.len(), 2);
        let first = all.iter().find(|e| e.id == a.id).unwrap();
        assert_eq!(first.duration_secs, 1800);
        // Stopping with nothing running is not an error.
        assert_eq!(
            stop(&db, &scope, None, t2).await.unwrap(),
            Stopped::AlreadyStopped
        );
    }

    #[tokio::test]
    async fn the_running_timer_is_found_by_its_own_index() {
        use sea_orm::{ConnectionTrait, QueryTrait, Statement};
        let (db, _, scope) = owner().await;
        let stmt = running_query(&scope).build(db.get_database_backend());
        let plan = db
            .query_all_raw(Statement {
                sql: format!("EXPLAIN QUERY PLAN {}", stmt.sql),
                ..stmt
            })
            .await
            .unwrap();
        let plan: Vec<String> = plan
            .iter()
            .map(|r| r.try_get_by_index::<String>(3).unwrap())
            .collect();
        // Not the (workspace, person, start) index, which reads every
        // entry the person ever made.
        assert!(
            plan.iter().any(|p| p.contains("idx_time_entries_running")),
            "{plan:?}"
        );
    }
}
