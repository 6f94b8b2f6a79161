//! The axum router: Leptos pages and server functions, the REST API, static files, health
//! probes, and the layers every response passes through.

use super::assets::HashedAssets;
use super::hook::HookLayer;
use super::security::{with_safety_headers, PagePolicy};
use super::telemetry::{own_metrics, CountRequests, MatchedRoute};
use super::{sign_in, upload, AppState, SiteNames, TrustedProxies};
use crate::api::bulk::MAX_IMPORT_BYTES;
use crate::app::{shell, App};
use crate::server_fns::glue::ServerFnStatusLayer;
use crate::services::access::Access;
use crate::urls::routes::{IMPORT_UPLOAD, METRICS, SIGN_IN_POST, SIGN_OUT_POST};
use axum::{
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use leptos_axum::{
    file_and_error_handler_with_context, generate_route_list, AxumRouteListing, LeptosRoutes,
};
use std::any::Any;
use std::sync::{Arc, LazyLock};
use tower::{util::MapResponseLayer, ServiceBuilder};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        predicate::{NotForContentType, Predicate},
        CompressionLayer, DefaultPredicate,
    },
    trace::{DefaultOnFailure, TraceLayer},
};
use tracing::Level;

/// Request bodies above this are refused before parsing: a value at etcd's 1.5 MiB limit,
/// percent-encoded by a browser form, takes up to three times its size.
const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// Builds the whole application around its state.
pub fn app(state: AppState) -> Router {
    with_layers(routes(&state), state)
}

/// The app's page routes, listed once for the whole process.
///
/// Leptos lists them by rendering the app while a flag for the whole process holds back every
/// resource's loading, and a resource first polled meanwhile never loads (leptos#4773): a page
/// rendering on another thread would never finish. Every router is built from this one list, so
/// none exists, and no page renders, until it is made.
static PAGE_ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// Every page, server function, REST endpoint, probe and static file.
fn routes(state: &AppState) -> Router<AppState> {
    let routes = PAGE_ROUTES.clone();
    let options = state.leptos_options.clone();
    let context = {
        let state = state.clone();
        move || state.provide()
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(METRICS, get(own_metrics))
        .route(SIGN_IN_POST, post(sign_in::sign_in))
        .route(SIGN_OUT_POST, post(sign_in::sign_out))
        .route(
            IMPORT_UPLOAD,
            post(upload::upload).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .merge(crate::api::routes())
        .leptos_routes_with_context(state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
}

/// What every response passes through, outermost first.
///
/// The stack wraps the router once, not each route: a stack applied with `Router::layer`
/// re-boxes each route at each layer. Only the route's name is taken inside the router, where it
/// is known. The layers that need no waiting of their own are [`HookLayer`]s; only sign-in, which
/// may have to ask etcd, is an axum `from_fn` (which boxes the service inside it and its future
/// for every request).
fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let router = routes
        .route_layer(HookLayer(MatchedRoute))
        .with_state(state.clone());
    let stack = ServiceBuilder::new()
        // Outside everything, so that refusals and panics are counted with their status.
        .layer(HookLayer(CountRequests(state.telemetry.clone())))
        // A 5xx here is usually etcd being down, which the health check already reports.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .layer(MapResponseLayer::new(with_safety_headers))
        .layer(CatchPanicLayer::custom(answer_panic))
        // Precompressed static files already carry a Content-Encoding and pass through as they
        // are; a search's lines are sent as found, which a compressor would hold back; files to
        // save (a value, a snapshot) keep their Content-Length, so a browser shows how far a
        // download is.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new(crate::api::NDJSON))
                    .and(NotForContentType::const_new("application/octet-stream")),
            ),
        )
        .layer(HookLayer(HashedAssets::new(&state.leptos_options)))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(HookLayer(TrustedProxies::clone(&state.proxies)))
        .layer(HookLayer(PagePolicy))
        .layer(HookLayer(SiteNames::clone(&state.site)))
        .layer(middleware::from_fn_with_state(
            Arc::new(state),
            sign_in::authenticate,
        ))
        .layer(ServerFnStatusLayer);
    Router::new().fallback_service(stack.service(router))
}

/// The span of a request in the log: its method and path, never its query string, which can
/// hold a search (a fragment of a value) or a value being previewed.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The process is up and serving.
async fn healthz() -> &'static str {
    "ok\n"
}

/// etcd answers through this process (a linearizable read, or that it needs a signed-in user).
async fn readyz(State(access): State<Arc<Access>>) -> (StatusCode, String) {
    match access.detect_etcd_authentication().await {
        Ok(true) => (StatusCode::OK, "ready: etcd requires sign-in\n".into()),
        Ok(false) => (StatusCode::OK, "ready: etcd answers\n".into()),
        Err(err) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {err}\n"),
        ),
    }
}

/// A handler that panicked is a bug: it is logged and answered with a 500, and the server goes on.
fn answer_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "etcd-deck failed on this request; the error is in its log\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::access::{Access, AccessSettings};
    use axum::body::Body;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("a bug")
    }

    #[tokio::test]
    async fn a_handler_that_panics_is_answered_with_500() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let etcd = crate::etcd::Etcd::connect(crate::etcd::EtcdSettings {
            endpoints: vec![format!("http://127.0.0.1:{port}")],
            connect_timeout: std::time::Duration::from_millis(200),
            request_timeout: std::time::Duration::from_millis(500),
            health_interval: std::time::Duration::from_secs(60),
            tls: Default::default(),
            monitor: None,
            sampler: Default::default(),
            prometheus_url: None,
        })
        .await
        .unwrap();
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("etcd-deck")
            .build();
        let access = Access::new(etcd.clone(), AccessSettings::open());
        let state = AppState::local(options, etcd, access);
        // The app's own layers, around its own routes and one that panics.
        let router = with_layers(routes(&state).route("/boom", get(boom)), state);
        let request = axum::http::Request::get("/boom")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
}
