//! Sign-in and sign-up pages.

use crate::auth::{SignIn, SignUp};
use crate::components::forms::{action_error, reload_to, Field, FormError, Submit};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            reload_to("/");
        }
    });
    view! {
        <Title text="Sign in"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <div class="brand brand-center"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">"Timether"</span></div>
                <h1>"Sign in"</h1>
                <p class="lead">"Welcome back. Sign in to track time and see your reports."</p>
                <ActionForm action=action attr:class="form" attr:novalidate="true">
                    <FormError error/>
                    <Field label="Email" name="email" kind="email" autocomplete="email" required=true error/>
                    <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true error/>
                    <Submit label="Sign in" busy_label="Signing in…" pending=action.pending().into()/>
                </ActionForm>
                <p class="auth-switch">"New to Timether? " <a href="/signup">"Create an account"</a></p>
            </div>
        </main>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            reload_to("/");
        }
    });
    view! {
        <Title text="Sign up"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <div class="brand brand-center"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">"Timether"</span></div>
                <h1>"Create your account"</h1>
                <p class="lead">"Start tracking time in your own workspace. You can invite your team later."</p>
                <ActionForm action=action attr:class="form" attr:novalidate="true">
                    <FormError error/>
                    <Field label="Name" name="name" autocomplete="name" required=true error/>
                    <Field label="Email" name="email" kind="email" autocomplete="email" required=true error/>
                    <Field label="Password" name="password" kind="password" autocomplete="new-password" required=true
                        hint="8 to 128 characters. A few unrelated words make a strong password." error/>
                    <Submit label="Sign up" busy_label="Creating your account…" pending=action.pending().into()/>
                </ActionForm>
                <p class="auth-switch">"Already have an account? " <a href="/signin">"Sign in"</a></p>
            </div>
        </main>
    }
}
