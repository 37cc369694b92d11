//! Time entries: the list grouped by day in the person's timezone, manual
//! entries, edits, and delete with undo. The running timer is an entry
//! without an end; `crate::timer` starts and stops it.

use crate::error::AppError;
use crate::prepared::Prepared;
use crate::types::Tag;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

/// Entries per page of the list.
pub const PAGE_SIZE: u64 = 100;
/// An entry longer than this needs a confirmation.
pub const LONG_ENTRY_SECS: i64 = 24 * 3600;
/// How long after a delete "Undo" still works (the UI offers it for a few
/// seconds; the server allows a margin for slow connections).
pub const UNDO_SECS: i64 = 120;

/// The project an entry is on, as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryProject {
    pub id: Uuid,
    pub name: String,
    pub color: String,
    pub client_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeEntry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub description: String,
    pub project: Option<EntryProject>,
    pub tags: Vec<Tag>,
    pub billable: bool,
    /// On the wire as milliseconds since the epoch (see [`wire`]).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Up to now for a running entry.
    pub duration_secs: i64,
    /// `datetime-local` values in the person's zone, for the edit form.
    pub start_input: String,
    pub end_input: String,
    /// "09:00 – 10:30" in the person's zone.
    pub time_range: String,
    /// On a sent or paid invoice.
    pub invoiced: bool,
}

/// One day of the list: the entries that started that day (person's zone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayGroup {
    #[serde(with = "wire::ymd")]
    pub day: NaiveDate,
    pub label: String,
    /// The whole day's total, including entries on the next page.
    pub total_secs: i64,
    pub entries: Vec<TimeEntry>,
}

/// How entries' dates travel to the browser. The list is the app's
/// largest answer and is decoded in the first download's code, so its
/// times are plain numbers (`chrono::serde::ts_milliseconds`) and its days
/// `YYYY-MM-DD` read here: chrono's general date parser (RFC 3339 and RFC
/// 2822, with their time zones) is never needed in the browser.
pub mod wire {
    /// A [`chrono::NaiveDate`] as chrono writes it: `"YYYY-MM-DD"`, with a
    /// sign and more digits for years outside 0 to 9999 (`"+10000-01-01"`).
    pub mod ymd {
        use chrono::{Datelike, NaiveDate};
        use serde::{de::Error, Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
            let (y, m, d) = (day.year(), day.month(), day.day());
            if (0..=9999).contains(&y) {
                s.collect_str(&format_args!("{y:04}-{m:02}-{d:02}"))
            } else {
                s.collect_str(&format_args!("{y:+05}-{m:02}-{d:02}"))
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
            let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            parse(&text).ok_or_else(|| D::Error::custom(format!("not a YYYY-MM-DD date: {text}")))
        }

        pub fn parse(text: &str) -> Option<NaiveDate> {
            let (sign, rest) = match text.as_bytes().first()? {
                b'+' => (1, &text[1..]),
                b'-' => (-1, &text[1..]),
                _ => (0, text),
            };
            let mut parts = rest.splitn(3, '-');
            // The next part: at least `min` ASCII digits, exactly `min` when `exact`.
            let mut next = |min: usize, exact: bool| {
                let part = parts.next()?;
                let ok = part.len() >= min
                    && (!exact || part.len() == min)
                    && part.bytes().all(|b| b.is_ascii_digit());
                ok.then(|| part.parse::<u32>().ok()).flatten()
            };
            let year = match sign {
                0 => next(4, true)? as i32,
                1 => i32::try_from(next(5, false)?).ok()?,
                _ => -i32::try_from(next(4, false)?).ok()?,
            };
            let (m, d) = (next(2, true)?, next(2, true)?);
            NaiveDate::from_ymd_opt(year, m, d)
        }
    }
}

/// What the list shows. Dates are `YYYY-MM-DD` in the person's zone; empty
/// means open-ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryFilter {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub client_id: Option<Uuid>,
    /// Entries with any of these tags.
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    /// The cursor of the next page, from [`EntryPage::next`].
    #[serde(default)]
    pub before: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryPage {
    pub days: Vec<DayGroup>,
    /// Pass as `before` for the next (older) page.
    pub next: Option<String>,
}

/// A manual entry or an edit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryInput {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    /// `None` takes the project's default.
    #[serde(default)]
    pub billable: Option<bool>,
    /// `datetime-local` values in the person's zone.
    pub start: String,
    pub end: String,
    /// The person confirmed an entry longer than 24 hours.
    #[serde(default)]
    pub confirm_long: bool,
    /// The person confirmed editing an entry on a sent or paid invoice.
    #[serde(default)]
    pub confirm_invoiced: bool,
}

/// A page of the person's finished entries; read it with
/// [`Prepared::into_value`].
#[server(prefix = "/rpc", endpoint = "list_entries", input = Json, output = server_fn::codec::Post<crate::prepared::PreparedJson>)]
pub async fn list_entries(filter: EntryFilter) -> Result<Prepared<EntryPage>, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        let tz = ctx.session()?.tz();
        service::list_served(&ctx.db, &scope, tz, &filter, ctx.now).await
    })
    .await
}

/// Start and end suggested for a new manual entry: the last hour, as
/// `datetime-local` values in the person's zone.
#[server(prefix = "/rpc", endpoint = "new_entry_times", input = Json)]
pub async fn new_entry_times() -> Result<(String, String), AppError> {
    let ctx = crate::context::request()?;
    let tz = ctx.session().map_err(crate::context::reply)?.tz();
    Ok((
        crate::periods::input_value(tz, ctx.now - chrono::Duration::hours(1)),
        crate::periods::input_value(tz, ctx.now),
    ))
}

