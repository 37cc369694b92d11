//! Page state kept in the address: a filter lives in the query string, so
//! it survives a reload and Back, and a page can be bookmarked or shared.

use crate::time_filter::encode_query;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

/// The query as it was when the page opened, to start its filter from.
pub fn opening_query() -> impl Fn(&str) -> Option<String> {
    let query = use_query_map().get_untracked();
    move |key| query.get(key)
}

/// Keeps the address's query equal to `pairs()` as the filter changes. It
/// replaces the history entry rather than adding one per change, so Back
/// leaves the page instead of stepping through every click.
pub fn keep_in_address(pairs: impl Fn() -> Vec<(&'static str, String)> + 'static) {
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let query = encode_query(&pairs());
        let here = location.search.get_untracked();
        if here.trim_start_matches('?') == query {
            return;
        }
        let path = location.pathname.get_untracked();
        let url = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    });
}
