//! Live updates: a person's other open pages learn within a moment that
//! their timer or entries changed, on one instance or many.
//!
//! Each open page holds one event stream (`GET /events`, server-sent
//! events). A stream listens to its workspace's changes through [`Hub`],
//! which every instance has one of:
//! - PostgreSQL: the data-version trigger also calls `pg_notify` (migration
//!   `M20261204000014LiveNotify`), so every write, by any door or instance,
//!   reaches every instance's listener when its transaction commits.
//! - SQLite (one instance): the request doors tell the hub after a request
//!   that moved the workspace's data version ([`Hub::after_request`]).
//!
//! A change is a hint ("look again"), never the data: pages refetch what
//! they show through their usual, scoped reads. Streams also end when their
//! session does: a sweep reads the open streams' sessions once a second,
//! one statement for all of them, so a revoked session's streams end
//! within two seconds on every instance.

use crate::auth::sessions;
use crate::db::entities::{sessions as session_rows, users, workspaces};
use crate::db::LIVE_CHANNEL;
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// How often the open streams' sessions are read again.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Changes a slow stream may fall behind by before it is told to refetch
/// everything (it cannot miss anything it needs: every change says the same).
const BACKLOG: usize = 64;
/// Session ids read in one statement (well under both databases' limits).
const SWEEP_CHUNK: usize = 500;
/// Open streams one session may hold on one instance: a tab holds one
/// (while shown), so this is many tabs; a script opening more is refused.
pub const MAX_STREAMS_PER_SESSION: usize = 32;
/// How long a new stream waits for the PostgreSQL listener at most; past
/// it the stream opens anyway (a reconnecting listener tells every stream
/// to refetch once it is back).
const READY_WITHIN: Duration = Duration::from_secs(2);

/// Something in a workspace changed; `user_id` when only that person's
/// entries did (PostgreSQL knows; SQLite's doors tell the workspace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub workspace_id: Uuid,
    pub user_id: Option<Uuid>,
}

impl Change {
    /// Whether a page of `user_id` shows what changed.
    pub fn concerns(&self, user_id: Uuid) -> bool {
        self.user_id.is_none_or(|u| u == user_id)
    }

    /// A notification's payload: `<workspace> [<user>]`.
    pub fn parse(payload: &str) -> Option<Change> {
        let mut parts = payload.split(' ');
        let workspace_id = Uuid::parse_str(parts.next()?).ok()?;
        let user_id = match parts.next() {
            Some(u) => Some(Uuid::parse_str(u).ok()?),
            None => None,
        };
        Some(Change {
            workspace_id,
            user_id,
        })
    }
}

/// Why a stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Revoked from another device ("Revoke", "Log Out Other Sessions").
    Revoked,
    /// Signed out, idle or too old, or the person was disabled.
    Ended,
    /// The session switched to another workspace: the page is out of date.
    Moved,
}

impl End {
    pub fn as_str(self) -> &'static str {
        match self {
            End::Revoked => "revoked",
            End::Ended => "ended",
            End::Moved => "moved",
        }
    }
}

/// Set once, when a stream's session ends.
type EndSignal = watch::Sender<Option<End>>;

/// Where the hub reads the time (the server's clock).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// One instance's live-update switchboard.
pub struct Hub {
    db: DatabaseConnection,
    settings: Arc<Settings>,
    clock: Clock,
    /// Per workspace, the channel its open streams listen on.
    workspaces: Mutex<HashMap<Uuid, broadcast::Sender<Change>>>,
    /// Per (session, workspace), the signal that ends its streams.
    sessions: Mutex<HashMap<(Uuid, Uuid), EndSignal>>,
    /// Set when the server stops: every stream ends, and the browsers
    /// reconnect to whichever instance is there.
    stopping: watch::Sender<bool>,
    /// True while the PostgreSQL listener listens (see [`Hub::ready`]).
    listening: watch::Sender<bool>,
    started: Once,
}

/// Why a stream was not opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The session holds [`MAX_STREAMS_PER_SESSION`] already.
    TooMany,
    /// The server is stopping.
    Stopping,
}

/// What one stream listens to.
pub struct Subscription {
    pub user_id: Uuid,
    pub changes: broadcast::Receiver<Change>,
    pub end: watch::Receiver<Option<End>>,
    /// Becomes true when the server stops.
    pub stopping: watch::Receiver<bool>,
}

/// Resolves when the server stops (see [`Hub::close_all`]).
pub async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // An error means the hub is gone, which is stopping too.
    let _ = stopping.wait_for(|s| *s).await;
}

