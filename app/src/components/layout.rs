//! The app shell: sidebar, top bar with the workspace switcher and user
//! menu, the read-only banner, and the page outlet. It loads who is signed
//! in once and shares it with every page.

use crate::auth::{get_me, SignOut};
use crate::catalog::{get_catalog, Catalog};
use crate::components::feedback::{ToastHost, Toasts};
use crate::components::forms::{redirect_if_signed_out, reload_to};
use crate::components::timer_bar::TimerBar;
use crate::entries::TimeEntry;
use crate::error::AppError;
use crate::timer::current_timer;
use crate::types::{BillingStatus, Me};
use crate::workspaces::switch_workspace;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// Who is signed in, for every page inside the shell.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Me, AppError>>);

pub fn use_me() -> MeResource {
    expect_context::<MeResource>()
}

/// What the pickers offer (active clients and projects, all tags).
#[derive(Clone, Copy)]
pub struct CatalogResource(pub Resource<Result<Catalog, AppError>>);

pub fn use_catalog() -> Resource<Result<Catalog, AppError>> {
    expect_context::<CatalogResource>().0
}

/// The picker lists as signals: active projects, active clients, all tags
/// (empty until the catalogue has loaded).
pub fn catalog_lists() -> CatalogLists {
    let c = use_catalog();
    let ok = move || c.get().and_then(|r| r.ok()).unwrap_or_default();
    CatalogLists {
        projects: Signal::derive(move || ok().projects),
        clients: Signal::derive(move || ok().clients),
        tags: Signal::derive(move || ok().tags),
    }
}

#[derive(Clone, Copy)]
pub struct CatalogLists {
    pub projects: Signal<Vec<crate::types::Project>>,
    pub clients: Signal<Vec<crate::types::Client>>,
    pub tags: Signal<Vec<crate::types::Tag>>,
}

/// The running timer, shown in the top bar.
#[derive(Clone, Copy)]
pub struct TimerResource(pub Resource<Result<Option<TimeEntry>, AppError>>);

pub fn use_timer() -> Resource<Result<Option<TimeEntry>, AppError>> {
    expect_context::<TimerResource>().0
}

/// Bumped whenever entries change, so lists and reports reload.
#[derive(Clone, Copy)]
pub struct EntriesVersion(pub RwSignal<u32>);

#[component]
pub fn AppLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    provide_context(MeResource(me));
    provide_context(CatalogResource(Resource::new(|| (), |_| get_catalog())));
    provide_context(TimerResource(Resource::new(|| (), |_| current_timer())));
    provide_context(EntriesVersion(RwSignal::new(0)));
    provide_context(Toasts::new());
    let menu_open = RwSignal::new(false);

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app" class:menu-open=move || menu_open.get()>
            <aside class="sidebar" id="sidebar">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Timether"</span>
                </div>
                <Nav/>
            </aside>
            <div class="main-col">
                <header class="topbar">
                    <button
                        type="button"
                        class="btn btn-ghost menu-button"
                        aria-controls="sidebar"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|o| *o = !*o)
                    >
                        <span aria-hidden="true">"☰"</span>
                        <span class="sr-only">"Menu"</span>
                    </button>
                    <TimerBar/>
                    <Transition fallback=|| view! { <span class="skeleton skeleton-line"></span> }>
                        {move || me.get().map(|r| match r {
                            Ok(me) => view! { <TopbarContent me/> }.into_any(),
                            Err(e) => {
                                redirect_if_signed_out(&e);
                                view! { <p class="topbar-error" role="alert">{e.to_string()}</p> }.into_any()
                            }
                        })}
                    </Transition>
                </header>
                <Transition fallback=|| ()>
                    {move || me.get().and_then(|r| r.ok()).filter(|m| m.current.billing_status == BillingStatus::ReadOnly).map(|_| view! {
                        <div class="banner banner-warning" role="status">
                            <strong>"This workspace is read-only."</strong>
                            " Its billing needs attention. You can still view and export data; changes are blocked until billing is resolved."
                        </div>
                    })}
                </Transition>
                <main id="main" class="content" tabindex="-1">
                    <Outlet/>
                </main>
                <ToastHost/>
            </div>
        </div>
    }
}

#[component]
fn Nav() -> impl IntoView {
    // `A` marks the link to the current page with aria-current="page".
    view! {
        <nav aria-label="Main">
            <ul class="nav-list">
                <li><A href="/" exact=true attr:class="nav-link">"Timer"</A></li>
                <li><A href="/entries" attr:class="nav-link">"Time entries"</A></li>
                <li><A href="/reports" attr:class="nav-link">"Reports"</A></li>
            </ul>
            <p class="nav-heading">"Manage"</p>
            <ul class="nav-list">
                <li><A href="/clients" attr:class="nav-link">"Clients"</A></li>
                <li><A href="/projects" attr:class="nav-link">"Projects"</A></li>
                <li><A href="/tags" attr:class="nav-link">"Tags"</A></li>
                <li><A href="/invoices" attr:class="nav-link">"Invoices"</A></li>
            </ul>
            <p class="nav-heading">"Settings"</p>
            <ul class="nav-list">
                <li><A href="/settings/workspace" attr:class="nav-link">"Workspace"</A></li>
                <li><A href="/profile" attr:class="nav-link">"Profile"</A></li>
                <li class="phone-only"><A href="/workspaces/new" attr:class="nav-link">"New workspace"</A></li>
            </ul>
        </nav>
    }
}

#[component]
fn TopbarContent(me: Me) -> impl IntoView {
    let switch = Action::new(|id: &uuid::Uuid| {
        let id = *id;
        async move { switch_workspace(id).await }
    });
    Effect::new(move |_| match switch.value().get() {
        Some(Ok(())) => reload_to("/"),
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(r) = sign_out.value().get() {
            if r.is_ok() {
                reload_to("/signin");
            }
        }
    });
    let current_id = me.current.id;
    let initials: String = me
        .user
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    let switch_error = move || {
        switch
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <div class="switcher">
            <label for="workspace-switcher" class="sr-only">"Workspace"</label>
            <select
                id="workspace-switcher"
                class="select"
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse::<uuid::Uuid>() {
                        switch.dispatch(id);
                    }
                }
            >
                {me.workspaces.iter().map(|w| {
                    let selected = w.id == current_id;
                    view! { <option value=w.id.to_string() selected=selected>{w.name.clone()}</option> }
                }).collect_view()}
            </select>
            <span class="sr-only" role="status">{switch_error}</span>
        </div>
        <details class="user-menu">
            <summary class="user-menu-button" aria-label=format!("Account menu for {}", me.user.name)>
                <span class="avatar" aria-hidden="true">{initials}</span>
                <span class="user-name">{me.user.name.clone()}</span>
            </summary>
            <div class="menu" role="menu">
                <p class="menu-email">{me.user.email.clone()}</p>
                <A href="/profile" attr:class="menu-item" attr:role="menuitem">"Profile"</A>
                <A href="/settings/workspace" attr:class="menu-item" attr:role="menuitem">"Workspace settings"</A>
                <A href="/workspaces/new" attr:class="menu-item" attr:role="menuitem">"New workspace"</A>
                <ActionForm action=sign_out>
                    <button type="submit" class="menu-item menu-item-button" role="menuitem">"Sign out"</button>
                </ActionForm>
            </div>
        </details>
    }
}
