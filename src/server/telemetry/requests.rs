//! Counting the HTTP requests answered, by route template, method and status, and the bytes of
//! the files streamed for saving.

use super::Telemetry;
use crate::api::Download;
use crate::server::hook::Hook;
use axum::{
    body::{Body, Bytes},
    extract::{MatchedPath, Request},
    http::{Method, StatusCode},
    response::Response,
};
use http_body::{Frame, SizeHint};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::{counter::Counter, family::Family, histogram::Histogram};
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

/// The upper bounds (seconds) of the latency buckets: Prometheus' defaults.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The requests answered, and how long their answers took to begin.
pub(super) struct HttpMetrics {
    pub requests: Family<RequestLabels, Counter>,
    pub seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            requests: Family::default(),
            seconds: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
        }
    }
}

/// The route a request matched, as the router declares it (`/api/v1/keys/{*key}`); never the
/// path asked for, which can hold a key.
#[derive(Debug, Clone)]
pub(super) enum Route {
    Matched(MatchedPath),
    /// Static files, and paths no route takes.
    Unmatched,
}

impl Route {
    /// The route `response` answered, as [`MatchedRoute`] noted it.
    fn of(response: &Response) -> Self {
        let matched = response.extensions().get::<MatchedPath>();
        matched.cloned().map_or(Route::Unmatched, Route::Matched)
    }

    fn as_str(&self) -> &str {
        match self {
            Route::Matched(path) => path.as_str(),
            Route::Unmatched => "unmatched",
        }
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl Hash for Route {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// A request's labels: route, method and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct RequestLabels {
    route: Route,
    method: &'static str,
    status: u16,
}

/// A request's latency labels: route and method.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct RouteLabels {
    route: Route,
    method: &'static str,
}

/// A method as a label: the standard ones by name, any other as `other`, so that a client
/// making up methods cannot make up series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

impl HttpMetrics {
    fn observe(&self, route: Route, method: &'static str, status: StatusCode, started: Instant) {
        let seconds = started.elapsed().as_secs_f64();
        let labels = RouteLabels { route, method };
        self.seconds.get_or_create(&labels).observe(seconds);
        let labels = RequestLabels {
            route: labels.route,
            method,
            status: status.as_u16(),
        };
        self.requests.get_or_create(&labels).inc();
    }
}

/// Counts each request once its answer's head is ready, by the route the router matched, which
/// [`MatchedRoute`] notes on the response inside the router (this runs outside it, around every
/// other layer: see `routes::with_layers`); counts the bytes of a [`Download`] as its body goes
/// out.
#[derive(Clone)]
pub struct CountRequests(pub Arc<Telemetry>);

/// What [`CountRequests`] notes of a request before it is answered.
pub struct Started {
    telemetry: Arc<Telemetry>,
    method: &'static str,
    at: Instant,
}

impl Hook for CountRequests {
    type Carry = Started;

    fn before(&self, request: &mut Request) -> Result<Started, Response> {
        Ok(Started {
            telemetry: self.0.clone(),
            method: method_label(request.method()),
            at: Instant::now(),
        })
    }

    fn after(started: Started, response: Response) -> Response {
        let Started {
            telemetry,
            method,
            at,
        } = started;
        let route = Route::of(&response);
        telemetry.http.observe(route, method, response.status(), at);
        match response.extensions().get::<Download>().copied() {
            Some(download) => {
                let sent = telemetry.streamed(download);
                response.map(|body| Body::new(Counted { body, sent }))
            }
            None => response,
        }
    }
}

/// Notes on the response the route its request matched, for [`CountRequests`], which runs
/// outside the router, where the route is not known.
#[derive(Clone)]
pub struct MatchedRoute;

impl Hook for MatchedRoute {
    type Carry = Option<MatchedPath>;

    fn before(&self, request: &mut Request) -> Result<Option<MatchedPath>, Response> {
        Ok(request.extensions().get::<MatchedPath>().cloned())
    }

    fn after(matched: Option<MatchedPath>, mut response: Response) -> Response {
        if let Some(matched) = matched {
            response.extensions_mut().insert(matched);
        }
        response
    }
}

/// A body whose bytes are counted as they are sent.
struct Counted {
    body: Body,
    sent: Counter,
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                self.sent.inc_by(data.len() as u64);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_make_no_series() {
        assert_eq!(method_label(&Method::GET), "GET");
        let made_up = Method::from_bytes(b"HUNTER2").unwrap();
        assert_eq!(method_label(&made_up), "other");
    }
}
