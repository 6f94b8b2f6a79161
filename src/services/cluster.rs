//! The cluster as etcd-deck sees it: members, endpoint health, leader, alarms, and whether etcd
//! answers at all.

use super::access::Access;
use super::caller::Caller;
use crate::domain::{cluster::ClusterOverview, AppError, Connection};

/// Members, every endpoint's health, the leader and alarms. Never fails: what cannot be read is
/// shown as unknown.
pub async fn overview(caller: &Caller) -> ClusterOverview {
    caller.etcd.cluster_overview().await
}

/// Whether etcd answers a linearizable read (which needs a leader and a quorum).
pub async fn connection(caller: &Caller) -> Result<Connection, AppError> {
    let mut connection = caller.etcd.connection().await?;
    connection.alerts = super::metrics::alerts(caller).await;
    Ok(connection)
}

/// Whether etcd answers at all, asked as nobody: with authentication enabled it answers that it
/// requires it, which is an answer. The revision is then unknown (0).
pub async fn reachable(access: &Access) -> Result<Connection, AppError> {
    access
        .detect_etcd_authentication()
        .await
        .map(|_| Connection {
            revision: 0,
            full: false,
            nearly_full: None,
            alerts: Vec::new(),
        })
}
