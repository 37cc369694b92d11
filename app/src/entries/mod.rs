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

/// A time entry as the domain returns it to either door: UTC times and
/// ids, nothing formatted. The page receives it as [`TimeEntry`]
/// (`TimeEntry::of`), the API as its own JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub description: String,
    pub project: Option<EntryProject>,
    pub tags: Vec<Tag>,
    pub billable: bool,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Up to now for a running entry.
    pub duration_secs: i64,
    /// On a sent or paid invoice.
    pub invoiced: bool,
}

/// An entry as the page shows it: [`Entry`] with its times formatted in
/// the person's zone, on the server (chrono-tz stays out of the bundle).
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

#[cfg(feature = "ssr")]
impl TimeEntry {
    /// `e` for the page of a person in zone `tz`.
    pub fn of(e: Entry, tz: chrono_tz::Tz) -> TimeEntry {
        use crate::periods;
        TimeEntry {
            start_input: periods::input_value(tz, e.started_at),
            end_input: e
                .ended_at
                .map(|t| periods::input_value(tz, t))
                .unwrap_or_default(),
            time_range: periods::time_range(tz, e.started_at, e.ended_at),
            id: e.id,
            user_id: e.user_id,
            description: e.description,
            project: e.project,
            tags: e.tags,
            billable: e.billable,
            started_at: e.started_at,
            ended_at: e.ended_at,
            duration_secs: e.duration_secs,
            invoiced: e.invoiced,
        }
    }
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

pub mod wire;

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
    pub cursor: Option<String>,
}

impl EntryFilter {
    /// The filter as the Time entries page's address (`?from=…&tag_ids=…`),
    /// with the names Reports and the exports use.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        for (k, v) in [("from", &self.from), ("to", &self.to)] {
            if !v.is_empty() {
                q.push((k, v.clone()));
            }
        }
        for (k, v) in [
            ("project_id", self.project_id),
            ("client_id", self.client_id),
        ] {
            if let Some(id) = v {
                q.push((k, id.to_string()));
            }
        }
        if !self.tag_ids.is_empty() {
            let ids: Vec<String> = self.tag_ids.iter().map(Uuid::to_string).collect();
            q.push(("tag_ids", ids.join(",")));
        }
        q
    }

    /// Reads [`EntryFilter::query_pairs`] back; what does not parse is left
    /// out (see `TimeFilter::from_query`).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> EntryFilter {
        let f = crate::time_filter::TimeFilter::from_query(&get);
        EntryFilter {
            from: get("from")
                .filter(|_| !f.from.is_empty())
                .unwrap_or_default(),
            to: get("to").filter(|_| !f.to.is_empty()).unwrap_or_default(),
            project_id: f.project_id,
            client_id: f.client_id,
            tag_ids: f.tag_ids,
            cursor: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryPage {
    pub days: Vec<DayGroup>,
    /// Pass as `cursor` for the next (older) page.
    pub next: Option<String>,
}

/// A manual entry or an edit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryForm {
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
    crate::context::zoned(|ctx, scope, tz| async move {
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
pub async fn create_entry(input: EntryForm) -> Result<TimeEntry, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let e = service::create(&ctx.db, &scope, input.parse(tz)?, ctx.now).await?;
        Ok(TimeEntry::of(e, tz))
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "update_entry", input = Json)]
pub async fn update_entry(id: Uuid, input: EntryForm) -> Result<TimeEntry, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        let e = service::update(&ctx.db, &scope, id, input.changes(tz)?, ctx.now).await?;
        Ok(TimeEntry::of(e, tz))
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
pub mod service;

#[cfg(all(test, feature = "ssr"))]
mod tests;
