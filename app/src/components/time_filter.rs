//! The time filter's controls, shared by the Reports page and the Data
//! tab's exports, so both offer the same choices (`crate::time_filter`).

use crate::components::forms::bind_typed_with;
use crate::components::loaded::load;
use crate::components::pickers::CatalogFilters;
use crate::periods::Period;
use crate::time_filter::{TagMode, TimeFilter};
use crate::workspaces::list_members;
use leptos::prelude::*;

/// The filter controls every time export shares: period (with custom
/// dates), project, client, tags and how they match, person (owners and
/// admins) and billable. `id_prefix` keeps two of them apart on a page.
#[component]
pub fn TimeFilterFields(
    id_prefix: &'static str,
    filter: RwSignal<TimeFilter>,
    manager: bool,
) -> impl IntoView {
    // Starting from the filter: a page may open with one (its address).
    let start = filter.get_untracked();
    let project = RwSignal::new(start.project_id);
    let client = RwSignal::new(start.client_id);
    let tags = RwSignal::new(start.tag_ids);
    // The catalogue pickers keep their own signals; the filter follows them.
    Effect::new(move |_| {
        let (p, c, t) = (project.get(), client.get(), tags.get());
        filter.update(|f| {
            f.project_id = p;
            f.client_id = c;
            f.tag_ids = t;
        });
    });
    let id = move |name: &str| format!("{id_prefix}-{name}");
    // Dates typed before the page became interactive are kept.
    let (from_input, to_input) = (NodeRef::new(), NodeRef::new());
    bind_typed_with(
        from_input,
        move || filter.with(|f| f.from.clone()),
        move |v| filter.update(|f| f.from = v),
    );
    bind_typed_with(
        to_input,
        move || filter.with(|f| f.to.clone()),
        move |v| filter.update(|f| f.to = v),
    );
    let members = manager.then(|| load(|| (), |_| list_members()));
    view! {
        <div class="field">
            <label for=id("period")>"Period"</label>
            <select id=id("period") class="select" on:change=move |ev| {
                if let Some(p) = Period::parse(&event_target_value(&ev)) {
                    filter.update(|f| f.period = p);
                }
            }>
                {Period::ALL.into_iter().map(|p| view! {
                    <option value=p.as_str() selected=move || filter.with(|f| f.period == p)>{p.label()}</option>
                }).collect_view()}
            </select>
        </div>
        <Show when=move || filter.with(|f| f.period == Period::Custom)>
            <div class="field">
                <label for=id("from")>"From"</label>
                <input id=id("from") node_ref=from_input type="date" value=filter.with_untracked(|f| f.from.clone())
                    on:change=move |ev| filter.update(|f| f.from = event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for=id("to")>"To"</label>
                <input id=id("to") node_ref=to_input type="date" value=filter.with_untracked(|f| f.to.clone())
                    on:change=move |ev| filter.update(|f| f.to = event_target_value(&ev))/>
            </div>
        </Show>
        <CatalogFilters id_prefix project client tags/>
        <div class="field">
            <label for=id("tag-mode")>"Tags match"</label>
            <select id=id("tag-mode") class="select" on:change=move |ev| {
                if let Some(m) = TagMode::parse(&event_target_value(&ev)) {
                    filter.update(|f| f.tag_mode = m);
                }
            }>
                {TagMode::ALL.into_iter().map(|m| view! {
                    <option value=m.as_str() selected=move || filter.with(|f| f.tag_mode == m)>{m.label()}</option>
                }).collect_view()}
            </select>
        </div>
        {members.map(|members| view! {
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = members.await.unwrap_or_default();
                    view! {
                        <div class="field">
                            <label for=id("person")>"Person"</label>
                            <select id=id("person") class="select" on:change=move |ev| {
                                let v = event_target_value(&ev).parse().ok();
                                filter.update(|f| f.user_id = v);
                            }>
                                <option value="" selected=move || filter.with(|f| f.user_id.is_none())>"Everyone"</option>
                                {list.into_iter().map(|m| {
                                    let uid = m.user_id;
                                    view! { <option value=uid.to_string() selected=move || filter.with(|f| f.user_id == Some(uid))>{m.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                })}
            </Transition>
        })}
        <div class="field">
            <label for=id("billable")>"Billable"</label>
            <select id=id("billable") class="select" on:change=move |ev| {
                let v = match event_target_value(&ev).as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
                filter.update(|f| f.billable = v);
            }>
                <option value="" selected=move || filter.with(|f| f.billable.is_none())>"Billable or not"</option>
                <option value="yes" selected=move || filter.with(|f| f.billable == Some(true))>"Billable only"</option>
                <option value="no" selected=move || filter.with(|f| f.billable == Some(false))>"Non-billable only"</option>
            </select>
        </div>
    }
}
