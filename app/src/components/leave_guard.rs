//! Asks before leaving a half-edited form: reloading or closing the tab
//! gets the browser's own question, a link inside the app the product's
//! dialog.

use crate::components::feedback::ConfirmDialog;
use leptos::prelude::*;

/// While `dirty`, leaving the page asks first. Place it inside the form
/// it guards; it stops asking when the form goes away (saved or cancelled).
#[component]
pub fn LeaveGuard(#[prop(into)] dirty: Signal<bool>) -> impl IntoView {
    let open = RwSignal::new(false);
    let leave_to = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let before_unload = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if dirty.get_untracked() {
                // Chromium asks on preventDefault; older engines want a
                // returnValue as well.
                ev.prevent_default();
                let _ = js_sys::Reflect::set(&ev, &"returnValue".into(), &"".into());
            }
        });
        // Capture phase, so this runs before the router's own link handler,
        // which leaves prevented clicks alone.
        let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
            if !dirty.get_untracked()
                || ev.default_prevented()
                || ev.button() != 0
                || ev.meta_key()
                || ev.ctrl_key()
                || ev.shift_key()
                || ev.alt_key()
            {
                return;
            }
            let Some(link) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("a[href]").ok().flatten())
            else {
                return;
            };
            let href = link.get_attribute("href").unwrap_or_default();
            if link.has_attribute("download")
                || link.get_attribute("target").is_some_and(|t| t == "_blank")
                || !href.starts_with('/')
                || href.starts_with("//")
            {
                return;
            }
            ev.prevent_default();
            leave_to.set(href);
            open.set(true);
        });
        let w = window();
        let _ = w.add_event_listener_with_callback(
            "beforeunload",
            before_unload.as_ref().unchecked_ref(),
        );
        let _ = w.add_event_listener_with_callback_and_bool(
            "click",
            click.as_ref().unchecked_ref(),
            true,
        );
        let held = send_wrapper::SendWrapper::new((before_unload, click));
        on_cleanup(move || {
            let (before_unload, click) = held.take();
            let w = window();
            let _ = w.remove_event_listener_with_callback(
                "beforeunload",
                before_unload.as_ref().unchecked_ref(),
            );
            let _ = w.remove_event_listener_with_callback_and_bool(
                "click",
                click.as_ref().unchecked_ref(),
                true,
            );
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dirty;
    let navigate = leptos_router::hooks::use_navigate();
    view! {
        <ConfirmDialog
            id="leave-guard"
            open
            title="Discard your changes?"
            message="This time entry has changes that are not saved. Leaving the page discards them."
            confirm_label="Discard changes"
            on_confirm=Callback::new(move |_| navigate(&leave_to.get_untracked(), Default::default()))
        />
    }
}
