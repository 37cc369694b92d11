//! Export PDF: a time report rendered by Typst from `report.typ`. The
//! totals, chart and breakdowns are the Reports page's own numbers
//! (`reports::service::report` with the same filter); the entry table
//! lists the same entries, day by day. Fonts come from `typst-assets`;
//! nothing is read from disk or the network at run time.
//!
//! Rendering (limits, threads, the time limit) is `crate::typeset`'s.

use super::rows::{EntryPages, Lookup, People};
use super::{group, hours_text, Detail};
use crate::db::entities::workspaces;
use crate::error::Error;
use crate::periods::{hours_minutes, local_day, money, split_by_day};
use crate::reports::{service as reports, Report, Slice};
use crate::tenant::Scope;
use crate::time_filter::service::{select, Selection};
use crate::time_filter::{TagMode, TimeFilter};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde::Serialize;
use std::collections::BTreeMap;

static TEMPLATE: &str = include_str!("report.typ");

/// Rows of text a page holds, about: a chunk of entries is cut there and
/// followed by an explicit page break (see `report.typ`).
const LINES_PER_PAGE: usize = 50;
/// Characters of a description that fit on one line of its column.
const DESCRIPTION_LINE: usize = 48;

pub use crate::typeset::RenderLimits;
use crate::typeset::Template;

/// The report template, with its engine built on first use.
static REPORT: Template = Template::new(TEMPLATE);

/// What the template reads (`sys.inputs.data`, as JSON).
#[derive(Serialize)]
struct Doc {
    title: String,
    workspace: String,
    period: String,
    filters: Vec<String>,
    generated: String,
    totals: Totals,
    chart_title: String,
    bar_top: String,
    bars: Vec<Bar>,
    by_project: Vec<Row>,
    by_tag: Vec<Row>,
    detail: bool,
    pages: Vec<Vec<Item>>,
    truncated_note: String,
}

#[derive(Serialize)]
struct Totals {
    time: String,
    billable: String,
    amount: String,
    entries: String,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    hours: f64,
    billable: f64,
}

#[derive(Serialize)]
struct Row {
    name: String,
    color: String,
    time: String,
    share: String,
    amount: String,
}

/// A day's heading, or an entry's cells.
#[derive(Serialize)]
#[serde(untagged)]
enum Item {
    Day {
        day: String,
        total: String,
        /// The day whose total goes in `total`; none on a "(continued)"
        /// heading, which shows no total.
        #[serde(skip)]
        date: Option<chrono::NaiveDate>,
    },
    Entry {
        cells: [String; 6],
    },
}

/// Renders the report of the entries `f` selects as PDF bytes.
#[allow(clippy::too_many_arguments)]
pub async fn render(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    f: &TimeFilter,
    detail: Detail,
    now: DateTime<Utc>,
    limits: &RenderLimits,
) -> Result<Vec<u8>, Error> {
    let sel = select(scope, tz, f, now)?;
    let report = reports::report(db, scope, tz, f, now).await?;
    let txn = crate::db::begin_snapshot(db).await?;
    let doc = document(&txn, scope, tz, &sel, &report, detail, now).await?;
    txn.commit().await?;
    let json =
        serde_json::to_string(&doc).map_err(|e| Error::Internal(format!("PDF data: {e}")))?;
    let too_slow = format!(
        "The PDF took longer than {} seconds to make. Choose a shorter period, fewer entries, or the summary only.",
        limits.timeout.as_secs()
    );
    crate::typeset::render(&REPORT, json, limits, too_slow).await
}

fn rows(slices: &[Slice], total: i64, money_too: bool, currency: &str) -> Vec<Row> {
    slices
        .iter()
        .map(|s| Row {
            name: s.name.clone(),
            color: s.color.clone(),
            time: hours_minutes(s.secs),
            share: if total > 0 {
                format!("{:.0} %", s.secs as f64 * 100.0 / total as f64)
            } else {
                "–".into()
            },
            amount: if money_too {
                format!("{} {currency}", money(s.amount_cents))
            } else {
                String::new()
            },
        })
        .collect()
}

