//! The cluster page's last quarter hour: the first charts (database size, leader, WAL fsync,
//! gRPC requests) of every member, and a link to all of them.

use crate::components::{page_data, refresh_every, ChartView, Loaded};
use crate::domain::metrics::charts::OVERVIEW;
use crate::server_fns::get_metrics;
use crate::urls::routes::charts_url;
use leptos::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// How often the charts are read again: the sampler's default interval.
const REFRESH: Duration = Duration::from_secs(5);

#[component]
pub fn OverTime() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let data = page_data(
        move || refresh.get(),
        |_| get_metrics(Some("15m".into()), None),
    );
    refresh_every(refresh, || REFRESH);
    view! {
        <section id="over-time" data-testid="over-time">
            <h2>"The last 15 minutes"</h2>
            <Loaded
                resource=data
                loading="Reading the members' figures…"
                show=|view| {
                    let times: Arc<[i64]> = view.times.into();
                    let charts = view.charts.into_iter().take(OVERVIEW);
                    view! {
                        <div class="charts">
                            {charts.map(|chart| view! { <ChartView chart times=times.clone() /> }).collect_view()}
                        </div>
                    }
                }
            />
            <p><a href=charts_url(None) data-testid="all-charts">"All charts, alerts and the last hour"</a></p>
        </section>
    }
}
