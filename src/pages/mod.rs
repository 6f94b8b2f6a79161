//! One component per page of the application.

mod api_reference;
mod cluster;
mod key_list;
mod key_page;
mod not_found;
mod search;
mod sign_in;

pub use api_reference::ApiReferenceRoute;
pub use cluster::ClusterRoute;
pub use key_list::KeyListPage;
pub use key_page::KeyRoute;
pub use not_found::NotFound;
pub use search::SearchRoute;
pub use sign_in::SignInPage;
