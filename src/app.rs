//! The HTML shell and the application root: layout and routes.

use crate::components::{ConnectionBanner, EtcdEpoch};
use crate::pages::{ApiReferencePage, ClusterPage, KeyListPage, KeyPage, NotFound};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document every page is rendered into.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: a top bar, the etcd connection banner and the routed page.
///
/// Pages render in `SsrMode::Async` so that their HTTP status (404, 503…) is known before the
/// first byte is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(EtcdEpoch::new());
    Effect::new(|_| mark_hydrated());

    view! {
        <Stylesheet id="leptos" href="/pkg/etcd-deck.css" />
        <Title formatter=|page: String| format!("{page} · etcd-deck") />
        <Router>
            <header class="topbar">
                <a class="brand" href="/">
                    "etcd-deck"
                </a>
                <nav class="sections">
                    <a href="/">"Keys"</a>
                    <a href="/cluster">"Cluster"</a>
                    <a href="/api">"API"</a>
                </nav>
            </header>
            <ConnectionBanner />
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=KeyListPage ssr=SsrMode::Async />
                    <Route path=path!("/key/:key") view=KeyPage ssr=SsrMode::Async />
                    <Route path=path!("/cluster") view=ClusterPage ssr=SsrMode::Async />
                    <Route path=path!("/api") view=ApiReferencePage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// Marks the page as hydrated, so end-to-end tests click only once handlers are attached.
fn mark_hydrated() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
