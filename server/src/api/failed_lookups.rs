//! Bearer tokens that match nothing, counted per client address in this
//! instance's memory: past the limit, the address is refused before the
//! database is asked to look a token up, so a flood of random tokens costs
//! the database nothing. It protects this instance's database connections;
//! the count is per instance on purpose (with several instances an address
//! gets the limit at each), and nothing is lost when a process restarts.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failed lookups an address may make in a minute.
pub const PER_MINUTE: u32 = 30;
/// Addresses remembered at once; past that the oldest minute is dropped.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Default)]
pub struct FailedLookups {
    /// address bucket → (minute, failures in it)
    seen: Mutex<HashMap<String, (i64, u32)>>,
}

impl FailedLookups {
    /// Seconds until `addr` may try again, when it is over the limit.
    pub fn refused(&self, addr: &str, now_secs: i64) -> Option<u64> {
        let minute = now_secs.div_euclid(60);
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(addr) {
            Some(&(m, n)) if m == minute && n >= PER_MINUTE => {
                Some((60 - now_secs.rem_euclid(60)).max(1) as u64)
            }
            _ => None,
        }
    }

    /// Counts one failed lookup from `addr`.
    pub fn failed(&self, addr: &str, now_secs: i64) {
        let minute = now_secs.div_euclid(60);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_ADDRESSES && !seen.contains_key(addr) {
            seen.retain(|_, (m, _)| *m == minute);
            if seen.len() >= MAX_ADDRESSES {
                seen.clear();
            }
        }
        let slot = seen.entry(addr.to_string()).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 = slot.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_past_the_limit_until_the_next_minute() {
        let f = FailedLookups::default();
        for _ in 0..PER_MINUTE {
            assert_eq!(f.refused("203.0.113.9", 120), None);
            f.failed("203.0.113.9", 120);
        }
        assert_eq!(f.refused("203.0.113.9", 125), Some(55));
        assert_eq!(f.refused("198.51.100.1", 125), None, "another address");
        assert_eq!(f.refused("203.0.113.9", 180), None, "the next minute");
    }
}
