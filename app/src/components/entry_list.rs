//! Time entries as people read them: grouped by day with day totals, each
//! with Continue, Edit and Delete (with Undo), plus the entry form used for
//! manual entries and edits (loaded when first opened: [`LazyEntryForm`]).

use crate::components::feedback::use_toasts;
use crate::components::forms::{focus_id, redirect_if_signed_out};
use crate::components::layout::{use_catalog, use_timer, with_catalog, EntriesVersion, WriteArea};
use crate::components::leave_guard::LeaveGuard;
use crate::components::loaded::load;
use crate::components::pickers::{tag_names, ProjectSelect, TagPicker};
use crate::entries::{
    create_entry, delete_entry, list_entries, restore_entry, update_entry, DayGroup, EntryFilter,
    EntryForm, EntryPage, TimeEntry,
};
use crate::error::AppError;
use crate::periods::hours_minutes;
use crate::prepared::Prepared;
use crate::timer::continue_entry;
use leptos::prelude::*;
use uuid::Uuid;

/// Joins pages, merging a day that continues on the next page.
pub fn merge_days(pages: Vec<Vec<DayGroup>>) -> Vec<DayGroup> {
    let mut out: Vec<DayGroup> = Vec::new();
    for g in pages.into_iter().flatten() {
        match out.last_mut() {
            Some(last) if last.day == g.day => last.entries.extend(g.entries),
            _ => out.push(g),
        }
    }
    out
}

fn bump(version: RwSignal<u32>) {
    version.update(|v| *v += 1);
}

/// The entry whose Edit button should have focus once the list has
/// reloaded (after its editor saved).
#[derive(Clone, Copy)]
struct Refocus(RwSignal<Option<Uuid>>);

