//! The Time entries page: every entry of the person, filtered by date
//! range, project, client and tags, a page at a time.

use crate::components::entry_list::EntryList;
use crate::components::layout::with_catalog;
use crate::components::pickers::{ProjectSelect, TagPicker};
use crate::entries::EntryFilter;
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

#[component]
pub fn EntriesPage() -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let project: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let client: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let tags: RwSignal<Vec<Uuid>> = RwSignal::new(Vec::new());
    let filter = Signal::derive(move || EntryFilter {
        from: from.get(),
        to: to.get(),
        project_id: project.get(),
        client_id: client.get(),
        tag_ids: tags.get(),
        before: None,
    });
    let active = move || {
        !from.get().is_empty()
            || !to.get().is_empty()
            || project.get().is_some()
            || client.get().is_some()
            || !tags.get().is_empty()
    };
    view! {
        <Title text="Time entries"/>
        <div class="page-header">
            <h1>"Time entries"</h1>
            <p class="lead">"Everything you tracked, newest first, grouped by day in your timezone."</p>
        </div>
        <section class="card filters" aria-label="Filters">
            <div class="field">
                <label for="filter-from">"From"</label>
                <input id="filter-from" type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="filter-to">"To"</label>
                <input id="filter-to" type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
            </div>
            {with_catalog(move |c| {
                let clients = c.clients.clone();
                view! {
                    <div class="field">
                        <label for="filter-project">"Project"</label>
                        <ProjectSelect id="filter-project".to_string() value=project projects=c.projects clients=c.clients none_label="Any project"/>
                    </div>
                    <div class="field">
                        <label for="filter-client">"Client"</label>
                        <select id="filter-client" class="select" on:change=move |ev| client.set(event_target_value(&ev).parse().ok())>
                            <option value="" selected=move || client.get().is_none()>"Any client"</option>
                            {clients.into_iter().map(|c| {
                                let cid = c.id;
                                view! { <option value=cid.to_string() selected=move || client.get() == Some(cid)>{c.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <span class="field-label">"Tags"</span>
                        <TagPicker id="filter-tags".to_string() value=tags tags=c.tags/>
                    </div>
                }
            })}
            <Show when=active>
                <button type="button" class="btn btn-ghost clear-filters" on:click=move |_| {
                    from.set(String::new()); to.set(String::new()); project.set(None); client.set(None); tags.set(Vec::new());
                }>"Clear filters"</button>
            </Show>
        </section>
        <EntryList filter/>
    }
}