/// The filters besides the period, in words ("Tags: all of #dev, #ops").
async fn filter_words(
    txn: &impl ConnectionTrait,
    look: &Lookup,
    f: &TimeFilter,
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    if let Some(p) = f.project_id.and_then(|p| look.projects.get(&p)) {
        out.push(format!("Project: {}", p.name));
    }
    if let Some(c) = f.client_id.and_then(|c| look.clients.get(&c)) {
        out.push(format!("Client: {c}"));
    }
    let names: Vec<String> = f
        .tag_ids
        .iter()
        .filter_map(|t| look.tags.get(t))
        .map(|n| format!("#{n}"))
        .collect();
    match f.tag_mode {
        TagMode::Untagged => out.push("Untagged entries only".into()),
        TagMode::Any if !names.is_empty() => out.push(format!("Tags: any of {}", names.join(", "))),
        TagMode::All if !names.is_empty() => out.push(format!("Tags: all of {}", names.join(", "))),
        _ => {}
    }
    if let Some(u) = f.user_id {
        let mut people = People::default();
        out.push(format!("Person: {}", people.get(txn, u).await?.name));
    }
    match f.billable {
        Some(true) => out.push("Billable only".into()),
        Some(false) => out.push("Non-billable only".into()),
        None => {}
    }
    Ok(out)
}

async fn document(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    tz: Tz,
    sel: &Selection,
    report: &Report,
    detail: Detail,
    now: DateTime<Utc>,
) -> Result<Doc, Error> {
    let ws = workspaces::Entity::find_by_id(scope.workspace_id)
        .one(txn)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    let look = Lookup::load(txn, scope).await?;
    let cur = &report.currency;
    let top = report.bars.iter().map(|b| b.secs).max().unwrap_or(0);
    let mut doc = Doc {
        title: "Time report".into(),
        workspace: ws.name,
        period: report.title.clone(),
        filters: filter_words(txn, &look, &sel.filter).await?,
        generated: now
            .with_timezone(&tz)
            .format("%-d %b %Y, %H:%M %Z")
            .to_string(),
        totals: Totals {
            time: hours_minutes(report.total_secs),
            billable: hours_minutes(report.billable_secs),
            amount: format!("{} {cur}", money(report.amount_cents)),
            entries: group(report.entry_count as u64),
        },
        chart_title: format!("Hours per {}", report.bar_unit.word()),
        bar_top: hours_text(top),
        bars: report
            .bars
            .iter()
            .map(|b| Bar {
                label: b.label.clone(),
                hours: b.secs as f64 / 3600.0,
                billable: b.billable_secs as f64 / 3600.0,
            })
            .collect(),
        by_project: rows(&report.by_project, report.total_secs, true, cur),
        by_tag: rows(&report.by_tag, report.total_secs, false, cur),
        detail: detail == Detail::Full,
        pages: Vec::new(),
        truncated_note: String::new(),
    };
    if report.entry_count == 0 {
        doc.detail = false;
    }
    if !doc.detail {
        return Ok(doc);
    }
    if !sel.everyone {
        doc.filters.insert(0, "Your time".into());
    }
    // Entries day by day, cut into page-sized chunks. A day's total is the
    // hours on that local day, as on the chart and the entries list: an
    // entry over midnight counts on both days.
    let mut people = People::default();
    let mut pages: Vec<Vec<Item>> = Vec::new();
    let mut page: Vec<Item> = Vec::new();
    let mut lines = 0usize;
    let mut day: Option<chrono::NaiveDate> = None;
    let mut day_secs: BTreeMap<chrono::NaiveDate, i64> = BTreeMap::new();
    let mut pager = EntryPages::new(sel, false);
    while let Some((entries, tags)) = pager.next(txn, scope).await? {
        for e in &entries {
            let local = e.started_at.with_timezone(&tz);
            let d = local.date_naive();
            if day != Some(d) {
                if lines + 3 > LINES_PER_PAGE && !page.is_empty() {
                    pages.push(std::mem::take(&mut page));
                    lines = 0;
                }
                day = Some(d);
                page.push(Item::Day {
                    day: d.format("%A, %-d %B %Y").to_string(),
                    total: String::new(),
                    date: Some(d),
                });
                lines += 1;
            }
            let end = e.ended_at.unwrap_or(now).max(e.started_at);
            let secs = (end - e.started_at).num_seconds();
            for (on, s) in split_by_day(tz, e.started_at, end) {
                if (sel.from..=sel.to).contains(&on) {
                    *day_secs.entry(on).or_default() += s;
                }
            }
            let time = match e.ended_at {
                Some(end) => {
                    let later = (local_day(tz, end) - d).num_days();
                    format!(
                        "{}–{}{}",
                        local.format("%H:%M"),
                        end.with_timezone(&tz).format("%H:%M"),
                        if later > 0 {
                            format!(" +{later}")
                        } else {
                            String::new()
                        }
                    )
                }
                None => format!("{}–running", local.format("%H:%M")),
            };
            let project = e
                .project_id
                .and_then(|p| look.projects.get(&p))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let mut names: Vec<&str> = tags
                .get(&e.id)
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| look.tags.get(t))
                        .map(String::as_str)
                        .collect()
                })
                .unwrap_or_default();
            names.sort_unstable();
            let tag_text = names
                .iter()
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(" ");
            let person = people.get(txn, e.user_id).await?.name.clone();
            let height = 1 + e.description.chars().count() / DESCRIPTION_LINE;
            if lines + height > LINES_PER_PAGE && !page.is_empty() {
                pages.push(std::mem::take(&mut page));
                lines = 0;
                // The day goes on: say so at the top of the new page.
                page.push(Item::Day {
                    day: format!("{} (continued)", d.format("%A, %-d %B %Y")),
                    total: String::new(),
                    date: None,
                });
                lines += 1;
            }
            page.push(Item::Entry {
                cells: [
                    time,
                    hours_minutes(secs),
                    e.description.clone(),
                    project,
                    tag_text,
                    person,
                ],
            });
            lines += height;
        }
    }
    if !page.is_empty() {
        pages.push(page);
    }
    fill_day_totals(&mut pages, &day_secs);
    doc.pages = pages;
    Ok(doc)
}

