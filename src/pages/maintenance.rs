//! The maintenance page at `/maintenance`: how full each member is, and what recovers a full
//! database: a guided recovery (its plan first, the revision typed to confirm), then each step
//! on its own (compact, defragment, disarm), snapshots and the consistency check. The run under
//! way shows its steps as they go and can be stopped between members.
//!
//! Everyone sees the figures; the buttons are for etcd's root role or etcd-deck's admin, and
//! others read who may instead. Each operation asks first: the recovery and the compaction have
//! their revision typed, a defragmentation or a disarm has its own confirmation.

mod forms;
mod reports;

use crate::components::{page_data, refresh_every, ActionError, Loaded, PageData, PageView};
use crate::domain::cluster::{Role, NEARLY_FULL_PERCENT};
use crate::domain::limits::human_bytes;
use crate::domain::maintenance::{Consistency, Maintenance, RunRecord};
use crate::domain::members::MemberNow;
use crate::server_fns::{
    check_consistency, get_maintenance, CompactHistory, DefragmentMembers, DisarmAlarm,
    RecoverCluster, StopMaintenance,
};
use crate::urls::{api::snapshot_url, query_param, routes::maintenance_url};
use forms::{confirmation, CompactView, RecoveryView};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use reports::{consistency_view, run_view};
use std::time::Duration;

/// How often the page reads the members again; while a run goes, every second.
const REFRESH: Duration = Duration::from_secs(5);
const FOLLOW: Duration = Duration::from_secs(1);

/// What the page was asked to confirm, from its query: `?do=defragment&member=m2`,
/// `?do=disarm&member=m1&alarm=NOSPACE`.
#[derive(Clone, PartialEq)]
enum Asked {
    Defragment(String),
    Disarm(String, String),
}

fn asked(search: &str) -> Option<Asked> {
    let text = |name| String::from_utf8(query_param(search, name)?).ok();
    match text("do")?.as_str() {
        "defragment" => Some(Asked::Defragment(text("member")?)),
        "disarm" => Some(Asked::Disarm(text("member")?, text("alarm")?)),
        _ => None,
    }
}

#[component]
fn MaintenancePage() -> impl IntoView {
    let location = use_location();
    let asked = Memo::new(move |_| location.search.with(|search| asked(search)));
    let check = Memo::new(move |_| {
        location
            .search
            .with(|search| query_param(search, "check").is_some())
    });
    let recover = ServerAction::<RecoverCluster>::new();
    let defragment = ServerAction::<DefragmentMembers>::new();
    let compact = ServerAction::<CompactHistory>::new();
    let disarm = ServerAction::<DisarmAlarm>::new();
    let stop = ServerAction::<StopMaintenance>::new();
    let actions = Actions {
        recover,
        defragment,
        compact,
        disarm,
        stop,
    };
    let refresh = RwSignal::new(0u32);
    let data = page_data(
        move || {
            (
                refresh.get(),
                recover.version().get(),
                defragment.version().get(),
                compact.version().get(),
                disarm.version().get(),
                stop.version().get(),
            )
        },
        move |_| get_maintenance(),
    );
    // Asked for once, not with every refresh: each member reads its whole keyspace for it.
    let consistency = page_data(
        move || check.get(),
        |check| async move {
            match check {
                true => check_consistency().await.map(Some),
                false => Ok(None),
            }
        },
    );
    let running = Memo::new(move |_| {
        data.get()
            .and_then(Result::ok)
            .and_then(|m| m.run)
            .is_some_and(|run| run.running())
    });
    // Every second while a run goes.
    refresh_every(
        refresh,
        move || if running.get() { FOLLOW } else { REFRESH },
    );
    let error = Signal::derive(move || {
        let failed = |value: Option<Result<_, crate::domain::AppError>>| value?.err();
        failed(recover.value().get())
            .or_else(|| failed(defragment.value().get()))
            .or_else(|| failed(compact.value().get()))
            .or_else(|| failed(disarm.value().get()))
            .or_else(|| stop.value().get().and_then(Result::err))
    });

    PageView(view! {
        <Title text="Maintenance" />
        <h1>"Maintenance"</h1>
        <ActionError error />
        <Loaded
            resource=data
            loading="Asking every member…"
            show=move |maintenance| view! { <MaintenanceView maintenance asked actions consistency /> }
        />
    })
}

lazy_page!(
    /// The maintenance page.
    MaintenanceRoute => view! { <MaintenancePage /> }.into_any()
);

