//! The Reports page: a period's totals, hours per day, and breakdowns by
//! project, client and tag, with the same filters as the entries page.

use crate::components::chart::{BarChart, Breakdown};
use crate::components::forms::redirect_if_signed_out;
use crate::components::layout::EntriesVersion;
use crate::components::loaded::load;
use crate::components::pickers::CatalogFilters;
use crate::periods::{hours_minutes, money, Period};
use crate::reports::{get_report, ReportQuery};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let version = expect_context::<EntriesVersion>().0;
    let period = RwSignal::new(Period::ThisWeek);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let project: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let client: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let tags: RwSignal<Vec<Uuid>> = RwSignal::new(Vec::new());
    let query = move || ReportQuery {
        period: period.get(),
        from: from.get(),
        to: to.get(),
        project_id: project.get(),
        client_id: client.get(),
        tag_ids: tags.get(),
        ..Default::default()
    };
    let ready_query = move || {
        let q = query();
        // A custom range waits until both dates are there.
        (q.period != Period::Custom || (!q.from.is_empty() && !q.to.is_empty())).then_some(q)
    };
    let report = load(
        move || (ready_query(), version.get()),
        |(q, _)| async move {
            match q {
                Some(q) => Some(get_report(q).await),
                None => None,
            }
        },
    );
    view! {
        <Title text="Reports"/>
        <div class="page-header">
            <h1>"Reports"</h1>
            <p class="lead">"Where the time went: totals, billable amounts, hours per day, and breakdowns by project, client and tag."</p>
        </div>
        <section class="card filters" aria-label="Report filters">
            <div class="field">
                <label for="report-period">"Period"</label>
                <select id="report-period" class="select" on:change=move |ev| {
                    if let Some(p) = Period::parse(&event_target_value(&ev)) { period.set(p); }
                }>
                    {Period::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=move || period.get() == p>{p.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <Show when=move || period.get() == Period::Custom>
                <div class="field">
                    <label for="report-from">"From"</label>
                    <input id="report-from" type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="report-to">"To"</label>
                    <input id="report-to" type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                </div>
            </Show>
            <CatalogFilters id_prefix="report" project client tags/>
        </section>
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || Suspend::new(async move { match report.await {
                None => view! { <p class="muted">"Choose both dates for a custom period."</p> }.into_any(),
                Some(Err(e)) => {
                    redirect_if_signed_out(&e);
                    view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                }
                Some(Ok(rep)) => {
                    let cur = rep.currency.clone();
                    view! {
                        <section class="card" aria-labelledby="summary-heading">
                            <h2 id="summary-heading">{rep.title.clone()}</h2>
                            <p class="muted">{if rep.everyone { "Everyone in this workspace." } else { "Your time." }}</p>
                            <dl class="facts summary">
                                <div><dt>"Total time"</dt><dd class="duration big" data-testid="report-total">{hours_minutes(rep.total_secs)}</dd></div>
                                <div><dt>"Billable time"</dt><dd class="duration big">{hours_minutes(rep.billable_secs)}</dd></div>
                                <div><dt>"Billable amount"</dt><dd class="amount big">{format!("{} {}", money(rep.amount_cents), cur)}</dd></div>
                                <div><dt>"Entries"</dt><dd class="num big">{rep.entry_count}</dd></div>
                            </dl>
                            <BarChart bars=rep.bars.clone() caption=format!("Hours per {}", if rep.bars.len() as i64 == (rep.to - rep.from).num_days() + 1 { "day" } else { "month" })/>
                        </section>
                        <div class="breakdowns">
                            <Breakdown title="By project" slices=rep.by_project.clone() currency=cur.clone()/>
                            <Breakdown title="By client" slices=rep.by_client.clone() currency=cur.clone()/>
                            <Breakdown title="By tag" slices=rep.by_tag.clone() currency=cur.clone()/>
                        </div>
                    }.into_any()
                }
            }})}
        </Transition>
    }
}
