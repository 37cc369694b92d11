//! The Time entries page: every entry of the person, filtered by date
//! range, project, client and tags, a page at a time.

use crate::components::address::{keep_in_address, opening_query};
use crate::components::entry_list::EntryList;
use crate::components::forms::bind_typed;
use crate::components::pickers::CatalogFilters;
use crate::entries::EntryFilter;
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn EntriesPage() -> impl IntoView {
    let start = EntryFilter::from_query(opening_query());
    let from = RwSignal::new(start.from);
    let to = RwSignal::new(start.to);
    let project: RwSignal<Option<Uuid>> = RwSignal::new(start.project_id);
    let client: RwSignal<Option<Uuid>> = RwSignal::new(start.client_id);
    let tags: RwSignal<Vec<Uuid>> = RwSignal::new(start.tag_ids);
    let filter = Signal::derive(move || EntryFilter {
        from: from.get(),
        to: to.get(),
        project_id: project.get(),
        client_id: client.get(),
        tag_ids: tags.get(),
        cursor: None,
    });
    keep_in_address(move || filter.with(EntryFilter::query_pairs));
    let (from_input, to_input) = (NodeRef::new(), NodeRef::new());
    bind_typed(from_input, from);
    bind_typed(to_input, to);
    let active = move || {
        !from.get().is_empty()
            || !to.get().is_empty()
            || project.get().is_some()
            || client.get().is_some()
            || !tags.get().is_empty()
    };
    view! {
        <div class="page-header">
            <h1>"Time entries"</h1>
            <p class="lead">"Everything you tracked, newest first, grouped by day in your timezone."</p>
        </div>
        <section class="card filters" aria-label="Filters">
            <div class="field">
                <label for="filter-from">"From"</label>
                <input id="filter-from" node_ref=from_input type="date" value=from.get_untracked() on:change=move |ev| from.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="filter-to">"To"</label>
                <input id="filter-to" node_ref=to_input type="date" value=to.get_untracked() on:change=move |ev| to.set(event_target_value(&ev))/>
            </div>
            <CatalogFilters id_prefix="filter" project client tags/>
            <Show when=active>
                <button type="button" class="btn btn-ghost clear-filters" on:click=move |_| {
                    from.set(String::new()); to.set(String::new()); project.set(None); client.set(None); tags.set(Vec::new());
                }>"Clear filters"</button>
            </Show>
        </section>
        <EntryList filter/>
    }
}
