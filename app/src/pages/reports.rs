//! The Reports page: a period's totals, hours per day, and breakdowns by
//! project, client and tag, with the same filters as the entries page.

use crate::components::address::{keep_in_address, opening_query};
use crate::components::chart::{BarChart, Breakdown};
use crate::components::forms::redirect_if_signed_out;
use crate::components::layout::{with_me, EntriesVersion};
use crate::components::loaded::load;
use crate::components::time_filter::TimeFilterFields;
use crate::periods::{hours_minutes, money};
use crate::reports::get_report;
use crate::time_filter::{encode_query, TimeFilter};
use leptos::prelude::*;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let version = expect_context::<EntriesVersion>().0;
    let filter = RwSignal::new(TimeFilter::from_query(opening_query()));
    keep_in_address(move || filter.with(TimeFilter::query_pairs));
    let ready_query = move || {
        let q = filter.get();
        q.is_complete().then_some(q)
    };
    // Export CSV and PDF of exactly what is on screen (the CSV leaves
    // running timers out).
    let href = move |ext: &str| {
        format!(
            "/exports/time-entries.{ext}?{}",
            encode_query(&filter.with(TimeFilter::query_pairs))
        )
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
        <div class="page-header">
            <h1>"Reports"</h1>
            <p class="lead">"Where the time went: totals, billable amounts, hours over time, and breakdowns by project, client and tag."</p>
        </div>
        <section class="card filters" aria-label="Report filters">
            {with_me(move |me| view! {
                <TimeFilterFields id_prefix="report" filter manager=me.current.role.can_manage()/>
            })}
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
                            <div class="report-head">
                                <p class="muted">{if rep.everyone { "Everyone in this workspace." } else { "Your time." }}</p>
                                {(rep.entry_count > 0).then(|| view! {
                                    <div class="button-row">
                                        <a class="btn btn-secondary" href=move || href("csv") download="">"Export CSV"</a>
                                        <a class="btn btn-secondary" href=move || href("pdf") download="">"Export PDF"</a>
                                    </div>
                                })}
                            </div>
                            <dl class="facts summary">
                                <div><dt>"Total time"</dt><dd class="duration big" data-testid="report-total">{hours_minutes(rep.total_secs)}</dd></div>
                                <div><dt>"Billable time"</dt><dd class="duration big">{hours_minutes(rep.billable_secs)}</dd></div>
                                <div><dt>"Billable amount"</dt><dd class="amount big">{format!("{} {}", money(rep.amount_cents), cur)}</dd></div>
                                <div><dt>"Entries"</dt><dd class="num big">{rep.entry_count}</dd></div>
                            </dl>
                            <BarChart bars=rep.bars.clone() caption=format!("Hours per {}", rep.bar_unit.word())/>
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
