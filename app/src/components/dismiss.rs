//! Escape and a click outside close what is open over the page: the tag
//! pickers and the account menu (`<details>` popovers) and the phone menu.
//! One pair of listeners for the whole app, added by the shell. Escape
//! returns focus to the control that opened the thing it closed.

use leptos::prelude::*;

/// The popovers these listeners close.
#[cfg(feature = "hydrate")]
const POPOVERS: &str = "details.picker[open], details.user-menu[open]";

/// Listens for Escape and outside clicks; `menu_open` is the phone menu.
pub fn install(menu_open: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        // Closes the open popovers that do not contain `inside`; returns
        // whether one was closed.
        let close_popovers = |inside: Option<&web_sys::Node>, focus: bool| -> bool {
            let Ok(list) = document().query_selector_all(POPOVERS) else {
                return false;
            };
            let mut closed = false;
            for i in 0..list.length() {
                let Some(el) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                else {
                    continue;
                };
                if inside.is_some_and(|t| el.contains(Some(t))) {
                    continue;
                }
                let _ = el.remove_attribute("open");
                closed = true;
                if focus {
                    if let Some(s) = el
                        .query_selector("summary")
                        .ok()
                        .flatten()
                        .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = s.focus();
                    }
                }
            }
            closed
        };
        let focus_menu_button = || {
            if let Some(b) = document()
                .query_selector(".menu-button")
                .ok()
                .flatten()
                .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = b.focus();
            }
        };
        let key = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() != "Escape" || ev.default_prevented() {
                return;
            }
            if close_popovers(None, true) {
                ev.prevent_default();
            } else if menu_open.get_untracked() {
                menu_open.set(false);
                focus_menu_button();
                ev.prevent_default();
            }
        });
        let click = window_event_listener(leptos::ev::click, move |ev| {
            let target = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let node: Option<&web_sys::Node> = target.as_ref().map(|t| t.as_ref());
            close_popovers(node, false);
            let in_menu = target.as_ref().is_some_and(|t| {
                t.closest("#sidebar, .menu-button").ok().flatten().is_some()
                    && t.closest("#sidebar a").ok().flatten().is_none()
            });
            if menu_open.get_untracked() && !in_menu {
                menu_open.set(false);
            }
        });
        on_cleanup(move || {
            key.remove();
            click.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = menu_open;
}
