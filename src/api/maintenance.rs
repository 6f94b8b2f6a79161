//! The maintenance endpoints: each member's state, the recovery of a full database (planned,
//! then run with its progress streamed), compaction, defragmentation, alarms, snapshots and the
//! consistency check. For etcd's root role or etcd-deck's admin; see
//! [`crate::services::maintenance`].

use super::error::Answer;
use super::extract::{ApiJson, ApiQuery};
use super::model::{
    AlarmBody, CompactBody, Compacted, Consistency, DefragmentBody, ErrorBody, HashKvQuery,
    MemberNow, RecoverBody, RecoveryPlan, RunLine, SnapshotQuery,
};
use super::NDJSON;
use crate::services::caller::Caller;
use crate::services::maintenance::{self, Run};
use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use std::convert::Infallible;

/// Every member, read now from itself: role, database size and size in use, quota, revisions
/// kept and alarms; a member that does not answer says why.
#[utoipa::path(get, path = "/api/v1/maintenance/members", tag = "maintenance",
    responses((status = 200, description = "The members, as each reports itself", body = Vec<MemberNow>)))]
pub async fn members(caller: Caller) -> Answer<Json<Vec<MemberNow>>> {
    Ok(Json(maintenance::members(&caller).await?))
}

/// What recovering a full database would do now: the revision history is compacted to, the
/// members in the order they are defragmented, the alarms, and why it cannot run, when it
/// cannot. Changes nothing.
#[utoipa::path(get, path = "/api/v1/maintenance/plan", tag = "maintenance",
    responses((status = 200, description = "The plan", body = RecoveryPlan)))]
pub async fn plan(caller: Caller) -> Answer<Json<RecoveryPlan>> {
    Ok(Json(maintenance::plan(&caller).await?))
}

/// Recovers a full database: compacts the history to `revision` (the plan's `compact_to`,
/// typed to confirm), defragments every member one at a time (followers first, the leader
/// last, each only while every member is healthy), disarms each NOSPACE alarm once its member
/// is under 90 % of its quota, and writes and deletes a test key. Answers one line per step as
/// it goes, then a report; closing the connection stops it before the next step.
#[utoipa::path(post, path = "/api/v1/maintenance/recover", tag = "maintenance",
    request_body = RecoverBody,
    responses(
        (status = 200, description = "One `Progress` line per step, then a `RunReport`",
            content_type = "application/x-ndjson", body = RunLine),
        (status = 409, description = "A member is unhealthy, or the revision is in the future: nothing was done", body = ErrorBody),
    ))]
pub async fn recover(caller: Caller, ApiJson(body): ApiJson<RecoverBody>) -> Answer<Response> {
    Ok(lines(
        maintenance::recover(&caller, Some(body.revision), true).await?,
    ))
}

/// Defragments the members named, one at a time in the safe order, with the bytes each gave
/// back. Refused for a learner and while any member is unhealthy.
#[utoipa::path(post, path = "/api/v1/maintenance/defragment", tag = "maintenance",
    request_body = DefragmentBody,
    responses(
        (status = 200, description = "One `Progress` line per step, then a `RunReport`",
            content_type = "application/x-ndjson", body = RunLine),
        (status = 404, description = "No member has a name or id given", body = ErrorBody),
        (status = 409, description = "A learner was named, or a member is unhealthy", body = ErrorBody),
    ))]
pub async fn defragment(
    caller: Caller,
    ApiJson(body): ApiJson<DefragmentBody>,
) -> Answer<Response> {
    Ok(lines(
        maintenance::defragment(&caller, &body.members, true).await?,
    ))
}

/// Compacts etcd's history up to `revision`: every older version of every key is dropped,
/// and history, past keyspaces and undelete stop working below it.
#[utoipa::path(post, path = "/api/v1/maintenance/compact", tag = "maintenance",
    request_body = CompactBody,
    responses(
        (status = 200, description = "Compacted", body = Compacted),
        (status = 409, description = "The revision is in the future, or compacted already", body = ErrorBody),
    ))]
