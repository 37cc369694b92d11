//! Timether's application: shared types, server functions and the UI.
//! Compiled twice: with `ssr` into the server, with `hydrate` into the
//! browser bundle.
#![recursion_limit = "256"]

pub mod active_sessions;
pub mod api_docs;
pub mod api_tokens;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod clients;
pub mod components;
pub mod entries;
pub mod error;
pub mod invoices;
pub mod pages;
pub mod periods;
pub mod prepared;
pub mod profile;
pub mod projects;
pub mod reports;
pub mod rfc3339;
pub mod tags;
pub mod time_export;
pub mod time_filter;
pub mod timer;
pub mod two_factor;
pub mod types;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod geo;
#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod secret_box;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod shell;
#[cfg(feature = "ssr")]
pub mod tenant;
#[cfg(feature = "ssr")]
pub mod typeset;
#[cfg(feature = "ssr")]
pub mod users;
#[cfg(feature = "ssr")]
pub mod validate;

#[cfg(all(test, feature = "ssr"))]
mod layering;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Meta, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};
use pages::lazy;

/// The HTML document the server renders around the app. The
/// Content-Security-Policy meta tag carries this response's nonce, which
/// Leptos also puts on its inline hydration scripts.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let csp = leptos::nonce::use_nonce()
        .map(|nonce| {
            format!(
                "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
                 style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
                 object-src 'none'; base-uri 'self'; form-action 'self'"
            )
        })
        .unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta http-equiv="Content-Security-Policy" content=csp/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The document title from the path (see [`pages::title_for`]), with the
/// product's name after it.
#[component]
fn RouteTitle() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    view! {
        <Title
            formatter=|text: String| if text.is_empty() { "Timether".to_string() } else { format!("{text} · Timether") }
            text=move || pages::title_for(&location.pathname.get())
        />
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Lets browser tests wait until the page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/timether.css"/>
        <Meta name="description" content="Timether: time tracking you can bill from."/>
        <Router>
            <RouteTitle/>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/signin") view={Lazy::<lazy::SignIn>::new()}/>
                <Route path=path!("/signup") view={Lazy::<lazy::SignUp>::new()}/>
                <ParentRoute path=path!("") view=components::layout::AppLayout>
                    <Route path=path!("") view=pages::home::HomePage/>
                    <Route path=path!("/entries") view={Lazy::<lazy::Entries>::new()}/>
                    <Route path=path!("/reports") view={Lazy::<lazy::Reports>::new()}/>
                    <Route path=path!("/invoices") view={Lazy::<lazy::Invoices>::new()}/>
                    <Route path=path!("/invoices/:id") view={Lazy::<lazy::Invoice>::new()}/>
                    <Route path=path!("/clients") view={Lazy::<lazy::Clients>::new()}/>
                    <Route path=path!("/projects") view={Lazy::<lazy::Projects>::new()}/>
                    <Route path=path!("/tags") view={Lazy::<lazy::Tags>::new()}/>
                    <Route path=path!("/workspaces/new") view={Lazy::<lazy::NewWorkspace>::new()}/>
                    <Route path=path!("/settings/workspace") view={Lazy::<lazy::WorkspaceGeneral>::new()}/>
                    <Route path=path!("/settings/workspace/members") view={Lazy::<lazy::WorkspaceMembers>::new()}/>
                    <Route path=path!("/settings/workspace/plan") view={Lazy::<lazy::WorkspacePlan>::new()}/>
                    <Route path=path!("/settings/workspace/api") view={Lazy::<lazy::ApiTokens>::new()}/>
                    <Route path=path!("/settings/workspace/data") view={Lazy::<lazy::WorkspaceData>::new()}/>
                    <Route path=path!("/developers/api") view={Lazy::<lazy::ApiDocs>::new()}/>
                    <Route path=path!("/profile") view={Lazy::<lazy::Profile>::new()}/>
                    <Route path=path!("/profile/security") view={Lazy::<lazy::Security>::new()}/>
                    <Route path=path!("/profile/sessions") view={Lazy::<lazy::Sessions>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
