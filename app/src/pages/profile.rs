//! The profile: General (name, timezone), Security (password, two-factor
//! authentication) and Sessions (signed-in browsers and devices).

use crate::components::forms::{action_error, redirect_if_signed_out, Field, FormError, Submit};
use crate::components::layout::{use_me, with_me};
use crate::components::loaded::load;
use crate::profile::{list_timezones, ChangePassword, UpdateProfile};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
fn Tabs() -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <A href=href exact=true attr:class="tab">{label}</A> }
    };
    view! {
        <div class="page-header">
            <h1>"Profile"</h1>
            <p class="lead">"Your name, timezone, sign-in security and the devices signed in to your account."</p>
        </div>
        <nav class="tabs" aria-label="Profile">
            {tab("/profile", "General")}
            {tab("/profile/security", "Security")}
            {tab("/profile/sessions", "Sessions")}
        </nav>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let me = use_me().0;
    let save = ServerAction::<UpdateProfile>::new();
    let error = action_error(save);
    let zones = load(|| (), |_| list_timezones());
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(()) => me.refetch(),
                Err(e) => redirect_if_signed_out(&e),
            }
        }
    });
    view! {
        <Tabs/>
        {with_me(move |me| {
                let name = Signal::derive({ let n = me.user.name.clone(); move || n.clone() });
                let tz = Signal::derive({ let t = me.user.timezone.clone(); move || t.clone() });
                view! {
                    <section class="card" aria-labelledby="general-heading">
                        <h2 id="general-heading">"General"</h2>
                        <p class="muted">"Signed in as " <strong>{me.user.email.clone()}</strong></p>
                        <ActionForm action=save attr:class="form">
                            <FormError error/>
                            <Field label="Name" name="name" autocomplete="name" value=name required=true error/>
                            <Field label="Timezone" name="timezone" value=tz list="timezones" required=true
                                hint="Days, weeks and reports follow this timezone. Start typing a city, such as Berlin." error/>
                            <Submit label="Save" busy_label="Saving…" pending=save.pending().into()/>
                            <p class="form-success" role="status">{move || matches!(save.value().get(), Some(Ok(()))).then_some("Saved.")}</p>
                        </ActionForm>
                    </section>
                }
            })}
        <datalist id="timezones">
            <Suspense fallback=|| ()>
                {move || zones.get().and_then(|r| r.ok()).map(|list| list.into_iter().map(|z| view! { <option value=z.clone()></option> }).collect_view())}
            </Suspense>
        </datalist>
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change);
    Effect::new(move |_| {
        if let Some(Err(e)) = change.value().get() {
            redirect_if_signed_out(&e);
        }
    });
    view! {
        <Tabs/>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <p class="muted">"Changing your password signs you out everywhere else."</p>
            <ActionForm action=change attr:class="form">
                <FormError error/>
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" required=true error/>
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" required=true
                    hint="8 to 128 characters." error/>
                <Submit label="Change password" busy_label="Changing…" pending=change.pending().into()/>
                <p class="form-success" role="status">{move || matches!(change.value().get(), Some(Ok(()))).then_some("Password changed. Other sessions were signed out.")}</p>
            </ActionForm>
        </section>
        <crate::pages::two_factor::TwoFactorSection/>
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    use crate::active_sessions::{
        list_sessions, log_out_other_sessions, revoke_session, ActiveSession,
    };
    use crate::components::feedback::{use_toasts, ConfirmDialog};
    let toasts = use_toasts();
    let revoke = Action::new(|id: &uuid::Uuid| {
        let id = *id;
        async move { revoke_session(id).await }
    });
    let others = Action::new(|_: &()| log_out_other_sessions());
    let sessions = load(
        move || (revoke.version().get(), others.version().get()),
        |_| list_sessions(),
    );
    let target = RwSignal::new(None::<ActiveSession>);
    let confirm_one = RwSignal::new(false);
    let confirm_all = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            error.set(None);
            toasts.show("Session revoked. That device is signed out.", None);
        }
        Some(Err(e)) => {
            redirect_if_signed_out(&e);
            error.set(Some(e.to_string()));
        }
        None => {}
    });
    Effect::new(move |_| match others.value().get() {
        Some(Ok(n)) => {
            error.set(None);
            toasts.show(
                match n {
                    0 => "No other sessions were signed in.".to_string(),
                    1 => "1 other session was signed out.".to_string(),
                    n => format!("{n} other sessions were signed out."),
                },
                None,
            );
        }
        Some(Err(e)) => {
            redirect_if_signed_out(&e);
            error.set(Some(e.to_string()));
        }
        None => {}
    });
    view! {
        <Tabs/>
        <section class="card" aria-labelledby="sessions-heading">
            <div class="card-toolbar">
                <div>
                    <h2 id="sessions-heading">"Active sessions"</h2>
                    <p class="muted">"The browsers and devices signed in to your account. If one looks unfamiliar, revoke it and consider changing your password."</p>
                </div>
                <button type="button" class="btn btn-danger" disabled=move || others.pending().get()
                    on:click=move |_| confirm_all.set(true)>
                    {move || if others.pending().get() { "Logging out…" } else { "Log Out Other Sessions" }}
                </button>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <Transition fallback=|| view! { <div class="skeleton skeleton-table"></div> }>
                {move || sessions.get().map(|r| match r {
                    Err(e) => {
                        redirect_if_signed_out(&e);
                        view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                    }
                    Ok(list) => view! { <SessionTable list target confirm=confirm_one/> }.into_any(),
                })}
            </Transition>
            <p class="muted small">"Location is looked up from the address a session signed in from, when it signed in. Activity is recorded at most once a minute."</p>
        </section>
        <ConfirmDialog
            id="revoke-session"
            open=confirm_one
            title=Signal::derive(move || format!(
                "Revoke {}?",
                target.get().map(|s| format!("{} on {}", s.browser, s.system)).unwrap_or_else(|| "this session".into())
            ))
            message="That browser or device is signed out at once and must sign in again (with two-factor authentication, if it is on)."
            confirm_label="Revoke"
            on_confirm=Callback::new(move |_| { if let Some(s) = target.get_untracked() { revoke.dispatch(s.id); } })
        />
        <ConfirmDialog
            id="log-out-others"
            open=confirm_all
            title="Log out other sessions?"
            message="Every other browser and device is signed out at once. This one stays signed in."
            confirm_label="Log Out Other Sessions"
            on_confirm=Callback::new(move |_| { others.dispatch(()); })
        />
    }
}

