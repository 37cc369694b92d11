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
use crate::periods::{hours_minutes, money};
use crate::reports::{service as reports, Report, Slice};
use crate::tenant::Scope;
use crate::time_filter::service::{select, Selection};
use crate::time_filter::{TagMode, TimeFilter};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde::Serialize;

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
    Day { day: String, total: String },
    Entry { cells: [String; 6] },
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
    let monthly = report.bars.len() as i64 != (report.to - report.from).num_days() + 1;
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
        chart_title: if monthly {
            "Hours per month"
        } else {
            "Hours per day"
        }
        .into(),
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
    // Entries day by day, cut into page-sized chunks.
    let mut people = People::default();
    let mut pages: Vec<Vec<Item>> = Vec::new();
    let mut page: Vec<Item> = Vec::new();
    let mut lines = 0usize;
    let mut day: Option<chrono::NaiveDate> = None;
    let mut day_index = 0usize;
    let mut day_secs = 0i64;
    let mut pager = EntryPages::new(sel, false);
    while let Some((entries, tags)) = pager.next(txn, scope).await? {
        for e in &entries {
            let local = e.started_at.with_timezone(&tz);
            let d = local.date_naive();
            if day != Some(d) {
                if day.is_some() {
                    set_day_total(&mut page, &mut pages, day_index, day_secs);
                }
                if lines + 3 > LINES_PER_PAGE && !page.is_empty() {
                    pages.push(std::mem::take(&mut page));
                    lines = 0;
                }
                day = Some(d);
                day_secs = 0;
                day_index = page.len();
                page.push(Item::Day {
                    day: d.format("%A, %-d %B %Y").to_string(),
                    total: String::new(),
                });
                lines += 1;
            }
            let secs = (e.ended_at.unwrap_or(now) - e.started_at)
                .num_seconds()
                .max(0);
            day_secs += secs;
            let time = match e.ended_at {
                Some(end) => format!(
                    "{}–{}",
                    local.format("%H:%M"),
                    end.with_timezone(&tz).format("%H:%M")
                ),
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
                day_index = usize::MAX;
                page.push(Item::Day {
                    day: format!("{} (continued)", d.format("%A, %-d %B %Y")),
                    total: String::new(),
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
    if day.is_some() {
        set_day_total(&mut page, &mut pages, day_index, day_secs);
    }
    if !page.is_empty() {
        pages.push(page);
    }
    doc.pages = pages;
    Ok(doc)
}

/// Writes a finished day's total into its heading (`index` in the current
/// page, or on an earlier page when the day began there).
fn set_day_total(page: &mut [Item], pages: &mut [Vec<Item>], index: usize, secs: i64) {
    let total = hours_minutes(secs);
    if let Some(Item::Day { total: t, .. }) = page.get_mut(index) {
        *t = total;
        return;
    }
    // The day began on an earlier page: its first heading is the last
    // heading there that is not a continuation.
    for p in pages.iter_mut().rev() {
        if let Some(Item::Day { total: t, day }) =
            p.iter_mut().rev().find(|it| matches!(it, Item::Day { .. }))
        {
            if !day.ends_with("(continued)") {
                *t = total;
                return;
            }
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