#[server(prefix = "/rpc", endpoint = "create_entry", input = Json)]
pub async fn create_entry(input: EntryInput) -> Result<TimeEntry, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        let tz = ctx.session()?.tz();
        service::create(&ctx.db, &scope, tz, input, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "update_entry", input = Json)]
pub async fn update_entry(id: Uuid, input: EntryInput) -> Result<TimeEntry, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        let tz = ctx.session()?.tz();
        service::update(&ctx.db, &scope, tz, id, input, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_entry", input = Json)]
pub async fn delete_entry(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::delete(&ctx.db, &scope, id, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "restore_entry", input = Json)]
pub async fn restore_entry(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::restore(&ctx.db, &scope, id, ctx.now).await
    })
    .await
}

/// Groups entries (newest first) by the local day they started on.
/// `day_of` maps an entry to its day; `totals` gives each day's full total.
pub fn group_by_day(
    entries: Vec<TimeEntry>,
    day_of: impl Fn(&TimeEntry) -> NaiveDate,
    label: impl Fn(NaiveDate) -> String,
    total: impl Fn(NaiveDate) -> Option<i64>,
) -> Vec<DayGroup> {
    let mut days: Vec<DayGroup> = Vec::new();
    for e in entries {
        let day = day_of(&e);
        match days.last_mut() {
            Some(g) if g.day == day => g.entries.push(e),
            _ => days.push(DayGroup {
                day,
                label: label(day),
                total_secs: 0,
                entries: vec![e],
            }),
        }
    }
    for g in &mut days {
        g.total_secs =
            total(g.day).unwrap_or_else(|| g.entries.iter().map(|e| e.duration_secs).sum());
    }
    days
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::db::entities::{projects, tags, time_entries, time_entry_tags};
    use crate::error::Error;
    use crate::periods;
    use crate::tenant::Scope;
    use chrono_tz::Tz;
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
        EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set,
        Statement,
    };
    use std::collections::BTreeMap;

    /// Entries of this workspace that are not deleted (the base of every read).
    pub fn live(scope: &Scope) -> Select<time_entries::Entity> {
        scope
            .find::<time_entries::Entity>()
            .filter(time_entries::Column::DeletedAt.is_null())
    }

    /// Seconds between start and end (or now for a running entry), never negative.
    pub fn duration(m: &time_entries::Model, now: DateTime<Utc>) -> i64 {
        (m.ended_at.unwrap_or(now) - m.started_at)
            .num_seconds()
            .max(0)
    }

    /// Tags a filter may name at once (the same as one entry may carry).
    pub const MAX_FILTER_TAGS: usize = 50;

    /// Refuses a filter naming more tags than [`MAX_FILTER_TAGS`]: every
    /// input list is bounded, and a filter is part of cache keys.
    pub fn bounded_tags(tag_ids: &[Uuid], field: &str) -> Result<(), Error> {
        if tag_ids.len() > MAX_FILTER_TAGS {
            return Err(Error::invalid(
                field,
                format!("Filter by at most {MAX_FILTER_TAGS} tags."),
            ));
        }
        Ok(())
    }

    /// Narrows a query by project, client and tags (the filters shared by
    /// the list and the reports).
    pub fn narrowed(
        mut q: Select<time_entries::Entity>,
        scope: &Scope,
        project_id: Option<Uuid>,
        client_id: Option<Uuid>,
        tag_ids: &[Uuid],
    ) -> Select<time_entries::Entity> {
        if let Some(p) = project_id {
            q = q.filter(time_entries::Column::ProjectId.eq(p));
        }
        if let Some(c) = client_id {
            q = q.filter(
                time_entries::Column::ProjectId.in_subquery(
                    Query::select()
                        .column(projects::Column::Id)
                        .from(projects::Entity)
                        .and_where(projects::Column::WorkspaceId.eq(scope.workspace_id))
                        .and_where(projects::Column::ClientId.eq(c))
                        .to_owned(),
                ),
            );
        }
        if !tag_ids.is_empty() {
            q = q.filter(
                time_entries::Column::Id.in_subquery(
                    Query::select()
                        .column(time_entry_tags::Column::EntryId)
                        .from(time_entry_tags::Entity)
                        .and_where(time_entry_tags::Column::WorkspaceId.eq(scope.workspace_id))
                        .and_where(time_entry_tags::Column::TagId.is_in(tag_ids.to_vec()))
                        .to_owned(),
                ),
            );
        }
        q
    }

    fn cursor(started_at: DateTime<Utc>, id: Uuid) -> String {
        // Nanoseconds: the keyset must match the stored start exactly, and a
        // running timer starts at a fraction of a second.
        format!(
            "{}_{}",
            started_at.timestamp_nanos_opt().unwrap_or_default(),
            id
        )
    }

    fn parse_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid), Error> {
        let bad = || {
            Error::invalid(
                "before",
                "That page link is no longer valid. Reload the list.",
            )
        };
        let (t, id) = raw.split_once('_').ok_or_else(bad)?;
        let t = t
            .parse::<i64>()
            .ok()
            .map(DateTime::from_timestamp_nanos)
            .ok_or_else(bad)?;
        let id = id.parse::<Uuid>().map_err(|_| bad())?;
        Ok((t, id))
    }

    /// The person's finished entries, newest first, a page at a time.
    pub async fn list(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        filter: &EntryFilter,
        now: DateTime<Utc>,
    ) -> Result<EntryPage, Error> {
        bounded_tags(&filter.tag_ids, "tag_ids")?;
        let base = narrowed(
            live(scope)
                .filter(time_entries::Column::UserId.eq(scope.user_id))
                .filter(time_entries::Column::EndedAt.is_not_null()),
            scope,
            filter.project_id,
            filter.client_id,
            &filter.tag_ids,
        );
        let from = match filter.from.trim() {
            "" => None,
            s => Some(periods::parse_day(s, "from")?),
        };
        let to = match filter.to.trim() {
            "" => None,
            s => Some(periods::parse_day(s, "to")?),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(Error::invalid(
                    "to",
                    "The end date is before the start date.",
                ));
            }
        }
        let mut q = base.clone();
        if let Some(f) = from {
            q = q.filter(time_entries::Column::StartedAt.gte(periods::day_start(tz, f)));
        }
        if let Some(t) = to {
            q = q.filter(time_entries::Column::StartedAt.lt(periods::range_utc(tz, t, t).1));
        }
        let (entries, next) =
            keyset_page(db, scope, tz, q, filter.before.as_deref(), PAGE_SIZE, now).await?;
        // Whole-day totals. Days in the middle of a page are complete on it
        // (the grouping sums them); only the newest day (when newer pages
        // exist) and the oldest day (when older ones do) may continue
        // elsewhere, so only those are summed in the database.
        let mut edge_days: Vec<NaiveDate> = Vec::new();
        if let (true, Some(newest)) = (filter.before.is_some(), entries.first()) {
            edge_days.push(periods::local_day(tz, newest.started_at));
        }
        if let (true, Some(oldest)) = (next.is_some(), entries.last()) {
            let day = periods::local_day(tz, oldest.started_at);
            if !edge_days.contains(&day) {
                edge_days.push(day);
            }
        }
        let mut totals: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for day in edge_days {
            let (lo, hi) = periods::range_utc(tz, day, day);
            let day_entries = base
                .clone()
                .filter(time_entries::Column::StartedAt.gte(lo))
                .filter(time_entries::Column::StartedAt.lt(hi));
            totals.insert(day, finished_secs(db, scope, day_entries).await?);
        }
        let today = periods::local_day(tz, now);
        Ok(EntryPage {
            days: group_by_day(
                entries,
                |e| periods::local_day(tz, e.started_at),
                |d| periods::day_label(d, today),
                |d| totals.get(&d).copied(),
            ),
            next,
        })
    }

    /// [`list`] serialised, as the UI receives it. Kept with the entry
    /// pages (see [`page_cache`]) under everything the answer depends on:
    /// the workspace's data version, the person and role, the zone, the
    /// local day (its "Today" and "Yesterday" labels) and the filter. The
    /// list holds finished entries only, so nothing in it runs on with the
    /// clock.
    pub async fn list_served(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        filter: &EntryFilter,
        now: DateTime<Utc>,
    ) -> Result<Prepared<EntryPage>, Error> {
        bounded_tags(&filter.tag_ids, "tag_ids")?;
        let key = format!(
            "served|{}|{}|{}|{:?}|{}|{}|{filter:?}",
            scope.workspace_id,
            scope.data_version,
            scope.user_id,
            scope.role,
            tz.name(),
            periods::local_day(tz, now),
        );
        if let Some(hit) = page_cache::served(&key) {
            return Ok(hit);
        }
        let page = list(db, scope, tz, filter, now).await?;
        let served = Prepared::serialise(&page)
            .map_err(|e| Error::Internal(format!("serialising an entry page: {e}")))?;
        page_cache::keep_served(key, served.clone());
        Ok(served)
    }

    /// One page of `q`, newest first, after the cursor `before` (the
    /// `next` of the previous page), and the cursor of the page after it.
    async fn keyset_page(
        db: &impl ConnectionTrait,
        scope: &Scope,
        tz: Tz,
        mut q: Select<time_entries::Entity>,
        before: Option<&str>,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<(Vec<TimeEntry>, Option<String>), Error> {
        if let Some(raw) = before {
            let (t, id) = parse_cursor(raw)?;
            // `started_at <= t` lets the index seek to the cursor; the OR
            // alone makes both databases scan every newer row first.
            q = q.filter(time_entries::Column::StartedAt.lte(t)).filter(
                Condition::any()
                    .add(time_entries::Column::StartedAt.lt(t))
                    .add(
                        Condition::all()
                            .add(time_entries::Column::StartedAt.eq(t))
                            .add(time_entries::Column::Id.lt(id)),
                    ),
            );
        }
        let page = q
            .order_by_desc(time_entries::Column::StartedAt)
            .order_by_desc(time_entries::Column::Id)
            .limit(limit + 1);
        let stmt = page.build(db.get_database_backend());
        let key = page_cache::key(scope, "page", tz, &stmt);
        if let Some(hit) = page_cache::page(&key, now) {
            return Ok(hit);
        }
        let mut entries = load_views(db, tz, stmt, now).await?;
        entries.sort_by_key(|e| std::cmp::Reverse((e.started_at, e.id)));
        let next = if entries.len() as u64 > limit {
            entries.truncate(limit as usize);
            entries.last().map(|e| cursor(e.started_at, e.id))
        } else {
            None
        };
        page_cache::keep_page(key, &entries, &next);
        Ok((entries, next))
    }

    /// Entry pages and day totals read recently, keyed by the workspace,
    /// its data version when they were read, the zone and the exact query.
    ///
    /// Database triggers move `workspaces.data_version` forward on every
    /// change to entries, their tags, projects, clients, tags and invoices
    /// (migration `M20261128000007WorkspaceDataVersion`), and every request
    /// reads the version with its membership ([`Scope::data_version`]), so a
    /// page found here was read at the version the request sees: no write,
    /// on this instance or another sharing the database, can leave a stale
    /// page behind. The version is read before the page, so a page may only
    /// be newer than its key, never older. Entries still running get their
    /// duration from `now` on the way out. The cache is bounded by the
    /// number of entries it holds (`CAPACITY`).
    pub(crate) mod page_cache {
        use super::*;
        use std::sync::{Arc, LazyLock};

        /// Bytes held at most, keys included (a key holds the whole
        /// filter; without counting it, large filters grew memory freely).
        const CAPACITY: u64 = 16 * 1024 * 1024;
        /// What one cached entry costs, about.
        const ENTRY_BYTES: u64 = 500;

        #[derive(Clone)]
        enum Value {
            Page(Arc<(Vec<TimeEntry>, Option<String>)>),
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

        pub(super) fn key(scope: &Scope, kind: &str, tz: Tz, stmt: &Statement) -> String {
            // The SQL with its bound values (Debug keeps them unambiguous).
            format!(
                "{kind}|{}|{}|{}|{}|{:?}",
                scope.workspace_id,
                scope.data_version,
                tz.name(),
                stmt.sql,
                stmt.values
            )
        }

        pub(super) fn page(
            key: &str,
            now: DateTime<Utc>,
        ) -> Option<(Vec<TimeEntry>, Option<String>)> {
            let Some(Value::Page(p)) = CACHE.get(key) else {
                return None;
            };
            let (mut entries, next) = (*p).clone();
            for e in entries.iter_mut().filter(|e| e.ended_at.is_none()) {
                e.duration_secs = (now - e.started_at).num_seconds().max(0);
            }
            Some((entries, next))
        }

        pub(super) fn keep_page(key: String, entries: &[TimeEntry], next: &Option<String>) {
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
    }

    /// What the public API's entry list asks for. Times are UTC; `tag_names`
    /// match whole tag names (case-insensitive, `#` optional) literally.
    #[derive(Clone, Debug, Default)]
    pub struct Search {
        pub from: Option<DateTime<Utc>>,
        pub to: Option<DateTime<Utc>>,
        pub tag_names: Vec<String>,
        pub project_id: Option<Uuid>,
        pub client_id: Option<Uuid>,
        pub user_id: Option<Uuid>,
        pub billable: Option<bool>,
        /// The `next_cursor` of the previous page.
        pub cursor: Option<String>,
        pub limit: u64,
    }

    pub const SEARCH_MAX_LIMIT: u64 = 1000;

    /// Entries of the workspace, newest first, a page at a time: every entry
    /// for owners and admins (optionally one person's), a member's own
    /// otherwise. Running entries are included.
    pub async fn search(
        db: &impl ConnectionTrait,
        scope: &Scope,
        s: &Search,
        now: DateTime<Utc>,
    ) -> Result<(Vec<TimeEntry>, Option<String>), Error> {
        if s.limit == 0 || s.limit > SEARCH_MAX_LIMIT {
            return Err(Error::invalid(
                "limit",
                format!("Use a limit from 1 to {SEARCH_MAX_LIMIT}."),
            ));
        }
        if let (Some(f), Some(t)) = (s.from, s.to) {
            if t < f {
                return Err(Error::invalid("to", "`to` is before `from`."));
            }
        }
        let user = if scope.role.can_manage() {
            s.user_id
        } else {
            if s.user_id.is_some_and(|u| u != scope.user_id) {
                return Err(Error::forbidden(
                    "Members can read only their own time entries.",
                ));
            }
            Some(scope.user_id)
        };
        let tag_ids = crate::tags::service::ids_by_names(db, scope, &s.tag_names).await?;
        if !s.tag_names.is_empty() && tag_ids.is_empty() {
            return Ok((Vec::new(), None));
        }
        let mut q = narrowed(live(scope), scope, s.project_id, s.client_id, &tag_ids);
        if let Some(u) = user {
            q = q.filter(time_entries::Column::UserId.eq(u));
        }
        if let Some(b) = s.billable {
            q = q.filter(time_entries::Column::Billable.eq(b));
        }
        if let Some(f) = s.from {
            q = q.filter(time_entries::Column::StartedAt.gte(f));
        }
        if let Some(t) = s.to {
            q = q.filter(time_entries::Column::StartedAt.lt(t));
        }
        keyset_page(
            db,
            scope,
            chrono_tz::UTC,
            q,
            s.cursor.as_deref(),
            s.limit,
            now,
        )
        .await
    }

    /// One entry of the workspace by id (a member's own only).
    pub async fn view_one(
        db: &impl ConnectionTrait,
        scope: &Scope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<TimeEntry, Error> {
        let m = live(scope)
            .filter(time_entries::Column::Id.eq(id))
            .one(db)
            .await?
            .filter(|m| scope.role.can_manage() || m.user_id == scope.user_id)
            .ok_or_else(|| Error::not_found("The time entry"))?;
        Ok(views(db, scope, chrono_tz::UTC, vec![m], now)
            .await?
            .remove(0))
    }

    /// Turns rows into what the UI shows: project, client and tags attached.
    pub async fn views(
        db: &impl ConnectionTrait,
        scope: &Scope,
        tz: Tz,
        rows: Vec<time_entries::Model>,
        now: DateTime<Utc>,
    ) -> Result<Vec<TimeEntry>, Error> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut views = load_views(
            db,
            tz,
            scope
                .find::<time_entries::Entity>()
                .filter(time_entries::Column::Id.is_in(ids.clone()))
                .build(db.get_database_backend()),
            now,
        )
        .await?;
        views.sort_by_key(|v| ids.iter().position(|id| *id == v.id));
        Ok(views)
    }

    /// The entries a built query on `time_entries` selects, with project,
    /// client, tags and invoice state, read in one statement that returns one row (a JSON array).
    /// On SQLite every result row crosses from the database's thread to the
    /// request's, so one row instead of a few hundred is what keeps the list
    /// fast. Projects, clients, tags and invoices are joined within the
    /// entry's own workspace; the query itself comes scoped.
    async fn load_views(
        db: &impl ConnectionTrait,
        tz: Tz,
        stmt: Statement,
        now: DateTime<Utc>,
    ) -> Result<Vec<TimeEntry>, Error> {
        let backend = db.get_database_backend();
        let draft = crate::invoices::InvoiceStatus::Draft.as_str();
        let sql = match backend {
            DbBackend::Sqlite => format!(
                "SELECT json_group_array(json_array(\
                   lower(hex(e.id)), lower(hex(e.user_id)), e.description, e.billable, \
                   e.started_at, e.ended_at, lower(hex(p.id)), p.name, p.color, c.name, \
                   json((SELECT json_group_array(json_array(lower(hex(t.id)), t.name, t.color)) \
                     FROM time_entry_tags l JOIN tags t \
                       ON t.id = l.tag_id AND t.workspace_id = l.workspace_id \
                     WHERE l.entry_id = e.id AND l.workspace_id = e.workspace_id)), \
                   EXISTS(SELECT 1 FROM invoices i WHERE i.id = e.invoice_id \
                     AND i.workspace_id = e.workspace_id AND i.status <> '{draft}'))) \
                 FROM ({}) e \
                 LEFT JOIN projects p ON p.id = e.project_id AND p.workspace_id = e.workspace_id \
                 LEFT JOIN clients c ON c.id = p.client_id AND c.workspace_id = e.workspace_id",
                stmt.sql
            ),
            _ => format!(
                "SELECT coalesce(json_agg(json_build_array(\
                   e.id, e.user_id, e.description, e.billable, \
                   e.started_at, e.ended_at, p.id, p.name, p.color, c.name, \
                   (SELECT coalesce(json_agg(json_build_array(t.id, t.name, t.color)), '[]'::json) \
                     FROM time_entry_tags l JOIN tags t \
                       ON t.id = l.tag_id AND t.workspace_id = l.workspace_id \
                     WHERE l.entry_id = e.id AND l.workspace_id = e.workspace_id), \
                   EXISTS(SELECT 1 FROM invoices i WHERE i.id = e.invoice_id \
                     AND i.workspace_id = e.workspace_id AND i.status <> '{draft}'))), \
                   '[]'::json)::text \
                 FROM ({}) e \
                 LEFT JOIN projects p ON p.id = e.project_id AND p.workspace_id = e.workspace_id \
                 LEFT JOIN clients c ON c.id = p.client_id AND c.workspace_id = e.workspace_id",
                stmt.sql
            ),
        };
        let row = db.query_one_raw(Statement { sql, ..stmt }).await?;
        let json: String = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => return Ok(Vec::new()),
        };
        let rows: Vec<ViewRow> =
            serde_json::from_str(&json).map_err(|e| Error::Internal(format!("entry rows: {e}")))?;
        rows.into_iter().map(|r| r.view(tz, now)).collect()
    }

    /// One entry as `load_views` reads it: id, user, description, billable,
    /// start, end, project id, name and colour, client name, tags as
    /// `[id, name, colour]`, on an issued invoice.
    #[derive(Deserialize)]
    struct ViewRow(
        String,
        String,
        String,
        Flag,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Vec<(String, String, String)>,
        Flag,
    );

    /// A boolean as either database writes it in JSON (`true` or `1`).
    struct Flag(bool);

    impl<'de> Deserialize<'de> for Flag {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match serde_json::Value::deserialize(d)? {
                serde_json::Value::Bool(b) => Ok(Flag(b)),
                serde_json::Value::Number(n) => Ok(Flag(n.as_i64() != Some(0))),
                other => Err(serde::de::Error::custom(format!("not a flag: {other}"))),
            }
        }
    }

    fn uuid(raw: &str) -> Result<Uuid, Error> {
        Uuid::parse_str(raw).map_err(|e| Error::Internal(format!("uuid {raw:?}: {e}")))
    }

    /// A stored timestamp: RFC 3339 (PostgreSQL's JSON, SeaORM on SQLite)
    /// or with a space for the `T`.
    fn timestamp(raw: &str) -> Result<DateTime<Utc>, Error> {
        DateTime::parse_from_rfc3339(raw)
            .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f%:z"))
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| Error::Internal(format!("timestamp {raw:?}: {e}")))
    }

    impl ViewRow {
        fn view(self, tz: Tz, now: DateTime<Utc>) -> Result<TimeEntry, Error> {
            let ViewRow(
                id,
                user_id,
                description,
                billable,
                started,
                ended,
                project_id,
                project_name,
                project_color,
                client_name,
                tag_rows,
                invoiced,
            ) = self;
            let started_at = timestamp(&started)?;
            let ended_at = ended.as_deref().map(timestamp).transpose()?;
            let project = match (project_id, project_name, project_color) {
                (Some(id), Some(name), Some(color)) => Some(EntryProject {
                    id: uuid(&id)?,
                    name,
                    color,
                    client_name,
                }),
                _ => None,
            };
            let mut tags = tag_rows
                .into_iter()
                .map(|(id, name, color)| {
                    Ok(Tag {
                        id: uuid(&id)?,
                        name,
                        color,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            tags.sort_by_key(|t| t.name.to_lowercase());
            let end = ended_at
                .map(|e| periods::hm(tz, e))
                .unwrap_or_else(|| "now".into());
            Ok(TimeEntry {
                id: uuid(&id)?,
                user_id: uuid(&user_id)?,
                description,
                project,
                tags,
                billable: billable.0,
                duration_secs: (ended_at.unwrap_or(now) - started_at).num_seconds().max(0),
                started_at,
                ended_at,
                start_input: periods::input_value(tz, started_at),
                end_input: ended_at
                    .map(|e| periods::input_value(tz, e))
                    .unwrap_or_default(),
                time_range: format!("{} – {}", periods::hm(tz, started_at), end),
                invoiced: invoiced.0,
            })
        }
    }

    /// Seconds of the finished entries a query selects, summed in the
    /// database (one row back).
    async fn finished_secs(
        db: &impl ConnectionTrait,
        scope: &Scope,
        query: Select<time_entries::Entity>,
    ) -> Result<i64, Error> {
        let backend = db.get_database_backend();
        let stmt = query.build(backend);
        let key = page_cache::key(scope, "secs", chrono_tz::UTC, &stmt);
        if let Some(n) = page_cache::secs(&key) {
            return Ok(n);
        }
        let sql = match backend {
            DbBackend::Sqlite => format!(
                "SELECT coalesce(sum(max(0, CAST(strftime('%s', e.ended_at) AS INTEGER) \
                   - CAST(strftime('%s', e.started_at) AS INTEGER))), 0) \
                 FROM ({}) e WHERE e.ended_at IS NOT NULL",
                stmt.sql
            ),
            _ => format!(
                "SELECT coalesce(sum(greatest(0, extract(epoch FROM e.ended_at - e.started_at))), 0)::bigint \
                 FROM ({}) e WHERE e.ended_at IS NOT NULL",
                stmt.sql
            ),
        };
        let row = db.query_one_raw(Statement { sql, ..stmt }).await?;
        let n = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        page_cache::keep_secs(key, n);
        Ok(n)
    }

    /// A trimmed description of at most 2,000 characters.
    pub fn description(raw: &str) -> Result<String, Error> {
        let d = raw.trim();
        if d.chars().count() > 2000 {
            return Err(Error::invalid(
                "description",
                "Use at most 2,000 characters.",
            ));
        }
        if d.chars().any(|c| c.is_control() && c != '\n') {
            return Err(Error::invalid(
                "description",
                "Descriptions cannot contain control characters.",
            ));
        }
        Ok(d.to_string())
    }

    /// Checks that the project and tags belong to this workspace. An archived
    /// project is refused unless the entry is already on it.
    pub async fn checked_refs(
        db: &impl ConnectionTrait,
        scope: &Scope,
        project_id: Option<Uuid>,
        tag_ids: &[Uuid],
        current_project: Option<Uuid>,
    ) -> Result<(Option<projects::Model>, Vec<Uuid>), Error> {
        let project = match project_id {
            None => None,
            Some(id) => {
                let p = scope
                    .get::<projects::Entity>(db, id, "The project")
                    .await
                    .map_err(|_| {
                        Error::invalid("project_id", "Choose a project from this workspace.")
                    })?;
                if p.archived_at.is_some() && current_project != Some(id) {
                    return Err(Error::invalid(
                        "project_id",
                        format!(
                            "The project “{}” is archived. Unarchive it to track time on it.",
                            p.name
                        ),
                    ));
                }
                Some(p)
            }
        };
        let mut tags: Vec<Uuid> = tag_ids.to_vec();
        tags.sort();
        tags.dedup();
        if tags.len() > 50 {
            return Err(Error::invalid(
                "tag_ids",
                "Use at most 50 tags on one entry.",
            ));
        }
        if !tags.is_empty() {
            let found = scope
                .find::<tags::Entity>()
                .filter(tags::Column::Id.is_in(tags.clone()))
                .count(db)
                .await?;
            if found as usize != tags.len() {
                return Err(Error::invalid(
                    "tag_ids",
                    "Choose tags from this workspace.",
                ));
            }
        }
        Ok((project, tags))
    }

    /// Replaces an entry's tags.
    pub async fn set_tags(
        db: &impl ConnectionTrait,
        scope: &Scope,
        entry_id: Uuid,
        tag_ids: &[Uuid],
    ) -> Result<(), Error> {
        scope
            .delete_many::<time_entry_tags::Entity>()
            .filter(time_entry_tags::Column::EntryId.eq(entry_id))
            .exec(db)
            .await?;
        if !tag_ids.is_empty() {
            time_entry_tags::Entity::insert_many(tag_ids.iter().map(|t| {
                time_entry_tags::ActiveModel {
                    entry_id: Set(entry_id),
                    tag_id: Set(*t),
                    workspace_id: Set(scope.workspace_id),
                }
            }))
            .exec(db)
            .await?;
        }
        Ok(())
    }

    /// Start and end from the form, checked: end after start, and a
    /// confirmation for entries longer than 24 hours.
    pub fn span(tz: Tz, input: &EntryInput) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
        let start = periods::parse_local(tz, &input.start, "start")?;
        let end = periods::parse_local(tz, &input.end, "end")?;
        if end <= start {
            return Err(Error::invalid("end", "The end must be after the start."));
        }
        let secs = (end - start).num_seconds();
        if secs > LONG_ENTRY_SECS && !input.confirm_long {
            return Err(Error::invalid(
                "confirm_long",
                format!(
                    "This entry is {} hours long. Check the times, or confirm that it really is longer than 24 hours.",
                    periods::hours_minutes(secs)
                ),
            ));
        }
        Ok((start, end))
    }

    /// The entry with `id` if this person may change it: their own, or any
    /// entry for owners and admins.
    pub async fn editable(
        db: &impl ConnectionTrait,
        scope: &Scope,
        id: Uuid,
    ) -> Result<time_entries::Model, Error> {
        let m = live(scope)
            .filter(time_entries::Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("The time entry"))?;
        if m.user_id != scope.user_id && !scope.role.can_manage() {
            return Err(Error::forbidden(
                "You can change only your own time entries.",
            ));
        }
        Ok(m)
    }

    pub async fn create(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        input: EntryInput,
        now: DateTime<Utc>,
    ) -> Result<TimeEntry, Error> {
        scope.writable()?;
        let description = description(&input.description)?;
        let (start, end) = span(tz, &input)?;
        let txn = crate::db::begin_write(db).await?;
        let (project, tags) =
            checked_refs(&txn, scope, input.project_id, &input.tag_ids, None).await?;
        let billable = input
            .billable
            .unwrap_or(project.as_ref().is_some_and(|p| p.billable));
        let id = Uuid::now_v7();
        let m = time_entries::ActiveModel {
            id: Set(id),
            workspace_id: Set(scope.workspace_id),
            user_id: Set(scope.user_id),
            description: Set(description),
            project_id: Set(input.project_id),
            billable: Set(billable),
            started_at: Set(start),
            ended_at: Set(Some(end)),
            invoice_id: Set(None),
            deleted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        set_tags(&txn, scope, id, &tags).await?;
        let view = views(&txn, scope, tz, vec![m], now).await?.remove(0);
        txn.commit().await?;
        Ok(view)
    }

    pub async fn update(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        id: Uuid,
        input: EntryInput,
        now: DateTime<Utc>,
    ) -> Result<TimeEntry, Error> {
        scope.writable()?;
        let description = description(&input.description)?;
        let txn = crate::db::begin_write(db).await?;
        let current = editable(&txn, scope, id).await?;
        let on_issued_invoice = match current.invoice_id {
            Some(i) => !crate::invoices::service::issued(&txn, scope, vec![i])
                .await?
                .is_empty(),
            None => false,
        };
        if on_issued_invoice && !input.confirm_invoiced {
            return Err(Error::invalid(
                "confirm_invoiced",
                "This entry is on a sent or paid invoice. Changing it will not change the invoice; confirm to save anyway.",
            ));
        }
        let (start, end) = if current.ended_at.is_none() {
            // A running timer keeps running; only its start can move.
            let start = periods::parse_local(tz, &input.start, "start")?;
            if start > now {
                return Err(Error::invalid(
                    "start",
                    "A running timer cannot start in the future.",
                ));
            }
            (start, None)
        } else {
            let (s, e) = span(tz, &input)?;
            (s, Some(e))
        };
        let (project, tags) = checked_refs(
            &txn,
            scope,
            input.project_id,
            &input.tag_ids,
            current.project_id,
        )
        .await?;
        let billable = input
            .billable
            .unwrap_or(project.as_ref().is_some_and(|p| p.billable));
        let m = scope
            .update(
                &txn,
                time_entries::ActiveModel {
                    id: Set(id),
                    description: Set(description),
                    project_id: Set(input.project_id),
                    billable: Set(billable),
                    started_at: Set(start),
                    ended_at: Set(end),
                    updated_at: Set(now),
                    ..Default::default()
                },
            )
            .await?;
        set_tags(&txn, scope, id, &tags).await?;
        let view = views(&txn, scope, tz, vec![m], now).await?.remove(0);
        txn.commit().await?;
        Ok(view)
    }

    /// Deletes an entry so that [`restore`] can bring it back for a short
    /// while; entries deleted longer ago are removed for good here.
    pub async fn delete(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        scope.writable()?;
        let txn = crate::db::begin_write(db).await?;
        let m = editable(&txn, scope, id).await?;
        if m.invoice_id.is_some() {
            return Err(Error::Conflict(
                "This entry is on an invoice. Delete the draft invoice first, or keep the entry."
                    .into(),
            ));
        }
        scope
            .update_many::<time_entries::Entity>()
            .col_expr(time_entries::Column::DeletedAt, Expr::value(Some(now)))
            // A deleted running timer stops, so a new one can start.
            .col_expr(
                time_entries::Column::EndedAt,
                Expr::value(Some(m.ended_at.unwrap_or(now))),
            )
            .filter(time_entries::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        scope
            .delete_many::<time_entries::Entity>()
            .filter(time_entries::Column::DeletedAt.lt(now - chrono::Duration::seconds(UNDO_SECS)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Undoes a delete made in the last [`UNDO_SECS`] seconds.
    pub async fn restore(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        scope.writable()?;
        let m = scope
            .get::<time_entries::Entity>(db, id, "The time entry")
            .await?;
        if m.user_id != scope.user_id && !scope.role.can_manage() {
            return Err(Error::forbidden(
                "You can change only your own time entries.",
            ));
        }
        match m.deleted_at {
            None => Ok(()),
            Some(at) if (now - at).num_seconds() <= UNDO_SECS => {
                scope
                    .update_many::<time_entries::Entity>()
                    .col_expr(
                        time_entries::Column::DeletedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .filter(time_entries::Column::Id.eq(id))
                    .exec(db)
                    .await?;
                Ok(())
            }
            Some(_) => Err(Error::Conflict(
                "It is too late to undo this delete.".into(),
            )),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn list_days_and_times_round_trip_on_the_wire() {
        let start = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 15).unwrap()
            + chrono::Duration::milliseconds(250);
        let day = DayGroup {
            day: NaiveDate::from_ymd_opt(987, 2, 28).unwrap(),
            label: "Sat".into(),
            total_secs: 60,
            entries: vec![entry(start, 60)],
        };
        let json = serde_json::to_value(&day).unwrap();
        assert_eq!(json["day"], "0987-02-28");
        assert_eq!(json["entries"][0]["started_at"], start.timestamp_millis());
        let back: DayGroup = serde_json::from_value(json).unwrap();
        assert_eq!(back, day);
        for bad in [
            "2026-2-28",
            "2026-02-30",
            "20260228",
            "2026-02-28x",
            "",
            "+202-02-28",
            "12026-01-01",
            "-26-01-01",
        ] {
            assert_eq!(wire::ymd::parse(bad), None, "{bad}");
        }
        // Years chrono writes with a sign read back as themselves.
        for year in [-44, 0, 10_000, 262_000] {
            let day = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
            assert_eq!(wire::ymd::parse(&day.to_string()), Some(day), "{day}");
            let group = DayGroup {
                day,
                label: String::new(),
                total_secs: 0,
                entries: vec![],
            };
            assert_eq!(
                serde_json::to_value(&group).unwrap()["day"],
                day.to_string()
            );
        }
        assert!(serde_json::from_str::<DayGroup>(
            r#"{"day":"2026-13-01","label":"","total_secs":0,"entries":[]}"#
        )
        .is_err());
    }

    fn entry(start: DateTime<Utc>, secs: i64) -> TimeEntry {
        TimeEntry {
            id: Uuid::now_v7(),
            user_id: Uuid::nil(),
            description: String::new(),
            project: None,
            tags: vec![],
            billable: false,
            started_at: start,
            ended_at: Some(start + chrono::Duration::seconds(secs)),
            duration_secs: secs,
            start_input: String::new(),
            end_input: String::new(),
            time_range: String::new(),
            invoiced: false,
        }
    }

    #[test]
    fn entries_group_by_the_local_day_they_started() {
        let tz: chrono_tz::Tz = "America/Los_Angeles".parse().unwrap();
        // 06:00 UTC on the 28th is 22:00 on the 27th in Los Angeles.
        let list = vec![
            entry(Utc.with_ymd_and_hms(2026, 11, 28, 18, 0, 0).unwrap(), 3600),
            entry(Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, 0).unwrap(), 1800),
            entry(Utc.with_ymd_and_hms(2026, 11, 27, 17, 0, 0).unwrap(), 600),
        ];
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let days = group_by_day(
            list,
            |e| crate::periods::local_day(tz, e.started_at),
            |d| crate::periods::day_label(d, today),
            |_| None,
        );
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].label, "Today");
        assert_eq!(days[0].total_secs, 3600);
        assert_eq!(days[1].label, "Yesterday");
        assert_eq!(days[1].entries.len(), 2);
        assert_eq!(days[1].total_secs, 2400);
        // A total from the database (the whole day) wins over the page's sum.
        let days = group_by_day(
            vec![entry(
                Utc.with_ymd_and_hms(2026, 11, 28, 18, 0, 0).unwrap(),
                60,
            )],
            |e| crate::periods::local_day(tz, e.started_at),
            |d| crate::periods::day_label(d, today),
            |_| Some(7200),
        );
        assert_eq!(days[0].total_secs, 7200);
    }

    #[test]
    fn manual_entries_need_an_end_after_the_start_and_confirmation_past_24_hours() {
        let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let input = |start: &str, end: &str, confirm_long| EntryInput {
            start: start.into(),
            end: end.into(),
            confirm_long,
            ..Default::default()
        };
        let err =
            service::span(tz, &input("2026-11-27T10:00", "2026-11-27T09:00", false)).unwrap_err();
        assert!(err.to_string().contains("after the start"), "{err}");
        let err =
            service::span(tz, &input("2026-11-26T08:00", "2026-11-27T09:00", false)).unwrap_err();
        assert!(
            matches!(&err, crate::error::Error::Invalid { field: Some(f), .. } if f == "confirm_long")
        );
        let (s, e) =
            service::span(tz, &input("2026-11-26T08:00", "2026-11-27T09:00", true)).unwrap();
        assert_eq!((e - s).num_hours(), 25);
        // Across the autumn DST change the wall clock says 3 hours, the
        // entry lasts 4.
        let (s, e) =
            service::span(tz, &input("2026-10-25T00:30", "2026-10-25T03:30", false)).unwrap();
        assert_eq!((e - s).num_hours(), 4);
    }
}
