//! The Timer page: today at a glance, recent entries, and manual entry.

use crate::components::entry_list::{lazy_card, EntryForm, EntryList};
use crate::components::layout::WriteArea;
use crate::components::loaded::load;
use crate::entries::EntryFilter;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let adding = RwSignal::new(false);
    let add_button = NodeRef::<leptos::html::Button>::new();
    view! {
        <div class="page-header page-header-actions">
            <div>
                <h1>"Timer"</h1>
                <p class="lead">"Start the timer at the top, or add time you already worked. Your recent entries, by day."</p>
            </div>
            <WriteArea compact=true>
                <button type="button" node_ref=add_button class="btn btn-secondary" aria-expanded=move || adding.get().to_string() on:click=move |_| adding.update(|a| *a = !*a)>
                    "Add time manually"
                </button>
            </WriteArea>
        </div>
        <Show when=move || adding.get()>
            <section class="card">
                <LazyNewEntry on_done=Callback::new(move |_| {
                    adding.set(false);
                    // Back to the button that opened the form.
                    if let Some(b) = add_button.get_untracked() {
                        let _ = b.focus();
                    }
                })/>
            </section>
        </Show>
        <EntryList filter=Signal::derive(EntryFilter::default)/>
    }
}

/// [`NewEntry`], its code fetched by the browser the first time "Add time
/// manually" opens it: the form is never in a server-rendered page, so the
/// first download need not carry it (see `entry_list::LazyEntryForm`).
#[component]
fn LazyNewEntry(on_done: Callback<()>) -> impl IntoView {
    lazy_card(new_entry_view(on_done))
}

#[lazy]
fn new_entry_view(on_done: Callback<()>) -> AnyView {
    view! { <NewEntry on_done/> }.into_any()
}

/// The manual entry form, prefilled with the last hour in the person's zone.
#[component]
fn NewEntry(on_done: Callback<()>) -> impl IntoView {
    let defaults = load(|| (), |_| crate::entries::new_entry_times());
    view! {
        <Transition fallback=|| view! { <div class="skeleton skeleton-card" aria-busy="true"></div> }>
            {move || defaults.get().map(|r| {
                let (s, e) = r.unwrap_or_default();
                view! { <EntryForm entry=None new_start=s new_end=e on_done/> }
            })}
        </Transition>
    }
}
