//! The entry list: filters, keyset pages with their cursor, the API's search.

use super::*;

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