/// Resolves when a stream's session ends, with why.
pub async fn ended(end: &mut watch::Receiver<Option<End>>) -> End {
    match end.wait_for(Option::is_some).await {
        Ok(end) => end.unwrap_or(End::Ended),
        // The hub is gone: the server is shutting down.
        Err(_) => End::Ended,
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these maps cannot leave them inconsistent
    // (single inserts and removals), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>, clock: Clock) -> Arc<Hub> {
        Arc::new(Hub {
            db,
            settings,
            clock,
            workspaces: Mutex::default(),
            sessions: Mutex::default(),
            stopping: watch::channel(false).0,
            listening: watch::channel(false).0,
            started: Once::new(),
        })
    }

    fn postgres(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Postgres
    }

    /// A stream for `session_id` of `user_id` in `workspace_id`. The
    /// hub's background work (sweep, PostgreSQL listener) starts with the
    /// first.
    pub fn subscribe(
        self: &Arc<Self>,
        session_id: Uuid,
        user_id: Uuid,
        workspace_id: Uuid,
    ) -> Result<Subscription, Refused> {
        if *self.stopping.borrow() {
            return Err(Refused::Stopping);
        }
        self.started.call_once(|| {
            tokio::spawn(sweep_loop(Arc::downgrade(self)));
            if self.postgres() {
                tokio::spawn(listen_loop(Arc::downgrade(self)));
            }
        });
        let end = {
            let mut sessions = lock(&self.sessions);
            let tx = sessions
                .entry((session_id, workspace_id))
                .or_insert_with(|| watch::channel(None).0);
            // Ended before (the session left this workspace and came back,
            // and the old streams have not closed yet): this stream's
            // session was just found live, so it starts afresh.
            if tx.borrow().is_some() {
                *tx = watch::channel(None).0;
            }
            if tx.receiver_count() >= MAX_STREAMS_PER_SESSION {
                return Err(Refused::TooMany);
            }
            tx.subscribe()
        };
        let changes = lock(&self.workspaces)
            .entry(workspace_id)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe();
        Ok(Subscription {
            user_id,
            changes,
            end,
            stopping: self.stopping.subscribe(),
        })
    }

    /// Waits (at most [`READY_WITHIN`]) until this instance hears
    /// PostgreSQL's notifications, so that a stream says hello only when
    /// no write after it can go unheard. The listener starts with the
    /// instance's first stream; without this, a write made in its first
    /// moments was lost to that stream. SQLite needs no wait.
    pub async fn ready(&self) {
        if !self.postgres() {
            return;
        }
        let mut listening = self.listening.subscribe();
        let _ = tokio::time::timeout(READY_WITHIN, listening.wait_for(|l| *l)).await;
    }

    /// Ends every stream on this instance and opens no more: the server
    /// is stopping, and open streams would hold its shutdown up.
    pub fn close_all(&self) {
        self.stopping.send_replace(true);
    }

    /// Hands a change to the streams of its workspace on this instance.
    pub fn deliver(&self, change: Change) {
        if let Some(tx) = lock(&self.workspaces).get(&change.workspace_id) {
            // No receiver left is fine: the sweep drops the channel.
            let _ = tx.send(change);
        }
    }

    /// Tells every stream on this instance to refetch: changes may have been
    /// missed (the PostgreSQL listener reconnected).
    fn deliver_everywhere(&self) {
        for (ws, tx) in lock(&self.workspaces).iter() {
            let _ = tx.send(Change {
                workspace_id: *ws,
                user_id: None,
            });
        }
    }

    /// Whether any stream on this instance listens to `workspace_id`.
    pub fn listened(&self, workspace_id: Uuid) -> bool {
        lock(&self.workspaces)
            .get(&workspace_id)
            .is_some_and(|tx| tx.receiver_count() > 0)
    }

    /// Open streams on this instance.
    pub fn streams(&self) -> usize {
        lock(&self.workspaces)
            .values()
            .map(|tx| tx.receiver_count())
            .sum()
    }

    /// After a request in `workspace_id` that began at data version
    /// `before`: on SQLite, a moved version is delivered to the workspace's
    /// streams. (PostgreSQL's trigger has already notified every instance.)
    /// Reads one row, and only while someone is listening.
    pub async fn after_request(
        &self,
        reads: Option<&crate::db::direct::SqliteReads>,
        workspace_id: Uuid,
        before: i64,
    ) {
        if self.postgres() || !self.listened(workspace_id) {
            return;
        }
        match data_version(&self.db, reads, workspace_id).await {
            Ok(Some(now)) if now != before => self.deliver(Change {
                workspace_id,
                user_id: None,
            }),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not read the data version for live updates")
            }
        }
    }

    /// Ends streams whose session is over, and forgets channels nobody
    /// listens to any more.
    pub async fn sweep(&self) -> Result<(), DbErr> {
        lock(&self.workspaces).retain(|_, tx| tx.receiver_count() > 0);
        let watched: Vec<(Uuid, Uuid)> = {
            let mut sessions = lock(&self.sessions);
            sessions.retain(|_, tx| tx.receiver_count() > 0);
            sessions.keys().copied().collect()
        };
        if watched.is_empty() {
            return Ok(());
        }
        let now = (self.clock)();
        let mut found = HashMap::new();
        for chunk in watched.chunks(SWEEP_CHUNK) {
            let ids: Vec<Uuid> = chunk.iter().map(|(s, _)| *s).collect();
            let rows = session_rows::Entity::find()
                .filter(session_rows::Column::Id.is_in(ids))
                .find_also_related(users::Entity)
                .all(&self.db)
                .await?;
            for (row, user) in rows {
                found.insert(row.id, (row, user));
            }
        }
        let sessions = lock(&self.sessions);
        for key @ (session_id, workspace_id) in &watched {
            let end = match found.get(session_id) {
                None => Some(End::Ended),
                Some((row, _)) if row.revoked_at.is_some() => Some(End::Revoked),
                Some((_, user)) if user.as_ref().is_none_or(|u| u.disabled_at.is_some()) => {
                    Some(End::Ended)
                }
                Some((row, _)) if !sessions::is_live(row, &self.settings, now) => Some(End::Ended),
                Some((row, _)) if row.current_workspace_id != Some(*workspace_id) => {
                    Some(End::Moved)
                }
                Some(_) => None,
            };
            if let (Some(end), Some(tx)) = (end, sessions.get(key)) {
                tx.send_replace(Some(end));
            }
        }
        Ok(())
    }
}

