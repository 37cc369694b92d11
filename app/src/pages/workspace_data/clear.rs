//! Clear Workspace on the Data tab, and the undo of the last clear.

use super::{plural, when, Jobs};
use crate::backup::clear::{
    clear_summary, last_clear, undo_clear, ClearRecord, ClearWorkspace, UNDO_DAYS,
};
use crate::components::forms::{action_error, FormError};
use crate::components::layout::WriteArea;
use crate::components::loaded::load;
use leptos::prelude::*;

/// Clear Workspace (owners), and the undo of the last clear.
#[component]
pub(super) fn ClearSection(workspace: String, owner: bool, jobs: Jobs) -> impl IntoView {
    let clear = ServerAction::<ClearWorkspace>::new();
    // The undo runs as an import job: the import section above follows it
    // and shows its progress; the record here is read again when it ends.
    let undo = Action::new(|id: &uuid::Uuid| undo_clear(*id));
    let last = load(
        move || {
            (
                clear.version().get(),
                undo.version().get(),
                jobs.running.get(),
                jobs.ended.get(),
            )
        },
        |_| last_clear(),
    );
    Effect::new(move |_| {
        if let Some(Ok(_)) = undo.value().get() {
            jobs.version.update(|v| *v += 1);
        }
    });
    let summary = Action::new(|_: &()| clear_summary());
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let error = action_error(clear);
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let want = open.get();
        if let Some(d) = dialog.get() {
            if want && !d.open() {
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = clear.value().get() {
            open.set(false);
            typed.set(String::new());
            // An earlier undo's note is about an earlier clear.
            undo.value().set(None);
        }
    });
    let name = workspace.clone();
    let matches = move || typed.get().trim() == name.trim();
    let start = move |_| {
        summary.dispatch(());
        typed.set(String::new());
        open.set(true);
    };
    let undo_message = move || match undo.value().get() {
        Some(Ok(_)) if jobs.running.get() => Some(
            "Restoring the cleared data: its progress shows under “Restore from a backup” above."
                .to_string(),
        ),
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(e.to_string()),
        None => None,
    };
    let ws_title = workspace.clone();
    view! {
        <section class="card" aria-labelledby="clear-heading">
            <h2 id="clear-heading">"Clear Workspace"</h2>
            <p>"Clear Workspace deletes the time entries, projects, clients and tags of "<strong>{workspace.clone()}</strong>" and stops every member's running timer. It is not like archiving, which hides old clients or projects but keeps their history. Members and settings stay."</p>
            <p class="muted">{format!("You can undo a clear from this tab for {UNDO_DAYS} days. Export JSON first if you want a copy of your own.")}</p>
            <Transition fallback=|| ()>
                {move || last.get().and_then(|r| r.ok()).flatten().map(|rec: ClearRecord| {
                    let id = rec.id;
                    let line = format!(
                        "Cleared on {} by {}: {}.",
                        when(rec.cleared_at),
                        rec.cleared_by,
                        plural(rec.time_entries as u64, "time entry", "time entries")
                    );
                    view! {
                        <div class="notice clear-record" role="status">
                            <span>{line}</span>
                            {match rec.restored_at {
                                Some(at) => view! { <span>{format!(" Restored on {}.", when(at))}</span> }.into_any(),
                                None if owner => view! {
                                    <button type="button" class="btn btn-secondary btn-small"
                                        disabled=move || undo.pending().get() || jobs.running.get()
                                        on:click=move |_| { undo.dispatch(id); }>
                                        "Undo clear"
                                    </button>
                                    <span class="muted">{format!(" (until {})", rec.expires_at.format("%-d %B %Y"))}</span>
                                }.into_any(),
                                None => ().into_any(),
                            }}
                        </div>
                    }
                })}
            </Transition>
            <p role="status">{undo_message}</p>
            {if owner {
                view! {
                    <WriteArea><button type="button" class="btn btn-danger" on:click=start>"Clear Workspace"</button></WriteArea>
                }.into_any()
            } else {
                view! { <p>"Only the workspace's owner can clear it."</p> }.into_any()
            }}
            <dialog node_ref=dialog class="dialog" aria-labelledby="clear-dialog-title" on:close=move |_| open.set(false)>
                <h2 id="clear-dialog-title">{format!("Clear Workspace “{ws_title}”?")}</h2>
                <Transition fallback=|| view! { <p>"Counting what will go…"</p> }>
                    {move || summary.value().get().map(|r| match r {
                        Ok(s) => view! {
                            <p>{format!(
                                "This deletes {}, {}, {} and {}, and stops {}.",
                                plural(s.time_entries, "time entry", "time entries"),
                                plural(s.projects, "project", "projects"),
                                plural(s.clients, "client", "clients"),
                                plural(s.tags, "tag", "tags"),
                                plural(s.running_timers, "running timer", "running timers"),
                            )}</p>
                            <p class="muted">{match s.invoices {
                                0 => String::new(),
                                1 => "The workspace's invoice stays unless you tick the box below. ".to_string(),
                                n => format!("The workspace's {n} invoices stay unless you tick the box below. "),
                            }}"Invoices keep their own copy of the client, lines and totals; deleted with the time entries, the entries lose their link to them."</p>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })}
                </Transition>
                <ActionForm action=clear attr:class="form">
                    <FormError error/>
                    <label class="check" for="clear-invoices">
                        <input id="clear-invoices" type="checkbox" name="include_invoices" value="on"/>
                        "Also delete invoices"
                    </label>
                    <div class="field">
                        <label for="clear-confirm-name">"Type the workspace's name to confirm"</label>
                        <input id="clear-confirm-name" class="input" name="confirm_name" autocomplete="off" required=true
                            aria-describedby="clear-confirm-hint"
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))/>
                        <p id="clear-confirm-hint" class="field-hint">{format!("“{workspace}”")}</p>
                    </div>
                    <div class="actions dialog-actions">
                        <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="btn btn-danger" disabled=move || !matches() || clear.pending().get()>
                            {move || if clear.pending().get() { "Clearing…" } else { "Clear Workspace" }}
                        </button>
                    </div>
                </ActionForm>
            </dialog>
        </section>
    }
}
