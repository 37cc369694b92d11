//! Project and tag pickers. The project picker is a native select grouped
//! by client (type-ahead works); the tag picker is a multi-select with a
//! search box. When tracking, archived projects are not offered unless the
//! entry already uses one; filters offer them after the active ones, marked,
//! so a finished project still has its report.

use crate::components::layout::with_catalog;
use crate::entries::EntryProject;
use crate::types::{Client, Project, Tag};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn ProjectSelect(
    id: String,
    value: RwSignal<Option<Uuid>>,
    #[prop(into)] projects: Signal<Vec<Project>>,
    #[prop(into)] clients: Signal<Vec<Client>>,
    /// The entry's current project, offered even when archived.
    #[prop(default = None)]
    current: Option<EntryProject>,
    #[prop(optional)] class: Option<&'static str>,
    /// The first option: "No project" when picking, "Any project" when filtering.
    #[prop(default = "No project")]
    none_label: &'static str,
    /// Offer every archived project (filters), not only the current one.
    #[prop(optional)]
    with_archived: bool,
) -> impl IntoView {
    let groups = move || {
        project_groups(
            &projects.get(),
            &clients.get(),
            current.as_ref(),
            with_archived,
        )
    };
    view! {
        <select
            id=id
            class=class.unwrap_or("select")
            on:change=move |ev| value.set(event_target_value(&ev).parse::<Uuid>().ok())
        >
            <option value="" selected=move || value.get().is_none()>{none_label}</option>
            {move || groups().into_iter().map(|(label, items)| view! {
                <optgroup label=label>
                    {items.into_iter().map(|(pid, name)| view! {
                        <option value=pid.to_string() selected=move || value.get() == Some(pid)>{name}</option>
                    }).collect_view()}
                </optgroup>
            }).collect_view()}
        </select>
    }
}

/// `#dev #meetings`, as lists show tags.
pub fn tag_names(tags: &[Tag]) -> String {
    tags.iter()
        .map(|t| format!("#{}", t.name))
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn TagPicker(
    id: String,
    value: RwSignal<Vec<Uuid>>,
    #[prop(into)] tags: Signal<Vec<Tag>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let summary = move || {
        let chosen: Vec<Tag> = tags
            .get()
            .into_iter()
            .filter(|t| value.get().contains(&t.id))
            .collect();
        if chosen.is_empty() {
            "Tags".to_string()
        } else {
            tag_names(&chosen)
        }
    };
    let shown = move || {
        let q = super::case::lower(query.get().trim().trim_start_matches('#'));
        tags.get()
            .into_iter()
            .filter(|t| q.is_empty() || super::case::lower(&t.name).contains(&q))
            .collect::<Vec<_>>()
    };
    let search_id = format!("{id}-search");
    view! {
        <details class="picker" id=id.clone()>
            <summary class="select picker-summary">
                <span class="sr-only">"Tags: "</span>
                <span>{summary}</span>
            </summary>
            <div class="picker-panel">
                <label class="sr-only" for=search_id.clone()>"Search tags"</label>
                <input
                    id=search_id
                    type="search"
                    class="picker-search"
                    placeholder="Search tags"
                    autocomplete="off"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                <fieldset class="picker-options">
                    <legend class="sr-only">"Tags"</legend>
                    <For each=shown key=|t| t.id let:t>
                        {
                            let tid = t.id;
                            view! {
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || value.get().contains(&tid)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            value.update(|v| {
                                                v.retain(|x| *x != tid);
                                                if on {
                                                    v.push(tid);
                                                }
                                            });
                                        }
                                    />
                                    <span class="dot" style=format!("background:{}", t.color) aria-hidden="true"></span>
                                    {format!("#{}", t.name)}
                                </label>
                            }
                        }
                    </For>
                    <Show when=move || shown().is_empty()>
                        <p class="muted picker-empty">{move || if tags.get().is_empty() { "No tags yet. Create them on the Tags page." } else { "No tags match." }}</p>
                    </Show>
                </fieldset>
            </div>
        </details>
    }
}

