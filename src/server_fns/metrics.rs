//! The cluster over time, for the charts page and the cluster page's overview.

use crate::domain::{metrics::MetricsView, AppError};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {super::glue::with_caller, crate::services::metrics};

/// The charts since `since` (`15m`; the whole window when none), of `member` or all.
#[server(prefix = "/fn")]
pub async fn get_metrics(
    since: Option<String>,
    member: Option<String>,
) -> Result<MetricsView, AppError> {
    with_caller(|caller| async move {
        metrics::view(&caller, since.as_deref(), member.as_deref()).await
    })
    .await
}
