//! Form pieces: labelled fields with inline errors announced to screen
//! readers, a form-level error, and a submit button with a busy state.

use crate::error::AppError;
use leptos::prelude::*;

/// The latest error of an action, if its last run failed.
pub type ErrorSignal = Signal<Option<AppError>>;

#[cfg(feature = "hydrate")]
thread_local! {
    static SIGNING_OUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The person is signing out (`true`), or the sign-out failed (`false`).
/// Meanwhile calls that fail for want of a session are expected: the
/// sign-out itself goes to sign-in, with no way back to this page (a
/// request failing just after it once won the race and added one).
pub fn set_signing_out(on: bool) {
    #[cfg(feature = "hydrate")]
    SIGNING_OUT.with(|s| s.set(on));
    #[cfg(not(feature = "hydrate"))]
    let _ = on;
}

/// Whether the person is signing out (see [`set_signing_out`]).
#[cfg(feature = "hydrate")]
pub fn signing_out() -> bool {
    SIGNING_OUT.with(|s| s.get())
}

/// Sends the browser to sign-in when the session has ended.
pub fn redirect_if_signed_out(err: &AppError) {
    if matches!(err, AppError::Unauthenticated) {
        #[cfg(feature = "hydrate")]
        if !signing_out() {
            // Back to this page after signing in again.
            let loc = window().location();
            let here = format!(
                "{}{}",
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default()
            );
            let _ = loc.set_href(&format!(
                "/signin?next={}",
                js_sys::encode_uri_component(&here)
            ));
        }
    }
}

/// Ties a server-rendered text field (rendered with `value=` its signal's
/// first value, and `node_ref=input`) to `value` without losing what was
/// typed before the page became interactive: at hydration the field's
/// text, if it differs, becomes the signal's; afterwards the signal is
/// written to the field. (`prop:value` would reset the field at hydration.)
pub fn bind_typed(input: NodeRef<leptos::html::Input>, value: RwSignal<String>) {
    bind_typed_with(input, move || value.get(), move |v| value.set(v));
}

/// [`bind_typed`] for a field of a larger form state: `get` reads the
/// field's text (tracked), `set` stores text typed into it.
pub fn bind_typed_with(
    input: NodeRef<leptos::html::Input>,
    get: impl Fn() -> String + 'static,
    set: impl Fn(String) + 'static,
) {
    Effect::new(move |adopted: Option<bool>| {
        let text = get();
        let Some(el) = input.get() else {
            return adopted.unwrap_or(false);
        };
        let shown = el.value();
        if adopted != Some(true) {
            if shown != text {
                set(shown);
            }
        } else if shown != text {
            el.set_value(&text);
        }
        true
    });
}

/// Moves keyboard focus to the element with `id`, if it is in the page.
pub fn focus_id(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .get_element_by_id(id)
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// A full page load, used after sign-in, sign-out and workspace switches so
/// every part of the page shows the new state.
pub fn reload_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Puts text on the clipboard (the browser may refuse without a user gesture).
pub fn copy_text(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// A labelled input. `error` shows under the field with `role="alert"` when
/// the server named this field.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: Option<Signal<String>>,
    #[prop(default = false)] required: bool,
    #[prop(optional)] list: Option<&'static str>,
    /// The on-screen keyboard to offer (`numeric` for codes).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// Put the cursor here when the form appears (the first field of a
    /// sign-in step), unless the person is already typing elsewhere.
    #[prop(optional)]
    autofocus: bool,
    error: ErrorSignal,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    // The server renders the value as the field's default; the browser
    // keeps what the person typed before the page became interactive. A
    // later change of the signal (not its first run, at hydration) is
    // written to the field.
    if let Some(v) = value {
        Effect::new(move |prev: Option<()>| {
            let text = v.get();
            if prev.is_some() {
                if let Some(el) = input.get() {
                    el.set_value(&text);
                }
            }
        });
    }
    if autofocus {
        // A frame later: a step shown on the client (2FA) is built before
        // it is in the page.
        Effect::new(move |_| {
            if let Some(el) = input.get() {
                request_animation_frame(move || {
                    let busy = document()
                        .active_element()
                        .is_some_and(|a| a.tag_name() == "INPUT" || a.tag_name() == "TEXTAREA");
                    if !busy {
                        let _ = el.focus();
                    }
                });
            }
        });
    }
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = move || error.get().and_then(|e| e.field_message(name));
    let described = {
        let err_id = err_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(err_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                node_ref=input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                list=list
                inputmode=inputmode
                value=value.map(|v| v.get_untracked())
                aria-invalid=move || if message().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <p class="field-error" id=err_id.clone() role="alert">{message}</p>
        </div>
    }
}

/// A form-wide error (one not tied to a field), announced to screen readers.
#[component]
pub fn FormError(error: ErrorSignal) -> impl IntoView {
    let text = move || {
        error
            .get()
            .filter(|e| !e.is_field_error())
            .map(|e| e.to_string())
    };
    view! {
        <div class="form-error" role="alert">
            {move || text().map(|t| view! { <p>{t}</p> })}
        </div>
    }
}

/// `false` until the part of the page that calls it is interactive, then
/// `true`. Submit buttons are rendered disabled with it: the forms are
/// handled in the browser (their fields have no names, they have no
/// action), so one submitted before its handler exists (a slow connection,
/// a page whose code loads on first visit) would load the page again and
/// lose what was typed. Disabled, the button waits, and says it waits.
pub fn interactive() -> Signal<bool> {
    let live = RwSignal::new(false);
    // Effects run in the browser only, after this part is hydrated.
    Effect::new(move |_| live.set(true));
    live.into()
}

/// A submit button that shows progress and blocks double submits.
#[component]
pub fn Submit(
    label: &'static str,
    busy_label: &'static str,
    pending: Signal<bool>,
    #[prop(default = "btn btn-primary")] class: &'static str,
) -> impl IntoView {
    let live = interactive();
    view! {
        <button type="submit" class=class disabled=move || pending.get() || !live.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// Turns an action's value into the error signal the form pieces read.
pub fn action_error<I, O>(action: ServerAction<I>) -> ErrorSignal
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}
