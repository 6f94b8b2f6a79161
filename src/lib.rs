//! etcd-deck: a web console for etcd, as one Leptos application rendered on the server and
//! hydrated in the browser.
//!
//! The layers, each using only those listed before it:
//!
//! - [`domain`]: types and pure functions, shared by server and browser;
//! - [`urls`]: where the pages and the REST API live, and what a page reads from its URL;
//! - `etcd`: the adapter, the only code that talks to etcd (server only);
//! - `services`: what etcd-deck does, over domain and adapter (server only);
//! - [`server_fns`]: thin server functions over the services, and their Leptos glue;
//! - [`components`], [`pages`], [`app`]: the UI, which knows server functions and domain types;
//! - [`api`]: the REST handlers over the same services (server only), and their JSON model
//!   (shared with the browser);
//! - `server`: configuration, state, router and static files; it wires all of the above;
//! - `cli`: `etcd-deck kv`, a client of the REST API that uses only its model.

pub mod api;
pub mod app;
#[cfg(feature = "ssr")]
pub mod cli;
pub mod components;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod etcd;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod services;
pub mod urls;

/// The browser entry point: attaches the application to the server-rendered page, once the code
/// of its page (a lazy route's wasm chunk) has arrived.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
