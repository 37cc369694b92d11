//! The overview: the current workspace at a glance.

use crate::components::layout::use_me;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = use_me().0;
    view! {
        <Title text="Overview"/>
        <div class="page-header">
            <h1>"Overview"</h1>
            <p class="lead">"Your current workspace, your role in it and its plan."</p>
        </div>
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || me.get().and_then(|r| r.ok()).map(|me| {
                let ws = me.current.clone();
                let first = me.user.name.split_whitespace().next().unwrap_or_default().to_string();
                view! {
                    <section class="card" aria-labelledby="ws-heading">
                        <h2 id="ws-heading">{ws.name.clone()}</h2>
                        <dl class="facts">
                            <div><dt>"Your role"</dt><dd><span class="badge">{ws.role.label()}</span></dd></div>
                            <div><dt>"Plan"</dt><dd><span class="badge badge-accent">{ws.plan.label()}</span></dd></div>
                            <div><dt>"Billing"</dt><dd><span class="badge" class:badge-warning=ws.billing_status != crate::types::BillingStatus::Active>{ws.billing_status.label()}</span></dd></div>
                            <div><dt>"Workspaces you belong to"</dt><dd class="num">{me.workspaces.len()}</dd></div>
                        </dl>
                    </section>
                    <section class="card empty-state" aria-labelledby="next-heading">
                        <h2 id="next-heading">{format!("Welcome, {first}")}</h2>
                        <p>"Set up your workspace: give it a name your team recognises, invite the people you work with, and choose a plan."</p>
                        <div class="actions">
                            <A href="/settings/workspace" attr:class="btn btn-primary">"Workspace settings"</A>
                            <A href="/settings/workspace/members" attr:class="btn btn-secondary">"Members"</A>
                        </div>
                    </section>
                }
            })}
        </Transition>
    }
}
