//! The HTML shell and the application root: layout and routes.

use crate::components::{ConnectionBanner, EtcdEpoch, Shortcuts};
use crate::pages::{
    AccessRoute, ApiReferenceRoute, BulkRoute, ChartsRoute, ClusterRoute, KeyListPage, KeyRoute,
    LeasesRoute, MaintenanceRoute, NotFound, PastRoute, SearchRoute, SignInPage, WatchRoute,
};
use crate::urls::routes::{
    access_url, api_reference_url, charts_url, cluster_url, leases_url, maintenance_url,
    ACCESS_SEGMENT, API_REFERENCE_SEGMENT, BULK_SEGMENT, CHARTS_SEGMENT, CLUSTER_SEGMENT, KEYS,
    KEY_SEGMENT, LEASES_SEGMENT, MAINTENANCE_SEGMENT, PAST, PAST_SEGMENT, SEARCH_SEGMENT,
    SIGN_IN_SEGMENT, WATCH, WATCH_SEGMENT,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{FlatRoutes, Route, Router},
    Lazy, ParamSegment, SsrMode, StaticSegment,
};

/// The HTML document every page is rendered into.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Who is signed in, shown by the server only (see `session_bar`); write controls are hidden
    // (by the style sheet) from whom writes are refused anyway.
    #[cfg(feature = "ssr")]
    let viewer = crate::server_fns::glue::caller().map(|caller| caller.viewer());
    #[cfg(not(feature = "ssr"))]
    let viewer: Option<crate::domain::access::Viewer> = None;
    let read_only = viewer
        .as_ref()
        .and_then(|viewer| viewer.read_only.as_ref())
        .map(|_| "");
    let session = viewer
        .filter(|viewer| viewer.name.is_some() || viewer.read_only.is_some())
        .map(crate::components::session_bar);
    // How people sign in here: the sign-in page's help speaks of the users that apply.
    #[cfg(feature = "ssr")]
    let sign_in = use_context::<std::sync::Arc<crate::services::access::Access>>()
        .map(|access| access.method().as_str());
    #[cfg(not(feature = "ssr"))]
    let sign_in: Option<&str> = None;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HashedStylesheet id="leptos" options=options.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body data-read-only=read_only data-sign-in=sign_in>
                <App />
                {session}
            </body>
        </html>
    }
}

/// A page's title, as the tab shows it. Leptos writes the server's `<title>` as it is given, so
/// the server escapes it (a key's name is a page's title); the browser sets it as text.
fn title(page: String) -> String {
    let title = format!("{page} · etcd-deck");
    #[cfg(feature = "ssr")]
    let title = crate::domain::value::escape_html(&title);
    title
}

/// The application: a top bar, the etcd connection banner and the routed page.
///
/// Pages render in `SsrMode::Async` so that their HTTP status (404, 503…) is known before the
/// first byte is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(EtcdEpoch::new());

    view! {
        <Title formatter=title />
        <Router>
            <header class="topbar">
                <a class="brand" href=KEYS>
                    "etcd-deck"
                </a>
                <nav class="sections">
                    <a href=KEYS>"Keys"</a>
                    <a href=format!("/{SEARCH_SEGMENT}")>"Search"</a>
                    <a href=WATCH>"Watch"</a>
                    <a href=leases_url()>"Leases"</a>
                    <a href=PAST>"History"</a>
                    <a href=format!("/{BULK_SEGMENT}")>"Import"</a>
                    <a href=cluster_url()>"Cluster"</a>
                    <a href=charts_url(None)>"Charts"</a>
                    <a href=maintenance_url()>"Maintenance"</a>
                    <a href=access_url()>"Access"</a>
                    <a href=api_reference_url()>"API"</a>
                </nav>
            </header>
            <ConnectionBanner />
            // In the page's flow above it, so that it covers nothing.
            <Shortcuts />
            <main>
                <FlatRoutes fallback=NotFound>
                    <Route path=StaticSegment("") view=KeyListPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment(KEY_SEGMENT), ParamSegment("key"))
                        view={Lazy::<KeyRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(SEARCH_SEGMENT)
                        view={Lazy::<SearchRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(CLUSTER_SEGMENT)
                        view={Lazy::<ClusterRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment(CLUSTER_SEGMENT), StaticSegment(CHARTS_SEGMENT))
                        view={Lazy::<ChartsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(MAINTENANCE_SEGMENT)
                        view={Lazy::<MaintenanceRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(LEASES_SEGMENT)
                        view={Lazy::<LeasesRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(PAST_SEGMENT)
                        view={Lazy::<PastRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(WATCH_SEGMENT)
                        view={Lazy::<WatchRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(BULK_SEGMENT)
                        view={Lazy::<BulkRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment(ACCESS_SEGMENT)
                        view={Lazy::<AccessRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment(SIGN_IN_SEGMENT) view=SignInPage />
                    <Route
                        path=StaticSegment(API_REFERENCE_SEGMENT)
                        view={Lazy::<ApiReferenceRoute>::new()}
                        ssr=SsrMode::Async
                    />
                </FlatRoutes>
            </main>
        </Router>
    }
}
