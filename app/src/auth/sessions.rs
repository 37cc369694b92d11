//! Database-backed sessions (security.md S1–S6). The browser holds an
//! opaque 256-bit token; the database holds only its SHA-256. Every request
//! looks the row up, so a deleted or revoked row signs the browser out on
//! its next request on every server instance.

use crate::db::direct::{col, Cols, SqliteReads};
use crate::db::entities::{memberships, sessions, users};
use crate::error::Error;
use crate::settings::Settings;
use crate::tenant::{self, Scope};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, QueryFilter, QueryResult, QueryTrait, SelectA, SelectB, Set, Statement,
};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use uuid::Uuid;

/// `last_seen_at` is written at most this often per session.
pub const TOUCH_EVERY_SECS: i64 = 60;
/// Stored user agents are cut to this many bytes.
pub const MAX_USER_AGENT: usize = 512;

pub use crate::context::AuthSession;

/// A new random token for the cookie (URL-safe base64 of 32 bytes).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Cuts a string to at most `max` bytes on a character boundary.
pub fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Starts a session and returns the token for the cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    workspace_id: Option<Uuid>,
    user_agent: &str,
    ip: &str,
    location: &str,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let token = new_token();
    sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(digest(&token)),
        user_id: Set(user_id),
        current_workspace_id: Set(workspace_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        user_agent: Set(truncate_bytes(user_agent, MAX_USER_AGENT)),
        ip: Set(truncate_bytes(ip, 64)),
        revoked_at: Set(None),
        location: Set(truncate_bytes(location, 120)),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// What the session statement reads: the session, its person (`None` for
/// a dangling row) and their scope in the session's current workspace.
struct Found {
    session: sessions::Model,
    user: Option<users::Model>,
    scope: Option<Scope>,
}

/// What a cookie's token turned out to be.
#[derive(Debug)]
pub enum Presented {
    Live(AuthSession),
    /// Ended with "Revoke" or "Log Out Other Sessions" elsewhere: the
    /// sign-in page says so, so nobody wonders why they were signed out.
    Revoked,
    /// Idle or too old, or its person was disabled or deleted.
    Ended,
    /// Not a token of ours.
    Unknown,
}

impl Presented {
    pub fn live(self) -> Option<AuthSession> {
        match self {
            Presented::Live(s) => Some(s),
            _ => None,
        }
    }
}

/// Finds the live session for a cookie token, enforcing revocation,
/// disabled accounts and the idle and absolute timeouts. Touches
/// `last_seen_at` when it is older than a minute. With `reads` (a SQLite
/// file) the lookup runs on SQLite's direct read path, else through `db`.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    reads: Option<&SqliteReads>,
    settings: &Settings,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Presented, Error> {
    if token.is_empty() || token.len() > 128 {
        return Ok(Presented::Unknown);
    }
    let hash = digest(token);
    let found = match reads {
        Some(reads) => reads.query_one(&lookup(DbBackend::Sqlite, hash), read_direct)?,
        None => match db
            .query_one_raw(lookup(db.get_database_backend(), hash))
            .await?
        {
            Some(r) => Some(read_result(&r)?),
            None => None,
        },
    };
    let Some(Found {
        session: row,
        user,
        scope,
    }) = found
    else {
        return Ok(Presented::Unknown);
    };
    if row.revoked_at.is_some() {
        return Ok(Presented::Revoked);
    }
    let Some(user) = user.filter(|u| u.disabled_at.is_none()) else {
        return Ok(Presented::Ended);
    };
    if !is_live(&row, settings, now) {
        return Ok(Presented::Ended);
    }
    if now - row.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECS) {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::value(now))
            .filter(sessions::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Presented::Live(AuthSession {
        session_id: row.id,
        user_id: user.id,
        name: user.name,
        email: user.email,
        timezone: user.timezone,
        current_workspace_id: row.current_workspace_id,
        scope,
    }))
}

