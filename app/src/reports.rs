//! Reports: total and billable time, the billable amount, hours per day,
//! and breakdowns by project, client and tag for a period. This is the one
//! place report numbers are computed; the PDF export reuses it.
//!
//! Owners and admins see the whole workspace; members see their own time.
//! Amounts: a billable entry earns its project's hourly rate (or the
//! workspace default); each project's amount is rounded to the cent once,
//! from its total seconds, and the total is the sum of those amounts (the
//! same rule invoices use, so the two always agree).

use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

/// Up to this many days, a bar is a day.
pub const MAX_DAY_BARS: i64 = 62;
/// Up to this many days (27 weeks), a bar is a week; longer, a month.
pub const MAX_WEEK_BARS_DAYS: i64 = 27 * 7;

/// What one bar of the chart covers, chosen by the period's length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BarUnit {
    #[default]
    Day,
    /// A week from Monday.
    Week,
    Month,
}

impl BarUnit {
    /// The unit for a period of `days` days.
    pub fn for_days(days: i64) -> Self {
        if days <= MAX_DAY_BARS {
            BarUnit::Day
        } else if days <= MAX_WEEK_BARS_DAYS {
            BarUnit::Week
        } else {
            BarUnit::Month
        }
    }

    /// "day", "week" or "month", as in "Hours per week".
    pub fn word(self) -> &'static str {
        match self {
            BarUnit::Day => "day",
            BarUnit::Week => "week",
            BarUnit::Month => "month",
        }
    }
}

/// The Reports page's filter is the one every export uses.
pub use crate::time_filter::TimeFilter as ReportQuery;

/// One bar of the time chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Short label under the bar ("Mon 23", "23 Nov", "Nov 2026").
    pub label: String,
    /// Full label for screen readers and tooltips.
    pub title: String,
    pub secs: i64,
    pub billable_secs: i64,
}

/// One row of a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    pub name: String,
    /// `#rrggbb` (grey for "no project" and the like).
    pub color: String,
    pub secs: i64,
    pub billable_secs: i64,
    pub amount_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// "23 Nov – 29 Nov 2026".
    pub title: String,
    /// True when the report covers every member (owners and admins).
    pub everyone: bool,
    pub currency: String,
    pub total_secs: i64,
    pub billable_secs: i64,
    pub amount_cents: i64,
    pub entry_count: usize,
    /// What each bar covers.
    pub bar_unit: BarUnit,
    pub bars: Vec<Bar>,
    pub by_project: Vec<Slice>,
    pub by_client: Vec<Slice>,
    pub by_tag: Vec<Slice>,
}

#[server(prefix = "/rpc", endpoint = "get_report", input = Json)]
pub async fn get_report(query: ReportQuery) -> Result<Report, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        service::report(&ctx.db, &scope, tz, &query, ctx.now).await
    })
    .await
}

/// `secs` at `rate_cents` per hour, rounded half up to the cent.
pub fn amount(secs: i64, rate_cents: i64) -> i64 {
    let n = secs as i128 * rate_cents as i128;
    ((n + 1800) / 3600) as i64
}

