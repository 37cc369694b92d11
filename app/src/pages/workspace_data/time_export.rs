//! Export CSV on the Data tab: the shared time filter, what the file will
//! hold (counted on the server for that filter), and the download link.

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
    view! {
        <section class="card" aria-labelledby="time-export-heading">
            <h2 id="time-export-heading">"Export time entries"</h2>
            <p>"Export CSV gives you the time entries in a spreadsheet-friendly file for Excel, Google Sheets or Numbers. Choose the date range and tags first: for example all #meetings from this month."</p>
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
                                            view! { <a class="btn btn-primary" href=csv_href download="">"Export CSV"</a> }.into_any()
                                        } else {
                                            view! { <button type="button" class="btn btn-primary" disabled=true>"Export CSV"</button> }.into_any()
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
