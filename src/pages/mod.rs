//! One component per page of the application.

mod api_reference;
mod cluster;
mod key_list;
mod key_page;
mod not_found;
mod search;
mod sign_in;

pub use api_reference::ApiReferencePage;
pub use cluster::ClusterPage;
pub use key_list::KeyListPage;
pub use key_page::KeyPage;
pub use not_found::NotFound;
pub use search::SearchPage;
pub use sign_in::SignInPage;
