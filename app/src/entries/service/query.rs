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

fn cursor_of(started_at: DateTime<Utc>, id: Uuid) -> String {
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
            "cursor",
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

/// What an entry list asks for, in UTC, whichever door it came through:
/// the page's list ([`EntryFilter::query`]) and the API's search.
#[derive(Clone, Debug, Default)]
pub struct EntryQuery {
    /// Entries that start at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries that start before this time.
    pub to: Option<DateTime<Utc>>,
    pub project_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// Entries with any of these tags...
    pub tag_ids: Vec<Uuid>,
    /// ...or of these, by whole name (case-insensitive, `#` optional).
    pub tag_names: Vec<String>,
    /// One person's entries; members always get their own only.
    pub user_id: Option<Uuid>,
    pub billable: Option<bool>,
    /// Leave out running timers (the page's list has them in the top bar).
    pub finished_only: bool,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// 1 to [`SEARCH_MAX_LIMIT`].
    pub limit: u64,
}

pub const SEARCH_MAX_LIMIT: u64 = 1000;

impl EntryFilter {
    /// The page's filter as a query for this person's finished entries:
    /// its days read in the person's zone `tz`, `to` included.
    pub fn query(&self, tz: Tz, user_id: Uuid) -> Result<EntryQuery, Error> {
        let day = |raw: &str, field| match raw.trim() {
            "" => Ok(None),
            s => periods::parse_day(s, field).map(Some),
        };
        let (from, to) = (day(&self.from, "from")?, day(&self.to, "to")?);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(before_from());
            }
        }
        Ok(EntryQuery {
            from: from.map(|f| periods::day_start(tz, f)),
            to: to.map(|t| periods::range_utc(tz, t, t).1),
            project_id: self.project_id,
            client_id: self.client_id,
            tag_ids: self.tag_ids.clone(),
            tag_names: Vec::new(),
            user_id: Some(user_id),
            billable: None,
            finished_only: true,
            cursor: self.cursor.clone(),
            limit: PAGE_SIZE,
        })
    }
}

fn before_from() -> Error {
    Error::invalid("to", "The end date is before the start date.")
}

impl EntryQuery {
    /// Every bound checked: the limit, the tag lists, the period.
    fn checked(&self) -> Result<(), Error> {
        if self.limit == 0 || self.limit > SEARCH_MAX_LIMIT {
            return Err(Error::invalid(
                "limit",
                format!("Use a limit from 1 to {SEARCH_MAX_LIMIT}."),
            ));
        }
        bounded_tags(&self.tag_ids, "tag_ids")?;
        if self.tag_names.len() > MAX_FILTER_TAGS {
            return Err(Error::invalid(
                "tags",
                format!("Filter by at most {MAX_FILTER_TAGS} tags."),
            ));
        }
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if t < f {
                return Err(before_from());
            }
        }
        Ok(())
    }

    /// The rows this person may see that match, without the cursor; `None`
    /// when tag names match no tag (so nothing can match).
    async fn select(
        &self,
        db: &impl ConnectionTrait,
        scope: &Scope,
    ) -> Result<Option<Select<time_entries::Entity>>, Error> {
        self.checked()?;
        let user = if scope.role.can_manage() {
            self.user_id
        } else {
            if self.user_id.is_some_and(|u| u != scope.user_id) {
                return Err(Error::forbidden(
                    "Members can read only their own time entries.",
                ));
            }
            Some(scope.user_id)
        };
        let mut tag_ids = self.tag_ids.clone();
        if !self.tag_names.is_empty() {
            let named = crate::tags::service::ids_by_names(db, scope, &self.tag_names).await?;
            if named.is_empty() && tag_ids.is_empty() {
                return Ok(None);
            }
            tag_ids.extend(named);
        }
        let mut q = narrowed(
            live(scope),
            scope,
            self.project_id,
            self.client_id,
            &tag_ids,
        );
        if let Some(u) = user {
            q = q.filter(time_entries::Column::UserId.eq(u));
        }
        if self.finished_only {
            q = q.filter(time_entries::Column::EndedAt.is_not_null());
        }
        if let Some(b) = self.billable {
            q = q.filter(time_entries::Column::Billable.eq(b));
        }
        Ok(Some(q))
    }
}

