//! The charts page at `/cluster/charts`: every member's figures over the window (an hour by
//! default), on one time grid, and the alerts of etcd's rules firing. `?member=m2` narrows it to
//! one member, `?since=15m` to a shorter span (or, from a Prometheus, a longer one up to a week).
//! It reads the figures again every interval.

use crate::components::{page_data, refresh_every, AlertList, ChartView, Loaded, PageView};
use crate::domain::limits::human_bytes;
use crate::domain::metrics::MetricsView;
use crate::server_fns::get_metrics;
use crate::urls::{query_param, routes::charts_url};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use std::sync::Arc;
use std::time::Duration;

/// The spans offered: (query, words, ms); those longer than the source answers are left out.
const SPANS: [(&str, &str, i64); 5] = [
    ("5m", "5 minutes", 300_000),
    ("15m", "15 minutes", 900_000),
    ("", "the whole window", 0),
    ("1d", "1 day", 86_400_000),
    ("7d", "7 days", 604_800_000),
];

#[component]
fn ChartsPage() -> impl IntoView {
    let location = use_location();
    let asked = Memo::new(move |_| {
        location.search.with(|search| {
            let text = |name| String::from_utf8(query_param(search, name)?).ok();
            (
                text("since").filter(|s| !s.is_empty()),
                text("member").filter(|s| !s.is_empty()),
            )
        })
    });
    let refresh = RwSignal::new(0u32);
    let data = page_data(
        move || (refresh.get(), asked.get()),
        |(_, (since, member))| get_metrics(since, member),
    );
    let interval = Memo::new(move |_| {
        let ms = data
            .get()
            .and_then(Result::ok)
            .map_or(5_000, |v| v.interval_ms);
        Duration::from_millis(ms.clamp(1_000, 300_000) as u64)
    });
    refresh_every(refresh, move || interval.get());
    PageView(view! {
        <Title text="Charts" />
        <h1>"Charts"</h1>
        <Loaded
            resource=data
            loading="Reading the members' figures…"
            show=move |view| charts_view(view, asked.get_untracked())
        />
    })
}

lazy_page!(
    /// The charts page.
    ChartsRoute => view! { <ChartsPage /> }.into_any()
);

/// A link to the page with `since` and `member` as asked.
fn link(since: &str, member: Option<&str>) -> String {
    let base = charts_url(member);
    match (since, base.contains('?')) {
        ("", _) => base,
        (since, true) => format!("{base}&since={since}"),
        (since, false) => format!("{base}?since={since}"),
    }
}

fn charts_view(
    view: MetricsView,
    (since, member): (Option<String>, Option<String>),
) -> impl IntoView {
    let since = since.unwrap_or_default();
    let member_links = std::iter::once((None, "All members".to_string()))
        .chain(view.members.iter().map(|m| (Some(m.clone()), m.clone())))
        .map(|(name, words)| {
            let current = name == member;
            view! {
                <a href=link(&since, name.as_deref()) aria-current=current.then_some("page") data-testid="chart-member">{words}</a>
            }
        })
        .collect_view();
    let span_links = SPANS
        .iter()
        .filter(|(_, _, ms)| *ms <= view.longest_ms)
        .map(|(query, words, _)| {
            let current = *query == since;
            view! {
                <a href=link(query, member.as_deref()) aria-current=current.then_some("page")>{*words}</a>
            }
        })
        .collect_view();
    let times: Arc<[i64]> = view.times.clone().into();
    let step = Duration::from_millis(view.step_ms as u64);
    let every = Duration::from_millis(view.interval_ms as u64);
    let errors = view
        .errors
        .iter()
        .map(|error| view! { <li>{error.clone()}</li> })
        .collect_view();
    let charts = view
        .charts
        .into_iter()
        .map(|chart| view! { <ChartView chart times=times.clone() /> })
        .collect_view();
    view! {
        <p class="hint" data-testid="chart-source">
            {format!(
                "{}, every {} s; each point is {} s. Times are UTC. {} readings held in {}.",
                view.source,
                every.as_secs(),
                step.as_secs(),
                view.held,
                human_bytes(view.held_bytes as u64)
            )}
        </p>
        <nav class="chart-filters" aria-label="Members">{member_links}</nav>
        <nav class="chart-filters" aria-label="Span">{span_links}</nav>
        <h2>"Alerts"</h2>
        <AlertList alerts=view.alerts />
        <ul class="errors" data-testid="chart-errors">{errors}</ul>
        <div class="charts">{charts}</div>
    }
}