/// The session lookup for a token digest: one statement reading the
/// session, its person, and their membership in the session's current
/// workspace with that workspace.
fn lookup_query(token_hash: String) -> impl QueryTrait {
    let current_membership = sessions::Entity::belongs_to(memberships::Entity)
        .from((
            sessions::Column::CurrentWorkspaceId,
            sessions::Column::UserId,
        ))
        .to((
            memberships::Column::WorkspaceId,
            memberships::Column::UserId,
        ))
        .into();
    tenant::with_scope(
        sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(token_hash))
            .find_also_related(users::Entity),
        current_membership,
    )
}

/// [`lookup_query`] for `backend`. Every request runs it, and its SQL does
/// not depend on the digest (a bound value), so the SQL is built once per
/// backend and only the value changes.
fn lookup(backend: DbBackend, token_hash: String) -> Statement {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static POSTGRES: OnceLock<String> = OnceLock::new();
    let held = match backend {
        DbBackend::Sqlite => &SQLITE,
        DbBackend::Postgres => &POSTGRES,
        _ => return lookup_query(token_hash).build(backend),
    };
    let sql = held.get_or_init(|| lookup_query(String::new()).build(backend).sql);
    Statement::from_sql_and_values(backend, sql.as_str(), [token_hash.into()])
}

/// The session statement's row as sea-orm reads it.
fn read_result(found: &QueryResult) -> Result<Found, Error> {
    let session = sessions::Model::from_query_result(found, SelectA.as_str())?;
    let user = users::Model::from_query_result_optional(found, SelectB.as_str())?;
    let scope = tenant::scope_in_row(found, session.current_workspace_id, session.user_id)?;
    Ok(Found {
        session,
        user,
        scope,
    })
}

/// The same row as SQLite's direct read path returns it; the column names
/// are the ones sea-orm gave the statement (`A_`/`B_` prefixes for the
/// session and the person, `scope_` for [`tenant::with_scope`]).
fn read_direct(r: &Cols<'_, '_>) -> Result<Found, DbErr> {
    let session = sessions::Model {
        id: col::uuid(r, "A_id")?,
        token_hash: col::text(r, "A_token_hash")?,
        user_id: col::uuid(r, "A_user_id")?,
        current_workspace_id: col::opt_uuid(r, "A_current_workspace_id")?,
        created_at: col::time(r, "A_created_at")?,
        last_seen_at: col::time(r, "A_last_seen_at")?,
        user_agent: col::text(r, "A_user_agent")?,
        ip: col::text(r, "A_ip")?,
        revoked_at: col::opt_time(r, "A_revoked_at")?,
        location: col::text(r, "A_location")?,
    };
    let user = match col::opt_uuid(r, "B_id")? {
        None => None,
        Some(id) => Some(users::Model {
            id,
            email: col::text(r, "B_email")?,
            name: col::text(r, "B_name")?,
            password_hash: col::text(r, "B_password_hash")?,
            timezone: col::text(r, "B_timezone")?,
            disabled_at: col::opt_time(r, "B_disabled_at")?,
            created_at: col::time(r, "B_created_at")?,
        }),
    };
    let scope = tenant::scope_from_columns(
        session.current_workspace_id,
        session.user_id,
        col::opt_text(r, "scope_role")?,
        col::opt_text(r, "scope_plan")?,
        col::opt_text(r, "scope_billing_status")?,
        col::opt_i64(r, "scope_data_version")?,
    );
    Ok(Found {
        session,
        user,
        scope,
    })
}

/// The idle and absolute timeout rules, with time passed in.
pub fn is_live(row: &sessions::Model, settings: &Settings, now: DateTime<Utc>) -> bool {
    let idle = Duration::minutes(settings.session_idle_timeout_minutes);
    let absolute = Duration::hours(settings.session_absolute_timeout_hours);
    now - row.last_seen_at < idle && now - row.created_at < absolute
}

