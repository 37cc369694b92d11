//! Workspace settings → Data: Export CSV of time entries (everyone, their
//! own time for members), Export JSON (a plain download form), Import
//! JSON (choose a file, see what it will do, confirm) and Clear Workspace.
//! The server checks who may do what whatever this page shows.

mod clear;
mod import;
mod time_export;

use super::workspace_settings::Header;
use crate::components::layout::with_me;
use crate::types::Role;
use clear::ClearSection;
use import::ImportSection;
use leptos::prelude::*;
use time_export::TimeExportSection;

#[component]
pub fn DataPage() -> impl IntoView {
    view! {
        <Header/>
        {with_me(move |me| {
            let ws = me.current.clone();
            let manager = ws.role.can_manage();
            let name = ws.name.clone();
            let jobs = Jobs {
                version: RwSignal::new(0),
                running: RwSignal::new(false),
                ended: RwSignal::new(None),
            };
            view! {
                <TimeExportSection manager/>
                <section class="card" aria-labelledby="backup-heading">
                    <h2 id="backup-heading">"Back up this workspace"</h2>
                    <p>"Export JSON downloads a complete backup of "<strong>{ws.name.clone()}</strong>": clients, projects, tags, invoices and time entries, with its members, currency and default rate. Use JSON for full backup and restore."</p>
                    <p class="muted">"Export a backup before major changes, and keep the file safe: it holds client names, invoice details and your time history. Passwords, sessions and API tokens are never in it."</p>
                    <Show when=move || manager fallback=|| view! {
                        <p>"Only owners and admins can export the workspace's backup."</p>
                    }>
                        <form method="get" action="/exports/backup" class="form form-inline">
                            <label class="check" for="backup-gzip">
                                <input id="backup-gzip" type="checkbox" name="gzip" value="true"/>
                                "Compress the file (.json.gz)"
                            </label>
                            <button type="submit" class="btn btn-primary">"Export JSON"</button>
                        </form>
                    </Show>
                </section>
                {manager.then(|| view! { <ImportSection workspace=name.clone() jobs/> })}
                {manager.then(|| view! { <ClearSection workspace=name.clone() owner={ws.role == Role::Owner} jobs/> })}
            }
        })}
    }
}

/// The workspace's import job, shared by the two sections that start one
/// (Import JSON, and Undo clear, which imports the clear's backup).
#[derive(Clone, Copy)]
struct Jobs {
    /// Moved to ask for the latest job again.
    version: RwSignal<u32>,
    /// Whether a job is running (set by the import section, which follows
    /// it and shows its progress).
    running: RwSignal<bool>,
    /// The latest job, once the import section has seen it end. A job can
    /// end before that section first asks about it (an Undo clear of a few
    /// entries): then `running` never moves, and this is what tells the
    /// clear's record to be read again.
    ended: RwSignal<Option<uuid::Uuid>>,
}

/// A moment as the Data tab writes it (UTC: the same on every instance).
fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
