//! Clients, Projects and Tags pages: create, edit, archive and delete the
//! things time is tracked against. Owners and admins manage them; members
//! see them.

use crate::clients::{create_client, delete_client, list_clients, update_client};
use crate::components::feedback::{use_toasts, ConfirmDialog};
use crate::components::forms::{bind_typed, bind_typed_with, redirect_if_signed_out};
use crate::components::layout::{use_catalog, use_me, ManagersOnly, WriteArea};
use crate::components::loaded::load;
use crate::error::AppError;
use crate::periods::money;
use crate::projects::{
    create_project, delete_project, list_projects, update_project, ProjectInput,
};
use crate::tags::{delete_tag, list_tags, save_tag};
use crate::types::{ArchiveFilter, Client, Project, Tag};
use leptos::prelude::*;
use uuid::Uuid;

fn currency() -> Signal<String> {
    let me = use_me().0;
    Signal::derive(move || {
        me.get()
            .and_then(|r| r.ok())
            .map(|m| m.current.currency)
            .unwrap_or_default()
    })
}

/// The error of the latest run of an action, if it failed.
fn failed<I: 'static + Send + Sync, O: 'static + Send + Sync + Clone>(
    a: Action<I, Result<O, AppError>>,
) -> Signal<Option<AppError>> {
    Signal::derive(move || a.value().get().and_then(|r| r.err()))
}

fn field_msg(
    err: Signal<Option<AppError>>,
    name: &'static str,
) -> impl Fn() -> Option<String> + Copy {
    move || err.get().and_then(|e| e.field_message(name))
}

fn form_msg(err: Signal<Option<AppError>>) -> impl Fn() -> Option<String> + Copy {
    move || {
        err.get()
            .filter(|e| !e.is_field_error())
            .map(|e| e.to_string())
    }
}

#[component]
fn ArchiveToggle(filter: RwSignal<ArchiveFilter>, id: &'static str) -> impl IntoView {
    view! {
        <div class="field field-inline">
            <label for=id>"Show"</label>
            <select id=id class="select select-small" on:change=move |ev| filter.set(match event_target_value(&ev).as_str() {
                "archived" => ArchiveFilter::Archived,
                "all" => ArchiveFilter::All,
                _ => ArchiveFilter::Active,
            })>
                <option value="active" selected=move || filter.get() == ArchiveFilter::Active>"Active"</option>
                <option value="archived" selected=move || filter.get() == ArchiveFilter::Archived>"Archived"</option>
                <option value="all" selected=move || filter.get() == ArchiveFilter::All>"All"</option>
            </select>
        </div>
    }
}

// ---------------------------------------------------------------- Clients

