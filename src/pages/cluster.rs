//! The cluster page at `/cluster`: members, each endpoint's health, the leader and alarms,
//! refreshed every few seconds; then Raft and the membership's changes (see [`membership`]).

mod changes;
mod membership;
mod over_time;

use crate::components::{count, page_data, refresh_every, Loaded, PageView};
use crate::domain::{
    cluster::{
        quorum, tolerated_failures, ClusterOverview, EndpointHealth, EndpointSpace, MemberInfo,
        MemberStatus, NEARLY_FULL_PERCENT,
    },
    limits::{human_bytes, tenths},
};
use crate::server_fns::get_cluster;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use std::time::Duration;

/// How often the page asks for a fresh overview.
const REFRESH: Duration = Duration::from_secs(2);

/// Shows the cluster as every configured endpoint sees it.
#[component]
fn ClusterPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let overview = page_data(move || refresh.get(), |_| get_cluster());
    refresh_every(refresh, || REFRESH);

    PageView(view! {
        <Title text="Cluster" />
        <h1>"Cluster"</h1>
        <Loaded
            resource=overview
            loading="Asking every endpoint…"
            show=|overview| view! { <Overview overview /> }
        />
        <over_time::OverTime />
        <membership::Membership />
    })
}

lazy_page!(
    /// The cluster page.
    ClusterRoute => view! { <ClusterPage /> }.into_any()
);

#[component]
fn Overview(overview: ClusterOverview) -> impl IntoView {
    let members = overview
        .members
        .iter()
        .map(|member| member_row(&overview, member))
        .collect_view();
    let endpoints = overview.endpoints.iter().map(endpoint_row).collect_view();
    let space = overview.space.iter().map(space_row).collect_view();
    view! {
        <p class="summary" data-testid="cluster-summary">{summary(&overview)}</p>
        <section class="panel">
            <h2>"Members"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Members">
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
            </div>
        </section>
        <section class="panel">
            <h2>"Endpoints"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Endpoints">
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
            </div>
        </section>
        <section class="panel">
            <h2>"Space"</h2>
            <p class="hint">
                "Past its quota a member raises the NOSPACE alarm, and etcd refuses every write. \
                 Compacting frees pages for reuse; only defragmenting a member returns them."
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Space">
                <table class="keys" data-testid="space">
                    <thead>
                        <tr>
                            <th>"Endpoint"</th>
                            <th>"Used of quota"</th>
                            <th class="num">"In use"</th>
                            <th class="num">"Free pages"</th>
                            <th class="num">"Revisions kept"</th>
                        </tr>
                    </thead>
                    <tbody>{space}</tbody>
                </table>
            </div>
        </section>
        <section class="panel">
            <h2>"Alarms"</h2>
            <p data-testid="alarms">{alarms(&overview)}</p>
        </section>
    }
}

/// A few sentences on the cluster's state: members, quorum, endpoints up, leader, revision.
fn summary(overview: &ClusterOverview) -> String {
    let voters = overview.members.iter().filter(|m| !m.is_learner).count();
    let (up, configured) = (overview.endpoints_up(), overview.endpoints.len());
    let members = match &overview.members_error {
        Some(error) if overview.members.is_empty() => format!("Members unknown: {error}."),
        _ => format!(
            "{}; quorum is {} of {} voters, {}.",
            count(overview.members.len() as u64, "member", "members"),
            quorum(voters),
            voters,
            resilience(voters, up, configured),
        ),
    };
    let leader = match (&overview.leader, overview.status_hidden()) {
        (Some(leader), _) => leader.clone(),
        (None, Some(why)) => format!("not shown ({why})"),
        (None, None) => "none".into(),
    };
    let revision = match overview.revision {
        0 => "unknown".to_string(),
        revision => revision.to_string(),
    };
    format!(
        "{members} {up} of {configured} endpoints answer. Leader: {leader}. Revision {revision}."
    )
}

/// What losing members would do, given how many of the voters' endpoints answer now. Only
/// configured endpoints are counted: with fewer of them than voters, nothing is claimed about
/// the others.
fn resilience(voters: usize, up: usize, configured: usize) -> String {
    let tolerated = tolerated_failures(voters);
    if configured < voters || voters == 0 {
        return format!("so the cluster survives the loss of {tolerated}");
    }
    let down = configured - up.min(configured);
    if up < quorum(voters) {
        format!(
            "and only {up} answer: quorum is lost, so writes and linearizable reads fail until {} more answer",
            quorum(voters) - up
        )
    } else if down == 0 {
        format!("so the cluster survives the loss of {tolerated}")
    } else {
        format!(
            "so with {down} down it survives the loss of {} more",
            tolerated - down.min(tolerated)
        )
    }
}