/// Revokes `user_id`'s session `session_id`; false when no such live
/// session of theirs exists.
pub async fn revoke(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let done = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Revokes every session of a person except `keep`.
pub async fn revoke_all_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    let mut q = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        q = q.filter(sessions::Column::Id.ne(keep));
    }
    Ok(q.exec(db).await?.rows_affected)
}

pub async fn set_current_workspace(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    workspace_id: Uuid,
) -> Result<(), Error> {
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::CurrentWorkspaceId,
            Expr::value(workspace_id),
        )
        .filter(sessions::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The `Set-Cookie` value that stores `token` (or clears the cookie when `None`).
pub fn cookie(settings: &Settings, token: Option<&str>) -> String {
    let name = settings.session_cookie_name();
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(t) => format!(
            "{name}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            settings.session_absolute_timeout_hours * 3600
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The cookie that carries a sign-in waiting for its second factor.
pub fn challenge_cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() {
        "__Host-timether_2fa"
    } else {
        "timether_2fa"
    }
}

/// `Set-Cookie` for the second-factor challenge (or clearing it).
pub fn challenge_cookie(settings: &Settings, token: Option<&str>, max_age_secs: i64) -> String {
    let name = challenge_cookie_name(settings);
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(t) => {
            format!("{name}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
        }
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

/// Reads our session token out of a `Cookie` header.
pub fn token_from_cookie_header(settings: &Settings, header: &str) -> Option<String> {
    let name = settings.session_cookie_name();
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(created: DateTime<Utc>, seen: DateTime<Utc>) -> sessions::Model {
        sessions::Model {
            id: Uuid::nil(),
            token_hash: String::new(),
            user_id: Uuid::nil(),
            current_workspace_id: None,
            created_at: created,
            last_seen_at: seen,
            user_agent: String::new(),
            location: String::new(),
            ip: String::new(),
            revoked_at: None,
        }
    }

    #[test]
    fn idle_and_absolute_timeouts() {
        let s = Settings {
            session_idle_timeout_minutes: 30,
            session_absolute_timeout_hours: 24,
            ..Settings::default()
        };
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(is_live(&row(t0, t0), &s, t0 + Duration::minutes(29)));
        assert!(!is_live(&row(t0, t0), &s, t0 + Duration::minutes(30)));
        let busy = row(t0, t0 + Duration::hours(24));
        assert!(!is_live(&busy, &s, t0 + Duration::hours(24)));
        assert!(is_live(
            &busy,
            &s,
            t0 + Duration::hours(23) + Duration::minutes(59)
        ));
    }

    #[test]
    fn tokens_are_long_random_and_only_digests_match() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_token());
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
    }

    #[test]
    fn cookie_attributes_follow_the_origin() {
        let mut s = Settings::default();
        let c = cookie(&s, Some("abc"));
        assert!(c.starts_with("timether_session=abc;"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        s.public_origin = "https://t.example".into();
        let c = cookie(&s, Some("abc"));
        assert!(c.starts_with("__Host-timether_session=abc;") && c.contains("; Secure"));
        assert_eq!(
            token_from_cookie_header(&s, "a=b; __Host-timether_session=xyz; c=d").as_deref(),
            Some("xyz")
        );
    }

    #[test]
    fn the_held_lookup_is_the_built_statement_for_any_token() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for token in ["a", "another token"] {
                let built = lookup_query(digest(token)).build(backend);
                let held = lookup(backend, digest(token));
                assert_eq!(held.sql, built.sql);
                assert_eq!(held.values, built.values);
            }
        }
    }

    #[test]
    fn user_agent_is_cut_on_a_char_boundary() {
        let ua = "é".repeat(400);
        let cut = truncate_bytes(&ua, MAX_USER_AGENT);
        assert!(cut.len() <= MAX_USER_AGENT && cut.len() >= 510);
    }
}