pub async fn compact(
    caller: Caller,
    ApiJson(body): ApiJson<CompactBody>,
) -> Answer<Json<Compacted>> {
    let before = maintenance::compact(&caller, body.revision).await?;
    Ok(Json(Compacted {
        revision: body.revision,
        before,
    }))
}

/// The active alarms.
#[utoipa::path(get, path = "/api/v1/maintenance/alarms", tag = "maintenance",
    responses((status = 200, description = "The alarms", body = Vec<AlarmBody>)))]
pub async fn alarms(caller: Caller) -> Answer<Json<Vec<AlarmBody>>> {
    let alarms = maintenance::alarms(&caller).await?;
    let alarms = alarms
        .into_iter()
        .map(|(member, alarm)| AlarmBody { member, alarm });
    Ok(Json(alarms.collect()))
}

/// Disarms one member's alarm; a NOSPACE alarm only once the member is under 90 % of its
/// quota. Answers the alarms left.
#[utoipa::path(post, path = "/api/v1/maintenance/alarms/disarm", tag = "maintenance",
    request_body = AlarmBody,
    responses(
        (status = 200, description = "Disarmed: the alarms left", body = Vec<AlarmBody>),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "The member is still too full, or has no such alarm", body = ErrorBody),
    ))]
pub async fn disarm(
    caller: Caller,
    ApiJson(body): ApiJson<AlarmBody>,
) -> Answer<Json<Vec<AlarmBody>>> {
    maintenance::disarm(&caller, &body.member, &body.alarm).await?;
    alarms(caller).await
}

/// A snapshot of one member's database (the leader's by default), streamed as the member sends
/// it: `etcdutl snapshot restore` takes the file. Its size is the `Content-Length`, its
/// revision is `Etcd-Revision`. The SHA-256 that ends etcd's stream is checked before the last
/// 32 bytes are sent: a snapshot damaged on its way is cut short, never completed.
#[utoipa::path(get, path = "/api/v1/maintenance/snapshot", tag = "maintenance",
    params(SnapshotQuery),
    responses(
        (status = 200, description = "The snapshot file", content_type = "application/octet-stream",
            body = Vec<u8>,
            headers(("Etcd-Revision" = i64, description = "The member's revision when it began"),
                    ("Etcd-Member" = String, description = "The member it was taken from"))),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "No member leads the cluster and none was named", body = ErrorBody),
    ))]
pub async fn snapshot(
    caller: Caller,
    ApiQuery(query): ApiQuery<SnapshotQuery>,
) -> Answer<Response> {
    let snapshot = maintenance::snapshot(&caller, query.member.as_deref()).await?;
    let name = format!("etcd-{}-{}.snapshot.db", snapshot.member, snapshot.revision);
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\'], "_")
    );
    let mut response = Body::from_stream(snapshot.parts).into_response();
    response.extensions_mut().insert(super::Download::Snapshot);
    let headers = response.headers_mut();
    let text = |text: &str| HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(snapshot.size));
    headers.insert(header::CONTENT_DISPOSITION, text(&disposition));
    headers.insert("etcd-revision", HeaderValue::from(snapshot.revision));
    headers.insert("etcd-member", text(&snapshot.member));
    Ok(response)
}

/// Every member's hash of its keys at one revision, compared where their histories are
/// compacted alike: a difference names the member that differs, with both hashes.
#[utoipa::path(get, path = "/api/v1/maintenance/hashkv", tag = "maintenance",
    params(HashKvQuery),
    responses((status = 200, description = "Each member's hash and whether they agree", body = Consistency)))]
pub async fn hashkv(
    caller: Caller,
    ApiQuery(query): ApiQuery<HashKvQuery>,
) -> Answer<Json<Consistency>> {
    Ok(Json(
        maintenance::consistency(&caller, query.revision).await?,
    ))
}

/// A run's lines, as NDJSON.
fn lines(run: Run) -> Response {
    let lines = run.into_stream().map(|line| {
        let mut text = serde_json::to_string(&line).unwrap_or_default();
        text.push('\n');
        Ok::<_, Infallible>(text)
    });
    let mut response = Body::from_stream(lines).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    response
}
