//! The banner that says etcd is unreachable, or full, and the alerts of etcd's rules firing,
//! checked on every page load and every few seconds.

use super::page_data;
use crate::domain::{AppError, Connection, ErrorCode};
use crate::server_fns::etcd_connection;
use crate::urls::routes::maintenance_url;
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

/// One banner: what is wrong, in a heading and a sentence, and what to do.
struct Banner {
    testid: &'static str,
    /// `banner-error` or `banner-warn`.
    class: &'static str,
    title: String,
    text: String,
    hint: Option<String>,
    /// Where to fix it, and the link's words.
    fix: Option<&'static str>,
}

impl Banner {
    /// etcd cannot be reached (or has no quorum…): the error, and what to do.
    fn unreachable(err: AppError) -> Self {
        Banner {
            testid: "etcd-banner",
            class: "banner banner-error",
            title: err.title().into(),
            text: err.to_string(),
            hint: Some(format!(
                "{} This banner goes away by itself when etcd answers.",
                err.hint().unwrap_or_default()
            )),
            fix: None,
        }
    }

    /// etcd refuses writes for want of space: the title and hint its writes get.
    fn full() -> Self {
        let facts = ErrorCode::NoSpace.facts();
        Banner {
            testid: "full-banner",
            class: "banner banner-error",
            title: facts.title.into(),
            text: "It refuses every write.".into(),
            hint: facts.hint.map(str::to_string),
            fix: Some("Recover"),
        }
    }

    /// A member is nearly past its quota.
    fn nearly_full(percent: u64) -> Self {
        Banner {
            testid: "nearly-full-banner",
            class: "banner banner-warn",
            title: format!("etcd is {percent} % full"),
            text: "Past its space quota it will refuse every write.".into(),
            hint: Some("The maintenance page shows each member's space.".into()),
            fix: Some("Maintenance"),
        }
    }

    /// The banner for what the connection check said, if any.
    fn of(connection: Result<Connection, AppError>) -> Option<Banner> {
        match connection {
            // Signing in is the sign-in page's business, not a connection problem.
            Err(err) if err.code() == ErrorCode::Unauthenticated => None,
            Err(err) => Some(Banner::unreachable(err)),
            Ok(connection) if connection.full => Some(Banner::full()),
            Ok(connection) => connection.nearly_full.map(Banner::nearly_full),
        }
    }

    fn view(self) -> impl IntoView {
        view! {
            <div class=self.class role="alert" data-testid=self.testid>
                <strong>{self.title}</strong>
                " "
                <span>{self.text}</span>
                " "
                <span class="hint">{self.hint}</span>
                {self.fix.map(|words| view! {
                    " "
                    <a class="button" href=maintenance_url() data-testid="banner-fix">{words}</a>
                })}
            </div>
        }
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
                let connection = connection.await;
                let alerts = connection.as_ref().map(|c| c.alerts.clone()).unwrap_or_default();
                (Banner::of(connection).map(Banner::view), super::alerts_banner(alerts))
            })}
        </Transition>
    }
}
