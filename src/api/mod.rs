//! The JSON REST API under `/api/v1`, with real HTTP status codes and an OpenAPI document
//! generated from the handlers. Its handlers call the same services as the server functions.
//!
//! Only [`model`], the JSON shapes, is compiled for the browser too: the pages that read the API
//! (a streamed search, a watch) read it with the server's own types.

pub mod model;

#[cfg(feature = "ssr")]
mod access;
#[cfg(feature = "ssr")]
mod answers;
#[cfg(feature = "ssr")]
pub mod bulk;
#[cfg(feature = "ssr")]
mod error;
#[cfg(feature = "ssr")]
mod extract;
#[cfg(feature = "ssr")]
mod keys;
#[cfg(feature = "ssr")]
mod leases;
#[cfg(feature = "ssr")]
mod maintenance;
#[cfg(feature = "ssr")]
mod members;
#[cfg(feature = "ssr")]
mod metrics;
#[cfg(feature = "ssr")]
mod reference;
#[cfg(feature = "ssr")]
mod search;
#[cfg(feature = "ssr")]
mod session;
#[cfg(feature = "ssr")]
mod tree;
#[cfg(feature = "ssr")]
mod watch;

pub use crate::urls::api::API_ROOT;
#[cfg(feature = "ssr")]
pub use {reference::api_reference, search::NDJSON};

/// A file an answer streams for saving, marked in the response's extensions, so that
/// etcd-deck's own metrics count its bytes as they go out.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    /// `GET /api/v1/export`: keys and values as NDJSON.
    Export,
    /// `GET /api/v1/maintenance/snapshot`: a member's database.
    Snapshot,
}

#[cfg(feature = "ssr")]
use {
    crate::services::{access::Access, caller::Caller, cluster},
    answers::CommonAnswers,
    axum::{
        extract::{DefaultBodyLimit, FromRef},
        routing::{delete, get, post, put},
        Json, Router,
    },
    model::ClusterOverview,
    std::sync::Arc,
    utoipa::OpenApi,
};

/// The API's OpenAPI document.
#[cfg(feature = "ssr")]
#[derive(OpenApi)]
#[openapi(
    info(
        title = "etcd-deck API",
        version = "1",
        description = "Read and write etcd keys over HTTP. Errors are `{\"error\": {\"code\", \"message\"}}` with a real status code."
    ),
    paths(
        keys::list_keys,
        tree::tree,
        search::search,
        watch::watch,
        keys::delete_prefix,
        keys::get_key,
        keys::history,
        keys::has_key,
        keys::put_key,
        keys::pop_key,
        keys::append,
        keys::restore,
        keys::undelete,
        bulk::export,
        bulk::import,
        bulk::copy,
        bulk::move_keys,
        leases::list,
        leases::get,
        leases::grant,
        leases::revoke,
        leases::keep_alive,
        cluster_overview,
        metrics::series,
        metrics::alerts,
        maintenance::members,
        maintenance::plan,
        maintenance::recover,
        maintenance::compact,
        maintenance::defragment,
        maintenance::alarms,
        maintenance::disarm,
        maintenance::snapshot,
        maintenance::hashkv,
        members::list,
        members::add,
        members::promote,
        members::remove,
        members::replace,
        members::leader,
        members::locate,
        access::overview,
        access::user,
        access::role,
        access::add_user,
        access::delete_user,
        access::change_password,
        access::grant_role,
        access::revoke_role,
        access::add_role,
        access::delete_role,
        access::grant_permission,
        access::revoke_permission,
        access::authentication,
        access::access,
        access::who,
        session::create_session,
        session::who,
        session::end_session,
        openapi_json
    ),
    modifiers(&CommonAnswers),
    tags(
        (name = "session", description = "Signing in: HTTP basic credentials work on every request; a bearer token saves sending the password"),
        (name = "keys", description = "Keys and values"),
        (name = "bulk", description = "Many keys at once: export, import, copy and move"),
        (name = "leases", description = "Leases: times to live that keys are attached to"),
        (name = "cluster", description = "Members and their health"),
        (name = "access", description = "etcd's users, roles and key-range permissions, and authentication: who may read or write what, and through which role; changes for etcd's root role or etcd-deck's admin"),
        (name = "members", description = "Members and Raft: adding a learner and promoting it, removing or replacing a member, moving the leadership; changes for etcd's root role or etcd-deck's admin"),
        (name = "maintenance", description = "Compaction, defragmentation, alarms, snapshots, the consistency check and the recovery of a full database: for etcd's root role or etcd-deck's admin")
    )
)]
pub struct ApiDoc;

