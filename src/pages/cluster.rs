//! The cluster page at `/cluster`: members, each endpoint's health, the leader and alarms,
//! refreshed every few seconds.

use crate::components::ErrorPanel;
use crate::domain::{
    cluster::{quorum, tolerated_failures, ClusterOverview, EndpointHealth, MemberInfo},
    limits::human_bytes,
};
use crate::server_fns::get_cluster;
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

/// How often the page asks for a fresh overview.
const REFRESH: Duration = Duration::from_secs(2);

/// Shows the cluster as every configured endpoint sees it.
#[component]
pub fn ClusterPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let overview = Resource::new(move || refresh.get(), |_| get_cluster());
    Effect::new(move |_| {
        let handle = set_interval_with_handle(move || refresh.update(|n| *n += 1), REFRESH);
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });

    view! {
        <Title text="Cluster" />
        <h1>"Cluster"</h1>
        <Transition fallback=|| view! { <p class="loading">"Asking every endpoint…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(overview: ClusterOverview) -> impl IntoView {
    let voters = overview.members.iter().filter(|m| !m.is_learner).count();
    let summary = format!(
        "{} members; quorum is {} of {} voters, so the cluster survives the loss of {}. {} of {} endpoints answer. Leader: {}. Revision {}.",
        overview.members.len(),
        quorum(voters),
        voters,
        tolerated_failures(voters),
        overview.endpoints_up(),
        overview.endpoints.len(),
        overview.leader.clone().unwrap_or_else(|| "none".into()),
        overview.revision,
    );
    let members = overview
        .members
        .iter()
        .map(|member| {
            member_row(
                member,
                overview.health_of(member),
                overview.leader.as_deref(),
            )
        })
        .collect_view();
    let endpoints = overview.endpoints.iter().map(endpoint_row).collect_view();
    let alarms = match &overview.alarms {
        None => "Unknown: reading alarms needs a quorum.".to_string(),
        Some(alarms) if alarms.is_empty() => "None.".to_string(),
        Some(alarms) => alarms
            .iter()
            .map(|alarm| format!("{} on member {}", alarm.kind, alarm.member_id))
            .collect::<Vec<_>>()
            .join("; "),
    };
    view! {
        <p class="summary" data-testid="cluster-summary">{summary}</p>
        <section class="panel">
            <h2>"Members"</h2>
            <table class="keys" data-testid="members">
                <thead>
                    <tr>
                        <th>"Name"</th>
                        <th>"ID"</th>
                        <th>"Role"</th>
                        <th>"Health"</th>
                        <th>"Client URLs"</th>
                        <th>"Peer URLs"</th>
                    </tr>
                </thead>
                <tbody>{members}</tbody>
            </table>
        </section>
        <section class="panel">
            <h2>"Endpoints"</h2>
            <table class="keys" data-testid="endpoints">
                <thead>
                    <tr>
                        <th>"Endpoint"</th>
                        <th>"Health"</th>
                        <th class="num">"Latency"</th>
                        <th>"Version"</th>
                        <th class="num">"DB size / in use"</th>
                        <th class="num">"Raft term"</th>
                        <th class="num">"Raft index"</th>
                        <th class="num">"Revision"</th>
                    </tr>
                </thead>
                <tbody>{endpoints}</tbody>
            </table>
        </section>
        <section class="panel">
            <h2>"Alarms"</h2>
            <p data-testid="alarms">{alarms}</p>
        </section>
    }
}

fn member_row(
    member: &MemberInfo,
    health: Option<&EndpointHealth>,
    leader: Option<&str>,
) -> impl IntoView {
    let is_leader = leader == Some(member.name.as_str()) || leader == Some(member.id.as_str());
    let role = match (member.is_learner, is_leader) {
        (true, _) => "learner",
        (false, true) => "leader",
        (false, false) => "voter",
    };
    let (class, text) = health_label(health);
    view! {
        <tr data-testid="member-row" data-member=member.name.clone()>
            <td>{member.name.clone()}</td>
            <td><code>{member.id.clone()}</code></td>
            <td data-testid="member-role">{role}</td>
            <td class=class data-testid="member-health">{text}</td>
            <td>{member.client_urls.join(", ")}</td>
            <td>{member.peer_urls.join(", ")}</td>
        </tr>
    }
}

fn endpoint_row(health: &EndpointHealth) -> impl IntoView {
    let (class, text) = health_label(Some(health));
    let latency = health
        .latency_ms
        .filter(|_| health.up)
        .map(|ms| format!("{ms:.1} ms"));
    let status = health.status.clone();
    let cell = move |f: fn(&crate::domain::cluster::MemberStatus) -> String| status.as_ref().map(f);
    view! {
        <tr data-testid="endpoint-row">
            <td>{health.endpoint.clone()}</td>
            <td class=class title=health.error.clone().unwrap_or_default()>{text}</td>
            <td class="num">{latency}</td>
            <td>{cell(|s| s.version.clone())}</td>
            <td class="num">{cell(|s| format!("{} / {}", human_bytes(s.db_size as u64), human_bytes(s.db_size_in_use as u64)))}</td>
            <td class="num">{cell(|s| s.raft_term.to_string())}</td>
            <td class="num">{cell(|s| s.raft_index.to_string())}</td>
            <td class="num">{cell(|s| s.revision.to_string())}</td>
        </tr>
    }
}

fn health_label(health: Option<&EndpointHealth>) -> (&'static str, String) {
    match health {
        Some(health) if health.up => ("healthy", "healthy".to_string()),
        Some(health) => (
            "unhealthy",
            format!("unreachable: {}", health.error.clone().unwrap_or_default()),
        ),
        None => ("unknown", "not among the configured endpoints".to_string()),
    }
}
