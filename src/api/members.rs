//! The member endpoints: every member's Raft state, adding a member (a learner by default),
//! promoting it, removing a member, replacing a failed one, moving the leadership; and where a
//! key's latest write has been applied. Changes are for etcd's root role or etcd-deck's admin;
//! see [`crate::services::members`].

use super::error::Answer;
use super::extract::{ApiJson, ApiPath};
use super::keys::KeyPath;
use super::model::{AddMemberBody, ErrorBody, KeyLocation, MembershipChange, RaftView};
use crate::services::caller::Caller;
use crate::services::members::{self, NewMember};
use axum::http::StatusCode;
use axum::Json;

/// Every member, read now from itself, with its Raft term, commit and applied index, and the
/// changes of leader and term etcd-deck has seen since it started.
#[utoipa::path(get, path = "/api/v1/members", tag = "members",
    responses((status = 200, description = "The members and the timeline", body = RaftView)))]
pub async fn list(caller: Caller) -> Json<RaftView> {
    Json(members::view(&caller).await)
}

/// Adds a member, as a learner unless `learner` is false; a voting member only while the
/// healthy voters make a quorum without it. Answers how to start it.
#[utoipa::path(post, path = "/api/v1/members", tag = "members",
    request_body = AddMemberBody,
    responses(
        (status = 201, description = "Added: start it as `join` says", body = MembershipChange),
        (status = 409, description = "Refused: a learner is there already, the peer URL is taken, or the quorum is at risk", body = ErrorBody),
    ))]
pub async fn add(
    caller: Caller,
    ApiJson(body): ApiJson<AddMemberBody>,
) -> Answer<(StatusCode, Json<MembershipChange>)> {
    let added = members::add(&caller, new_member(body)).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Promotes a learner to a voting member; etcd refuses until it has caught up with the
/// leader's log (90 % of it).
#[utoipa::path(post, path = "/api/v1/members/{member}/promote", tag = "members",
    params(("member" = String, Path, description = "The member's name or hex id")),
    responses(
        (status = 200, description = "Promoted", body = MembershipChange),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "Not caught up yet, or no learner", body = ErrorBody),
    ))]
pub async fn promote(
    caller: Caller,
    ApiPath(member): ApiPath<String>,
) -> Answer<Json<MembershipChange>> {
    Ok(Json(members::promote(&caller, &member).await?))
}

/// Removes a member: refused, with the quorum arithmetic, when the healthy voting members
/// left would not make a quorum, and for the last voting member. The leader's leadership
/// moves to another healthy voter first.
#[utoipa::path(delete, path = "/api/v1/members/{member}", tag = "members",
    params(("member" = String, Path, description = "The member's name or hex id")),
    responses(
        (status = 200, description = "Removed", body = MembershipChange),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "Removing it would cost the cluster its quorum", body = ErrorBody),
    ))]
pub async fn remove(
    caller: Caller,
    ApiPath(member): ApiPath<String>,
) -> Answer<Json<MembershipChange>> {
    Ok(Json(members::remove(&caller, &member).await?))
}

/// Replaces a failed member: removes it first (so the quorum is counted without it), then adds
/// the new one as a learner, to be started as `join` says and promoted once it has caught up.
#[utoipa::path(post, path = "/api/v1/members/{member}/replace", tag = "members",
    params(("member" = String, Path, description = "The failed member's name or hex id")),
    request_body = AddMemberBody,
    responses(
        (status = 201, description = "Removed, and the replacement added", body = MembershipChange),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "Removing it would cost the cluster its quorum", body = ErrorBody),
    ))]
pub async fn replace(
    caller: Caller,
    ApiPath(member): ApiPath<String>,
    ApiJson(body): ApiJson<AddMemberBody>,
) -> Answer<(StatusCode, Json<MembershipChange>)> {
    let replaced = members::replace(&caller, &member, new_member(body)).await?;
    Ok((StatusCode::CREATED, Json(replaced)))
}

/// Hands the leadership to a healthy voting member; sent to the current leader.
#[utoipa::path(post, path = "/api/v1/members/{member}/leader", tag = "members",
    params(("member" = String, Path, description = "The member to lead: its name or hex id")),
    responses(
        (status = 200, description = "It leads now", body = MembershipChange),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "A learner, unhealthy, or leading already", body = ErrorBody),
    ))]
pub async fn leader(
    caller: Caller,
    ApiPath(member): ApiPath<String>,
) -> Answer<Json<MembershipChange>> {
    Ok(Json(members::move_leader(&caller, &member).await?))
}

/// Which members have applied the latest write of a key: for each, whether it answers, its
/// revision and applied index, and the key's mod revision as that member alone holds it.
#[utoipa::path(get, path = "/api/v1/keys/{key}/locate", tag = "keys",
    params(("key" = String, Path, description = "The key, as for GET /api/v1/keys/{key}")),
    responses((status = 200, description = "Where the key's latest write has been applied", body = KeyLocation)))]
pub async fn locate(caller: Caller, path: KeyPath) -> Answer<Json<KeyLocation>> {
    Ok(Json(members::locate(&caller, &path.key).await?))
}

fn new_member(body: AddMemberBody) -> NewMember {
    NewMember {
        name: body.name,
        peer_urls: body.peer_urls,
        learner: body.learner,
    }
}
