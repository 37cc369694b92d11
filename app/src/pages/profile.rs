//! The profile: General (name, timezone) and Security (password).

use crate::components::forms::{action_error, redirect_if_signed_out, Field, FormError, Submit};
use crate::components::layout::use_me;
use crate::profile::{list_timezones, ChangePassword, UpdateProfile};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
fn Tabs() -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <A href=href exact=true attr:class="tab">{label}</A> }
    };
    view! {
        <div class="page-header">
            <h1>"Profile"</h1>
            <p class="lead">"Your name, timezone and sign-in security."</p>
        </div>
        <nav class="tabs" aria-label="Profile">
            {tab("/profile", "General")}
            {tab("/profile/security", "Security")}
        </nav>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let me = use_me().0;
    let save = ServerAction::<UpdateProfile>::new();
    let error = action_error(save);
    let zones = Resource::new(|| (), |_| list_timezones());
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(()) => me.refetch(),
                Err(e) => redirect_if_signed_out(&e),
            }
        }
    });
    view! {
        <Title text="Profile"/>
        <Tabs/>
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || me.get().and_then(|r| r.ok()).map(|me| {
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
        </Transition>
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
        <Title text="Security"/>
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
