//! The axum router: Leptos pages and server functions, static files, and health probes.

use super::status::server_fn_status;
use super::AppState;
use crate::app::{shell, App};
use crate::etcd::Etcd;
use axum::{
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    middleware,
    routing::get,
    Router,
};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

/// Request bodies above this are refused before parsing: a value at etcd's 1.5 MiB limit,
/// percent-encoded by a browser form, takes up to three times its size.
const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// Builds the whole application around its state.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::api::routes())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_status))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A 5xx here is usually etcd being down, which the health check already reports.
        .layer(TraceLayer::new_for_http().on_failure(DefaultOnFailure::new().level(Level::WARN)))
        .with_state(state)
}

/// The process is up and serving.
async fn healthz() -> &'static str {
    "ok\n"
}

/// etcd answers a linearizable read through this process.
async fn readyz(State(etcd): State<Etcd>) -> (StatusCode, String) {
    match etcd.connection().await {
        Ok(connection) => (
            StatusCode::OK,
            format!("ready: etcd at revision {}\n", connection.revision),
        ),
        Err(err) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {err}\n"),
        ),
    }
}
