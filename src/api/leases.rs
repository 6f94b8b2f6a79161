//! The lease endpoints of the REST API: list, read, grant, revoke and keep alive once.

use super::error::Answer;
use super::extract::ApiPath;
use super::extract::{ApiJson, ApiQuery};
use super::model::{
    ErrorBody, GrantBody, GrantedLease, KeyQuery, LeaseBody, LeasesBody, WriteResult,
};
use crate::domain::lease::{lease_hex, parse_lease_id};
use crate::services::{caller::Caller, leases};
use axum::Json;

/// Every lease, in id order, with the seconds it has left and its keys.
#[utoipa::path(get, path = "/api/v1/leases", tag = "leases", params(KeyQuery),
    responses(
        (status = 200, description = "The leases", body = LeasesBody),
        (status = 503, description = "etcd is unavailable", body = ErrorBody),
    ))]
pub async fn list(caller: Caller, ApiQuery(query): ApiQuery<KeyQuery>) -> Answer<Json<LeasesBody>> {
    let all = leases::list(&caller).await?;
    let leases = all
        .leases
        .iter()
        .map(|lease| LeaseBody::new(lease, query.encoding));
    Ok(Json(LeasesBody {
        leases: leases.collect(),
        total: all.total,
    }))
}

/// One lease: the seconds it has left, those it was granted, and its keys.
#[utoipa::path(get, path = "/api/v1/leases/{id}", tag = "leases",
    params(("id" = String, Path, pattern = r"^0*([1-9a-fA-F][0-9a-fA-F]{0,14}|[1-7][0-9a-fA-F]{15})$", description = "The lease id, hexadecimal"), KeyQuery),
    responses(
        (status = 200, description = "The lease", body = LeaseBody),
        (status = 400, description = "Not a lease id", body = ErrorBody),
        (status = 404, description = "No such lease: it expired or was revoked", body = ErrorBody),
    ))]
pub async fn get(
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<KeyQuery>,
) -> Answer<Json<LeaseBody>> {
    let lease = leases::get(&caller, parse_lease_id(&id)?).await?;
    Ok(Json(LeaseBody::new(&lease, query.encoding)))
}

/// Grants a lease of `ttl` seconds; keys attached to it are deleted when it expires.
#[utoipa::path(post, path = "/api/v1/leases", tag = "leases", request_body = GrantBody,
    responses(
        (status = 200, description = "Granted", body = GrantedLease),
        (status = 400, description = "A ttl out of range", body = ErrorBody),
    ))]
pub async fn grant(
    caller: Caller,
    ApiJson(body): ApiJson<GrantBody>,
) -> Answer<Json<GrantedLease>> {
    let (id, receipt) = leases::grant(&caller, body.ttl).await?;
    Ok(Json(GrantedLease {
        id: lease_hex(id),
        ttl: body.ttl,
        revision: receipt.revision,
    }))
}

/// Revokes a lease: etcd deletes every key attached to it, at once.
#[utoipa::path(delete, path = "/api/v1/leases/{id}", tag = "leases",
    params(("id" = String, Path, pattern = r"^0*([1-9a-fA-F][0-9a-fA-F]{0,14}|[1-7][0-9a-fA-F]{15})$", description = "The lease id, hexadecimal")),
    responses(
        (status = 200, description = "Revoked", body = WriteResult),
        (status = 404, description = "No such lease", body = ErrorBody),
    ))]
pub async fn revoke(caller: Caller, ApiPath(id): ApiPath<String>) -> Answer<Json<WriteResult>> {
    let receipt = leases::revoke(&caller, parse_lease_id(&id)?).await?;
    Ok(Json(WriteResult {
        revision: receipt.revision,
    }))
}

/// Renews a lease to the seconds it was granted, once.
#[utoipa::path(post, path = "/api/v1/leases/{id}/keepalive", tag = "leases",
    params(("id" = String, Path, pattern = r"^0*([1-9a-fA-F][0-9a-fA-F]{0,14}|[1-7][0-9a-fA-F]{15})$", description = "The lease id, hexadecimal"), KeyQuery),
    responses(
        (status = 200, description = "Renewed: the lease as it is now", body = LeaseBody),
        (status = 404, description = "No such lease", body = ErrorBody),
    ))]
pub async fn keep_alive(
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<KeyQuery>,
) -> Answer<Json<LeaseBody>> {
    let lease = leases::keep_alive(&caller, parse_lease_id(&id)?).await?;
    Ok(Json(LeaseBody::new(&lease, query.encoding)))
}
