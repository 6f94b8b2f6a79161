//! The JSON shapes of the REST API, and how keys and values are written in them, one room per
//! resource.

mod access;
mod bulk;
mod encoding;
mod error;
mod history;
mod keys;
mod leases;
mod maintenance;
mod members;
mod metrics;
mod search;
mod tree;
mod watch;

pub use access::*;
pub use bulk::*;
pub use encoding::*;
pub use error::*;
pub use history::*;
pub use keys::*;
pub use leases::*;
pub use maintenance::*;
pub use members::*;
pub use metrics::*;
pub use search::*;
pub use tree::*;
pub use watch::*;

/// The cluster as `GET /api/v1/cluster` answers it.
pub use crate::domain::cluster::{ClusterOverview, EndpointHealth, MemberInfo};
