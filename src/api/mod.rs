//! The JSON REST API under `/api/v1`, with real HTTP status codes and an OpenAPI document
//! generated from the handlers. It calls the same etcd adapter as the server functions.

mod error;
mod keys;
pub mod model;
mod reference;

pub use reference::api_reference;

use crate::domain::cluster::ClusterOverview;
use crate::etcd::Etcd;
use crate::server::AppState;
use axum::{
    extract::State,
    routing::{any, get},
    Json, Router,
};
use utoipa::OpenApi;

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "etcd-deck API",
        version = "1",
        description = "Read and write etcd keys over HTTP. Errors are `{\"error\": {\"code\", \"message\"}}` with a real status code."
    ),
    paths(
        keys::list_keys,
        keys::delete_prefix,
        keys::get_key,
        keys::has_key,
        keys::put_key,
        keys::pop_key,
        keys::append,
        cluster,
        openapi_json
    ),
    tags(
        (name = "keys", description = "Keys and values"),
        (name = "cluster", description = "Members and their health")
    )
)]
pub struct ApiDoc;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/keys", get(keys::list_keys).delete(keys::delete_prefix))
        .route("/keys/", any(keys::empty_key))
        .route(
            "/keys/{*key}",
            get(keys::get_key)
                .head(keys::has_key)
                .put(keys::put_key)
                .delete(keys::pop_key)
                .post(keys::append),
        )
        .route("/cluster", get(cluster))
        .route("/openapi.json", get(openapi_json))
        .fallback(error::no_such_endpoint);
    Router::new().nest("/api/v1", api)
}

/// Members, every endpoint's health, the leader and alarms.
#[utoipa::path(get, path = "/api/v1/cluster", tag = "cluster",
    responses((status = 200, description = "The cluster as every configured endpoint sees it", body = Object)))]
async fn cluster(State(etcd): State<Etcd>) -> Json<ClusterOverview> {
    Json(etcd.cluster_overview().await)
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "cluster",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