#[cfg(feature = "ssr")]
/// The `/api/v1` routes. Each request acts for the [`Caller`] the sign-in layer put into its
/// extensions.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Access>: FromRef<S>,
{
    // `/keys/` names the empty key, which the services refuse like any other invalid key.
    let single_key = get(keys::get_key)
        .head(keys::has_key)
        .put(keys::put_key)
        .delete(keys::pop_key)
        .post(keys::append);
    let api = Router::new()
        .route("/keys", get(keys::list_keys).delete(keys::delete_prefix))
        .route("/keys/", single_key.clone())
        .route("/keys/{*key}", single_key)
        .route("/tree", get(tree::tree))
        .route("/search", get(search::search))
        .route("/restore", post(keys::restore))
        .route("/undelete", post(keys::undelete))
        .route("/export", get(bulk::export))
        .route(
            "/import",
            post(bulk::import).layer(DefaultBodyLimit::max(bulk::MAX_IMPORT_BYTES)),
        )
        .route("/copy", post(bulk::copy))
        .route("/move", post(bulk::move_keys))
        .route("/watch", get(watch::watch))
        .route("/leases", get(leases::list).post(leases::grant))
        .route("/leases/{id}", get(leases::get).delete(leases::revoke))
        .route("/leases/{id}/keepalive", post(leases::keep_alive))
        .route("/cluster", get(cluster_overview))
        .route("/cluster/metrics", get(metrics::series))
        .route("/cluster/alerts", get(metrics::alerts))
        .route("/maintenance/members", get(maintenance::members))
        .route("/maintenance/plan", get(maintenance::plan))
        .route("/maintenance/recover", post(maintenance::recover))
        .route("/maintenance/compact", post(maintenance::compact))
        .route("/maintenance/defragment", post(maintenance::defragment))
        .route("/maintenance/alarms", get(maintenance::alarms))
        .route("/maintenance/alarms/disarm", post(maintenance::disarm))
        .route("/maintenance/snapshot", get(maintenance::snapshot))
        .route("/maintenance/hashkv", get(maintenance::hashkv))
        .route("/members", get(members::list).post(members::add))
        .route("/members/{member}", delete(members::remove))
        .route("/members/{member}/promote", post(members::promote))
        .route("/members/{member}/replace", post(members::replace))
        .route("/members/{member}/leader", post(members::leader))
        .route("/auth", get(access::overview))
        .route("/auth/access", get(access::access))
        .route("/auth/who", get(access::who))
        .route("/auth/enabled", put(access::authentication))
        .route("/auth/users", post(access::add_user))
        .route(
            "/auth/users/{user}",
            get(access::user).delete(access::delete_user),
        )
        .route("/auth/users/{user}/password", put(access::change_password))
        .route(
            "/auth/users/{user}/roles/{role}",
            put(access::grant_role).delete(access::revoke_role),
        )
        .route("/auth/roles", post(access::add_role))
        .route(
            "/auth/roles/{role}",
            get(access::role).delete(access::delete_role),
        )
        .route(
            "/auth/roles/{role}/permissions",
            post(access::grant_permission),
        )
        .route(
            "/auth/roles/{role}/permissions/revoke",
            post(access::revoke_permission),
        )
        .route(
            "/session",
            get(session::who)
                .post(session::create_session)
                .delete(session::end_session),
        )
        .route("/openapi.json", get(openapi_json))
        .fallback(error::no_such_endpoint);
    Router::new().nest(API_ROOT, api)
}

