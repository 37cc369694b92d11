//! Page state kept in the address: a filter lives in the query string, so
//! it survives a reload and Back, and a page can be bookmarked or shared.

use crate::time_filter::encode_query;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The query as it was when the page opened, to start its filter from.
pub fn opening_query() -> impl Fn(&str) -> Option<String> {
    let query = use_query_map().get_untracked();
    move |key| query.get(key)
}

/// Writes `pairs()` into the address as the filter changes, replacing the
/// history entry rather than adding one per change (Back leaves the page).
///
/// Nothing is written until the filter differs from what the page opened
/// with. The browser's history is written directly, not through the
/// router: a router navigation made while it is still arriving at a lazy
/// page takes the place of the one that brought it there, and Back would
/// skip a page. The path is checked first for the same reason.
pub fn keep_in_address(pairs: impl Fn() -> Vec<(&'static str, String)> + 'static) {
    let page_path = use_location().pathname.get_untracked();
    Effect::new(move |last: Option<String>| {
        let query = encode_query(&pairs());
        if last.as_ref().is_some_and(|l| *l != query) {
            replace_query(&page_path, &query);
        }
        query
    });
}

fn replace_query(page_path: &str, query: &str) {
    #[cfg(feature = "hydrate")]
    {
        let w = window();
        if w.location().pathname().ok().as_deref() != Some(page_path) {
            return;
        }
        let url = if query.is_empty() {
            page_path.to_string()
        } else {
            format!("{page_path}?{query}")
        };
        if let Ok(history) = w.history() {
            let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
            let _ = history.replace_state_with_url(&state, "", Some(&url));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (page_path, query);
}
