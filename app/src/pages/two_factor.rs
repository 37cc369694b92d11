//! Profile → Security → "Two-factor authentication": enable with a QR code
//! or the secret key, confirm with a code, keep the recovery codes, and
//! regenerate them or disable 2FA with the current password.

use crate::components::feedback::use_toasts;
use crate::components::forms::{
    action_error, copy_text, redirect_if_signed_out, Field, FormError, Submit,
};
use crate::components::loaded::load;
use crate::two_factor::{
    get_two_factor_status, ConfirmTwoFactor, DisableTwoFactor, RegenerateRecoveryCodes,
    StartTwoFactor, TotpSetup, TwoFactorStatus, APPS, RECOVERY_CODE_COUNT,
};
use leptos::prelude::*;

/// Which password form is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    Nothing,
    Enable,
    Disable,
    Regenerate,
}

/// A password field in front of a sensitive change (a macro: the three
/// actions have different server function types).
macro_rules! password_form {
    ($action:expr, $intro:expr, $submit:expr, $busy:expr, $class:expr, $ask:expr) => {{
        let action = $action;
        let ask = $ask;
        let error = action_error(action);
        view! {
            <ActionForm action=action attr:class="form form-narrow">
                <p>{$intro}</p>
                <FormError error/>
                <Field label="Current password" name="password" kind="password" autocomplete="current-password" required=true error/>
                <div class="button-row">
                    <Submit label=$submit busy_label=$busy class=$class pending=action.pending().into()/>
                    <button type="button" class="btn btn-ghost" on:click=move |_| ask.set(Ask::Nothing)>"Cancel"</button>
                </div>
            </ActionForm>
        }
        .into_any()
    }};
}