#[component]
pub fn EntryList(#[prop(into)] filter: Signal<EntryFilter>) -> impl IntoView {
    provide_context(Refocus(RwSignal::new(None)));
    let version = expect_context::<EntriesVersion>().0;
    let page = load(
        move || (filter.get(), version.get()),
        |(f, _)| async move { list_entries(f).await.map(Prepared::into_value) },
    );
    let older: RwSignal<Vec<EntryPage>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        page.track();
        older.set(Vec::new());
    });
    let load_more = Action::new(move |before: &String| {
        let f = EntryFilter {
            cursor: Some(before.clone()),
            ..filter.get_untracked()
        };
        async move { list_entries(f).await.map(Prepared::into_value) }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = load_more.value().get() {
            older.update(|o| o.push(p));
        }
    });
    view! {
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || page.get().map(|r| match r {
                Err(e) => {
                    redirect_if_signed_out(&e);
                    view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                }
                Ok(first) => {
                    let first_next = first.next.clone();
                    let empty = first.days.is_empty();
                    let filtered = filter.with_untracked(|f| *f != EntryFilter::default());
                    let days = Signal::derive(move || {
                        let mut pages = vec![first.days.clone()];
                        pages.extend(older.get().into_iter().map(|p| p.days));
                        merge_days(pages)
                    });
                    let next = move || {
                        older.with(|o| match o.last() {
                            Some(p) => p.next.clone(),
                            None => first_next.clone(),
                        })
                    };
                    view! {
                        <Show when=move || !empty fallback=move || if filtered {
                            view! {
                                <section class="card empty-state">
                                    <h2>"No entries match these filters"</h2>
                                    <p>"Try another period, project, client or tags, or clear the filters."</p>
                                </section>
                            }.into_any()
                        } else {
                            view! {
                                <section class="card empty-state">
                                    <h2>"No time entries here yet"</h2>
                                    <p>"Start the timer at the top of the page, or add time you already worked with “Add time manually”."</p>
                                </section>
                            }.into_any()
                        }>
                            <For each=move || days.get() key=|d| (d.day, d.entries.len(), d.entries.first().map(|e| (e.id, e.duration_secs, e.description.clone(), e.tags.len(), e.project.as_ref().map(|p| p.id)))) let:day>
                                <DayCard day/>
                            </For>
                        </Show>
                        {move || next().map(|cursor| view! {
                            <div class="load-more">
                                <button
                                    type="button"
                                    class="btn btn-secondary"
                                    disabled=move || load_more.pending().get()
                                    aria-busy=move || load_more.pending().get().to_string()
                                    on:click=move |_| { load_more.dispatch(cursor.clone()); }
                                >{move || if load_more.pending().get() { "Loading…" } else { "Load older entries" }}</button>
                            </div>
                        })}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn DayCard(day: DayGroup) -> impl IntoView {
    let heading_id = format!("day-{}", day.day);
    let labelled_by = heading_id.clone();
    view! {
        <section class="card day" aria-labelledby=labelled_by>
            <header class="day-header">
                <h2 id=heading_id>{day.label.clone()}</h2>
                <span class="duration day-total"><span class="sr-only">"Total "</span>{hours_minutes(day.total_secs)}</span>
            </header>
            <ul class="entries" role="list">
                {day.entries.into_iter().map(|e| view! { <EntryRow entry=e/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn EntryRow(entry: TimeEntry) -> impl IntoView {
    let version = expect_context::<EntriesVersion>().0;
    let timer = use_timer();
    let toasts = use_toasts();
    let editing = RwSignal::new(false);
    crate::components::live::hold_lists_while(editing.into());
    let id = entry.id;
    // Closing the editor (Save, Cancel, Escape) puts focus back on the
    // row's Edit button rather than dropping it to the page. After a save
    // the list reloads and the row is made again: the new row takes the
    // focus if nothing else has it by then.
    let edit_id = format!("entry-{}-edit", id.simple());
    let refocus = use_context::<Refocus>();
    let focus_edit = {
        let edit_id = edit_id.clone();
        move || {
            let edit_id = edit_id.clone();
            request_animation_frame(move || focus_id(&edit_id));
        }
    };
    if let Some(Refocus(r)) = refocus {
        if r.get_untracked() == Some(id) {
            // Once this row is in the page and the old one gone.
            let edit_id = edit_id.clone();
            request_animation_frame(move || {
                let lost = document()
                    .active_element()
                    .is_none_or(|a| a.tag_name() == "BODY");
                if lost {
                    r.set(None);
                    focus_id(&edit_id);
                }
            });
        }
    }
    Effect::new(move |was: Option<bool>| {
        let now = editing.get();
        if was == Some(true) && !now {
            if let Some(Refocus(r)) = refocus {
                r.set(Some(id));
            }
            focus_edit();
        }
        now
    });
    let label = if entry.description.is_empty() {
        "(no description)".to_string()
    } else {
        entry.description.clone()
    };
    let delete = Action::new(move |id: &Uuid| {
        let id = *id;
        async move { delete_entry(id).await }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            bump(version);
            toasts.show(
                "Time entry deleted.",
                // The row is gone by the time Undo is pressed, so the
                // restore runs on its own rather than as this row's action.
                Some(std::sync::Arc::new(move || {
                    leptos::task::spawn_local(async move {
                        match restore_entry(id).await {
                            Ok(()) => {
                                bump(version);
                                toasts.show("Entry restored.", None);
                            }
                            Err(e) => toasts.show(e.to_string(), None),
                        }
                    });
                })),
            );
        }
        Some(Err(e)) => {
            redirect_if_signed_out(&e);
            toasts.show(e.to_string(), None);
        }
        None => {}
    });
    let cont = Action::new(move |id: &Uuid| {
        let id = *id;
        async move { continue_entry(id).await }
    });
    Effect::new(move |_| match cont.value().get() {
        Some(Ok(started)) => {
            timer.refetch();
            bump(version);
            toasts.show(started.message(), None);
        }
        Some(Err(e)) => {
            redirect_if_signed_out(&e);
            toasts.show(e.to_string(), None);
        }
        None => {}
    });
    let e = entry.clone();
    view! {
        <li class="entry">
            <Show when=move || editing.get() fallback={
                let e = e.clone();
                let label = label.clone();
                move || {
                    let e = e.clone();
                    let (label, edit_id) = (label.clone(), edit_id.clone());
                    view! {
                        <div class="entry-main">
                            <span class="entry-desc" class:muted=e.description.is_empty()>{label.clone()}</span>
                            {e.project.clone().map(|p| view! {
                                <span class="entry-project">
                                    <span class="dot" style=format!("background:{}", p.color) aria-hidden="true"></span>
                                    {p.name.clone()}
                                    {p.client_name.clone().map(|c| view! { <span class="muted">{format!(" · {c}")}</span> })}
                                </span>
                            })}
                            {(!e.tags.is_empty()).then(|| view! { <span class="entry-tags">{tag_names(&e.tags)}</span> })}
                        </div>
                        <div class="entry-meta">
                            {e.billable.then(|| view! { <span class="billable" title="Billable"><span aria-hidden="true">"$"</span><span class="sr-only">"Billable"</span></span> })}
                            {e.invoiced.then(|| view! { <span class="badge">"Invoiced"</span> })}
                            <span class="entry-range num">{e.time_range.clone()}</span>
                            <span class="duration entry-duration">{hours_minutes(e.duration_secs)}</span>
                            <span class="entry-actions"><WriteArea compact=true>
                                <button type="button" class="btn btn-small btn-ghost" aria-label=format!("Continue “{}”", label) title="Continue" on:click=move |_| { cont.dispatch(id); }>
                                    <span aria-hidden="true">"▶"</span>
                                </button>
                                <button type="button" id=edit_id.clone() class="btn btn-small btn-secondary" aria-label=format!("Edit “{}”", label) on:click=move |_| editing.set(true)>"Edit"</button>
                                // Quiet (a list of twenty rows is not twenty red buttons);
                                // Undo in the toast makes one click safe.
                                <button type="button" class="btn btn-small btn-ghost btn-quiet-danger" aria-label=format!("Delete “{}”", label) title="Delete" on:click=move |_| { delete.dispatch(id); }>
                                    <span aria-hidden="true">"✕"</span>
                                </button>
                            </WriteArea></span>
                        </div>
                    }
                }
            }>
                <LazyEntryForm
                    entry=Some(entry.clone())
                    new_start=String::new()
                    new_end=String::new()
                    on_done=Callback::new(move |_| editing.set(false))
                />
            </Show>
        </li>
    }
}

/// [`EntryForm`], its code fetched by the browser the first time a form
/// opens. The form only ever appears on a click (Edit, Add time manually),
/// never in a server-rendered page, so the first download need not carry
/// it: [`entry_form_view`] is a lazy function, split into a WASM chunk of
/// its own by `cargo leptos build --split`.
#[component]
pub fn LazyEntryForm(
    entry: Option<TimeEntry>,
    new_start: String,
    new_end: String,
    on_done: Callback<()>,
) -> impl IntoView {
    lazy_card(entry_form_view(entry, new_start, new_end, on_done))
}

/// The view a lazy function makes, with a skeleton card until the browser
/// has fetched its chunk.
pub(crate) fn lazy_card(
    view: impl std::future::Future<Output = AnyView> + LoadsInBrowser + 'static,
) -> impl IntoView {
    // The chunk loads through the browser's fetch, which is not `Send`; the
    // browser runs it on its one thread.
    #[cfg(feature = "hydrate")]
    let view = send_wrapper::SendWrapper::new(view);
    view! {
        <Suspense fallback=|| view! { <div class="skeleton skeleton-card" aria-busy="true"></div> }>
            {Suspend::new(view)}
        </Suspense>
    }
}

/// What a lazy function's future must be: `Send` on the server, anything
/// in the browser (see [`lazy_card`]).
#[cfg(feature = "hydrate")]
pub(crate) trait LoadsInBrowser {}
#[cfg(feature = "hydrate")]
impl<T> LoadsInBrowser for T {}
#[cfg(not(feature = "hydrate"))]
pub(crate) trait LoadsInBrowser: Send {}
#[cfg(not(feature = "hydrate"))]
impl<T: Send> LoadsInBrowser for T {}

#[lazy]
fn entry_form_view(
    entry: Option<TimeEntry>,
    new_start: String,
    new_end: String,
    on_done: Callback<()>,
) -> AnyView {
    view! { <EntryForm entry new_start new_end on_done/> }.into_any()
}

/// Create (no `entry`) or edit a time entry. Keeps what was typed when the
/// server refuses it, with the reason next to the field.
#[component]
pub(crate) fn EntryForm(
    entry: Option<TimeEntry>,
    new_start: String,
    new_end: String,
    on_done: Callback<()>,
) -> impl IntoView {
    let catalog = use_catalog();
    let version = expect_context::<EntriesVersion>().0;
    let toasts = use_toasts();
    let id = entry.as_ref().map(|e| e.id);
    let prefix = id
        .map(|i| i.simple().to_string())
        .unwrap_or_else(|| "new".into());
    let f = |name: &str| format!("entry-{prefix}-{name}");
    let description = RwSignal::new(
        entry
            .as_ref()
            .map(|e| e.description.clone())
            .unwrap_or_default(),
    );
    let project = RwSignal::new(
        entry
            .as_ref()
            .and_then(|e| e.project.as_ref().map(|p| p.id)),
    );
    let tags: RwSignal<Vec<Uuid>> = RwSignal::new(
        entry
            .as_ref()
            .map(|e| e.tags.iter().map(|t| t.id).collect())
            .unwrap_or_default(),
    );
    let start = RwSignal::new(
        entry
            .as_ref()
            .map(|e| e.start_input.clone())
            .unwrap_or(new_start),
    );
    let end = RwSignal::new(
        entry
            .as_ref()
            .map(|e| e.end_input.clone())
            .unwrap_or(new_end),
    );
    let running = entry.as_ref().is_some_and(|e| e.ended_at.is_none());
    let billable: RwSignal<Option<bool>> = RwSignal::new(entry.as_ref().map(|e| e.billable));
    let confirm_long = RwSignal::new(false);
    let confirm_invoiced = RwSignal::new(false);
    let invoiced = entry.as_ref().is_some_and(|e| e.invoiced);
    let save = Action::new(move |input: &EntryForm| {
        let input = input.clone();
        async move {
            match id {
                Some(id) => update_entry(id, input).await,
                None => create_entry(input).await,
            }
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            bump(version);
            toasts.show(
                if id.is_some() {
                    "Time entry updated."
                } else {
                    "Time entry added."
                },
                None,
            );
            on_done.run(());
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let field_error =
        move |name: &'static str| move || error.get().and_then(|e| e.field_message(name));
    let form_error = move || {
        error
            .get()
            .filter(|e| !e.is_field_error())
            .map(|e| e.to_string())
    };
    let needs = move |name: &'static str| {
        error
            .get()
            .is_some_and(|e| matches!(&e, AppError::Invalid { field: Some(f), .. } if f == name))
    };
    let project_default = move || {
        let p = project.get()?;
        catalog
            .get()
            .and_then(|r| r.ok())
            .and_then(|c| c.projects.into_iter().find(|x| x.id == p))
            .map(|x| x.billable)
    };
    let is_billable = move || billable.get().or_else(project_default).unwrap_or(false);
    let current_project = entry.as_ref().and_then(|e| e.project.clone());
    let title = if id.is_some() {
        "Edit time entry"
    } else {
        "Add time manually"
    };
    let (desc_id, project_id, tags_id, start_id, end_id, billable_id) = (
        f("description"),
        f("project"),
        f("tags"),
        f("start"),
        f("end"),
        f("billable"),
    );
    // What the form opened with, to tell a half-edited form (leaving it
    // asks first) from one only looked at.
    let opened = (
        description.get_untracked(),
        project.get_untracked(),
        tags.get_untracked(),
        start.get_untracked(),
        end.get_untracked(),
        billable.get_untracked(),
    );
    let dirty = Signal::derive(move || {
        !save.pending().get()
            && (
                description.get(),
                project.get(),
                tags.get(),
                start.get(),
                end.get(),
                billable.get(),
            ) != opened
    });
    let desc_ref = NodeRef::<leptos::html::Input>::new();
    // The form opens on a click: the cursor goes to its first field.
    // (A frame later: the form is built before it is in the page.)
    Effect::new(move |_| {
        if let Some(el) = desc_ref.get() {
            request_animation_frame(move || {
                let _ = el.focus();
            });
        }
    });
    let live = crate::components::forms::interactive();
    view! {
        <form
            class="entry-form"
            aria-label=title
            // Escape cancels, unless it is closing a picker inside the form.
            on:keydown=move |ev| {
                use wasm_bindgen::JsCast;
                let in_open_picker = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|t| t.closest("details[open]").ok().flatten())
                    .is_some();
                if ev.key() == "Escape" && !in_open_picker {
                    ev.prevent_default();
                    on_done.run(());
                }
            }
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(EntryForm {
                    description: description.get_untracked(),
                    project_id: project.get_untracked(),
                    tag_ids: tags.get_untracked(),
                    billable: billable.get_untracked(),
                    start: start.get_untracked(),
                    end: if running { String::new() } else { end.get_untracked() },
                    confirm_long: confirm_long.get_untracked(),
                    confirm_invoiced: confirm_invoiced.get_untracked(),
                });
            }
        >
            <div class="field field-wide" class:field-invalid=move || field_error("description")().is_some()>
                <label for=desc_id.clone()>"Description"</label>
                <input node_ref=desc_ref id=desc_id.clone() maxlength="2000" autocomplete="off" placeholder="What did you work on?"
                    prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                <p class="field-error" role="alert">{field_error("description")}</p>
            </div>
            {with_catalog(move |c| {
                let (project_id, tags_id) = (project_id.clone(), tags_id.clone());
                view! {
                    <div class="field" class:field-invalid=move || field_error("project_id")().is_some()>
                        <label for=project_id.clone()>"Project"</label>
                        <ProjectSelect id=project_id value=project projects=c.projects clients=c.clients current=current_project.clone()/>
                        <p class="field-error" role="alert">{field_error("project_id")}</p>
                    </div>
                    <div class="field" class:field-invalid=move || field_error("tag_ids")().is_some()>
                        <span class="field-label">"Tags"</span>
                        <TagPicker id=tags_id value=tags tags=c.tags/>
                        <p class="field-error" role="alert">{field_error("tag_ids")}</p>
                    </div>
                }
            })}
            // Beside the project it defaults from; start and end then share a row.
            <label class="check entry-billable" for=billable_id.clone()>
                <input id=billable_id.clone() type="checkbox" prop:checked=is_billable on:change=move |ev| billable.set(Some(event_target_checked(&ev)))/>
                "Billable"
            </label>
            <div class="field" class:field-invalid=move || field_error("start")().is_some()>
                <label for=start_id.clone()>"Start"</label>
                <input id=start_id.clone() type="datetime-local" required=true
                    prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                <p class="field-error" role="alert">{field_error("start")}</p>
            </div>
            {(!running).then(|| view! {
                <div class="field" class:field-invalid=move || field_error("end")().is_some()>
                    <label for=end_id.clone()>"End"</label>
                    <input id=end_id.clone() type="datetime-local" required=true
                        prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/>
                    <p class="field-error" role="alert">{field_error("end")}</p>
                </div>
            })}
            <Show when=move || needs("confirm_long") || confirm_long.get()>
                <div class="confirm-box" role="group" aria-label="Long entry">
                    <p class="field-error" role="alert">{field_error("confirm_long")}</p>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || confirm_long.get() on:change=move |ev| confirm_long.set(event_target_checked(&ev))/>
                        "Yes, this entry is longer than 24 hours"
                    </label>
                </div>
            </Show>
            <Show when=move || invoiced || needs("confirm_invoiced")>
                <div class="confirm-box" role="group" aria-label="Invoiced entry">
                    <p class="field-hint">"This entry is on an invoice. Changing it does not change the invoice."</p>
                    <p class="field-error" role="alert">{field_error("confirm_invoiced")}</p>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || confirm_invoiced.get() on:change=move |ev| confirm_invoiced.set(event_target_checked(&ev))/>
                        "Change it anyway"
                    </label>
                </div>
            </Show>
            <p class="form-error" role="alert">{form_error}</p>
            <LeaveGuard dirty/>
            <div class="actions form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() || !live.get() aria-busy=move || save.pending().get().to_string()>
                    {move || if save.pending().get() { "Saving…" } else if id.is_some() { "Save changes" } else { "Add entry" }}
                </button>
                <button type="button" class="btn btn-secondary" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </form>
    }
}
