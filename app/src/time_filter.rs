//! The one filter over time entries that the Reports page, the CSV export,
//! the API and the CLI share, so the same filter always gives the same
//! rows and totals wherever it is used: a period in the person's
//! timezone, tags (any of, all of, or untagged), project, client, person
//! and billable.

use crate::periods::Period;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the chosen tags narrow the entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagMode {
    /// Entries with at least one of the tags.
    #[default]
    Any,
    /// Entries with every one of the tags.
    All,
    /// Entries without any tag (the chosen tags are ignored).
    Untagged,
}

impl TagMode {
    pub const ALL: [TagMode; 3] = [TagMode::Any, TagMode::All, TagMode::Untagged];

    pub fn as_str(self) -> &'static str {
        match self {
            TagMode::Any => "any",
            TagMode::All => "all",
            TagMode::Untagged => "untagged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TagMode::Any => "Any of the tags",
            TagMode::All => "All of the tags",
            TagMode::Untagged => "Untagged only",
        }
    }

    pub fn parse(s: &str) -> Option<TagMode> {
        TagMode::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

/// The most tags one filter takes.
pub const MAX_TAGS: usize = 50;

/// Which entries: the filter as people set it on a page or in a request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeFilter {
    #[serde(default)]
    pub period: Period,
    /// `YYYY-MM-DD`, for [`Period::Custom`] (both days included).
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    #[serde(default)]
    pub tag_mode: TagMode,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub client_id: Option<Uuid>,
    /// One person's time (owners and admins; members always see their own).
    #[serde(default)]
    pub user_id: Option<Uuid>,
    #[serde(default)]
    pub billable: Option<bool>,
}

impl TimeFilter {
    /// A custom range waits until both of its dates are there.
    pub fn is_complete(&self) -> bool {
        self.period != Period::Custom || (!self.from.is_empty() && !self.to.is_empty())
    }

    /// The filter as URL query pairs, read back by the download routes
    /// (`/exports/time-entries.csv?…`).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("period", self.period.as_str().to_string())];
        if self.period == Period::Custom {
            q.push(("from", self.from.clone()));
            q.push(("to", self.to.clone()));
        }
        if !self.tag_ids.is_empty() {
            let ids: Vec<String> = self.tag_ids.iter().map(Uuid::to_string).collect();
            q.push(("tag_ids", ids.join(",")));
        }
        if self.tag_mode != TagMode::Any {
            q.push(("tag_mode", self.tag_mode.as_str().to_string()));
        }
        for (k, v) in [
            ("project_id", self.project_id),
            ("client_id", self.client_id),
            ("user_id", self.user_id),
        ] {
            if let Some(id) = v {
                q.push((k, id.to_string()));
            }
        }
        if let Some(b) = self.billable {
            q.push(("billable", b.to_string()));
        }
        q
    }
}

/// Reads a filter back from [`TimeFilter::query_pairs`] (a page's address,
/// which people edit and bookmark): what does not parse is left at its
/// default rather than refused, since the page shows what it applied.
impl TimeFilter {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> TimeFilter {
        let id = |k: &str| get(k).and_then(|v| v.parse().ok());
        // A day as a date field holds it, YYYY-MM-DD (the wire's reader:
        // chrono's general parser would add its code to the bundle).
        let day = |k: &str| {
            get(k)
                .filter(|v| crate::entries::wire::ymd::parse(v).is_some())
                .unwrap_or_default()
        };
        TimeFilter {
            period: get("period")
                .and_then(|p| Period::parse(&p))
                .unwrap_or_default(),
            from: day("from"),
            to: day("to"),
            tag_ids: ids(get("tag_ids").as_deref()),
            tag_mode: get("tag_mode")
                .and_then(|m| TagMode::parse(&m))
                .unwrap_or_default(),
            project_id: id("project_id"),
            client_id: id("client_id"),
            user_id: id("user_id"),
            billable: get("billable").and_then(|b| b.parse().ok()),
        }
    }
}

/// The ids in a comma-separated list from an address, at most as many as
/// a filter takes; others are dropped.
pub fn ids(raw: Option<&str>) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::new();
    for id in names(raw).iter().filter_map(|v| v.parse().ok()) {
        if !out.contains(&id) && out.len() < MAX_TAGS {
            out.push(id);
        }
    }
    out
}

