//! Profile → "Sessions" (help center: "Session management and active device
//! audits"): the browsers and devices signed in to the account, with when
//! they signed in, browser, system, device, location and address, and recent
//! activity;
//! Revoke for one of them and "Log Out Other Sessions" for all but this one.
//! Storing sessions and checking them on every request is
//! `auth::sessions`' work; this module only shows and ends them.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

/// One signed-in browser or device, as the Sessions tab shows it. Built from
/// the session row without its token digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActiveSession {
    pub id: Uuid,
    /// The session this request came from ("This device").
    pub current: bool,
    /// "Chrome 131", or "Unknown browser".
    pub browser: String,
    /// "Windows 10", "Android 14", or "Unknown system".
    pub system: String,
    /// "Computer", "Phone", "Mobile phone", "Appliance", "Bot" or "Unknown device".
    pub device: String,
    /// The address it signed in from (the TCP peer, or the nearest
    /// untrusted hop behind a configured proxy).
    pub ip: String,
    /// "Berlin, Germany", "Germany", "Local network" or "Unknown location",
    /// looked up from the address when the session signed in.
    pub location: String,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// "2026-11-28 09:14" in the person's timezone.
    pub signed_in: String,
    /// "Active now", "12 minutes ago", "3 days ago".
    pub last_active: String,
}

#[server(prefix = "/rpc", endpoint = "list_sessions", input = Json)]
pub async fn list_sessions() -> Result<Vec<ActiveSession>, AppError> {
    use crate::context::{reply, request};
    crate::context::no_store();
    let ctx = request()?;
    let me = ctx.session().map_err(reply)?;
    service::list(&ctx.db, &ctx.settings, me, me.tz(), ctx.now)
        .await
        .map_err(reply)
}

/// Signs one of the person's other sessions out at once.
#[server(prefix = "/rpc", endpoint = "revoke_session", input = Json)]
pub async fn revoke_session(id: Uuid) -> Result<(), AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    let me = ctx.session().map_err(reply)?;
    service::revoke(&ctx.db, me, id, ctx.now)
        .await
        .map_err(reply)
}

/// "Log Out Other Sessions": every session of the person but this one.
/// Answers how many were signed out.
#[server(prefix = "/rpc", endpoint = "log_out_other_sessions", input = Json)]
pub async fn log_out_other_sessions() -> Result<u64, AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    let me = ctx.session().map_err(reply)?;
    service::revoke_others(&ctx.db, me, ctx.now)
        .await
        .map_err(reply)
}