/// Writes each day's total into its (first) heading.
fn fill_day_totals(pages: &mut [Vec<Item>], day_secs: &BTreeMap<chrono::NaiveDate, i64>) {
    for item in pages.iter_mut().flatten() {
        if let Item::Day {
            total,
            date: Some(d),
            ..
        } = item
        {
            *total = hours_minutes(day_secs.get(d).copied().unwrap_or(0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(days: usize, per_day: usize, detail: bool) -> Doc {
        let mut pages = vec![Vec::new()];
        for d in 0..days {
            pages.last_mut().unwrap().push(Item::Day {
                day: format!("Monday, {} November 2026", d + 1),
                total: "7:30".into(),
                date: None,
            });
            for i in 0..per_day {
                if pages.last().unwrap().len() >= 40 {
                    pages.push(Vec::new());
                }
                pages.last_mut().unwrap().push(Item::Entry {
                    cells: [
                        "09:00–10:30".into(),
                        "1:30".into(),
                        // Markup characters stay text.
                        format!(
                            "Entry {i}: #set page(width: 1pt) *not bold* $x$ \\ [link] {}",
                            "long words ".repeat(i % 7)
                        ),
                        "Website".into(),
                        "#dev #meetings".into(),
                        "Ada Lovelace".into(),
                    ],
                });
            }
        }
        Doc {
            title: "Time report".into(),
            workspace: "Acme & Co \"Studio\"".into(),
            period: "1 Nov – 30 Nov 2026".into(),
            filters: vec!["Tags: any of #dev".into()],
            generated: "2 Dec 2026, 10:00 CET".into(),
            totals: Totals {
                time: "312:05".into(),
                billable: "268:00".into(),
                amount: "12,345.00 EUR".into(),
                entries: "1,284".into(),
            },
            chart_title: "Hours per day".into(),
            bar_top: "9 h 30 m".into(),
            bars: (0..30)
                .map(|i| Bar {
                    label: format!("Mon {i}"),
                    hours: (i % 9) as f64,
                    billable: (i % 5) as f64,
                })
                .collect(),
            by_project: vec![Row {
                name: "Website".into(),
                color: "#4f46e5".into(),
                time: "200:00".into(),
                share: "64 %".into(),
                amount: "8,000.00 EUR".into(),
            }],
            by_tag: vec![],
            detail,
            pages: if detail { pages } else { Vec::new() },
            truncated_note: String::new(),
        }
    }

    fn pages_of(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf);
        text.matches("/Type /Page\n").count()
            + text.matches("/Type /Page ").count()
            + text.matches("/Type/Page\n").count()
    }

    #[test]
    fn the_template_renders_a_pdf_and_grows_with_the_entries() {
        let summary = REPORT
            .compile(serde_json::to_string(&sample(0, 0, false)).unwrap())
            .unwrap();
        assert!(summary.starts_with(b"%PDF-"));
        let small = REPORT
            .compile(serde_json::to_string(&sample(2, 5, true)).unwrap())
            .unwrap();
        let big = REPORT
            .compile(serde_json::to_string(&sample(20, 20, true)).unwrap())
            .unwrap();
        assert!(big.len() > small.len(), "{} vs {}", big.len(), small.len());
        let _ = pages_of;
    }
}