/// A workspace's current data version.
async fn data_version(
    db: &DatabaseConnection,
    reads: Option<&crate::db::direct::SqliteReads>,
    workspace_id: Uuid,
) -> Result<Option<i64>, DbErr> {
    let query = workspaces::Entity::find_by_id(workspace_id)
        .select_only()
        .column(workspaces::Column::DataVersion);
    match reads {
        Some(reads) => Ok(reads
            .query_one(&query.build(DbBackend::Sqlite), |r| {
                crate::db::direct::col::opt_i64(r, "data_version")
            })?
            .flatten()),
        None => db
            .query_one_raw(query.build(db.get_database_backend()))
            .await?
            .map(|r| r.try_get::<i64>("", "data_version"))
            .transpose(),
    }
}

async fn sweep_loop(hub: std::sync::Weak<Hub>) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        if let Err(e) = hub.sweep().await {
            tracing::warn!(error = %e, "could not check the live streams' sessions");
        }
    }
}

/// Forwards PostgreSQL's notifications to this instance's streams, and
/// reconnects when the connection drops (telling every stream to refetch,
/// as notifications sent meanwhile are lost).
async fn listen_loop(hub: std::sync::Weak<Hub>) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let Some(pool) = hub
            .upgrade()
            .map(|h| h.db.get_postgres_connection_pool().clone())
        else {
            return;
        };
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(LIVE_CHANNEL).await {
                    tracing::warn!(error = %e, "could not listen for live updates");
                } else {
                    if let Some(hub) = hub.upgrade() {
                        hub.listening.send_replace(true);
                    }
                    loop {
                        let next = listener.try_recv().await;
                        let Some(hub) = hub.upgrade() else { return };
                        match next {
                            Ok(Some(n)) => match Change::parse(n.payload()) {
                                Some(change) => hub.deliver(change),
                                None => tracing::warn!(
                                    payload = n.payload(),
                                    "unreadable live notification"
                                ),
                            },
                            // Lost and reconnecting on the next call.
                            Ok(None) => hub.deliver_everywhere(),
                            Err(e) => {
                                tracing::warn!(error = %e, "the live-update listener failed");
                                hub.listening.send_replace(false);
                                hub.deliver_everywhere();
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not connect the live-update listener"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_read_back() {
        let ws = Uuid::now_v7();
        let user = Uuid::now_v7();
        assert_eq!(
            Change::parse(&format!("{ws} {user}")),
            Some(Change {
                workspace_id: ws,
                user_id: Some(user)
            })
        );
        assert_eq!(
            Change::parse(&ws.to_string()),
            Some(Change {
                workspace_id: ws,
                user_id: None
            })
        );
        assert_eq!(Change::parse("nonsense"), None);
        assert_eq!(Change::parse(&format!("{ws} x")), None);
        let mine = Change::parse(&format!("{ws} {user}")).unwrap();
        assert!(mine.concerns(user));
        assert!(!mine.concerns(ws));
        assert!(Change::parse(&ws.to_string()).unwrap().concerns(user));
    }
}
