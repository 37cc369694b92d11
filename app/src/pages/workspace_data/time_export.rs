//! Export CSV and Export PDF on the Data tab: the shared time filter,
//! what the file will hold (counted on the server for that filter), and
//! the download links.

use crate::components::forms::redirect_if_signed_out;
use crate::components::layout::EntriesVersion;
use crate::components::loaded::load;
use crate::components::time_filter::TimeFilterFields;
use crate::periods::Period;
use crate::time_export::{preview_export, ExportPreview};
use crate::time_filter::{encode_query, TimeFilter};
use leptos::prelude::*;

/// What the file will hold, said in words; `None` while the filter is
/// incomplete.
#[component]
pub fn ExportSummary(preview: Option<ExportPreview>) -> impl IntoView {
    match preview {
        None => view! { <p class="muted">"Choose both dates for a custom range."</p> }.into_any(),
        Some(p) if p.entries == 0 => view! {
            <p class="export-summary" data-testid="export-summary">
                {format!("No finished time entries match these filters in {}.", p.title)}
                {(p.running > 0).then(|| format!(" ({} running, left out until stopped.)", p.running))}
            </p>
        }.into_any(),
        Some(p) => view! {
            <p class="export-summary" data-testid="export-summary">
                <strong>{p.sentence()}</strong>
                {format!(" · {}", p.title)}
                {if p.everyone { " · everyone's time" } else { "" }}
                {(p.running > 0).then(|| {
                    let noun = if p.running == 1 { "entry" } else { "entries" };
                    format!(". {} running {noun} left out until stopped.", p.running)
                })}
            </p>
        }.into_any(),
    }
}

#[component]
pub(super) fn TimeExportSection(manager: bool) -> impl IntoView {
    let version = expect_context::<EntriesVersion>().0;
    let filter = RwSignal::new(TimeFilter {
        period: Period::LastMonth,
        ..Default::default()
    });
    let semicolon = RwSignal::new(false);
    let summary_only = RwSignal::new(false);
    let bom = RwSignal::new(true);
    let preview = load(
        move || (filter.get(), version.get()),
        |(f, _)| async move {
            if f.is_complete() {
                Some(preview_export(f).await)
            } else {
                None
            }
        },
    );
    let csv_href = move || {
        let mut q = filter.with(TimeFilter::query_pairs);
        q.push(("bom", bom.get().to_string()));
        if semicolon.get() {
            q.push(("separator", ";".into()));
        }
        format!("/exports/time-entries.csv?{}", encode_query(&q))
    };
    let pdf_href = move || {
        let mut q = filter.with(TimeFilter::query_pairs);
        if summary_only.get() {
            q.push(("detail", "summary".into()));
        }
        format!("/exports/time-entries.pdf?{}", encode_query(&q))
    };
    view! {
        <section class="card" aria-labelledby="time-export-heading">
            <h2 id="time-export-heading">"Export time entries"</h2>
            <p>"Choose the date range and tags first: for example all #meetings from this month. Export CSV gives you the entries in a spreadsheet-friendly file for Excel, Google Sheets or Numbers; Export PDF makes a readable report to share, with totals, a chart and the entries day by day."</p>
            {(!manager).then(|| view! { <p class="muted">"You export your own time."</p> })}
            <div class="filters export-filters" role="group" aria-label="Which entries">
                <TimeFilterFields id_prefix="export" filter manager/>
            </div>
            <fieldset class="choice-group csv-options">
                <legend>"CSV file"</legend>
                <label class="check" for="csv-semicolon">
                    <input id="csv-semicolon" type="checkbox" prop:checked=move || semicolon.get()
                        on:change=move |ev| semicolon.set(event_target_checked(&ev))/>
                    "Separate columns with semicolons (for spreadsheets that use a decimal comma)"
                </label>
                <label class="check" for="csv-bom">
                    <input id="csv-bom" type="checkbox" prop:checked=move || bom.get()
                        on:change=move |ev| bom.set(event_target_checked(&ev))/>
                    "Mark the file as UTF-8 for Excel"
                </label>
            </fieldset>
            <fieldset class="choice-group csv-options">
                <legend>"PDF report"</legend>
                <label class="check" for="pdf-summary">
                    <input id="pdf-summary" type="checkbox" prop:checked=move || summary_only.get()
                        on:change=move |ev| summary_only.set(event_target_checked(&ev))/>
                    "Summary only: totals, chart and breakdowns, without the list of entries"
                </label>
            </fieldset>
            <div aria-live="polite">
                <Transition fallback=|| view! { <p class="muted">"Counting entries…"</p> }>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Some(Err(e)) => {
                                redirect_if_signed_out(&e);
                                view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                            }
                            other => {
                                let p = other.and_then(Result::ok);
                                let ready = p.as_ref().is_some_and(|p| p.entries > 0);
                                view! {
                                    <ExportSummary preview=p/>
                                    <div class="export-actions">
                                        {if ready {
                                            view! {
                                                <a class="btn btn-primary" href=csv_href download="">"Export CSV"</a>
                                                <a class="btn btn-secondary" href=pdf_href download="">"Export PDF"</a>
                                                <span class="muted small">"A long period's PDF can take a few seconds."</span>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="btn btn-primary" disabled=true>"Export CSV"</button>
                                                <button type="button" class="btn btn-secondary" disabled=true>"Export PDF"</button>
                                            }.into_any()
                                        }}
                                    </div>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}
