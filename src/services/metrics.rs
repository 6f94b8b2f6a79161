//! The cluster over time: charts of the members' metrics and the alerts firing, for anyone
//! who may see the cluster page. The figures come from the Prometheus that scrapes the members
//! when one is configured (`--prometheus-url`), else from etcd-deck's own samples (see
//! [`crate::etcd::SamplerSettings`]); neither costs a request to etcd. When Prometheus does not
//! answer, the charts say why and the alerts are etcd-deck's own: nothing fails for it.

use super::caller::Caller;
use crate::domain::metrics::{now_ms, Alert, MetricsView};
use crate::domain::AppError;
use std::time::Duration;

/// The longest a member name asked for may be.
const MAX_MEMBER: usize = 256;

/// The charts since `since` (a span back from now, `15m`, or a moment, RFC 3339; the whole
/// window when none; at most a week from a Prometheus), of `member` (a name, client URL or hex
/// id) or all, with the alerts firing.
pub async fn view(
    caller: &Caller,
    since: Option<&str>,
    member: Option<&str>,
) -> Result<MetricsView, AppError> {
    let etcd = &caller.etcd;
    let window = etcd.sampler_settings().window;
    let span = span_since(since, window, etcd.longest_span())?;
    let member = member.filter(|m| !m.is_empty());
    if member.is_some_and(|m| m.len() > MAX_MEMBER) {
        return Err(AppError::invalid("that member name is too long"));
    }
    let (alerts, why_own) = alerts_and_why(caller).await;
    let mut view = match etcd.prometheus_view(span, member).await {
        Some(view) => view,
        None => etcd.metrics_view(span, member),
    };
    if let Some(asked) = member.filter(|_| view.members.is_empty()) {
        let all = etcd.metrics_view(Duration::from_secs(1), None);
        return Err(AppError::NoSuchMember {
            name: asked.to_string(),
            members: all.members.join(", "),
        });
    }
    view.alerts = alerts;
    if let Some(why) = why_own {
        let said = view.errors.contains(&why);
        view.errors.push(match said {
            true => "The alerts are etcd-deck's own, from its samples.".into(),
            false => format!("The alerts are etcd-deck's own, from its samples: {why}"),
        });
    }
    Ok(view)
}

/// The alerts firing now: Prometheus' when one is configured and its last evaluation answered,
/// else etcd-deck's own.
pub async fn alerts(caller: &Caller) -> Vec<Alert> {
    alerts_and_why(caller).await.0
}

/// The alerts firing now, and why they are etcd-deck's own when Prometheus was to give them.
async fn alerts_and_why(caller: &Caller) -> (Vec<Alert>, Option<String>) {
    caller.etcd.name_sampled_members().await;
    match caller.etcd.prometheus_alerts() {
        Some(Ok(alerts)) => (alerts, None),
        Some(Err(why)) => (caller.etcd.alerts(), Some(why)),
        None => (caller.etcd.alerts(), None),
    }
}

/// How far back `since` reaches: `window` when not given, at most `longest`.
fn span_since(
    since: Option<&str>,
    window: Duration,
    longest: Duration,
) -> Result<Duration, AppError> {
    let Some(since) = since.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(window);
    };
    let span = match humantime::parse_duration(since) {
        Ok(span) => span,
        Err(_) => {
            let at = humantime::parse_rfc3339_weak(since).map_err(|_| {
                AppError::invalid(format!(
                    "since is a span back from now (15m, 1h) or a moment (2026-12-04T05:00:00Z), not {since:?}"
                ))
            })?;
            let at_ms = at
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            Duration::from_millis((now_ms() - at_ms).max(0) as u64)
        }
    };
    Ok(span.clamp(Duration::from_secs(1), longest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_a_span_or_a_moment_within_the_longest_span() {
        let (hour, week) = (
            Duration::from_secs(3600),
            Duration::from_secs(7 * 24 * 3600),
        );
        let since = |asked: &str, longest| span_since(Some(asked), hour, longest).unwrap();
        assert_eq!(span_since(None, hour, hour).unwrap(), hour);
        assert_eq!(
            span_since(None, hour, week).unwrap(),
            hour,
            "the window by default"
        );
        assert_eq!(since("15m", hour), Duration::from_secs(900));
        assert_eq!(since("3h", hour), hour);
        assert_eq!(since("3d", week), Duration::from_secs(3 * 24 * 3600));
        assert_eq!(since("30d", week), week);
        assert_eq!(since("2000-01-01T00:00:00Z", hour), hour);
        let err = span_since(Some("<b>yesterday"), hour, week).unwrap_err();
        assert!(err.to_string().contains("since is a span"), "{err}");
    }
}