/// The names in a comma-separated list (`dev, #ops`), trimmed, empty
/// ones dropped: how the API and the CLI take tag names.
pub fn names(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `key=value&…`, with values percent-encoded.
pub fn encode_query(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::db::entities::{projects, time_entries, time_entry_tags};
    use crate::error::Error;
    use crate::periods;
    use crate::tenant::Scope;
    use chrono::{DateTime, Datelike, NaiveDate, Utc};
    use chrono_tz::Tz;
    use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
    use sea_orm::{ColumnTrait, QueryFilter, Select};

    /// At most this many tags in one filter.
    pub const MAX_TAGS: usize = super::MAX_TAGS;
    /// The longest range one filter covers.
    pub const MAX_DAYS: i64 = 366 * 5;

    /// A filter checked and resolved against today in the person's zone.
    #[derive(Clone, Debug)]
    pub struct Selection {
        /// First and last day, both included, in the person's zone.
        pub from: NaiveDate,
        pub to: NaiveDate,
        /// `[lo, hi)`: entries that start in it belong to the range.
        pub lo: DateTime<Utc>,
        pub hi: DateTime<Utc>,
        /// Every member's time (owners and admins) or only the person's.
        pub everyone: bool,
        pub filter: TimeFilter,
        workspace_id: uuid::Uuid,
        person: Option<Uuid>,
    }

    /// Checks `f` for `scope` in `tz`: dates, the range's length, the tag
    /// count, and who may see whose time. An entry belongs to the day it
    /// starts on, as on the entries page.
    pub fn select(
        scope: &Scope,
        tz: Tz,
        f: &TimeFilter,
        now: DateTime<Utc>,
    ) -> Result<Selection, Error> {
        if f.tag_ids.len() > MAX_TAGS {
            return Err(Error::invalid(
                "tag_ids",
                format!("Filter by at most {MAX_TAGS} tags."),
            ));
        }
        let custom = if f.period == Period::Custom {
            let from = periods::parse_day(&f.from, "from")?;
            let to = periods::parse_day(&f.to, "to")?;
            if to < from {
                return Err(Error::invalid(
                    "to",
                    "The end date is before the start date.",
                ));
            }
            if (to - from).num_days() > MAX_DAYS {
                return Err(Error::invalid(
                    "to",
                    "Choose a range of at most five years.",
                ));
            }
            Some((from, to))
        } else {
            None
        };
        let everyone = scope.role.can_manage();
        let person = match (everyone, f.user_id) {
            (true, who) => who,
            (false, Some(who)) if who != scope.user_id => {
                return Err(Error::forbidden(
                    "Members can see and export only their own time.",
                ))
            }
            (false, _) => Some(scope.user_id),
        };
        let (from, to) = periods::period_days(f.period, tz, now, custom);
        let (lo, hi) = periods::range_utc(tz, from, to);
        Ok(Selection {
            from,
            to,
            lo,
            hi,
            everyone: everyone && f.user_id.is_none(),
            filter: f.clone(),
            workspace_id: scope.workspace_id,
            person,
        })
    }

    impl Selection {
        /// The selected entries, running ones included (callers that want
        /// finished time add `ended_at IS NOT NULL`). `live` is the
        /// workspace's entries that are not deleted, from the tenant path.
        pub fn narrow(&self, live: Select<time_entries::Entity>) -> Select<time_entries::Entity> {
            let f = &self.filter;
            let ws = self.workspace_id;
            let mut q = live
                .filter(time_entries::Column::StartedAt.gte(self.lo))
                .filter(time_entries::Column::StartedAt.lt(self.hi));
            if let Some(p) = self.person {
                q = q.filter(time_entries::Column::UserId.eq(p));
            }
            if let Some(p) = f.project_id {
                q = q.filter(time_entries::Column::ProjectId.eq(p));
            }
            if let Some(c) = f.client_id {
                q = q.filter(
                    time_entries::Column::ProjectId.in_subquery(
                        Query::select()
                            .column(projects::Column::Id)
                            .from(projects::Entity)
                            .and_where(projects::Column::WorkspaceId.eq(ws))
                            .and_where(projects::Column::ClientId.eq(c))
                            .to_owned(),
                    ),
                );
            }
            if let Some(b) = f.billable {
                q = q.filter(time_entries::Column::Billable.eq(b));
            }
            let links = || {
                Query::select()
                    .column(time_entry_tags::Column::EntryId)
                    .from(time_entry_tags::Entity)
                    .and_where(time_entry_tags::Column::WorkspaceId.eq(ws))
                    .to_owned()
            };
            match f.tag_mode {
                TagMode::Untagged => {
                    q = q.filter(time_entries::Column::Id.not_in_subquery(links()));
                }
                TagMode::Any if !f.tag_ids.is_empty() => {
                    q = q.filter(
                        time_entries::Column::Id.in_subquery(
                            links()
                                .and_where(time_entry_tags::Column::TagId.is_in(f.tag_ids.clone()))
                                .to_owned(),
                        ),
                    );
                }
                TagMode::All if !f.tag_ids.is_empty() => {
                    let mut wanted = f.tag_ids.clone();
                    wanted.sort();
                    wanted.dedup();
                    let n = wanted.len() as i64;
                    q = q.filter(
                        time_entries::Column::Id.in_subquery(
                            links()
                                .and_where(time_entry_tags::Column::TagId.is_in(wanted))
                                .group_by_col(time_entry_tags::Column::EntryId)
                                .and_having(ExprTrait::eq(
                                    Func::count(Expr::col(time_entry_tags::Column::TagId)),
                                    n,
                                ))
                                .to_owned(),
                        ),
                    );
                }
                _ => {}
            }
            q
        }

        /// "23 Nov – 29 Nov 2026".
        pub fn title(&self) -> String {
            title(self.from, self.to)
        }
    }

    /// The ids of the tags named `names` (case-insensitive, `#` optional),
    /// for filters given by name (the API and the CLI). A name that is no
    /// tag here is refused by name: matching nothing would look like an
    /// empty result.
    pub async fn tags_named(
        db: &impl sea_orm::ConnectionTrait,
        scope: &Scope,
        names: &[String],
    ) -> Result<Vec<Uuid>, Error> {
        use crate::db::entities::tags;
        use sea_orm::QuerySelect;
        let mut keys: Vec<String> = names
            .iter()
            .map(|n| crate::tags::clean_name(n).to_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort();
        keys.dedup();
        if keys.len() > MAX_TAGS {
            return Err(Error::invalid(
                "tags",
                format!("Filter by at most {MAX_TAGS} tags."),
            ));
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<(Uuid, String)> = scope
            .find::<tags::Entity>()
            .filter(tags::Column::NameKey.is_in(keys.clone()))
            .select_only()
            .column(tags::Column::Id)
            .column(tags::Column::NameKey)
            .into_tuple()
            .all(db)
            .await?;
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| !found.iter().any(|(_, f)| f == *k))
            .map(|k| format!("#{k}"))
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid(
                "tags",
                format!("There is no tag {} in this workspace.", missing.join(", ")),
            ));
        }
        Ok(found.into_iter().map(|(id, _)| id).collect())
    }

    /// "23 Nov – 29 Nov 2026", or with both years when they differ.
    pub fn title(from: NaiveDate, to: NaiveDate) -> String {
        if from == to {
            from.format("%-d %b %Y").to_string()
        } else if from.year() == to.year() {
            format!("{} – {}", from.format("%-d %b"), to.format("%-d %b %Y"))
        } else {
            format!("{} – {}", from.format("%-d %b %Y"), to.format("%-d %b %Y"))
        }
    }
}

