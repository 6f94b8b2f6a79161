//! The banner that says etcd is unreachable, checked on every page load and every few seconds.

use super::page_data;
use crate::domain::ErrorCode;
use crate::server_fns::etcd_connection;
use crate::urls::routes::cluster_url;
use leptos::prelude::*;
use std::time::Duration;

/// How often the browser asks whether etcd answers.
const POLL_INTERVAL: Duration = Duration::from_secs(3);

/// Counts the times etcd came back after being unreachable. Pages read it in their resources, so
/// their data reloads by itself once etcd answers again.
#[derive(Clone, Copy)]
pub struct EtcdEpoch(RwSignal<u32>);

impl EtcdEpoch {
    pub fn new() -> Self {
        EtcdEpoch(RwSignal::new(0))
    }

    /// The current epoch, from context; tracked by the calling reactive scope.
    pub fn track() -> u32 {
        use_context::<EtcdEpoch>()
            .map(|epoch| epoch.0.get())
            .unwrap_or_default()
    }
}

impl Default for EtcdEpoch {
    fn default() -> Self {
        Self::new()
    }
}

/// Says that etcd is full, and what to do: the title and hint of the error its writes get.
fn full_banner() -> impl IntoView {
    let facts = ErrorCode::NoSpace.facts();
    view! {
        <div class="banner banner-error" role="alert" data-testid="full-banner">
            <strong>{facts.title}</strong>
            <span>": it refuses every write. "</span>
            <span class="hint">{facts.hint}</span>
        </div>
    }
}

/// Says that a member is nearly full, before etcd refuses writes.
fn nearly_full_banner(percent: u64) -> impl IntoView {
    view! {
        <div class="banner banner-warn" role="status" data-testid="nearly-full-banner">
            <strong>{format!("etcd is {percent} % full")}</strong>
            <span>
                ": past its space quota it will refuse every write. The "
                <a href=cluster_url()>"cluster page"</a>
                " shows each member's space."
            </span>
        </div>
    }
}

/// Shows an alert while etcd cannot be reached, with the endpoints tried and what to do.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let poll = RwSignal::new(0u32);
    let connection = page_data(move || poll.get(), |_| etcd_connection());

    Effect::new(move |_| {
        set_interval(move || poll.update(|n| *n += 1), POLL_INTERVAL);
    });

    let was_down = StoredValue::new(false);
    Effect::new(move |_| {
        if let Some(result) = connection.get() {
            let down = result.is_err();
            if was_down.get_value() && !down {
                if let Some(EtcdEpoch(epoch)) = use_context::<EtcdEpoch>() {
                    epoch.update(|n| *n += 1);
                }
            }
            was_down.set_value(down);
        }
    });

    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let connection = connection.await.ok()?;
                Some(if connection.full {
                    full_banner().into_any()
                } else {
                    nearly_full_banner(connection.nearly_full?).into_any()
                })
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                connection
                    .await
                    .err()
                    // Signing in is the sign-in page's business, not a connection problem.
                    .filter(|err| err.code() != ErrorCode::Unauthenticated)
                    .map(|err| {
                        view! {
                            <div class="banner banner-error" role="alert" data-testid="etcd-banner">
                                <strong>{err.title()}</strong>
                                <span>{err.to_string()}</span>
                                <span class="hint">
                                    {err.hint()} " This banner goes away by itself when etcd answers."
                                </span>
                            </div>
                        }
                    })
            })}
        </Transition>
    }
}
