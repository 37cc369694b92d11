//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <h1>"Page not found"</h1>
                <p class="lead">"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
                <a class="btn btn-primary" href="/">"Go to your workspace"</a>
            </div>
        </main>
    }
}