/// "Active now" within two minutes (last activity is recorded at most once
/// a minute), then minutes, hours and days ago.
pub fn last_active(last_seen: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - last_seen).num_seconds().max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match secs {
        0..120 => "Active now".into(),
        120..3600 => plural(secs / 60, "minute"),
        3600..86_400 => plural(secs / 3600, "hour"),
        _ => plural(secs / 86_400, "day"),
    }
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::sessions::{is_live, revoke_all_for_user, AuthSession};
    use crate::db::entities::sessions;
    use crate::error::Error;
    use crate::settings::Settings;
    use chrono_tz::Tz;
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

    /// Browser, system and device from a stored User-Agent (at most 512
    /// bytes, security.md S7). The result is plain text; the page renders
    /// it as text, never as markup.
    pub fn describe(user_agent: &str) -> (String, String, String) {
        let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
        let Some(r) = woothee::parser::Parser::new().parse(user_agent) else {
            return (
                "Unknown browser".into(),
                "Unknown system".into(),
                "Unknown device".into(),
            );
        };
        let browser = match (known(r.name), known(r.version)) {
            (true, true) => format!("{} {}", r.name, major(r.version)),
            (true, false) => r.name.to_string(),
            _ => "Unknown browser".into(),
        };
        let system = match (known(r.os), known(&r.os_version)) {
            (true, true) if !r.os.contains(r.os_version.as_ref()) => {
                format!("{} {}", r.os, r.os_version)
            }
            (true, _) => r.os.to_string(),
            _ => "Unknown system".into(),
        };
        let device = match r.category {
            "pc" => "Computer",
            "smartphone" => "Phone",
            "mobilephone" => "Mobile phone",
            "appliance" => "Appliance",
            "crawler" => "Bot",
            _ => "Unknown device",
        };
        (browser, system, device.into())
    }

    /// "131.0.6778.85" → "131".
    fn major(version: &str) -> &str {
        version.split('.').next().unwrap_or(version)
    }

    /// The person's live sessions (not revoked, within the idle and
    /// absolute timeouts), this one first, then by most recent activity.
    pub async fn list(
        db: &impl ConnectionTrait,
        settings: &Settings,
        me: &AuthSession,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Vec<ActiveSession>, Error> {
        let rows = sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(me.user_id))
            .filter(sessions::Column::RevokedAt.is_null())
            .order_by_desc(sessions::Column::LastSeenAt)
            .all(db)
            .await?;
        let mut out: Vec<ActiveSession> = rows
            .into_iter()
            .filter(|r| is_live(r, settings, now))
            .map(|r| {
                let (browser, system, device) = describe(&r.user_agent);
                ActiveSession {
                    id: r.id,
                    current: r.id == me.session_id,
                    browser,
                    system,
                    device,
                    ip: r.ip,
                    location: if r.location.is_empty() {
                        crate::geo::UNKNOWN.to_string()
                    } else {
                        r.location
                    },
                    signed_in: r
                        .created_at
                        .with_timezone(&tz)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    last_active: last_active(r.last_seen_at, now),
                    signed_in_at: r.created_at,
                    last_seen_at: r.last_seen_at,
                }
            })
            .collect();
        out.sort_by_key(|s| !s.current);
        Ok(out)
    }

    /// Revokes one of the person's other sessions. Another person's session
    /// and an unknown id are alike "not found"; this session is ended with
    /// Sign out instead.
    pub async fn revoke(
        db: &impl ConnectionTrait,
        me: &AuthSession,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        if id == me.session_id {
            return Err(Error::invalid(
                "id",
                "This is the session you are using now. Use Sign out in the user menu to end it.",
            ));
        }
        if !crate::auth::sessions::revoke(db, me.user_id, id, now).await? {
            return Err(Error::not_found("The session"));
        }
        tracing::info!(user = %me.user_id, session = %id, "session revoked");
        Ok(())
    }

    /// Revokes every session of the person except this one.
    pub async fn revoke_others(
        db: &impl ConnectionTrait,
        me: &AuthSession,
        now: DateTime<Utc>,
    ) -> Result<u64, Error> {
        let n = revoke_all_for_user(db, me.user_id, Some(me.session_id), now).await?;
        tracing::info!(user = %me.user_id, count = n, "other sessions logged out");
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn last_activity_reads_as_people_say_it() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let ago = |s: i64| last_active(now - chrono::Duration::seconds(s), now);
        assert_eq!(ago(0), "Active now");
        assert_eq!(ago(119), "Active now");
        assert_eq!(ago(120), "2 minutes ago");
        assert_eq!(ago(3599), "59 minutes ago");
        assert_eq!(ago(3600), "1 hour ago");
        assert_eq!(ago(86_399), "23 hours ago");
        assert_eq!(ago(86_400), "1 day ago");
        assert_eq!(ago(10 * 86_400), "10 days ago");
        // A clock a little behind the database never shows the future.
        assert_eq!(
            last_active(now + chrono::Duration::seconds(30), now),
            "Active now"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn user_agents_become_browser_system_and_device() {
        use super::service::describe;
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36";
        let (b, s, d) = describe(chrome);
        assert_eq!(b, "Chrome 131");
        assert!(s.starts_with("Windows"), "{s}");
        assert_eq!(d, "Computer");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        let (b, s, d) = describe(iphone);
        assert_eq!(b, "Safari 17");
        assert!(s.starts_with("iPhone") || s.starts_with("iOS"), "{s}");
        assert_eq!(d, "Phone");
        // Markup in a User-Agent is not a browser.
        let (b, s, d) = describe(&format!("<script>alert(1)</script>{}", "A".repeat(400)));
        assert_eq!(
            (b.as_str(), s.as_str(), d.as_str()),
            ("Unknown browser", "Unknown system", "Unknown device")
        );
        let (b, _, _) = describe("");
        assert_eq!(b, "Unknown browser");
    }
}
