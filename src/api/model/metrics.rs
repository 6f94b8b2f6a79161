//! The cluster over time: the charts and alerts are the domain's own types; here are the
//! query of the charts and an alert as the API answers it, with the link to its fix.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

pub use crate::domain::metrics::alerts::{Fix, Severity};
pub use crate::domain::metrics::{Alert, Chart, MetricsView, Series, Unit};

/// Query of `GET /api/v1/cluster/metrics`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// How far back: a span (`15m`, `1h`) or a moment (RFC 3339); the whole window when
    /// absent; at most the window, or a week with `--prometheus-url`.
    pub since: Option<String>,
    /// One member only: its name, client URL or hex id.
    pub member: Option<String>,
}

/// An alert firing, and where its fix is.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AlertAnswer {
    #[serde(flatten)]
    pub alert: Alert,
    /// The page that fixes it, or shows more.
    pub fix_url: String,
}

/// Answer of `GET /api/v1/cluster/alerts`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AlertsAnswer {
    /// The alerts firing after the last reading of the members, the critical first.
    pub alerts: Vec<AlertAnswer>,
}
