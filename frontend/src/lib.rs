//! The browser entry: hydrates the server-rendered page into the live app.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: a page whose code is in a chunk waits for it, then hydrates.
    leptos::mount::hydrate_lazy(app::App);
}