#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let status = load(|| (), |_| get_two_factor_status());
    let ask = RwSignal::new(Ask::Nothing);
    let setup = RwSignal::new(None::<TotpSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let toasts = use_toasts();

    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();

    Effect::new(move |_| match start.value().get() {
        Some(Ok(s)) => {
            setup.set(Some(s));
            ask.set(Ask::Nothing);
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| match confirm.value().get() {
        Some(Ok(r)) => {
            setup.set(None);
            codes.set(Some(r.codes));
            status.refetch();
            toasts.show(
                "Two-factor authentication is on. Other sessions were signed out.",
                None,
            );
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| match disable.value().get() {
        Some(Ok(())) => {
            ask.set(Ask::Nothing);
            codes.set(None);
            status.refetch();
            toasts.show(
                "Two-factor authentication is off. Other sessions were signed out.",
                None,
            );
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| match regenerate.value().get() {
        Some(Ok(r)) => {
            ask.set(Ask::Nothing);
            codes.set(Some(r.codes));
            status.refetch();
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });

    let body = move |st: TwoFactorStatus| {
        if let Some(list) = codes.get() {
            return view! { <RecoveryCodesPanel codes=list on_done=move || codes.set(None)/> }
                .into_any();
        }
        if let Some(s) = setup.get() {
            return view! { <SetupPanel setup=s confirm on_cancel=move || setup.set(None)/> }
                .into_any();
        }
        let on = st.enabled;
        let since = st
            .enabled_at
            .map(|t| t.format("%-d %B %Y").to_string())
            .unwrap_or_default();
        let left = st.recovery_codes_left;
        view! {
            <p class="status-line">
                {if on {
                    view! { <span class="badge badge-success">"On"</span> " Signing in asks for a code from your authenticator app. On since " {since} "." }.into_any()
                } else {
                    view! { <span class="badge">"Off"</span> " Turn it on so that signing in also needs a code from your phone, even if someone learns your password." }.into_any()
                }}
            </p>
            {on.then(|| view! {
                <p class:warning-text=left <= 3>
                    {format!("Recovery codes left: {left} of {RECOVERY_CODE_COUNT}.")}
                    {(left <= 3).then_some(" Regenerate them soon so you are not locked out.")}
                </p>
            })}
            {move || match ask.get() {
                Ask::Enable => password_form!(start,
                    "Enter your current password to start setting up two-factor authentication.",
                    "Continue", "Checking…", "btn btn-primary", ask),
                Ask::Disable => password_form!(disable,
                    "Enter your current password to disable two-factor authentication. Other sessions will be signed out.",
                    "Disable 2FA", "Disabling…", "btn btn-danger", ask),
                Ask::Regenerate => password_form!(regenerate,
                    "Enter your current password. Your old recovery codes stop working at once.",
                    "Regenerate recovery codes", "Regenerating…", "btn btn-primary", ask),
                Ask::Nothing => if on {
                    view! {
                        <div class="button-row">
                            <button type="button" class="btn btn-secondary" on:click=move |_| ask.set(Ask::Regenerate)>"Regenerate recovery codes"</button>
                            <button type="button" class="btn btn-danger" on:click=move |_| ask.set(Ask::Disable)>"Disable 2FA"</button>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="button-row">
                            <button type="button" class="btn btn-primary" on:click=move |_| ask.set(Ask::Enable)>"Enable 2FA"</button>
                        </div>
                    }.into_any()
                },
            }}
        }
        .into_any()
    };

    view! {
        <section class="card" aria-labelledby="twofa-heading">
            <h2 id="twofa-heading">"Two-factor authentication"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || status.get().map(|r| match r {
                    Ok(st) => body(st),
                    Err(e) => {
                        redirect_if_signed_out(&e);
                        view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SetupPanel(
    setup: TotpSetup,
    confirm: ServerAction<ConfirmTwoFactor>,
    on_cancel: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let error = action_error(confirm);
    let secret = setup.secret_grouped.clone();
    let copied = RwSignal::new(false);
    view! {
        <div class="setup">
            <ol class="setup-steps">
                <li>
                    <h3>"Scan the QR code"</h3>
                    <p>"Open your authenticator app and scan this code. Any app that supports TOTP codes works: " {APPS.join(", ")} "."</p>
                    <img class="qr" src=setup.qr_data_uri.clone() width="200" height="200"
                        alt="QR code that adds Timether to your authenticator app"/>
                    <p class="muted">
                        "Can't scan it? In your app choose to add an account manually and enter this secret key:"
                    </p>
                    <div class="secret-row">
                        <code class="secret" data-testid="totp-secret" aria-label="Secret key">{setup.secret_grouped.clone()}</code>
                        <button type="button" class="btn btn-secondary btn-small" on:click=move |_| { copy_text(&secret.replace(' ', "")); copied.set(true); }>
                            {move || if copied.get() { "Copied" } else { "Copy secret key" }}
                        </button>
                    </div>
                    <p class="muted small"><a href=setup.otpauth_url.clone()>"Open in an authenticator app on this device"</a></p>
                </li>
                <li>
                    <h3>"Enter the 6-digit code from your app"</h3>
                    <p class="muted">{format!("2FA is not on yet: it turns on when the code is right. This setup expires in {} minutes.", setup.expires_in_minutes)}</p>
                    <ActionForm action=confirm attr:class="form form-narrow">
                        <FormError error/>
                        <Field label="Verification code" name="code" autocomplete="one-time-code" inputmode="numeric" required=true error/>
                        <div class="button-row">
                            <Submit label="Turn on 2FA" busy_label="Checking…" pending=confirm.pending().into()/>
                            <button type="button" class="btn btn-ghost" on:click=move |_| on_cancel()>"Cancel"</button>
                        </div>
                    </ActionForm>
                </li>
            </ol>
        </div>
    }
}

/// The recovery codes, once.
#[component]
fn RecoveryCodesPanel(
    codes: Vec<String>,
    on_done: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let text = codes.join("\n");
    let file = format!(
        "Timether recovery codes\nEach code signs you in once if you cannot use your authenticator app.\n\n{text}\n"
    );
    let href = format!("data:text/plain;charset=utf-8,{}", percent_encode(&file));
    let copied = RwSignal::new(false);
    view! {
        <div class="recovery" role="region" aria-labelledby="recovery-heading">
            <h3 id="recovery-heading">"Save your recovery codes"</h3>
            <p class="notice notice-warning">
                "If you lose your phone, each of these codes signs you in once. Store them somewhere safe, such as a password manager. They will not be shown again."
            </p>
            <ol class="recovery-codes" data-testid="recovery-codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <div class="button-row">
                <button type="button" class="btn btn-secondary" on:click=move |_| { copy_text(&text); copied.set(true); }>
                    {move || if copied.get() { "Copied" } else { "Copy codes" }}
                </button>
                <a class="btn btn-secondary" href=href download="timether-recovery-codes.txt">"Download .txt"</a>
                <button type="button" class="btn btn-primary" on:click=move |_| on_done()>"I have saved my codes"</button>
            </div>
        </div>
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
