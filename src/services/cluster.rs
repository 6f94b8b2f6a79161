//! The cluster as etcd-deck sees it: members, endpoint health, leader, alarms, and whether etcd
//! answers at all.

use crate::domain::{cluster::ClusterOverview, AppError, Connection};
use crate::etcd::Etcd;

/// Members, every endpoint's health, the leader and alarms. Never fails: what cannot be read is
/// shown as unknown.
pub async fn overview(etcd: &Etcd) -> ClusterOverview {
    etcd.cluster_overview().await
}

/// Whether etcd answers a linearizable read (which needs a leader and a quorum).
pub async fn connection(etcd: &Etcd) -> Result<Connection, AppError> {
    etcd.connection().await
}
