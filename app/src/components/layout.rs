//! The app shell: sidebar, top bar with the workspace switcher and user
//! menu, the read-only banner, and the page outlet. It loads who is signed
//! in once and shares it with every page.

use crate::auth::{get_me, SignOut};
use crate::catalog::{get_catalog, Catalog};
use crate::components::feedback::{ToastHost, Toasts};
use crate::components::forms::{redirect_if_signed_out, reload_to, set_signing_out};
use crate::components::live::{LiveUpdates, OpenEditors};
use crate::components::loaded::{load, Loaded};
use crate::components::timer_bar::TimerBar;
use crate::entries::TimeEntry;
use crate::error::AppError;
use crate::timer::current_timer;
use crate::types::{BillingStatus, Me};
use crate::workspaces::switch_workspace;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{Outlet, A};

/// Who is signed in, for every page inside the shell.
#[derive(Clone, Copy)]
pub struct MeResource(pub Loaded<Result<Me, AppError>>);

pub fn use_me() -> MeResource {
    expect_context::<MeResource>()
}

/// What the pickers offer (active clients and projects, all tags).
#[derive(Clone, Copy)]
pub struct CatalogResource(pub Loaded<Result<Catalog, AppError>>);

pub fn use_catalog() -> Loaded<Result<Catalog, AppError>> {
    expect_context::<CatalogResource>().0
}

/// The picker lists as signals: active projects, active clients, all tags.
///
/// Only for views rendered once the catalogue has loaded (see
/// [`catalogue_loaded`]); elsewhere use [`with_catalog`]. Read before it has
/// loaded, the server would render empty pickers that the browser hydrates
/// full.
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

/// Waits until the catalogue has loaded, without subscribing to it: a
/// boundary that awaits this renders once the pickers have their lists,
/// and is not rebuilt when the catalogue reloads (the pickers follow it
/// through [`catalog_lists`]).
pub async fn catalogue_loaded() {
    use std::future::{Future, IntoFuture};
    let mut pending = Box::pin(use_catalog().into_future());
    // Loaded or failed, either will do: the pickers show what there is.
    let _ = std::future::poll_fn(move |cx| untrack(|| pending.as_mut().poll(cx))).await;
}

/// Renders `f` with the catalogue (active clients and projects, all tags)
/// once it has loaded.
///
/// The catalogue is awaited inside this boundary, never read synchronously:
/// server rendering then waits for it here, so the HTML it sends is the HTML
/// the browser hydrates (a picker rendered empty on the server and full in
/// the browser breaks hydration), and no two boundaries race for the same
/// pending resource (leptos-rs/leptos#4578).
///
/// Not inside content that itself waits for data (such as the top bar's
/// timer): a boundary created there is numbered after the rest of the page
/// on the server but in page order in the browser, which shifts the numbers
/// that match each resource to its data.
pub fn with_catalog<V, F>(f: F) -> impl IntoView
where
    V: IntoView + 'static,
    F: Fn(Catalog) -> V + Send + Sync + 'static,
{
    let catalog = use_catalog();
    let f = std::sync::Arc::new(f);
    view! {
        <Transition fallback=|| view! { <span class="skeleton skeleton-line"></span> }>
            {move || {
                let f = f.clone();
                Suspend::new(async move { f(catalog.await.unwrap_or_default()) })
            }}
        </Transition>
    }
}

/// Renders `f` with the signed-in person once known (nothing when signed
/// out; the shell sends them to sign in). Awaited for the same reasons as
/// [`with_catalog`].
pub fn with_me<V, F>(f: F) -> impl IntoView
where
    V: IntoView + 'static,
    F: Fn(Me) -> V + Send + Sync + 'static,
{
    let me = use_me().0;
    let f = std::sync::Arc::new(f);
    view! {
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || {
                let f = f.clone();
                Suspend::new(async move { me.await.ok().map(|m| f(m)) })
            }}
        </Transition>
    }
}

/// Its children, for owners and admins only (those who manage clients,
/// projects, tags and invoices).
#[component]
pub fn ManagersOnly(children: ChildrenFn) -> impl IntoView {
    let me = use_me().0;
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    me.await
                        .ok()
                        .filter(|m| m.current.role.can_manage())
                        .map(|_| children())
                })
            }}
        </Transition>
    }
}

/// Why write controls are disabled while billing is read-only.
pub const READ_ONLY_REASON: &str =
    "Read-only until this workspace's billing is resolved: changes are blocked, viewing and exports still work.";

/// Whether the current workspace is read-only for billing (false until
/// known, and while signed out).
pub fn read_only() -> Signal<bool> {
    let me = use_me().0;
    Signal::derive(move || {
        me.get()
            .and_then(|r| r.ok())
            .is_some_and(|m| m.current.billing_status == BillingStatus::ReadOnly)
    })
}

