//! Fixed-window rate limits kept in the database, so every server instance
//! sharing it counts the same attempts (security.md C4).

use crate::context::RequestCtx;
use crate::error::Error;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::collections::HashMap;
use std::sync::Arc;

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
    reserve(db, bucket, window_secs, 1, now).await
}

/// Adds `n` attempts to `bucket`'s current window of `window_secs` in one
/// statement; `hits` is the window's total after them.
async fn reserve(
    db: &impl ConnectionTrait,
    bucket: &str,
    window_secs: i64,
    n: i64,
    now: DateTime<Utc>,
) -> Result<Window, Error> {
    let ts = now.timestamp();
    let window = ts.div_euclid(window_secs) * window_secs;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, $3) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + $3 RETURNING hits",
        _ => "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?1, ?2, ?3) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + ?3 RETURNING hits",
    };
    let n32 = i32::try_from(n).unwrap_or(i32::MAX);
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [bucket.into(), window.into(), n32.into()],
        ))
        .await?
        .ok_or_else(|| Error::Internal("rate limit upsert returned no row".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    if hits == n32 {
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

/// Counts attempts against a high limit (the per-token API limit) without a
/// database write for each one. The window's total still lives only in the
/// shared `rate_limits` row: this process reserves a block of attempts there
/// with one write and hands them out from memory, so the limit holds across
/// every instance sharing the database and is never exceeded. Each other
/// instance holding part of a block unused can make a token be refused up to
/// that block early. One request per bucket reserves at a time; requests
/// arriving meanwhile wait for its block instead of reserving their own, so
/// a burst of parallel requests does not reserve more than it uses. Limits
/// under 40 a window are counted one by one, exactly.
#[derive(Default)]
pub struct Leases {
    held: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Lease>>>>,
}

/// Attempts `next..=last` of `window` reserved by this process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Lease {
    window: i64,
    next: i64,
    last: i64,
}

impl Lease {
    /// Hands out the next reserved attempt, or says it must reserve more. Once
    /// a block reaching past `limit` is used up, every further attempt in the
    /// window is refused without asking the database.
    fn take(&mut self, window: i64, limit: i64) -> Option<i64> {
        if self.window != window {
            return None;
        }
        if self.next <= self.last {
            self.next += 1;
            return Some(self.next - 1);
        }
        (self.last >= limit).then_some(limit + 1)
    }
}

/// How many attempts one write reserves for a window limit of `limit`.
pub fn block_for(limit: i64) -> i64 {
    (limit / 20).clamp(1, 100)
}

/// Buckets remembered at most; past this, those idle now are forgotten
/// (their unused attempts are then simply not handed out).
const MAX_BUCKETS: usize = 10_000;

impl Leases {
    /// Counts one attempt in `bucket` (limit `limit` per `window_secs`).
    pub async fn count(
        &self,
        db: &impl ConnectionTrait,
        bucket: &str,
        limit: i64,
        window_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<Window, Error> {
        let ts = now.timestamp();
        let window = ts.div_euclid(window_secs) * window_secs;
        let reset_secs = (window + window_secs - ts).max(1) as u64;
        let cell = {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            if held.len() >= MAX_BUCKETS && !held.contains_key(bucket) {
                // Forget buckets nobody is using at this moment.
                held.retain(|_, cell| Arc::strong_count(cell) > 1);
            }
            held.entry(bucket.to_string()).or_default().clone()
        };
        let mut lease = cell.lock().await;
        if let Some(hits) = lease.take(window, limit) {
            return Ok(Window { hits, reset_secs });
        }
        let block = block_for(limit);
        let w = reserve(db, bucket, window_secs, block, now).await?;
        let first = w.hits - block + 1;
        *lease = Lease {
            window,
            next: first + 1,
            last: w.hits,
        };
        Ok(Window {
            hits: first,
            reset_secs: w.reset_secs,
        })
    }
}

/// The per-IP limit on sign-in, sign-up, 2FA and password attempts
/// (`auth-rate-limit-per-minute`), one bucket per kind of attempt.
pub async fn auth_attempt(ctx: &RequestCtx, what: &str) -> Result<(), Error> {
    hit(
        &ctx.db,
        &format!("{what}:ip:{}", address_bucket(&ctx.client_ip)),
        ctx.settings.auth_rate_limit_per_minute,
        60,
        ctx.now,
    )
    .await
}

/// The unit an address is counted in: an IPv4 address, or an IPv6 /64 (one
/// subscriber commonly holds a whole /64, so per-/128 counting would let
/// them spread guesses over as many addresses as they like).
pub fn address_bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
        },
        _ => ip.to_string(),
    }
}

