//! Fixed-window rate limits kept in the database, so every server instance
//! sharing it counts the same attempts (security.md C4).

use crate::context::RequestCtx;
use crate::error::Error;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Where a bucket stands after one more attempt was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Attempts in this window, this one included.
    pub hits: i64,
    /// Seconds until the window ends.
    pub reset_secs: u64,
}

/// Counts one attempt in `bucket` and refuses it when the window already
/// holds `limit` attempts. The error carries the seconds until the window ends.
pub async fn hit(
    db: &impl ConnectionTrait,
    bucket: &str,
    limit: i64,
    window_secs: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let w = count(db, bucket, window_secs, now).await?;
    if w.hits > limit {
        return Err(Error::RateLimited(w.reset_secs));
    }
    Ok(())
}

/// Counts one attempt in `bucket`'s current window of `window_secs`.
pub async fn count(
    db: &impl ConnectionTrait,
    bucket: &str,
    window_secs: i64,
    now: DateTime<Utc>,
) -> Result<Window, Error> {
    let ts = now.timestamp();
    let window = ts.div_euclid(window_secs) * window_secs;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        _ => "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [bucket.into(), window.into()],
        ))
        .await?
        .ok_or_else(|| Error::Internal("rate limit upsert returned no row".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    if hits == 1 {
        // First hit of a window: sweep windows that ended long ago.
        let sweep = match backend {
            DbBackend::Postgres => "DELETE FROM rate_limits WHERE window_start < $1",
            _ => "DELETE FROM rate_limits WHERE window_start < ?",
        };
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sweep,
            [(window - 86_400).into()],
        ))
        .await?;
    }
    Ok(Window {
        hits: i64::from(hits),
        reset_secs: (window + window_secs - ts).max(1) as u64,
    })
}

/// The per-IP limit on sign-in, sign-up, 2FA and password attempts
/// (`auth-rate-limit-per-minute`), one bucket per kind of attempt.
pub async fn auth_attempt(ctx: &RequestCtx, what: &str) -> Result<(), Error> {
    hit(
        &ctx.db,
        &format!("{what}:ip:{}", ctx.client_ip),
        ctx.settings.auth_rate_limit_per_minute,
        60,
        ctx.now,
    )
    .await
}
