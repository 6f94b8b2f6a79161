//! Whether etcd answers, the cluster's members and health, and the REST API's reference.

use crate::domain::{api_reference::ApiOperation, cluster::ClusterOverview, AppError, Connection};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::{caller, from_context, with_caller},
    crate::domain::api_reference::ApiReference,
    crate::services::{access::Access, cluster},
};

/// Whether etcd answers, for the connection banner; asked by nobody in particular before
/// anyone signs in, so the sign-in page can say that etcd is down.
#[server(prefix = "/fn")]
pub async fn etcd_connection() -> Result<Connection, AppError> {
    if caller().is_none() {
        let access = from_context::<std::sync::Arc<Access>>()?;
        return cluster::reachable(&access).await;
    }
    with_caller(|caller| async move { cluster::connection(&caller).await }).await
}

/// Members, endpoint health, leader and alarms, for the cluster page.
#[server(prefix = "/fn")]
pub async fn get_cluster() -> Result<ClusterOverview, AppError> {
    with_caller(|caller| async move { Ok(cluster::overview(&caller).await) }).await
}

/// The REST API's reference, from its OpenAPI document.
#[server(prefix = "/fn")]
pub async fn get_api_reference() -> Result<Vec<ApiOperation>, AppError> {
    from_context::<ApiReference>().map(|reference| reference.0.to_vec())
}