/// Failed password sign-ins per account, from every address together, so
/// guesses spread over many addresses still slow down. The first
/// [`account::FREE_FAILURES`] failures cost nothing; after that each attempt
/// must wait twice as long as the one before (30 s, 60 s, … up to
/// [`account::MAX_DELAY_SECS`]) after the last failure. A delay, never a
/// lock: someone guessing cannot keep the real person out for longer than
/// that, and a correct password after the wait clears the count. Accounts
/// that do not exist are counted the same way, so the answer never tells
/// whether an email has an account.
pub mod account {
    use crate::error::Error;
    use chrono::{DateTime, Utc};
    use sea_orm::ConnectionTrait;

    pub const FREE_FAILURES: i64 = 5;
    pub const FIRST_DELAY_SECS: i64 = 30;
    pub const MAX_DELAY_SECS: i64 = 15 * 60;

    /// The throttle's key for an email: a digest, never the address.
    pub fn key(email: &str) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(format!(
            "sign-in:{}",
            email.trim().to_lowercase()
        )))
    }

    /// The wait after `failures` failures.
    pub fn delay_secs(failures: i64) -> i64 {
        if failures < FREE_FAILURES {
            return 0;
        }
        let doublings = (failures - FREE_FAILURES + 1).min(20) as u32;
        (FIRST_DELAY_SECS << (doublings - 1)).min(MAX_DELAY_SECS)
    }

    /// Refuses while the account's delay runs, with the seconds left.
    pub async fn check(
        db: &impl ConnectionTrait,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let sql = "SELECT failures, last_failure_at FROM sign_in_failures WHERE account = ?1";
        let stmt = crate::db::statement(db.get_database_backend(), sql, [key.into()]);
        let Some(row) = db.query_one_raw(stmt).await? else {
            return Ok(());
        };
        let failures: i32 = row.try_get("", "failures")?;
        let last: i64 = row.try_get("", "last_failure_at")?;
        let wait = last + delay_secs(i64::from(failures)) - now.timestamp();
        if wait > 0 {
            return Err(Error::RateLimited(wait as u64));
        }
        Ok(())
    }

    /// Counts one failure.
    pub async fn failed(
        db: &impl ConnectionTrait,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let sql = "INSERT INTO sign_in_failures (account, failures, last_failure_at) VALUES (?1, 1, ?2) \
             ON CONFLICT (account) DO UPDATE SET failures = sign_in_failures.failures + 1, last_failure_at = ?2";
        let values = [key.into(), now.timestamp().into()];
        db.execute_raw(crate::db::statement(db.get_database_backend(), sql, values))
            .await?;
        Ok(())
    }

    /// A correct password clears the count.
    pub async fn succeeded(db: &impl ConnectionTrait, key: &str) -> Result<(), Error> {
        let sql = "DELETE FROM sign_in_failures WHERE account = ?1";
        db.execute_raw(crate::db::statement(
            db.get_database_backend(),
            sql,
            [key.into()],
        ))
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_counted_per_64_and_ipv4_per_address() {
        assert_eq!(address_bucket("203.0.113.9"), "203.0.113.9");
        assert_eq!(
            address_bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            address_bucket("2001:db8:1:2::1"),
            address_bucket("2001:db8:1:2:ffff::9")
        );
        assert_ne!(
            address_bucket("2001:db8:1:2::1"),
            address_bucket("2001:db8:1:3::1")
        );
        assert_eq!(address_bucket("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(address_bucket("unknown"), "unknown");
    }

    #[test]
    fn the_account_delay_grows_and_is_capped() {
        let d: Vec<i64> = (0..8).map(account::delay_secs).collect();
        assert_eq!(d, [0, 0, 0, 0, 0, 30, 60, 120]);
        assert_eq!(account::delay_secs(1_000), account::MAX_DELAY_SECS);
        assert_eq!(
            account::key("Ann@Example.com "),
            account::key("ann@example.com")
        );
    }

    #[test]
    fn small_limits_are_counted_one_by_one() {
        assert_eq!(block_for(3), 1);
        assert_eq!(block_for(39), 1);
        assert_eq!(block_for(600), 30);
        assert_eq!(block_for(1_000_000), 100);
    }

    #[test]
    fn a_lease_hands_out_its_block_then_asks_for_more() {
        let mut l = Lease {
            window: 60,
            next: 11,
            last: 12,
        };
        assert_eq!(l.take(60, 100), Some(11));
        assert_eq!(l.take(60, 100), Some(12));
        assert_eq!(l.take(60, 100), None, "used up under the limit");
        assert_eq!(l.take(120, 100), None, "another window");
    }

    #[test]
    fn past_the_limit_a_used_up_lease_refuses_without_the_database() {
        let mut l = Lease {
            window: 0,
            next: 99,
            last: 105,
        };
        assert_eq!(l.take(0, 100), Some(99));
        assert_eq!(l.take(0, 100), Some(100));
        for _ in 0..5 {
            assert!(l.take(0, 100).unwrap() > 100);
        }
        assert_eq!(l.take(0, 100), Some(101), "refused from memory");
        assert_eq!(l.take(60, 100), None, "a new window asks again");
    }
}
