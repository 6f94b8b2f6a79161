//! The cluster over time: the members' charts and the alerts of etcd's rules; see
//! [`crate::services::metrics`].

use super::error::Answer;
use super::extract::ApiQuery;
use super::model::{AlertAnswer, AlertsAnswer, ErrorBody, MetricsQuery, MetricsView};
use crate::services::caller::Caller;
use crate::services::metrics;
use crate::urls::routes::fix_url;
use axum::Json;

/// Each member's figures over time on one time grid (database size and quota, keys, revision
/// rate, leader, term, proposals, WAL fsync, backend commit and peer round-trip p99, gRPC
/// requests and failures, watchers, leases), and the alerts firing. With `--prometheus-url` they
/// come from that Prometheus (`source` says which), up to a week back; a Prometheus that does
/// not answer is said in `errors`, still with 200.
#[utoipa::path(get, path = "/api/v1/cluster/metrics", tag = "cluster",
    params(MetricsQuery),
    responses(
        (status = 200, description = "The charts", body = MetricsView),
        (status = 400, description = "`since` is neither a span nor a moment", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody),
    ))]
pub async fn series(
    caller: Caller,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Answer<Json<MetricsView>> {
    let view = metrics::view(&caller, query.since.as_deref(), query.member.as_deref()).await?;
    Ok(Json(view))
}

/// The alerts of etcd's own rules firing now, each with the page that fixes it: by Prometheus'
/// last evaluation with `--prometheus-url`, else (or when it did not answer) by etcd-deck's own.
#[utoipa::path(get, path = "/api/v1/cluster/alerts", tag = "cluster",
    responses((status = 200, description = "The alerts firing", body = AlertsAnswer)))]
pub async fn alerts(caller: Caller) -> Json<AlertsAnswer> {
    let alerts = metrics::alerts(&caller)
        .await
        .into_iter()
        .map(|alert| AlertAnswer {
            fix_url: fix_url(&alert),
            alert,
        });
    Json(AlertsAnswer {
        alerts: alerts.collect(),
    })
}
