//! What etcd-deck does, over the domain and the etcd adapter: the one layer that both the server
//! functions and the REST handlers call, so that no operation is written twice.
//!
//! Each service takes the [`caller::Caller`] it acts for, whose etcd handle it acts through, and
//! checks its input before anything is sent to etcd.

pub mod access;
pub mod access_admin;
pub mod attempts;
pub mod audit;
pub mod bulk;
pub mod caller;
pub mod cluster;
pub mod copy_plan;
pub mod keys;
pub mod leases;
pub mod maintenance;
pub mod members;
pub mod metrics;
pub mod past;
pub mod search;
pub mod session;
pub mod stash;
pub mod users;
pub mod users_file;
pub mod values;
pub mod watch;
