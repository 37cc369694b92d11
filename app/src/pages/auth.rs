//! Sign-in and sign-up pages.

use crate::auth::{safe_next, SignIn, SignInStep, SignUp, VerifySignIn};
use crate::components::forms::{action_error, reload_to, Field, FormError, Submit};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Where signing in leads: the page that sent the person here (`next`),
/// else the Timer.
fn after_sign_in() -> String {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next"));
    next.as_deref()
        .and_then(safe_next)
        .unwrap_or("/")
        .to_string()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    let next = after_sign_in();
    let revoked = use_query_map().with_untracked(|q| q.get("ended").as_deref() == Some("revoked"));
    // After a correct password for an account with 2FA: the second step.
    let second = RwSignal::new(false);
    let to = next.clone();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(SignInStep::Done)) => reload_to(&to),
        Some(Ok(SignInStep::SecondFactor)) => second.set(true),
        _ => {}
    });
    view! {
        <main class="auth-page" id="main">
            <div class="auth-card">
                <div class="brand brand-center"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">"Timether"</span></div>
                <Show when=move || second.get() fallback=move || view! {
                    <h1>"Sign in"</h1>
                    {if revoked {
                        view! { <p class="notice" role="status">"You were signed out: this session was revoked from another device. Sign in again to continue."</p> }.into_any()
                    } else {
                        view! { <p class="lead">"Welcome back. Sign in to track time and see your reports."</p> }.into_any()
                    }}
                    <ActionForm action=action attr:class="form" attr:novalidate="true">
                        <FormError error/>
                        <Field label="Email" name="email" kind="email" autocomplete="email" required=true autofocus=true error/>
                        <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true error/>
                        <Submit label="Sign in" busy_label="Signing in…" pending=action.pending().into()/>
                    </ActionForm>
                    <p class="auth-switch">"New to Timether? " <a href="/signup">"Create an account"</a></p>
                }>
                    <SecondFactorStep next=next.clone() on_restart=move || { action.value().set(None); second.set(false); }/>
                </Show>
            </div>
        </main>
    }
}

/// "Enter the code from your authenticator app", or a recovery code.
#[component]
fn SecondFactorStep(
    next: String,
    on_restart: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let verify = ServerAction::<VerifySignIn>::new();
    let error = action_error(verify);
    let recovery = RwSignal::new(false);
    let expired = move || {
        error
            .get()
            .is_some_and(|e| e.field_message("challenge").is_some())
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = verify.value().get() {
            reload_to(&next);
        }
    });
    view! {
        <h1>"Two-factor authentication"</h1>
        <p class="lead">{move || if recovery.get() {
            "Enter one of the recovery codes you saved when you turned on 2FA. Each code works once."
        } else {
            "Open your authenticator app and enter the current 6-digit code for Timether."
        }}</p>
        <ActionForm action=verify attr:class="form" attr:novalidate="true">
            <FormError error/>
            <input type="hidden" name="method" prop:value=move || if recovery.get() { "recovery" } else { "app" }/>
            {move || if recovery.get() {
                view! { <Field label="Recovery code" name="code" autocomplete="off" required=true autofocus=true
                    hint="It looks like abcd-efgh-jkmn-pqrs." error/> }.into_any()
            } else {
                view! { <Field label="Verification code" name="code" autocomplete="one-time-code" inputmode="numeric" required=true autofocus=true
                    hint="Codes change every 30 seconds: use the latest one." error/> }.into_any()
            }}
            {move || expired().then(|| view! {
                <p class="field-error" role="alert">{error.get().and_then(|e| e.field_message("challenge"))}</p>
            })}
            <Submit label="Verify and sign in" busy_label="Checking…" pending=verify.pending().into()/>
        </ActionForm>
        <p class="auth-switch">
            <button type="button" class="btn-link" on:click=move |_| { verify.value().set(None); recovery.update(|r| *r = !*r); }>
                {move || if recovery.get() { "Use your authenticator app instead" } else { "Use a recovery code instead" }}
            </button>
        </p>
        <p class="auth-switch"><button type="button" class="btn-link" on:click=move |_| on_restart()>"Start over"</button></p>
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
        <main class="auth-page" id="main">
            <div class="auth-card">
                <div class="brand brand-center"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">"Timether"</span></div>
                <h1>"Create your account"</h1>
                <p class="lead">"Start tracking time in your own workspace. You can invite your team later."</p>
                <ActionForm action=action attr:class="form" attr:novalidate="true">
                    <FormError error/>
                    <Field label="Name" name="name" autocomplete="name" required=true autofocus=true error/>
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
