//! The server functions the UI calls. Each one is thin: it takes the etcd handle from the request
//! context, calls a service with domain types, and gives a failure its HTTP status (see
//! [`glue`]). Writes answer with a redirect to the page that shows their outcome, so forms
//! behave the same with and without JavaScript.

pub mod glue;

mod access;
mod bulk;
mod cluster;
mod history;
mod keys;
mod leases;
mod maintenance;
mod members;
mod metrics;

pub use access::*;
pub use bulk::*;
pub use cluster::*;
pub use history::*;
pub use keys::*;
pub use leases::*;
pub use maintenance::*;
pub use members::*;
pub use metrics::*;
