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
    browser_follows_links_until_hydrated();
    leptos::mount::hydrate_lazy(app::App);
}

/// Until the page's own view has hydrated (`data-hydrated` on the body), a click on a link is
/// left to the browser, which loads the next page from the server. The router would otherwise
/// move to it in place, and a lazy route still waiting for its code would then hydrate the
/// server's HTML of the old address with the view of the new one, a mismatch that panics.
#[cfg(feature = "hydrate")]
fn browser_follows_links_until_hydrated() {
    use wasm_bindgen::{closure::Closure, JsCast};
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(|event: web_sys::MouseEvent| {
        let hydrated = leptos::prelude::document()
            .body()
            .is_some_and(|body| body.has_attribute("data-hydrated"));
        let on_link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .is_some();
        if on_link && !hydrated {
            // Capturing at the window, before the router's listener: the default, following the
            // link, still happens.
            event.stop_propagation();
        }
    });
    // The capture phase at the window comes before every other listener of the click.
    let _ = leptos::prelude::window().add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    // It stays for the page's life.
    on_click.forget();
}