fn alarms(overview: &ClusterOverview) -> String {
    match (&overview.alarms, &overview.alarms_error) {
        (None, Some(error)) => format!("Unknown: {error}"),
        (None, None) => "Unknown.".to_string(),
        (Some(alarms), _) if alarms.is_empty() => "None.".to_string(),
        (Some(alarms), _) => alarms
            .iter()
            .map(|alarm| format!("{} on member {}", alarm.kind, alarm.member_id))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn member_row(overview: &ClusterOverview, member: &MemberInfo) -> impl IntoView {
    let health = overview.health_of(member);
    let detail = overview
        .endpoint_of(member)
        .and_then(|endpoint| endpoint.error_detail.clone());
    view! {
        <tr data-testid="member-row" data-member=member.name.clone()>
            <td>{member.name.clone()}</td>
            <td><code>{member.id.clone()}</code></td>
            <td data-testid="member-role">{overview.role_of(member).as_str()}</td>
            <td class=health.name() data-testid="member-health">
                <HealthCell label=health.label() detail />
            </td>
            <td class="url">{member.client_urls.join(", ")}</td>
            <td class="url">{member.peer_urls.join(", ")}</td>
        </tr>
    }
}

fn endpoint_row(endpoint: &EndpointHealth) -> impl IntoView {
    let health = endpoint.health();
    let latency = endpoint
        .latency_ms
        .filter(|_| endpoint.up)
        .map(|ms| format!("{} ms", tenths((ms.max(0.0) * 10_000.0) as u128, 1000)));
    let status = endpoint.status.clone();
    let cell = move |f: fn(&MemberStatus) -> String| status.as_ref().map(f);
    let columns = match endpoint.status_hidden.clone().filter(|_| endpoint.up) {
        Some(why) => Either::Left(view! {
            <td colspan="5" class="status-hidden" data-testid="status-hidden">{why}</td>
        }),
        None => Either::Right(view! {
            <td>{cell(|s| s.version.clone())}</td>
            <td class="num">{cell(|s| format!("{} / {}", human_bytes(s.db_size as u64), human_bytes(s.db_size_in_use as u64)))}</td>
            <td class="num">{cell(|s| s.raft_term.to_string())}</td>
            <td class="num">{cell(|s| s.raft_index.to_string())}</td>
            <td class="num">{cell(|s| s.revision.to_string())}</td>
        }),
    };
    view! {
        <tr data-testid="endpoint-row">
            <td class="url">{endpoint.endpoint.clone()}</td>
            <td class=health.name() data-testid="endpoint-health">
                <HealthCell label=health.label() detail=endpoint.error_detail.clone() />
            </td>
            <td class="num">{latency}</td>
            {columns}
        </tr>
    }
}

/// How full one endpoint's member is: its database against its quota, as a bar.
fn space_row(endpoint: &EndpointSpace) -> impl IntoView {
    let url = endpoint.endpoint.clone();
    let Some(space) = endpoint.space.clone() else {
        let why = endpoint.error.clone().unwrap_or_default();
        return Either::Left(view! {
            <tr data-testid="space-row">
                <td class="url">{url}</td>
                <td colspan="4" class="status-hidden">{why}</td>
            </tr>
        });
    };
    let used = space.used();
    let free = space.db_size.saturating_sub(space.db_size_in_use);
    let free = format!("{} ({} %)", human_bytes(free), space.fragmented_percent());
    let kept = space.kept();
    let class = if space.nearly_full() {
        "space nearly-full"
    } else {
        "space"
    };
    Either::Right(view! {
        <tr data-testid="space-row">
            <td class="url">{url}</td>
            <td class=class data-testid="space-used">
                <meter
                    min="0"
                    max=space.quota_bytes
                    high=space.quota_bytes / 100 * NEARLY_FULL_PERCENT
                    value=space.db_size
                ></meter>
                " "
                {used}
            </td>
            <td class="num">{human_bytes(space.db_size_in_use)}</td>
            <td class="num">{free}</td>
            <td class="num">{kept}</td>
        </tr>
    })
}

/// A health in words, with the full error one click away.
#[component]
fn HealthCell(label: String, detail: Option<String>) -> impl IntoView {
    view! {
        <span>{label}</span>
        {detail.map(|detail| view! {
            <details class="error-detail">
                <summary>"details"</summary>
                <code>{detail}</code>
            </details>
        })}
    }
}