/// The page's forms' actions.
#[derive(Clone, Copy)]
struct Actions {
    recover: ServerAction<RecoverCluster>,
    defragment: ServerAction<DefragmentMembers>,
    compact: ServerAction<CompactHistory>,
    disarm: ServerAction<DisarmAlarm>,
    stop: ServerAction<StopMaintenance>,
}

#[component]
fn MaintenanceView(
    maintenance: Maintenance,
    asked: Memo<Option<Asked>>,
    actions: Actions,
    consistency: PageData<Option<Consistency>>,
) -> impl IntoView {
    let Maintenance { plan, refused, run } = maintenance;
    let may = refused.is_none();
    let running = run.as_ref().is_some_and(RunRecord::running);
    let confirm = {
        let members = plan.members.clone();
        move || {
            let asked = asked.get()?;
            Some(confirmation(asked, &members, actions))
        }
    };
    let rows = plan
        .members
        .iter()
        .map(|member| member_row(member, may && !running))
        .collect_view();
    view! {
        {refused.map(|why| view! {
            <p class="panel refused" data-testid="maintenance-refused">
                "Only etcd's root role or etcd-deck's admin may maintain the cluster: " {why}
            </p>
        })}
        {may.then_some(confirm)}
        {run.map(|run| run_view(run, actions.stop))}
        <section class="panel">
            <h2>"Members"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Members">
                <table class="keys" data-testid="maintenance-members">
                    <thead>
                        <tr>
                            <th>"Member"</th>
                            <th>"Role"</th>
                            <th>"Size of quota"</th>
                            <th class="num">"In use"</th>
                            <th class="num">"Revisions kept"</th>
                            <th>"Alarms"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        {(may && !running).then(|| view! {
            <RecoveryView plan=plan.clone() recover=actions.recover />
            <CompactView plan compact=actions.compact />
        })}
        {may.then(|| view! {
            <Loaded
                resource=consistency
                loading="Every member is hashing its keys…"
                show=consistency_view
            />
        })}
    }
}

fn member_row(member: &MemberNow, actions: bool) -> impl IntoView {
    let label = member.label().to_string();
    let named = label.clone();
    let space = member.space();
    let full = space.as_ref().is_some_and(|space| space.nearly_full());
    let kept = space.as_ref().map(|space| space.kept()).unwrap_or_default();
    let used = match space {
        Some(space) => Either::Left(view! {
            <meter
                min="0"
                max=space.quota_bytes
                high=space.quota_bytes / 100 * NEARLY_FULL_PERCENT
                value=space.db_size
            ></meter>
            " "
            {space.used()}
        }),
        None => Either::Right(member.db_size.map(human_bytes).unwrap_or_default()),
    };
    let in_use = member.db_size_in_use.map(human_bytes).unwrap_or_default();
    let alarms = member.alarms.join(", ");
    let trouble = member.unhealthy();
    let defragment =
        (actions && member.role() != Role::Learner && member.error.is_none()).then(|| {
            let href = format!("{}?do=defragment&member={}", maintenance_url(), member.id);
            view! { <a class="button" href=href>"Defragment…"</a> }
        });
    let disarms = actions.then(|| {
        member
            .alarms
            .iter()
            .map(|alarm| {
                let href = format!(
                    "{}?do=disarm&member={}&alarm={alarm}",
                    maintenance_url(),
                    member.id
                );
                view! { <a class="button" href=href>{format!("Disarm {alarm}…")}</a> }
            })
            .collect_view()
    });
    let snapshot = (actions && member.error.is_none()).then(|| {
        view! {
            <a class="button" href=snapshot_url(&member.id) download data-testid="snapshot-link">
                "Snapshot"
            </a>
        }
    });
    view! {
        <tr data-testid="maintenance-member" data-member=named>
            <td>
                <strong>{label}</strong>
                " "
                <code class="hint">{member.id.clone()}</code>
                {trouble.map(|why| view! { <div class="status-hidden">{why}</div> })}
            </td>
            <td>{member.role.clone()}</td>
            <td class=if full { "space nearly-full" } else { "space" } data-testid="member-space">
                {used}
            </td>
            <td class="num">{in_use}</td>
            <td class="num">{kept}</td>
            <td class="alarms">{alarms}</td>
            <td>
                <div class="row-actions">{defragment} {disarms} {snapshot}</div>
            </td>
        </tr>
    }
}