/// `q` narrowed to entries starting in `[from, to)`.
fn in_period(
    mut q: Select<time_entries::Entity>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Select<time_entries::Entity> {
    if let Some(f) = from {
        q = q.filter(time_entries::Column::StartedAt.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(time_entries::Column::StartedAt.lt(t));
    }
    q
}

/// Entries, newest first, a page at a time, grouped by the day they
/// started on in the person's zone `tz`, with whole-day totals.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    query: &EntryQuery,
    now: DateTime<Utc>,
) -> Result<EntryPage, Error> {
    let Some(base) = query.select(db, scope).await? else {
        return Ok(EntryPage {
            days: Vec::new(),
            next: None,
        });
    };
    let q = in_period(base.clone(), query.from, query.to);
    let (entries, next) =
        keyset_page(db, scope, q, query.cursor.as_deref(), query.limit, now).await?;
    let totals = day_totals(
        db,
        scope,
        tz,
        &base,
        &entries,
        query.cursor.is_some(),
        next.is_some(),
    )
    .await?;
    let today = periods::local_day(tz, now);
    Ok(EntryPage {
        days: group_by_day(
            entries.into_iter().map(|e| TimeEntry::of(e, tz)).collect(),
            |e| periods::local_day(tz, e.started_at),
            |d| periods::day_label(d, today),
            |d| totals.get(&d).copied(),
        ),
        next,
    })
}

/// Each page day's total: the hours of that local day, whichever day the
/// entries started on (an entry over midnight counts on both days).
///
/// Days in the middle of a page hold all their entries on it, so they are
/// summed here, with the few entries from older pages that run into them.
/// Only the newest day (when newer pages exist) and the oldest day (when
/// older ones do) may continue elsewhere; those are summed in the database.
async fn day_totals(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    base: &Select<time_entries::Entity>,
    entries: &[Entry],
    newer_pages: bool,
    older_pages: bool,
) -> Result<BTreeMap<NaiveDate, i64>, Error> {
    let mut days: Vec<NaiveDate> = entries
        .iter()
        .map(|e| periods::local_day(tz, e.started_at))
        .collect();
    days.dedup();
    let mut edge: Vec<NaiveDate> = Vec::new();
    if let (true, Some(d)) = (newer_pages, days.first()) {
        edge.push(*d);
    }
    if let (true, Some(d)) = (older_pages, days.last()) {
        edge.push(*d);
    }
    if days.is_empty() {
        return Ok(BTreeMap::new());
    }
    // How far back an entry may start and still reach a day: read once.
    let reach = chrono::Duration::seconds(longest_secs(db, scope).await?);
    let Some(oldest) = days.iter().rev().find(|d| !edge.contains(d)).copied() else {
        return edge_totals(db, scope, tz, base, &edge, reach).await;
    };
    let mut totals = edge_totals(db, scope, tz, base, &edge, reach).await?;
    // Entries from older pages that run past the oldest middle day's
    // midnight: rare, and found within the longest entry's reach.
    let (m_lo, _) = periods::range_utc(tz, oldest, oldest);
    let on_page: std::collections::HashSet<Uuid> = entries.iter().map(|e| e.id).collect();
    let crossing: Vec<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> = base
        .clone()
        .filter(time_entries::Column::StartedAt.gte(m_lo - reach))
        .filter(time_entries::Column::StartedAt.lt(m_lo))
        .filter(time_entries::Column::EndedAt.gt(m_lo))
        .select_only()
        .column(time_entries::Column::Id)
        .column(time_entries::Column::StartedAt)
        .column(time_entries::Column::EndedAt)
        .into_tuple()
        .all(db)
        .await?;
    let spans = entries.iter().map(|e| (e.started_at, e.ended_at)).chain(
        crossing
            .into_iter()
            .filter(|(id, ..)| !on_page.contains(id))
            .map(|(_, s, e)| (s, e)),
    );
    for (start, end) in spans {
        let Some(end) = end else { continue };
        for (day, secs) in periods::split_by_day(tz, start, end) {
            if days.contains(&day) && !edge.contains(&day) {
                *totals.entry(day).or_default() += secs;
            }
        }
    }
    Ok(totals)
}

/// Totals of `days` summed in the database, each clipped to its day.
async fn edge_totals(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    base: &Select<time_entries::Entity>,
    days: &[NaiveDate],
    reach: chrono::Duration,
) -> Result<BTreeMap<NaiveDate, i64>, Error> {
    let mut totals = BTreeMap::new();
    for day in days {
        let (lo, hi) = periods::range_utc(tz, *day, *day);
        let touching = base
            .clone()
            .filter(time_entries::Column::StartedAt.gte(lo - reach))
            .filter(time_entries::Column::StartedAt.lt(hi))
            .filter(time_entries::Column::EndedAt.gt(lo));
        totals.insert(*day, clipped_secs(db, scope, touching, lo, hi).await?);
    }
    Ok(totals)
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
    let query = filter.query(tz, scope.user_id)?;
    query.checked()?;
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
    let page = list(db, scope, tz, &query, now).await?;
    let served = Prepared::serialise(&page)
        .map_err(|e| Error::Internal(format!("serialising an entry page: {e}")))?;
    page_cache::keep_served(key, served.clone());
    Ok(served)
}

/// One page of `q`, newest first, after `cursor` (the `next` of the
/// previous page), and the cursor of the page after it.
async fn keyset_page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    mut q: Select<time_entries::Entity>,
    cursor: Option<&str>,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<(Vec<Entry>, Option<String>), Error> {
    if let Some(raw) = cursor {
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
    let key = page_cache::key(scope, "page", &stmt);
    if let Some(hit) = page_cache::page(&key, now) {
        return Ok(hit);
    }
    let mut entries = load(db, stmt, now).await?;
    entries.sort_by_key(|e| std::cmp::Reverse((e.started_at, e.id)));
    let next = if entries.len() as u64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| cursor_of(e.started_at, e.id))
    } else {
        None
    };
    page_cache::keep_page(key, &entries, &next);
    Ok((entries, next))
}

/// Entries of the workspace, newest first, a page at a time, as the API
/// lists them: every entry for owners and admins (optionally one
/// person's), a member's own otherwise.
pub async fn search(
    db: &impl ConnectionTrait,
    scope: &Scope,
    query: &EntryQuery,
    now: DateTime<Utc>,
) -> Result<(Vec<Entry>, Option<String>), Error> {
    let Some(q) = query.select(db, scope).await? else {
        return Ok((Vec::new(), None));
    };
    let q = in_period(q, query.from, query.to);
    keyset_page(db, scope, q, query.cursor.as_deref(), query.limit, now).await
}
