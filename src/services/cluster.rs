//! The cluster as etcd-deck sees it: members, endpoint health, leader, alarms, and whether etcd
//! answers at all.

use super::access::Caller;
use crate::domain::{cluster::ClusterOverview, AppError, Connection};

/// Members, every endpoint's health, the leader and alarms. Never fails: what cannot be read is
/// shown as unknown.
pub async fn overview(caller: &Caller) -> ClusterOverview {
    caller.etcd.cluster_overview().await
}

/// Whether etcd answers a linearizable read (which needs a leader and a quorum).
pub async fn connection(caller: &Caller) -> Result<Connection, AppError> {
    caller.etcd.connection().await
}