/// Write controls (a form, a row's buttons) that are disabled, with the
/// reason, while the workspace is read-only for billing: one disabled
/// `<fieldset>` disables every control in it for mouse, keyboard and screen
/// reader alike. `compact` (a row's buttons, the timer) leaves the words to
/// the page's banner and a tooltip; otherwise they show above the controls.
#[component]
pub fn WriteArea(#[prop(optional)] compact: bool, children: Children) -> impl IntoView {
    let ro = read_only();
    view! {
        <fieldset
            class=if compact { "write-area write-area-inline" } else { "write-area" }
            disabled=move || ro.get()
            title=move || (compact && ro.get()).then_some(READ_ONLY_REASON)
        >
            {(!compact).then(|| view! {
                <Show when=move || ro.get()>
                    <legend class="read-only-note">{READ_ONLY_REASON}</legend>
                </Show>
            })}
            {children()}
        </fieldset>
    }
}

/// The running timer, shown in the top bar.
#[derive(Clone, Copy)]
pub struct TimerResource(pub Loaded<Result<Option<TimeEntry>, AppError>>);

pub fn use_timer() -> Loaded<Result<Option<TimeEntry>, AppError>> {
    expect_context::<TimerResource>().0
}

/// Bumped whenever entries change, so lists and reports reload.
#[derive(Clone, Copy)]
pub struct EntriesVersion(pub RwSignal<u32>);

// The shell's data. Rendering on the server, the middleware has loaded it
// for the page already (`shell::PageData`): these return without
// waiting, so the resources are ready when created and every boundary
// reading them renders in place. In the browser (and for a refetch) they
// ask the server.

async fn load_me() -> Result<Me, AppError> {
    #[cfg(feature = "ssr")]
    if let Some(page) = crate::shell::page_data() {
        return page.me;
    }
    get_me().await
}

async fn load_catalog() -> Result<Catalog, AppError> {
    #[cfg(feature = "ssr")]
    if let Some(page) = crate::shell::page_data() {
        return page.catalog;
    }
    get_catalog().await
}

async fn load_timer() -> Result<Option<TimeEntry>, AppError> {
    #[cfg(feature = "ssr")]
    if let Some(page) = crate::shell::page_data() {
        return page.timer;
    }
    current_timer().await
}

#[component]
pub fn AppLayout() -> impl IntoView {
    let me = load(|| (), |_| load_me());
    provide_context(MeResource(me));
    provide_context(CatalogResource(load(|| (), |_| load_catalog())));
    provide_context(TimerResource(load(|| (), |_| load_timer())));
    provide_context(EntriesVersion(RwSignal::new(0)));
    provide_context(OpenEditors::new());
    provide_context(Toasts::new());
    let menu_open = RwSignal::new(false);
    // The phone menu closes on navigation, Escape and a tap outside it.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    super::dismiss::install(menu_open);

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
                        {move || Suspend::new(async move {
                            match me.await {
                                Ok(me) => view! { <TopbarContent me/> }.into_any(),
                                Err(e) => {
                                    redirect_if_signed_out(&e);
                                    view! { <p class="topbar-error" role="alert">{e.to_string()}</p> }.into_any()
                                }
                            }
                        })}
                    </Transition>
                </header>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move { me.await.ok().filter(|m| m.current.billing_status == BillingStatus::ReadOnly).map(|_| view! {
                        <div class="banner banner-warning" role="status" id="read-only-banner">
                            <strong>"This workspace is read-only."</strong>
                            " Its billing needs attention. You can still view and export data; changes are blocked until billing is resolved."
                        </div>
                    })})}
                </Transition>
                <main id="main" class="content" tabindex="-1">
                    <Outlet/>
                </main>
                <ToastHost/>
                <LiveUpdates/>
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
    let sign_out_url = <SignOut as ServerFn>::url();
    Effect::new(move |_| {
        if let Some(r) = sign_out.value().get() {
            if r.is_ok() {
                reload_to("/signin");
            } else {
                set_signing_out(false);
            }
        }
    });
    let current_id = me.current.id;
    let initials = super::case::upper(
        &me.user
            .name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>(),
    );
    let menu_name = format!("{initials} {}, account menu", me.user.name);
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
            // The name starts with what is seen (the initials, and the name
            // on wide screens), so a voice-control user can say it.
            <summary class="user-menu-button" aria-label=menu_name>
                <span class="avatar" aria-hidden="true">{initials}</span>
                <span class="user-name">{me.user.name.clone()}</span>
            </summary>
            <div class="menu" role="menu">
                <p class="menu-email">{me.user.email.clone()}</p>
                <A href="/profile" attr:class="menu-item" attr:role="menuitem">"Profile"</A>
                <A href="/settings/workspace" attr:class="menu-item" attr:role="menuitem">"Workspace settings"</A>
                <A href="/workspaces/new" attr:class="menu-item" attr:role="menuitem">"New workspace"</A>
                // A plain form (it also works before the page is interactive)
                // that the app sends itself: `ActionForm` would bring a form
                // decoder into the first download for a call without arguments.
                <form method="post" action=sign_out_url on:submit=move |ev| {
                    ev.prevent_default();
                    set_signing_out(true);
                    sign_out.dispatch(SignOut {});
                }>
                    <button type="submit" class="menu-item menu-item-button" role="menuitem">"Sign out"</button>
                </form>
            </div>
        </details>
    }
}
