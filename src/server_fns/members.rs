//! Membership changes from the cluster page, for etcd's root role or etcd-deck's admin, and
//! where a key lives, for the key page. Each change answers with a redirect to the cluster page,
//! which shows the members as they are after it (and how to start a member just added).

use crate::domain::{
    raft::{KeyLocation, RaftView},
    AppError, Key,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller,
    crate::services::members::{self, NewMember},
    crate::urls::routes::{cluster_joined_url, cluster_url},
    leptos_axum::redirect,
};

/// Every member with its Raft state, the timeline of leader and term changes, and whether this
/// person may change the membership.
#[server(prefix = "/fn")]
pub async fn get_members() -> Result<RaftView, AppError> {
    with_caller(|caller| async move { Ok(members::view(&caller).await) }).await
}

/// Adds a member at `peer_url`, as a learner unless `voter` is ticked, then shows how to start
/// it.
#[server(prefix = "/fn")]
pub async fn add_member(
    name: String,
    peer_url: String,
    voter: Option<bool>,
) -> Result<(), AppError> {
    with_caller(|caller| async move {
        let new = new_member(name, peer_url, voter.is_none());
        let added = members::add(&caller, new).await?;
        joined(&added);
        Ok(())
    })
    .await
}

/// Promotes the learner `member` (a name or hex id).
#[server(prefix = "/fn")]
pub async fn promote_member(member: String) -> Result<(), AppError> {
    changed(|caller| async move { members::promote(&caller, &member).await }).await
}

/// Removes `member`, once its name is typed again as `confirm`.
#[server(prefix = "/fn")]
pub async fn remove_member(member: String, confirm: String) -> Result<(), AppError> {
    confirmed(&member, &confirm)?;
    changed(|caller| async move { members::remove(&caller, &member).await }).await
}

/// Hands the leadership to `member`.
#[server(prefix = "/fn")]
pub async fn move_leader(member: String) -> Result<(), AppError> {
    changed(|caller| async move { members::move_leader(&caller, &member).await }).await
}

/// Replaces the failed `member` (its name typed again as `confirm`) by a learner at
/// `peer_url`, then shows how to start it.
#[server(prefix = "/fn")]
pub async fn replace_member(
    member: String,
    confirm: String,
    name: String,
    peer_url: String,
) -> Result<(), AppError> {
    confirmed(&member, &confirm)?;
    with_caller(|caller| async move {
        let new = new_member(name, peer_url, true);
        let replaced = members::replace(&caller, &member, new).await?;
        joined(&replaced);
        Ok(())
    })
    .await
}

/// Which members have applied the latest write of `key`.
#[server(prefix = "/fn")]
pub async fn locate_key(key: Key) -> Result<KeyLocation, AppError> {
    with_caller(|caller| async move { members::locate(&caller, &key).await }).await
}

/// A removal goes ahead only with the member's name typed again.
#[cfg(feature = "ssr")]
fn confirmed(member: &str, confirm: &str) -> Result<(), AppError> {
    if confirm.trim() != member {
        return Err(AppError::invalid(format!(
            "type the member's name, {member}, to confirm: nothing was done"
        )));
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn new_member(name: String, peer_url: String, learner: bool) -> NewMember {
    let name = name.trim();
    NewMember {
        name: (!name.is_empty()).then(|| name.to_string()),
        peer_urls: vec![peer_url.trim().to_string()],
        learner,
    }
}

#[cfg(feature = "ssr")]
fn joined(change: &crate::domain::members::MembershipChange) {
    match &change.join {
        Some(join) => redirect(&cluster_joined_url(&join.id, &join.name)),
        None => redirect(&cluster_url()),
    }
}

/// Makes a change, then sends the page back to the cluster.
#[cfg(feature = "ssr")]
async fn changed<F, Fut>(change: F) -> Result<(), AppError>
where
    F: FnOnce(crate::services::caller::Caller) -> Fut,
    Fut: std::future::Future<Output = Result<crate::domain::members::MembershipChange, AppError>>,
{
    with_caller(|caller| async move {
        change(caller).await?;
        redirect(&cluster_url());
        Ok(())
    })
    .await
}
