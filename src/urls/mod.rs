//! Where things live: the URLs of the pages and of the REST API, what a page reads from its
//! URL's query, and the notices a write carries to the page it lands on. The router, the pages,
//! every link and every redirect use these, so each address is spelled once. Shared by server and
//! browser; it knows [`crate::domain`] and nothing above it.

pub mod api;
pub mod notice;
mod query;
mod read;
pub mod routes;

pub use query::{query_param, query_params, with_param, with_query};