#[component]
pub fn ClientsPage() -> impl IntoView {
    let me = use_me().0;
    let catalog = use_catalog();
    let toasts = use_toasts();
    let filter = RwSignal::new(ArchiveFilter::Active);
    let name = RwSignal::new(String::new());
    let create = Action::new(|n: &String| {
        let n = n.clone();
        async move { create_client(n).await }
    });
    let update = Action::new(|(c, archived): &(Client, bool)| {
        let (c, archived) = (c.clone(), *archived);
        async move { update_client(c.id, c.name, archived).await }
    });
    // Edit fills the form above with the client; saving renames it.
    let editing: RwSignal<Option<Client>> = RwSignal::new(None);
    let input = NodeRef::<leptos::html::Input>::new();
    bind_typed(input, name);
    let rename = Action::new(|c: &Client| {
        let c = c.clone();
        async move { update_client(c.id, c.name, c.archived).await }
    });
    let delete = Action::new(|id: &Uuid| {
        let id = *id;
        async move { delete_client(id).await }
    });
    let list = load(
        move || {
            (
                filter.get(),
                create.version().get(),
                update.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |(f, ..)| list_clients(f),
    );
    Effect::new(move |_| match rename.value().get() {
        Some(Ok(c)) => {
            name.set(String::new());
            editing.set(None);
            catalog.refetch();
            toasts.show(format!("Client “{}” saved.", c.name), None);
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(c)) => {
            name.set(String::new());
            catalog.refetch();
            toasts.show(format!("Client “{}” added.", c.name), None);
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(c)) = update.value().get() {
            catalog.refetch();
            toasts.show(
                format!(
                    "Client “{}” {}.",
                    c.name,
                    if c.archived { "archived" } else { "restored" }
                ),
                None,
            );
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            catalog.refetch();
            toasts.show("Client deleted.", None);
        }
    });
    let (created, renamed) = (failed(create), failed(rename));
    let err = Signal::derive(move || {
        if editing.get().is_some() {
            renamed.get()
        } else {
            created.get()
        }
    });
    let row_err = Signal::derive(move || failed(update).get().or_else(|| failed(delete).get()));
    let submit = move || {
        let n = name.get_untracked();
        match editing.get_untracked() {
            Some(c) => {
                rename.dispatch(Client { name: n, ..c });
            }
            None => {
                create.dispatch(n);
            }
        }
    };
    let confirm = RwSignal::new(false);
    let target: RwSignal<Option<Client>> = RwSignal::new(None);
    let live = crate::components::forms::interactive();
    view! {
        <div class="page-header">
            <h1>"Clients"</h1>
            <p class="lead">"Who the work is for. Projects belong to a client; reports and invoices group by them."</p>
        </div>
        <ManagersOnly>
            <section class="card">
                <h2>{move || match editing.get() { Some(c) => format!("Edit client “{}”", c.name), None => "Add a client".to_string() }}</h2>
                <WriteArea><form class="form form-inline" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    <div class="field" class:field-invalid=move || field_msg(err, "name")().is_some()>
                        <label for="client-name">"Client name"</label>
                        <input id="client-name" node_ref=input required=true maxlength="200" value=name.get_untracked() on:input=move |ev| name.set(event_target_value(&ev))/>
                        <p class="field-error" role="alert">{field_msg(err, "name")}</p>
                    </div>
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get() || rename.pending().get() || !live.get()>
                        {move || match (editing.get().is_some(), create.pending().get() || rename.pending().get()) {
                            (true, true) => "Saving…",
                            (true, false) => "Save client",
                            (false, true) => "Adding…",
                            (false, false) => "Add client",
                        }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class="btn btn-secondary" on:click=move |_| { editing.set(None); name.set(String::new()); }>"Cancel"</button>
                    </Show>
                    <p class="form-error" role="alert">{form_msg(err)}</p>
                </form></WriteArea>
            </section>
        </ManagersOnly>
        <section class="card">
            <div class="card-toolbar">
                <h2>"All clients"</h2>
                <ArchiveToggle filter id="clients-show"/>
            </div>
            <p class="form-error" role="alert">{move || row_err.get().map(|e| e.to_string())}</p>
            <Transition fallback=|| view! { <div class="skeleton skeleton-table"></div> }>
                {move || Suspend::new(async move {
                    // Awaited here, so the row actions are rendered the same on
                    // the server and in the browser.
                    let manage = me.await.is_ok_and(|m| m.current.role.can_manage());
                    match list.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(items) if items.is_empty() => view! {
                        <p class="empty">{move || if filter.get() == ArchiveFilter::Archived { "No archived clients." } else { "No clients yet. Add the first one above." }}</p>
                    }.into_any(),
                    Ok(items) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col" class="cell-actions"><span class="sr-only">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|c| {
                                        let (c1, c2, ce) = (c.clone(), c.clone(), c.clone());
                                        view! {
                                            <tr>
                                                <td>{c.name.clone()}</td>
                                                <td>{if c.archived { view! { <span class="badge">"Archived"</span> }.into_any() } else { view! { <span class="muted">"Active"</span> }.into_any() }}</td>
                                                <td class="cell-actions">
                                                    <WriteArea compact=true><Show when=move || manage>
                                                        <button type="button" class="btn btn-small btn-secondary" aria-label=format!("Edit client {}", ce.name) on:click={ let c = ce.clone(); move |_| {
                                                            name.set(c.name.clone());
                                                            editing.set(Some(c.clone()));
                                                            // The form is at the top: bring it to the person.
                                                            if let Some(el) = input.get_untracked() { let _ = el.focus(); }
                                                        } }>"Edit"</button>
                                                        " "
                                                        <button type="button" class="btn btn-small btn-secondary" on:click={ let c = c1.clone(); move |_| { update.dispatch((c.clone(), !c.archived)); } }>
                                                            {if c1.archived { "Unarchive" } else { "Archive" }}
                                                        </button>
                                                        " "
                                                        <button type="button" class="btn btn-small btn-danger" aria-label=format!("Delete client {}", c2.name) on:click={ let c = c2.clone(); move |_| { target.set(Some(c.clone())); confirm.set(true); } }>"Delete"</button>
                                                    </Show></WriteArea>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }})}
            </Transition>
        </section>
        <ConfirmDialog
            id="delete-client"
            open=confirm
            title=Signal::derive(move || format!("Delete client “{}”?", target.get().map(|c| c.name).unwrap_or_default()))
            message="This cannot be undone. Its projects stay, without a client, and all time entries are kept. To hide the client but keep it on its projects, archive it instead."
            confirm_label="Delete client"
            on_confirm=Callback::new(move |_| { if let Some(c) = target.get_untracked() { delete.dispatch(c.id); } })
        />
    }
}

// ---------------------------------------------------------------- Projects

fn blank_project() -> ProjectInput {
    ProjectInput {
        name: String::new(),
        client_id: None,
        color: "#4f46e5".into(),
        billable: true,
        hourly_rate: String::new(),
        archived: false,
    }
}

fn rate_text(cents: Option<i64>) -> String {
    cents
        .map(|c| format!("{}.{:02}", c / 100, c % 100))
        .unwrap_or_default()
}

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let me = use_me().0;
    let currency = currency();
    let catalog = use_catalog();
    let toasts = use_toasts();
    let filter = RwSignal::new(ArchiveFilter::Active);
    let form = RwSignal::new(blank_project());
    let editing: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let save = Action::new(|(id, input): &(Option<Uuid>, ProjectInput)| {
        let (id, input) = (*id, input.clone());
        async move {
            match id {
                Some(id) => update_project(id, input).await,
                None => create_project(input).await,
            }
        }
    });
    let archive = Action::new(|p: &Project| {
        let p = p.clone();
        async move {
            update_project(
                p.id,
                ProjectInput {
                    name: p.name,
                    client_id: p.client_id,
                    color: p.color,
                    billable: p.billable,
                    hourly_rate: rate_text(p.hourly_rate_cents),
                    archived: !p.archived,
                },
            )
            .await
        }
    });
    let delete = Action::new(|id: &Uuid| {
        let id = *id;
        async move { delete_project(id, true).await }
    });
    let clients = load(|| (), |_| list_clients(ArchiveFilter::All));
    let list = load(
        move || {
            (
                filter.get(),
                save.version().get(),
                archive.version().get(),
                delete.version().get(),
            )
        },
        |(f, ..)| list_projects(f),
    );
    Effect::new(move |_| match save.value().get() {
        Some(Ok(p)) => {
            toasts.show(
                format!(
                    "Project “{}” {}.",
                    p.name,
                    if editing.get_untracked().is_some() {
                        "saved"
                    } else {
                        "added"
                    }
                ),
                None,
            );
            form.set(blank_project());
            editing.set(None);
            catalog.refetch();
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = archive.value().get() {
            catalog.refetch();
            toasts.show(
                format!(
                    "Project “{}” {}.",
                    p.name,
                    if p.archived { "archived" } else { "restored" }
                ),
                None,
            );
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            catalog.refetch();
            toasts.show("Project deleted. Its time entries were kept.", None);
        }
    });
    let err = failed(save);
    let row_err = Signal::derive(move || failed(archive).get().or_else(|| failed(delete).get()));
    let confirm = RwSignal::new(false);
    let target: RwSignal<Option<Project>> = RwSignal::new(None);
    let client_list =
        Signal::derive(move || clients.get().and_then(|r| r.ok()).unwrap_or_default());
    let client_name = move |id: Option<Uuid>| {
        id.and_then(|id| client_list.get().into_iter().find(|c| c.id == id))
            .map(|c| c.name)
    };
    let set = move |f: fn(&mut ProjectInput, String)| {
        move |ev: leptos::ev::Event| form.update(|p| f(p, event_target_value(&ev)))
    };
    // Typed before the page became interactive, kept (see `bind_typed`).
    let (name_input, rate_input) = (NodeRef::new(), NodeRef::new());
    bind_typed_with(
        name_input,
        move || form.with(|f| f.name.clone()),
        move |v| form.update(|f| f.name = v),
    );
    bind_typed_with(
        rate_input,
        move || form.with(|f| f.hourly_rate.clone()),
        move |v| form.update(|f| f.hourly_rate = v),
    );
    let live = crate::components::forms::interactive();
    view! {
        <div class="page-header">
            <h1>"Projects"</h1>
            <p class="lead">"What you track time on: an optional client, a colour, whether its time is billable, and its hourly rate."</p>
        </div>
        <ManagersOnly>
            <section class="card" id="project-form-card">
                <h2>{move || if editing.get().is_some() { "Edit project" } else { "Add a project" }}</h2>
                <WriteArea><form class="form form-grid" on:submit=move |ev| { ev.prevent_default(); save.dispatch((editing.get_untracked(), form.get_untracked())); }>
                    <div class="field" class:field-invalid=move || field_msg(err, "name")().is_some()>
                        <label for="project-name">"Project name"</label>
                        <input id="project-name" node_ref=name_input required=true maxlength="200" value=form.with_untracked(|f| f.name.clone()) on:input=set(|p, v| p.name = v)/>
                        <p class="field-error" role="alert">{field_msg(err, "name")}</p>
                    </div>
                    <div class="field" class:field-invalid=move || field_msg(err, "client_id")().is_some()>
                        <label for="project-client">"Client"</label>
                        <select id="project-client" class="select" on:change=move |ev| form.update(|p| p.client_id = event_target_value(&ev).parse().ok())>
                            <option value="" selected=move || form.get().client_id.is_none()>"No client"</option>
                            {move || client_list.get().into_iter().filter(|c| !c.archived || form.get().client_id == Some(c.id)).map(|c| {
                                let cid = c.id;
                                view! { <option value=cid.to_string() selected=move || form.get().client_id == Some(cid)>{c.name}</option> }
                            }).collect_view()}
                        </select>
                        <p class="field-error" role="alert">{field_msg(err, "client_id")}</p>
                    </div>
                    <div class="field" class:field-invalid=move || field_msg(err, "color")().is_some()>
                        <label for="project-color">"Colour"</label>
                        <input id="project-color" type="color" class="color-input" prop:value=move || form.get().color on:input=set(|p, v| p.color = v)/>
                        <p class="field-error" role="alert">{field_msg(err, "color")}</p>
                    </div>
                    <div class="field" class:field-invalid=move || field_msg(err, "hourly_rate")().is_some()>
                        <label for="project-rate">{move || format!("Hourly rate ({})", currency.get())}</label>
                        <input id="project-rate" node_ref=rate_input inputmode="decimal" placeholder="Workspace default" aria-describedby="project-rate-hint" value=form.with_untracked(|f| f.hourly_rate.clone()) on:input=set(|p, v| p.hourly_rate = v)/>
                        <p class="field-hint" id="project-rate-hint">"Leave empty to use the workspace's default rate."</p>
                        <p class="field-error" role="alert">{field_msg(err, "hourly_rate")}</p>
                    </div>
                    <label class="check" for="project-billable">
                        <input id="project-billable" type="checkbox" prop:checked=move || form.get().billable on:change=move |ev| form.update(|p| p.billable = event_target_checked(&ev))/>
                        "New entries are billable"
                    </label>
                    <p class="form-error" role="alert">{form_msg(err)}</p>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() || !live.get()>
                            {move || match (save.pending().get(), editing.get().is_some()) { (true, _) => "Saving…", (false, true) => "Save changes", (false, false) => "Add project" }}
                        </button>
                        <Show when=move || editing.get().is_some()>
                            <button type="button" class="btn btn-secondary" on:click=move |_| { editing.set(None); form.set(blank_project()); }>"Cancel"</button>
                        </Show>
                    </div>
                </form></WriteArea>
            </section>
        </ManagersOnly>
        <section class="card">
            <div class="card-toolbar">
                <h2>"All projects"</h2>
                <ArchiveToggle filter id="projects-show"/>
            </div>
            <p class="form-error" role="alert">{move || row_err.get().map(|e| e.to_string())}</p>
            <Transition fallback=|| view! { <div class="skeleton skeleton-table"></div> }>
                {move || Suspend::new(async move {
                    // Awaited here, so the row actions are rendered the same on
                    // the server and in the browser.
                    let manage = me.await.is_ok_and(|m| m.current.role.can_manage());
                    // The client column reads the client list.
                    let _ = clients.await;
                    match list.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(items) if items.is_empty() => view! {
                        <p class="empty">{move || if filter.get() == ArchiveFilter::Archived { "No archived projects." } else { "No projects yet. Add the first one above." }}</p>
                    }.into_any(),
                    Ok(items) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr>
                                    <th scope="col">"Project"</th><th scope="col">"Client"</th><th scope="col">"Billable"</th>
                                    <th scope="col" class="num">"Rate"</th><th scope="col">"Status"</th>
                                    <th scope="col" class="cell-actions"><span class="sr-only">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {items.into_iter().map(|p| {
                                        let (pe, pa, pd) = (p.clone(), p.clone(), p.clone());
                                        view! {
                                            <tr>
                                                <td><span class="dot" style=format!("background:{}", p.color) aria-hidden="true"></span>" "{p.name.clone()}</td>
                                                <td>{move || client_name(p.client_id).unwrap_or_else(|| "—".into())}</td>
                                                <td>{if p.billable { "Yes" } else { "No" }}</td>
                                                <td class="amount">{match p.hourly_rate_cents { Some(c) => format!("{} {}", money(c), currency.get_untracked()), None => "Default".into() }}</td>
                                                <td>{if p.archived { view! { <span class="badge">"Archived"</span> }.into_any() } else { view! { <span class="muted">"Active"</span> }.into_any() }}</td>
                                                <td class="cell-actions">
                                                    <WriteArea compact=true><Show when=move || manage>
                                                        <button type="button" class="btn btn-small btn-secondary" aria-label=format!("Edit project {}", pe.name) on:click={ let p = pe.clone(); move |_| {
                                                            editing.set(Some(p.id));
                                                            form.set(ProjectInput { name: p.name.clone(), client_id: p.client_id, color: p.color.clone(), billable: p.billable, hourly_rate: rate_text(p.hourly_rate_cents), archived: p.archived });
                                                            if let Some(el) = document().get_element_by_id("project-name") { let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus(); }
                                                        } }>"Edit"</button>
                                                        " "
                                                        <button type="button" class="btn btn-small btn-secondary" on:click={ let p = pa.clone(); move |_| { archive.dispatch(p.clone()); } }>
                                                            {if pa.archived { "Unarchive" } else { "Archive" }}
                                                        </button>
                                                        " "
                                                        <button type="button" class="btn btn-small btn-danger" aria-label=format!("Delete project {}", pd.name) on:click={ let p = pd.clone(); move |_| { target.set(Some(p.clone())); confirm.set(true); } }>"Delete"</button>
                                                    </Show></WriteArea>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }})}
            </Transition>
        </section>
        <ConfirmDialog
            id="delete-project"
            open=confirm
            title=Signal::derive(move || format!("Delete project “{}”?", target.get().map(|p| p.name).unwrap_or_default()))
            message="This cannot be undone. Its time entries are kept, without a project. To hide the project but keep it on its entries and in reports, archive it instead."
            confirm_label="Delete project, keep entries"
            on_confirm=Callback::new(move |_| { if let Some(p) = target.get_untracked() { delete.dispatch(p.id); } })
        />
    }
}

// ---------------------------------------------------------------- Tags

#[component]
pub fn TagsPage() -> impl IntoView {
    let me = use_me().0;
    let catalog = use_catalog();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let tag_input = NodeRef::<leptos::html::Input>::new();
    bind_typed(tag_input, name);
    let color = RwSignal::new("#10b981".to_string());
    let editing: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let save = Action::new(|(id, n, c): &(Option<Uuid>, String, String)| {
        let (id, n, c) = (*id, n.clone(), c.clone());
        async move { save_tag(id, n, c).await }
    });
    let delete = Action::new(|id: &Uuid| {
        let id = *id;
        async move { delete_tag(id).await }
    });
    let list = load(
        move || (save.version().get(), delete.version().get()),
        |_| list_tags(),
    );
    Effect::new(move |_| match save.value().get() {
        Some(Ok(t)) => {
            toasts.show(format!("Tag #{} saved.", t.name), None);
            name.set(String::new());
            editing.set(None);
            catalog.refetch();
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            catalog.refetch();
            toasts.show("Tag deleted.", None);
        }
    });
    let err = failed(save);
    let confirm = RwSignal::new(false);
    let target: RwSignal<Option<Tag>> = RwSignal::new(None);
    let live = crate::components::forms::interactive();
    view! {
        <div class="page-header">
            <h1>"Tags"</h1>
            <p class="lead">"Labels such as #meetings or #dev. Entries can carry any number of them; lists, reports and exports filter by them."</p>
        </div>
        <ManagersOnly>
            <section class="card">
                <h2>{move || if editing.get().is_some() { "Edit tag" } else { "Add a tag" }}</h2>
                <WriteArea><form class="form form-inline" on:submit=move |ev| { ev.prevent_default(); save.dispatch((editing.get_untracked(), name.get_untracked(), color.get_untracked())); }>
                    <div class="field" class:field-invalid=move || field_msg(err, "name")().is_some()>
                        <label for="tag-name">"Tag name"</label>
                        <input id="tag-name" node_ref=tag_input required=true maxlength="100" placeholder="meetings" value=name.get_untracked() on:input=move |ev| name.set(event_target_value(&ev))/>
                        <p class="field-error" role="alert">{field_msg(err, "name")}</p>
                    </div>
                    <div class="field" class:field-invalid=move || field_msg(err, "color")().is_some()>
                        <label for="tag-color">"Colour"</label>
                        <input id="tag-color" type="color" class="color-input" prop:value=move || color.get() on:input=move |ev| color.set(event_target_value(&ev))/>
                        <p class="field-error" role="alert">{field_msg(err, "color")}</p>
                    </div>
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() || !live.get()>{move || if editing.get().is_some() { "Save tag" } else { "Add tag" }}</button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class="btn btn-secondary" on:click=move |_| { editing.set(None); name.set(String::new()); }>"Cancel"</button>
                    </Show>
                    <p class="form-error" role="alert">{form_msg(err)}</p>
                </form></WriteArea>
            </section>
        </ManagersOnly>
        <section class="card">
            <h2>"All tags"</h2>
            <p class="form-error" role="alert">{move || failed(delete).get().map(|e| e.to_string())}</p>
            <Transition fallback=|| view! { <div class="skeleton skeleton-table"></div> }>
                {move || Suspend::new(async move {
                    // Awaited here, so the row actions are rendered the same on
                    // the server and in the browser.
                    let manage = me.await.is_ok_and(|m| m.current.role.can_manage());
                    match list.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(items) if items.is_empty() => view! { <p class="empty">"No tags yet. Add the first one above."</p> }.into_any(),
                    Ok(items) => view! {
                        <ul class="tag-list" role="list">
                            {items.into_iter().map(|t| {
                                let (te, td) = (t.clone(), t.clone());
                                view! {
                                    <li class="tag-item">
                                        <span class="dot" style=format!("background:{}", t.color) aria-hidden="true"></span>
                                        <span class="tag-name">{format!("#{}", t.name)}</span>
                                        <WriteArea compact=true><Show when=move || manage>
                                            <button type="button" class="btn btn-small btn-secondary" aria-label=format!("Edit tag #{}", te.name) on:click={ let t = te.clone(); move |_| {
                                                editing.set(Some(t.id)); name.set(t.name.clone()); color.set(t.color.clone());
                                                // The form is at the top: take the person there (off-screen on a phone).
                                                if let Some(el) = document().get_element_by_id("tag-name") { let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus(); }
                                            } }>"Edit"</button>
                                            <button type="button" class="btn btn-small btn-danger" aria-label=format!("Delete tag #{}", td.name) on:click={ let t = td.clone(); move |_| { target.set(Some(t.clone())); confirm.set(true); } }>"Delete"</button>
                                        </Show></WriteArea>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }})}
            </Transition>
        </section>
        <ConfirmDialog
            id="delete-tag"
            open=confirm
            title=Signal::derive(move || format!("Delete tag #{}?", target.get().map(|t| t.name).unwrap_or_default()))
            message="This cannot be undone. The tag is removed from every time entry that has it; the entries themselves are kept."
            confirm_label="Delete tag"
            on_confirm=Callback::new(move |_| { if let Some(t) = target.get_untracked() { delete.dispatch(t.id); } })
        />
    }
}
