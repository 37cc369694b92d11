//! Charts drawn as SVG by the app. The drawing is hidden from screen
//! readers; the same numbers sit beside it in a table they can read.

use crate::periods::{hours_minutes, money};
use crate::reports::{Bar, Slice};
use leptos::prelude::*;

/// A tick step in hours that gives at most five gridlines.
fn tick_step(max_hours: f64) -> f64 {
    for step in [
        0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
    ] {
        if max_hours / step <= 5.0 {
            return step;
        }
    }
    (max_hours / 5.0).ceil()
}

fn hours_label(h: f64) -> String {
    if h.fract() == 0.0 {
        format!("{h:.0}h")
    } else {
        format!("{h}h")
    }
}

/// Hours per bar, billable part in the accent colour.
#[component]
pub fn BarChart(bars: Vec<Bar>, caption: String) -> impl IntoView {
    let (w, h, left, bottom, top) = (720.0_f64, 240.0_f64, 44.0_f64, 28.0_f64, 8.0_f64);
    let plot_h = h - bottom - top;
    let plot_w = w - left - 8.0;
    let max_secs = bars.iter().map(|b| b.secs).max().unwrap_or(0) as f64;
    let step = tick_step((max_secs / 3600.0).max(1.0));
    let top_h = ((max_secs / 3600.0) / step).ceil().max(1.0) * step;
    let scale = |secs: i64| secs as f64 / 3600.0 / top_h * plot_h;
    let n = bars.len().max(1) as f64;
    let slot = plot_w / n;
    let bw = (slot * 0.7).min(48.0);
    let every = (bars.len() as f64 / 12.0).ceil().max(1.0) as usize;
    let mut ticks = Vec::new();
    let mut t = 0.0;
    while t <= top_h + 1e-9 {
        ticks.push(t);
        t += step;
    }
    let rows = bars.clone();
    view! {
        <figure class="chart">
            <figcaption class="chart-caption">{caption.clone()}</figcaption>
            <svg class="chart-svg" viewBox=format!("0 0 {w} {h}") preserveAspectRatio="none" aria-hidden="true" focusable="false">
                {ticks.into_iter().map(|t| {
                    let y = top + plot_h - t / top_h * plot_h;
                    view! {
                        <line class="chart-grid" x1=left x2=w y1=y y2=y></line>
                        <text class="chart-axis" x=left - 6.0 y=y + 4.0 text-anchor="end">{hours_label(t)}</text>
                    }
                }).collect_view()}
                {bars.into_iter().enumerate().map(|(i, b)| {
                    let x = left + slot * i as f64 + (slot - bw) / 2.0;
                    let total_h = scale(b.secs);
                    let bill_h = scale(b.billable_secs);
                    let label = (i % every == 0).then(|| view! {
                        <text class="chart-axis" x=x + bw / 2.0 y=h - 8.0 text-anchor="middle">{b.label.clone()}</text>
                    });
                    view! {
                        <g>
                            <title>{format!("{}: {}", b.title, hours_minutes(b.secs))}</title>
                            <rect class="chart-bar" x=x y=top + plot_h - total_h width=bw height=total_h rx="2"></rect>
                            <rect class="chart-bar-billable" x=x y=top + plot_h - bill_h width=bw height=bill_h rx="2"></rect>
                        </g>
                        {label}
                    }
                }).collect_view()}
            </svg>
            <p class="chart-legend" aria-hidden="true">
                <span class="legend-swatch legend-billable"></span>"Billable"
                <span class="legend-swatch legend-other"></span>"Not billable"
            </p>
            // Hidden by its wrapper: a table ignores the clipping of
            // `.sr-only` and would widen a phone's page.
            <div class="sr-only">
            <table>
                <caption>{caption}</caption>
                <thead><tr><th scope="col">"Period"</th><th scope="col">"Total"</th><th scope="col">"Billable"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|b| view! {
                        <tr><th scope="row">{b.title}</th><td>{hours_minutes(b.secs)}</td><td>{hours_minutes(b.billable_secs)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </figure>
    }
}

/// A breakdown as a table, each row with a proportional SVG bar.
#[component]
pub fn Breakdown(title: &'static str, slices: Vec<Slice>, currency: String) -> impl IntoView {
    let max = slices.iter().map(|s| s.secs).max().unwrap_or(0).max(1) as f64;
    let heading_id = format!("breakdown-{}", title.to_ascii_lowercase().replace(' ', "-"));
    let labelled = heading_id.clone();
    view! {
        <section class="card breakdown" aria-labelledby=labelled>
            <h2 id=heading_id>{title}</h2>
            {if slices.is_empty() {
                view! { <p class="empty">"No time in this period."</p> }.into_any()
            } else {
                view! {
                    <table class="table breakdown-table">
                        <thead><tr>
                            <th scope="col">"Name"</th>
                            <th scope="col"><span class="sr-only">"Share"</span></th>
                            <th scope="col" class="num">"Time"</th>
                            <th scope="col" class="num">"Amount"</th>
                        </tr></thead>
                        <tbody>
                            {slices.into_iter().map(|s| {
                                let pct = s.secs as f64 / max * 100.0;
                                view! {
                                    <tr>
                                        <th scope="row" class="breakdown-name"><span class="dot" style=format!("background:{}", s.color) aria-hidden="true"></span>" "{s.name.clone()}</th>
                                        <td class="breakdown-bar-cell">
                                            <svg class="breakdown-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                                                <rect x="0" y="0" width=pct height="10" rx="2" style=format!("fill:{}", s.color)></rect>
                                            </svg>
                                        </td>
                                        <td class="duration num">{hours_minutes(s.secs)}</td>
                                        <td class="amount num">{format!("{} {}", money(s.amount_cents), currency)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