/// Members, every endpoint's health, the leader and alarms.
#[cfg(feature = "ssr")]
#[utoipa::path(get, path = "/api/v1/cluster", tag = "cluster",
    responses((status = 200, description = "The cluster as every configured endpoint sees it", body = Object)))]
async fn cluster_overview(caller: Caller) -> Json<ClusterOverview> {
    Json(cluster::overview(&caller).await)
}

/// This document.
#[cfg(feature = "ssr")]
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "cluster",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::api_reference::ApiOperation;
    use crate::etcd::{Etcd, EtcdSettings};
    use crate::services::access::AccessSettings;
    use axum::{body::Body, http::Request};
    use http_body_util::BodyExt;
    use std::time::Duration;
    use tower::ServiceExt;

    const METHODS: [&str; 6] = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"];

    /// The router on an etcd that is not there: every endpoint answers, with etcd's absence
    /// when it gets that far, and every path and method that is no endpoint says so.
    async fn router() -> Router {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let etcd = Etcd::connect(EtcdSettings {
            endpoints: vec![format!("http://127.0.0.1:{port}")],
            connect_timeout: Duration::from_millis(200),
            request_timeout: Duration::from_millis(500),
            health_interval: Duration::from_secs(60),
            tls: Default::default(),
            monitor: None,
            sampler: Default::default(),
            prometheus_url: None,
        })
        .await
        .unwrap();
        let access = Arc::new(Access::new(etcd, AccessSettings::open()));
        let caller = access.anonymous(None).unwrap();
        routes::<Arc<Access>>()
            .layer(axum::Extension(caller))
            .with_state(access)
    }

    /// Whether the router has something at `method path`: not a 405, not `no_such_endpoint`.
    async fn served(router: &Router, method: &str, path: &str) -> bool {
        let request = Request::builder().method(method).uri(path);
        let request = request
            .header("content-type", "application/json")
            .body(Body::from(r#"{"value": "v"}"#))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .map(|json| json["error"]["code"].clone())
            .unwrap_or_default();
        status != 405 && code != "no_such_endpoint" && !(method == "HEAD" && status == 404)
    }

    /// Whether the document lists `method` at a path like `concrete` (`{key}` is any text).
    fn documented(operations: &[ApiOperation], method: &str, concrete: &str) -> bool {
        let matches = |template: &str| match template.split_once("{key}") {
            Some((head, tail)) => {
                concrete.starts_with(head)
                    && concrete.ends_with(tail)
                    && concrete.len() > head.len() + tail.len()
            }
            None => template == concrete,
        };
        // A server answers HEAD wherever it answers GET.
        let same = |op: &str| op == method || (method == "HEAD" && op == "GET");
        operations
            .iter()
            .any(|op| same(&op.method) && matches(&op.path))
    }

    #[tokio::test]
    async fn the_router_serves_exactly_what_the_document_lists() {
        let router = router().await;
        let operations = api_reference();
        assert!(operations.len() >= 9, "{operations:?}");
        for operation in &operations {
            let path = operation.path.replace("{key}", "probe");
            assert!(
                served(&router, &operation.method, &path).await,
                "{} {path} is documented but not served",
                operation.method
            );
            for method in METHODS {
                let documented = documented(&operations, method, &path);
                let served = served(&router, method, &path).await;
                assert_eq!(served, documented, "{method} {path}: served {served}");
            }
        }
        assert!(!served(&router, "GET", "/api/v1/nothing").await);
    }

    #[test]
    fn the_document_lists_every_error_code() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let listed = &doc["components"]["schemas"]["ErrorCode"]["enum"];
        let codes: Vec<&str> = crate::domain::ErrorCode::ALL
            .iter()
            .map(|code| code.as_str())
            .collect();
        let mut listed: Vec<&str> = listed
            .as_array()
            .unwrap_or_else(|| panic!("no ErrorCode enum in {doc}"))
            .iter()
            .filter_map(|code| code.as_str())
            .collect();
        let mut expected = codes.clone();
        listed.sort();
        expected.sort();
        assert_eq!(listed, expected);
    }
}
