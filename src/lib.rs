//! etcd-deck: a web console for etcd, as one Leptos application rendered on the server and
//! hydrated in the browser.
//!
//! Data flows one way: page → server function → etcd adapter → etcd, and back as domain types.

pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod etcd;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: attaches the application to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
