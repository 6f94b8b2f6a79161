//! One component per page of the application.

/// Declares `$route`, a page as a lazy route: its wasm is fetched when the page is first shown,
/// and it shows `$view` (an [`leptos::prelude::AnyView`]).
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $view:expr) => {
        $(#[$doc])*
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> leptos::prelude::AnyView {
                $view
            }
        }
    };
}

mod access;
mod api_reference;
mod bulk;
mod bulk_copy;
mod charts;
mod cluster;
mod import;
mod key_list;
mod key_page;
mod leases;
mod maintenance;
mod not_found;
mod past;
mod search;
mod sign_in;
mod watch;

pub use access::AccessRoute;
pub use api_reference::ApiReferenceRoute;
pub use bulk::BulkRoute;
pub use charts::ChartsRoute;
pub use cluster::ClusterRoute;
pub use key_list::KeyListPage;
pub use key_page::KeyRoute;
pub use leases::LeasesRoute;
pub use maintenance::MaintenanceRoute;
pub use not_found::NotFound;
pub use past::PastRoute;
pub use search::SearchRoute;
pub use sign_in::SignInPage;
pub use watch::WatchRoute;