#[component]
fn SessionTable(
    list: Vec<crate::active_sessions::ActiveSession>,
    target: RwSignal<Option<crate::active_sessions::ActiveSession>>,
    confirm: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table sessions-table">
                <thead><tr>
                    <th scope="col">"Browser and device"</th>
                    <th scope="col">"Location"</th>
                    <th scope="col">"Signed in"</th>
                    <th scope="col">"Last active"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|s| {
                        let label = format!("Revoke {} on {}, signed in {}", s.browser, s.system, s.signed_in);
                        let current = s.current;
                        let chosen = s.clone();
                        view! {
                            <tr class:row-current=current>
                                <td>
                                    <strong>{s.browser.clone()}</strong>" on "{s.system.clone()}
                                    <div class="muted small">{s.device.clone()}</div>
                                </td>
                                <td data-label="Location">
                                    {s.location.clone()}
                                    <div class="muted small"><code>{s.ip.clone()}</code></div>
                                </td>
                                <td data-label="Signed in" class="num"><time datetime=s.signed_in_at.to_rfc3339()>{s.signed_in.clone()}</time></td>
                                <td data-label="Last active"><time datetime=s.last_seen_at.to_rfc3339()>{s.last_active.clone()}</time></td>
                                <td class="cell-actions">
                                    {if current {
                                        view! { <span class="badge badge-success">"This device"</span> }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" class="btn btn-danger btn-small" aria-label=label
                                                on:click=move |_| { target.set(Some(chosen.clone())); confirm.set(true); }>"Revoke"</button>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