#[cfg(test)]
mod tests {

    /// What a page writes into its address reads back as the same filter,
    /// and an edited address never breaks the page.
    #[test]
    fn filters_survive_the_address_bar() {
        let t = |n: u128| Uuid::from_u128(n);
        let f = TimeFilter {
            period: Period::Custom,
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            tag_ids: vec![t(1), t(2)],
            tag_mode: TagMode::All,
            project_id: Some(t(3)),
            client_id: Some(t(4)),
            user_id: Some(t(5)),
            billable: Some(false),
        };
        let pairs = f.query_pairs();
        let get = |pairs: &[(&str, String)], k: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(TimeFilter::from_query(|k| get(&pairs, k)), f);
        assert_eq!(
            TimeFilter::from_query(|k| get(&TimeFilter::default().query_pairs(), k)),
            TimeFilter::default()
        );
        let junk = [
            ("period", "fortnight".to_string()),
            ("from", "2026-13-01".to_string()),
            // What a date field cannot show is not applied either.
            ("to", "2026-1-5".to_string()),
            ("tag_ids", format!("x,{},{}", t(1), t(1))),
            ("project_id", "nope".to_string()),
            ("billable", "maybe".to_string()),
        ];
        let read = TimeFilter::from_query(|k| get(&junk, k));
        assert_eq!(read.period, Period::default());
        assert_eq!((read.from.as_str(), read.to.as_str()), ("", ""));
        assert_eq!(read.tag_ids, vec![t(1)]);
        assert_eq!((read.project_id, read.billable), (None, None));
        let many: Vec<String> = (0..80).map(|n| t(n).to_string()).collect();
        assert_eq!(ids(Some(&many.join(","))).len(), MAX_TAGS);
    }
    use super::*;

    #[test]
    fn query_pairs_carry_only_what_is_set() {
        let f = TimeFilter::default();
        assert_eq!(encode_query(&f.query_pairs()), "period=this-week");
        let tag = Uuid::nil();
        let f = TimeFilter {
            period: Period::Custom,
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            tag_ids: vec![tag, tag],
            tag_mode: TagMode::All,
            billable: Some(true),
            ..Default::default()
        };
        assert_eq!(
            encode_query(&f.query_pairs()),
            format!("period=custom&from=2026-11-01&to=2026-11-30&tag_ids={tag}%2C{tag}&tag_mode=all&billable=true")
        );
    }

    #[test]
    fn tag_modes_read_back() {
        for m in TagMode::ALL {
            assert_eq!(TagMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(TagMode::parse("some"), None);
    }
}