/// A project select's option groups: active projects under their client's
/// name in order of the names, "No client" after them, then the archived
/// ones offered (every one with `with_archived`, else only `current`).
fn project_groups(
    projects: &[Project],
    clients: &[Client],
    current: Option<&EntryProject>,
    with_archived: bool,
) -> Vec<(String, Vec<(Uuid, String)>)> {
    let mut groups: Vec<(String, Vec<(Uuid, String)>)> = Vec::new();
    let mut archived: Vec<(Uuid, String)> = Vec::new();
    let current_id = current.map(|c| c.id);
    // Kept in order as they are made, not sorted: the first download would
    // carry the standard library's sort for these few groups.
    fn key(l: &str) -> (bool, &str) {
        (l == "No client", l)
    }
    for p in projects {
        if p.archived {
            if with_archived || current_id == Some(p.id) {
                archived.push((p.id, format!("{} (archived)", p.name)));
            }
            continue;
        }
        let label = p
            .client_id
            .and_then(|c| clients.iter().find(|x| x.id == c))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "No client".into());
        let at = groups.partition_point(|g| key(&g.0) < key(&label));
        match groups.get_mut(at).filter(|g| g.0 == label) {
            Some(g) => g.1.push((p.id, p.name.clone())),
            None => groups.insert(at, (label, vec![(p.id, p.name.clone())])),
        }
    }
    // A project deleted since the entry was loaded is still shown as set.
    if let Some(cur) = current {
        if !projects.iter().any(|p| p.id == cur.id) {
            archived.push((cur.id, format!("{} (archived)", cur.name)));
        }
    }
    if !archived.is_empty() {
        groups.push(("Archived".into(), archived));
    }
    groups
}

/// A client select's options: active clients, then archived ones in an
/// "Archived" group, each marked, so a finished client can still be picked.
pub fn client_options(
    clients: Vec<Client>,
    selected: impl Fn(Uuid) -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (archived, active): (Vec<Client>, Vec<Client>) =
        clients.into_iter().partition(|c| c.archived);
    let option = move |c: Client| {
        let cid = c.id;
        let name = if c.archived {
            format!("{} (archived)", c.name)
        } else {
            c.name
        };
        view! { <option value=cid.to_string() selected=move || selected(cid)>{name}</option> }
    };
    view! {
        {active.into_iter().map(option).collect_view()}
        {(!archived.is_empty()).then(|| view! {
            <optgroup label="Archived">{archived.into_iter().map(option).collect_view()}</optgroup>
        })}
    }
}

/// The project, client and tag filters of the entries and reports pages,
/// rendered once the catalogue has loaded. Ids are `{id_prefix}-project`,
/// `{id_prefix}-client` and `{id_prefix}-tags`.
#[component]
pub fn CatalogFilters(
    id_prefix: &'static str,
    project: RwSignal<Option<Uuid>>,
    client: RwSignal<Option<Uuid>>,
    tags: RwSignal<Vec<Uuid>>,
) -> impl IntoView {
    let (project_id, client_id, tags_id) = (
        format!("{id_prefix}-project"),
        format!("{id_prefix}-client"),
        format!("{id_prefix}-tags"),
    );
    with_catalog(move |c| {
        let clients = c.clients.clone();
        view! {
            <div class="field">
                <label for=project_id.clone()>"Project"</label>
                <ProjectSelect id=project_id.clone() value=project projects=c.projects clients=c.clients none_label="Any project" with_archived=true/>
            </div>
            <div class="field">
                <label for=client_id.clone()>"Client"</label>
                <select id=client_id.clone() class="select" on:change=move |ev| client.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || client.get().is_none()>"Any client"</option>
                    {client_options(clients, move |cid| client.get() == Some(cid))}
                </select>
            </div>
            <div class="field">
                <span class="field-label">"Tags"</span>
                <TagPicker id=tags_id.clone() value=tags tags=c.tags/>
            </div>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_group_by_client_name_with_no_client_and_archived_last() {
        let id = Uuid::from_u128;
        let client = |n: u128, name: &str| Client {
            id: id(n),
            name: name.into(),
            archived: false,
        };
        let project = |n: u128, name: &str, client: Option<u128>, archived: bool| Project {
            id: id(n),
            name: name.into(),
            client_id: client.map(id),
            color: "#000000".into(),
            billable: true,
            hourly_rate_cents: None,
            archived,
        };
        let clients = [client(1, "Zeta"), client(2, "Acme")];
        let projects = [
            project(10, "Site", Some(1), false),
            project(11, "Chores", None, false),
            project(12, "Api", Some(2), false),
            project(13, "Old", Some(2), true),
            project(14, "App", Some(1), false),
        ];
        let names = |groups: Vec<(String, Vec<(Uuid, String)>)>| {
            groups
                .into_iter()
                .map(|(g, items)| (g, items.into_iter().map(|(_, n)| n).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        let owned = |g: &str, items: &[&str]| {
            (
                g.to_string(),
                items.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            names(project_groups(&projects, &clients, None, false)),
            [
                owned("Acme", &["Api"]),
                owned("Zeta", &["Site", "App"]),
                owned("No client", &["Chores"])
            ]
        );
        let gone = EntryProject {
            id: id(99),
            name: "Gone".into(),
            color: "#000000".into(),
            client_name: None,
        };
        assert_eq!(
            names(project_groups(&projects, &clients, Some(&gone), true)).pop(),
            Some(owned("Archived", &["Old (archived)", "Gone (archived)"]))
        );
    }
}
