use super::*;
use std::sync::{Arc, LazyLock};

/// Bytes held at most, keys included (a key holds the whole
/// filter; without counting it, large filters grew memory freely).
const CAPACITY: u64 = 16 * 1024 * 1024;
/// What one cached entry costs, about.
const ENTRY_BYTES: u64 = 500;

#[derive(Clone)]
enum Value {
    Page(Arc<(Vec<Entry>, Option<String>)>),
    Secs(i64),
    Served(Prepared<EntryPage>),
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<String, Value> for Weight {
    fn weight(&self, key: &String, v: &Value) -> u64 {
        let value = match v {
            Value::Page(p) => p.0.len() as u64 * ENTRY_BYTES + 64,
            Value::Secs(_) => 8,
            Value::Served(p) => p.json_len() as u64,
        };
        key.len() as u64 + value
    }
}

static CACHE: LazyLock<quick_cache::sync::Cache<String, Value, Weight>> =
    LazyLock::new(|| quick_cache::sync::Cache::with_weighter(4096, CAPACITY, Weight));

pub(super) fn key(scope: &Scope, kind: &str, stmt: &Statement) -> String {
    // The SQL with its bound values (Debug keeps them unambiguous). No
    // zone: the entries are neutral, and days arrive as UTC bounds.
    format!(
        "{kind}|{}|{}|{}|{:?}",
        scope.workspace_id, scope.data_version, stmt.sql, stmt.values
    )
}

pub(super) fn page(key: &str, now: DateTime<Utc>) -> Option<(Vec<Entry>, Option<String>)> {
    let Some(Value::Page(p)) = CACHE.get(key) else {
        return None;
    };
    let (mut entries, next) = (*p).clone();
    for e in entries.iter_mut().filter(|e| e.ended_at.is_none()) {
        e.duration_secs = (now - e.started_at).num_seconds().max(0);
    }
    Some((entries, next))
}

pub(super) fn keep_page(key: String, entries: &[Entry], next: &Option<String>) {
    CACHE.insert(key, Value::Page(Arc::new((entries.to_vec(), next.clone()))));
}

pub(super) fn secs(key: &str) -> Option<i64> {
    match CACHE.get(key) {
        Some(Value::Secs(n)) => Some(n),
        _ => None,
    }
}

pub(super) fn keep_secs(key: String, n: i64) {
    CACHE.insert(key, Value::Secs(n));
}

pub(super) fn served(key: &str) -> Option<Prepared<EntryPage>> {
    match CACHE.get(key) {
        Some(Value::Served(p)) => Some(p),
        _ => None,
    }
}

pub(super) fn keep_served(key: String, page: Prepared<EntryPage>) {
    CACHE.insert(key, Value::Served(page));
}
