//! Maintenance from the maintenance page: what each member holds and what a recovery would do,
//! the run under way, and each operation, for etcd's root role or etcd-deck's admin. Each
//! answers with a redirect to the maintenance page, which shows the run as it goes.

use crate::domain::{
    maintenance::{Consistency, Maintenance},
    AppError,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller,
    crate::domain::{access::Operation, cluster::Role},
    crate::services::{caller::Caller, maintenance},
    crate::urls::routes::maintenance_url,
    leptos_axum::redirect,
};

/// The members, the recovery plan, the run under way (or the last one), and whether this
/// person may maintain the cluster.
#[server(prefix = "/fn")]
pub async fn get_maintenance() -> Result<Maintenance, AppError> {
    with_caller(|caller| async move {
        let refused = caller.may_maintain(Operation::Recover).await.err();
        Ok(Maintenance {
            plan: maintenance::plan(&caller).await?,
            refused: refused.map(|err| err.to_string()),
            run: maintenance::last_run(&caller),
        })
    })
    .await
}

/// Every member's hash of its keys, compared: asked for once, not with every refresh (each
/// member reads its whole keyspace for it).
#[server(prefix = "/fn")]
pub async fn check_consistency() -> Result<Consistency, AppError> {
    with_caller(|caller| async move { maintenance::consistency(&caller, None).await }).await
}

/// Starts the recovery of a full database, compacting to `revision` as typed to confirm it.
#[server(prefix = "/fn")]
pub async fn recover_cluster(revision: i64) -> Result<(), AppError> {
    started(|caller| async move { maintenance::recover(&caller, Some(revision), false).await })
        .await
}

/// Starts defragmenting `member` (a name or id), or every member for `all`.
#[server(prefix = "/fn")]
pub async fn defragment_members(member: String) -> Result<(), AppError> {
    started(|caller| async move {
        let named = match member.as_str() {
            "all" => maintenance::members(&caller)
                .await?
                .into_iter()
                .filter(|m| m.role() != Role::Learner)
                .map(|m| m.id)
                .collect(),
            _ => vec![member],
        };
        maintenance::defragment(&caller, &named, false).await
    })
    .await
}

/// Compacts the history up to `revision`.
#[server(prefix = "/fn")]
pub async fn compact_history(revision: i64) -> Result<(), AppError> {
    with_caller(|caller| async move {
        maintenance::compact(&caller, revision).await?;
        redirect(&maintenance_url());
        Ok(())
    })
    .await
}

/// Disarms `alarm` of `member`.
#[server(prefix = "/fn")]
pub async fn disarm_alarm(member: String, alarm: String) -> Result<(), AppError> {
    with_caller(|caller| async move {
        maintenance::disarm(&caller, &member, &alarm).await?;
        redirect(&maintenance_url());
        Ok(())
    })
    .await
}

/// Asks the run under way to stop before its next step.
#[server(prefix = "/fn")]
pub async fn stop_maintenance() -> Result<bool, AppError> {
    with_caller(|caller| async move {
        let stopping = maintenance::stop_run(&caller).await?;
        redirect(&maintenance_url());
        Ok(stopping)
    })
    .await
}

/// Starts a run the page follows from its record, then sends the page there.
#[cfg(feature = "ssr")]
async fn started<F, Fut>(start: F) -> Result<(), AppError>
where
    F: FnOnce(Caller) -> Fut,
    Fut: std::future::Future<Output = Result<maintenance::Run, AppError>>,
{
    with_caller(|caller| async move {
        start(caller).await?;
        redirect(&maintenance_url());
        Ok(())
    })
    .await
}