pub const NO_COLOR: &str = "#9ca3af";

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::db::entities::{clients, projects, tags, time_entries, time_entry_tags, workspaces};
    use crate::entries::service::live;
    use crate::error::Error;
    use crate::periods;
    use crate::tenant::Scope;
    use chrono::{DateTime, Datelike, Days, Utc};
    use chrono_tz::Tz;
    use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QuerySelect, QueryTrait};
    use std::collections::{BTreeMap, HashMap};
    use uuid::Uuid;

    /// Total, billable seconds, amount, bars, and the breakdowns by
    /// project, client and tag.
    pub type Aggregate = (i64, i64, i64, Vec<Bar>, Vec<Slice>, Vec<Slice>, Vec<Slice>);
    /// Seconds, billable seconds, and billable seconds per project.
    type TagAcc = (i64, i64, BTreeMap<Option<Uuid>, i64>);
    /// Id, start, end, billable, project.
    type ReportRow = (
        Uuid,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        bool,
        Option<Uuid>,
    );

    /// One entry as the report needs it.
    #[derive(Clone, Debug)]
    pub struct Row {
        pub id: Uuid,
        pub started_at: DateTime<Utc>,
        pub secs: i64,
        pub billable: bool,
        pub project_id: Option<Uuid>,
    }

    /// What names, colours and rates the rows point at.
    #[derive(Default)]
    pub struct Lookup {
        pub projects: HashMap<Uuid, projects::Model>,
        pub clients: HashMap<Uuid, clients::Model>,
        pub tags: HashMap<Uuid, tags::Model>,
        pub entry_tags: HashMap<Uuid, Vec<Uuid>>,
        pub default_rate_cents: Option<i64>,
    }

    impl Lookup {
        fn rate(&self, project: Option<Uuid>) -> i64 {
            project
                .and_then(|p| self.projects.get(&p))
                .and_then(|p| p.hourly_rate_cents)
                .or(self.default_rate_cents)
                .unwrap_or(0)
        }
    }

    #[derive(Default)]
    struct Acc {
        secs: i64,
        billable_secs: i64,
        amount_cents: i64,
    }

    /// Rows keyed by name, each with its colour.
    type Named = BTreeMap<String, (String, Acc)>;

    fn add(map: &mut Named, (name, color): (String, String), secs: i64, bill: i64, cents: i64) {
        let e = map.entry(name).or_insert_with(|| (color, Acc::default()));
        e.1.secs += secs;
        e.1.billable_secs += bill;
        e.1.amount_cents += cents;
    }

    fn slices(acc: Named) -> Vec<Slice> {
        let mut v: Vec<Slice> = acc
            .into_iter()
            .map(|(name, (color, a))| Slice {
                name,
                color,
                secs: a.secs,
                billable_secs: a.billable_secs,
                amount_cents: a.amount_cents,
            })
            .collect();
        v.sort_by(|a, b| b.secs.cmp(&a.secs).then(a.name.cmp(&b.name)));
        v
    }

    /// The pure part: totals, bars and breakdowns from rows.
    pub fn aggregate(
        rows: &[Row],
        look: &Lookup,
        tz: Tz,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Aggregate {
        // Seconds per project first, so each project's amount is rounded once.
        let mut per_project: BTreeMap<Option<Uuid>, (i64, i64)> = BTreeMap::new();
        for r in rows {
            let e = per_project.entry(r.project_id).or_default();
            e.0 += r.secs;
            if r.billable {
                e.1 += r.secs;
            }
        }
        let mut by_project = Named::new();
        let mut by_client = Named::new();
        let (mut total, mut billable, mut amount_total) = (0i64, 0i64, 0i64);
        for (pid, (secs, bill)) in &per_project {
            let amount_cents = amount(*bill, look.rate(*pid));
            total += secs;
            billable += bill;
            amount_total += amount_cents;
            let p = pid.and_then(|id| look.projects.get(&id));
            let pkey = match p {
                Some(p) => (p.name.clone(), p.color.clone()),
                None => ("No project".to_string(), NO_COLOR.to_string()),
            };
            let ckey = match p
                .and_then(|p| p.client_id)
                .and_then(|c| look.clients.get(&c))
            {
                Some(c) => (
                    c.name.clone(),
                    p.map(|p| p.color.clone()).unwrap_or_default(),
                ),
                None => ("No client".to_string(), NO_COLOR.to_string()),
            };
            add(&mut by_project, pkey, *secs, *bill, amount_cents);
            add(&mut by_client, ckey, *secs, *bill, amount_cents);
        }
        // A client takes the colour of its first project met. Tags: an entry with two tags counts under both.
        let mut tag_secs: BTreeMap<Uuid, TagAcc> = BTreeMap::new();
        let mut untagged = (0i64, 0i64, BTreeMap::<Option<Uuid>, i64>::new());
        for r in rows {
            let tags = look.entry_tags.get(&r.id).filter(|t| !t.is_empty());
            let bill = if r.billable { r.secs } else { 0 };
            match tags {
                None => {
                    untagged.0 += r.secs;
                    untagged.1 += bill;
                    *untagged.2.entry(r.project_id).or_default() += bill;
                }
                Some(ts) => {
                    for t in ts {
                        let e = tag_secs.entry(*t).or_default();
                        e.0 += r.secs;
                        e.1 += bill;
                        *e.2.entry(r.project_id).or_default() += bill;
                    }
                }
            }
        }
        let tag_amount = |per: &BTreeMap<Option<Uuid>, i64>| -> i64 {
            per.iter().map(|(p, s)| amount(*s, look.rate(*p))).sum()
        };
        let mut by_tag = Named::new();
        for (tid, (secs, bill, per)) in &tag_secs {
            if let Some(t) = look.tags.get(tid) {
                let key = (format!("#{}", t.name), t.color.clone());
                add(&mut by_tag, key, *secs, *bill, tag_amount(per));
            }
        }
        if untagged.0 > 0 {
            let key = ("Without tags".to_string(), NO_COLOR.to_string());
            add(
                &mut by_tag,
                key,
                untagged.0,
                untagged.1,
                tag_amount(&untagged.2),
            );
        }
        // Bars: per day, per week from Monday, or per month, by the
        // period's length.
        let unit = BarUnit::for_days((to - from).num_days() + 1);
        let first_of = |d: NaiveDate| match unit {
            BarUnit::Day => d,
            BarUnit::Week => d.week(chrono::Weekday::Mon).first_day(),
            BarUnit::Month => d.with_day(1).unwrap_or(d),
        };
        let mut bars: Vec<(NaiveDate, Bar)> = Vec::new();
        let mut d = first_of(from);
        while d <= to {
            let (label, title, next) = match unit {
                BarUnit::Day => (
                    d.format("%a %-d").to_string(),
                    d.format("%A, %-d %B %Y").to_string(),
                    d + Days::new(1),
                ),
                BarUnit::Week => (
                    d.format("%-d %b").to_string(),
                    d.format("Week of %A, %-d %B %Y").to_string(),
                    d + Days::new(7),
                ),
                BarUnit::Month => (
                    d.format("%b %Y").to_string(),
                    d.format("%B %Y").to_string(),
                    d + chrono::Months::new(1),
                ),
            };
            let bar = Bar {
                label,
                title,
                secs: 0,
                billable_secs: 0,
            };
            bars.push((d, bar));
            d = next;
        }
        // An entry over midnight puts each day's hours on that day's bar
        // (hours outside the period are on no bar).
        for r in rows {
            let end = r.started_at + chrono::Duration::seconds(r.secs);
            for (day, secs) in periods::split_by_day(tz, r.started_at, end) {
                if day < from || day > to {
                    continue;
                }
                if let Ok(i) = bars.binary_search_by(|(d, _)| d.cmp(&first_of(day))) {
                    bars[i].1.secs += secs;
                    if r.billable {
                        bars[i].1.billable_secs += secs;
                    }
                }
            }
        }
        (
            total,
            billable,
            amount_total,
            bars.into_iter().map(|(_, b)| b).collect(),
            slices(by_project),
            slices(by_client),
            slices(by_tag),
        )
    }

    pub async fn report(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        q: &ReportQuery,
        now: DateTime<Utc>,
    ) -> Result<Report, Error> {
        let sel = crate::time_filter::service::select(scope, tz, q, now)?;
        let (from, to, everyone) = (sel.from, sel.to, sel.everyone);
        let base = sel.narrow(live(scope));
        let raw: Vec<ReportRow> = base
            .clone()
            .select_only()
            .column(time_entries::Column::Id)
            .column(time_entries::Column::StartedAt)
            .column(time_entries::Column::EndedAt)
            .column(time_entries::Column::Billable)
            .column(time_entries::Column::ProjectId)
            .into_tuple()
            .all(db)
            .await?;
        let rows: Vec<Row> = raw
            .into_iter()
            .map(|(id, s, e, billable, project_id)| Row {
                id,
                started_at: s,
                secs: (e.unwrap_or(now) - s).num_seconds().max(0),
                billable,
                project_id,
            })
            .collect();
        let ws = workspaces::Entity::find_by_id(scope.workspace_id)
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("The workspace"))?;
        let mut look = Lookup {
            default_rate_cents: ws.default_rate_cents,
            ..Default::default()
        };
        // Archived projects and clients are included: history stays.
        look.projects = scope
            .find::<projects::Entity>()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        look.clients = scope
            .find::<clients::Entity>()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        look.tags = scope
            .find::<tags::Entity>()
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        if !rows.is_empty() {
            // The same filters as the rows, as a subquery.
            let sub = base
                .select_only()
                .column(time_entries::Column::Id)
                .into_query();
            look.entry_tags = crate::entries::service::tag_links(
                db,
                scope,
                time_entry_tags::Column::EntryId.in_subquery(sub),
            )
            .await?;
        }
        let (total_secs, billable_secs, amount_cents, bars, by_project, by_client, by_tag) =
            aggregate(&rows, &look, tz, from, to);
        let title = sel.title();
        Ok(Report {
            from,
            to,
            title,
            everyone,
            currency: ws.currency,
            total_secs,
            billable_secs,
            amount_cents,
            entry_count: rows.len(),
            bar_unit: BarUnit::for_days((to - from).num_days() + 1),
            bars,
            by_project,
            by_client,
            by_tag,
        })
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::service::*;
    use super::*;
    use crate::db::entities::{projects, tags};
    use chrono::{TimeZone, Utc};
    use chrono_tz::Tz;
    use uuid::Uuid;

    fn project(id: Uuid, name: &str, rate: Option<i64>) -> projects::Model {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        projects::Model {
            id,
            workspace_id: Uuid::nil(),
            client_id: None,
            name: name.into(),
            name_key: name.to_lowercase(),
            color: "#123456".into(),
            billable: true,
            hourly_rate_cents: rate,
            archived_at: Some(t),
            created_at: t,
        }
    }

    #[test]
    fn amounts_round_half_up_to_the_cent() {
        assert_eq!(amount(3600, 8550), 8550);
        // 20 minutes at 100.00 = 33.333… -> 33.33
        assert_eq!(amount(1200, 10000), 3333);
        // 1 second at 18.00 = 0.5 cents -> 1 cent
        assert_eq!(amount(1, 1800), 1);
        assert_eq!(amount(0, 9999), 0);
        // No overflow for a billion seconds at the largest rate.
        assert_eq!(amount(1_000_000_000, 100_000_000), 27_777_777_777_778);
    }

    #[test]
    fn totals_rates_and_breakdowns() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let (web, old) = (Uuid::now_v7(), Uuid::now_v7());
        let dev = Uuid::now_v7();
        let mut look = Lookup {
            default_rate_cents: Some(6000),
            ..Default::default()
        };
        look.projects
            .insert(web, project(web, "Website", Some(12000)));
        // An archived project still counts: history stays in reports.
        look.projects.insert(old, project(old, "Old", None));
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        look.tags.insert(
            dev,
            tags::Model {
                id: dev,
                workspace_id: Uuid::nil(),
                name: "dev".into(),
                name_key: "dev".into(),
                color: "#00ff00".into(),
                created_at: t,
            },
        );
        let row = |secs, billable, project_id, day: i64| Row {
            id: Uuid::now_v7(),
            started_at: t + chrono::Duration::days(day),
            secs,
            billable,
            project_id,
        };
        let rows = vec![
            row(1200, true, Some(web), 0), // 20 min at 120 = 40.00
            row(1200, true, Some(web), 0), // another 20 min: project total 40 min = 80.00
            row(1800, true, Some(old), 1), // 30 min at default 60 = 30.00
            row(3600, false, None, 2),     // not billable
        ];
        look.entry_tags.insert(rows[0].id, vec![dev]);
        let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let (total, billable, amount_total, bars, by_project, by_client, by_tag) =
            aggregate(&rows, &look, tz, from, to);
        assert_eq!(total, 7800);
        assert_eq!(billable, 4200);
        assert_eq!(amount_total, 8000 + 3000);
        assert_eq!(bars.len(), 7);
        assert_eq!(bars[0].label, "Mon 23");
        assert_eq!(bars[0].secs, 2400);
        assert_eq!(bars[2].billable_secs, 0);
        assert_eq!(by_project[0].name, "No project");
        assert_eq!(by_project[1].name, "Website");
        assert_eq!(by_project[1].amount_cents, 8000);
        assert_eq!(by_client.len(), 1);
        assert_eq!(by_client[0].secs, 7800);
        let dev_slice = by_tag.iter().find(|s| s.name == "#dev").unwrap();
        assert_eq!(dev_slice.secs, 1200);
        assert_eq!(dev_slice.amount_cents, 4000);
        assert_eq!(
            by_tag
                .iter()
                .find(|s| s.name == "Without tags")
                .unwrap()
                .secs,
            6600
        );
    }

    #[test]
    fn an_entry_over_midnight_splits_across_day_bars() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let look = Lookup::default();
        // 08:00 Monday to 14:00 Tuesday, Berlin time: 30 hours.
        let rows = vec![Row {
            id: Uuid::now_v7(),
            started_at: Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap(),
            secs: 30 * 3600,
            billable: true,
            project_id: None,
        }];
        let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let (total, _, _, bars, ..) = aggregate(&rows, &look, tz, from, to);
        assert_eq!(total, 30 * 3600, "the entry stays one entry");
        assert_eq!(bars[0].secs, 16 * 3600);
        assert_eq!(bars[1].secs, 14 * 3600);
        assert_eq!(bars[1].billable_secs, 14 * 3600);
        // Past the period's last day, its hours are on no bar.
        let (_, _, _, bars, ..) = aggregate(&rows, &look, tz, from, from);
        assert_eq!(bars.len(), 1);
        assert_eq!(bars[0].secs, 16 * 3600);
    }

    #[test]
    fn long_ranges_chart_months() {
        let look = Lookup::default();
        let from = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        let to = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(
            BarUnit::for_days((to - from).num_days() + 1),
            BarUnit::Month
        );
        let rows = vec![Row {
            id: Uuid::now_v7(),
            started_at: Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap(),
            secs: 600,
            billable: false,
            project_id: None,
        }];
        let (_, _, _, bars, ..) = aggregate(&rows, &look, Tz::UTC, from, to);
        assert_eq!(bars.len(), 12);
        assert_eq!(bars[2].label, "Mar 2026");
        assert_eq!(bars[2].secs, 600);
    }

    #[test]
    fn quarters_chart_weeks_from_monday() {
        let look = Lookup::default();
        // Tuesday 1 September to Monday 30 November 2026: 91 days.
        let from = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(BarUnit::for_days((to - from).num_days() + 1), BarUnit::Week);
        assert_eq!(BarUnit::for_days(62), BarUnit::Day);
        assert_eq!(BarUnit::for_days(189), BarUnit::Week);
        assert_eq!(BarUnit::for_days(190), BarUnit::Month);
        let row = |(y, m, d, h): (i32, u32, u32, u32), secs: i64| Row {
            id: Uuid::now_v7(),
            started_at: Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap(),
            secs,
            billable: true,
            project_id: None,
        };
        let rows = vec![
            // Monday 31 August 23:00 for two hours: one is in the period.
            row((2026, 8, 31, 23), 2 * 3600),
            // Sunday 13 September 23:00 for two hours: one hour each week.
            row((2026, 9, 13, 23), 2 * 3600),
        ];
        let (total, _, _, bars, ..) = aggregate(&rows, &look, Tz::UTC, from, to);
        assert_eq!(total, 4 * 3600, "totals count whole entries");
        // The first bar is the week of Monday 31 August, the last that of
        // Monday 30 November.
        assert_eq!(bars.len(), 14);
        assert_eq!(bars[0].label, "31 Aug");
        assert_eq!(bars[0].title, "Week of Monday, 31 August 2026");
        assert_eq!(bars[13].label, "30 Nov");
        assert_eq!(bars[0].secs, 3600);
        assert_eq!(bars[1].secs, 3600);
        assert_eq!(bars[2].secs, 3600);
        assert_eq!(bars[2].billable_secs, 3600);
        assert_eq!(bars.iter().map(|b| b.secs).sum::<i64>(), 3 * 3600);
    }
}
