//! Who may read the metrics. On the main address, `GET /metrics` answers a client on this
//! machine, and anyone else who may maintain the cluster ([`Caller::may_read_metrics`]: the
//! users file's admin, etcd's root role, or anyone where nobody signs in); others get 401 or
//! 403 and no metric. With `--metrics-addr`, a listener of its own serves `/metrics` alone to
//! whoever reaches it: the operator chose who can.

use super::Telemetry;
use crate::domain::AppError;
use crate::server::forwarded::from_this_machine;
use crate::server::sign_in::NotSignedIn;
use crate::services::caller::Caller;
use crate::urls::routes::METRICS;
use axum::{
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use std::net::SocketAddr;
use std::sync::Arc;

/// `GET /metrics` on the main address: the metrics for a client on this machine or one who may
/// maintain the cluster.
pub async fn own_metrics(
    State(telemetry): State<Arc<Telemetry>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    caller: Option<Extension<Caller>>,
    not_signed_in: Option<Extension<NotSignedIn>>,
    headers: HeaderMap,
) -> Response {
    let client = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    if !from_this_machine(client, &headers) {
        let allowed = match (caller, not_signed_in) {
            (Some(Extension(caller)), _) => caller.may_read_metrics().await,
            // Wrong credentials are a 401, too many of them a 429, as anywhere else.
            (None, Some(Extension(NotSignedIn(err)))) => Err(err),
            (None, None) => Err(AppError::Unauthenticated {
                message: "sign in as an admin to read etcd-deck's metrics".into(),
            }),
        };
        if let Err(err) = allowed {
            return err.into_response();
        }
    }
    exposition(&telemetry, &headers)
}

/// The router of `--metrics-addr`: `/metrics` to anyone who reaches it, nothing else.
pub fn metrics_only(telemetry: Arc<Telemetry>) -> Router {
    async fn anyone(State(telemetry): State<Arc<Telemetry>>, headers: HeaderMap) -> Response {
        exposition(&telemetry, &headers)
    }
    Router::new()
        .route(METRICS, get(anyone))
        .with_state(telemetry)
        .layer(tower::util::MapResponseLayer::new(
            crate::server::security::with_safety_headers,
        ))
}

/// The metrics, in OpenMetrics' text format when the client asks for it (Prometheus does),
/// else in Prometheus' text format.
fn exposition(telemetry: &Telemetry, headers: &HeaderMap) -> Response {
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("application/openmetrics-text"));
    match telemetry.exposition(openmetrics) {
        Ok((text, media_type)) => {
            let mut response = text.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "etcd-deck could not write its metrics\n",
        )
            .into_response(),
    }
}
