//! What etcd-deck does, over the domain and the etcd adapter: the one layer that both the server
//! functions and the REST handlers call, so that no operation is written twice.
//!
//! Each service takes the etcd handle it is to act through and checks its input before anything
//! is sent to etcd.

pub mod cluster;
pub mod keys;
