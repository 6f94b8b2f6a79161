//! The alerts of etcd's rules firing, each with what fixes it: on every page above its content
//! (see [`super::ConnectionBanner`]) and on the charts page.

use crate::domain::metrics::{alerts::Severity, Alert};
use crate::urls::routes::{charts_url, fix_url};
use leptos::prelude::*;

/// How many alerts the banner lists before pointing to the charts page for the rest.
const BANNER_ALERTS: usize = 4;

/// One alert: its severity, rule, what is wrong, and the link to its fix.
fn alert_item(alert: Alert) -> impl IntoView {
    let severity = match alert.severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
    };
    view! {
        <li data-testid="alert" data-rule=alert.rule.clone() data-severity=severity>
            <span class=format!("severity {severity}")>{severity}</span>
            " "
            <code>{alert.rule.clone()}</code>
            " "
            <span>{alert.summary.clone()}</span>
            " "
            <a class="button" href=fix_url(&alert) data-testid="alert-fix">{alert.fix.words()}</a>
        </li>
    }
}

/// Every alert firing, or that none is.
#[component]
pub fn AlertList(alerts: Vec<Alert>) -> impl IntoView {
    if alerts.is_empty() {
        return view! { <p class="hint" data-testid="no-alerts">"No alert of etcd's rules is firing."</p> }
            .into_any();
    }
    view! {
        <ul class="alerts" data-testid="alerts">{alerts.into_iter().map(alert_item).collect_view()}</ul>
    }
    .into_any()
}

/// The banner of the alerts firing, if any: the first few, and a link to the rest.
pub fn alerts_banner(alerts: Vec<Alert>) -> Option<impl IntoView> {
    let first = alerts.first()?;
    let class = match first.severity {
        Severity::Critical => "banner banner-error",
        Severity::Warning => "banner banner-warn",
    };
    let title = match alerts.len() {
        1 => "An alert of etcd's rules is firing".to_string(),
        n => format!("{n} alerts of etcd's rules are firing"),
    };
    let more = alerts.len().saturating_sub(BANNER_ALERTS);
    let shown = alerts.into_iter().take(BANNER_ALERTS).map(alert_item);
    Some(view! {
        <div class=class role="alert" data-testid="alerts-banner">
            <strong>{title}</strong>
            <ul class="alerts">{shown.collect_view()}</ul>
            {(more > 0).then(|| view! {
                <a href=charts_url(None)>{format!("{more} more on the charts page")}</a>
            })}
        </div>
    })
}
