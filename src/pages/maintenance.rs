//! The maintenance page at `/maintenance`: how full each member is, and what recovers a full
//! database: a guided recovery (its plan first, the revision typed to confirm), then each step
//! on its own (compact, defragment, disarm), snapshots and the consistency check. The run under
//! way shows its steps as they go and can be stopped between members.
//!
//! Everyone sees the figures; the buttons are for etcd's root role or etcd-deck's admin, and
//! others read who may instead. Each operation asks first: the recovery and the compaction have
//! their revision typed, a defragmentation or a disarm has its own confirmation.

use crate::components::{page_data, ActionError, Loaded, PageData, PageView, ServerForm};
use crate::domain::cluster::NEARLY_FULL_PERCENT;
use crate::domain::limits::human_bytes;
use crate::domain::maintenance::{
    Consistency, Maintenance, MemberNow, RecoveryPlan, RunRecord, StepState,
};
use crate::server_fns::{
    check_consistency, get_maintenance, CompactHistory, DefragmentMembers, DisarmAlarm,
    RecoverCluster, StopMaintenance,
};
use crate::urls::{api::snapshot_url, query_param, routes::maintenance_url};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_location;
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
    // One timer at a time, set again after each refresh: every second while a run goes.
    Effect::new(move |_| {
        refresh.track();
        let every = if running.get() { FOLLOW } else { REFRESH };
        let handle = set_timeout_with_handle(move || refresh.update(|n| *n += 1), every);
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
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
    let defragment = (actions && member.role != "learner" && member.error.is_none()).then(|| {
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

/// The confirmation of a defragmentation or a disarm, with what it will do.
fn confirmation(asked: Asked, members: &[MemberNow], actions: Actions) -> impl IntoView {
    let find = |name: &str| members.iter().find(|m| m.id == name || m.name == name);
    let (what, form) = match asked {
        Asked::Defragment(name) => {
            let member = find(&name);
            let label = member.map_or(name.clone(), |m| m.label().to_string());
            let size = member.and_then(|m| m.db_size).map(human_bytes);
            let what = format!(
                "Defragment member {label}? It rewrites its database ({}) without its free \
                 pages, and answers no read or write until done — about a second per 100 MB. \
                 Only while every member is healthy; a learner cannot be defragmented.",
                size.unwrap_or_else(|| "size unknown".into())
            );
            let action = actions.defragment;
            let form = view! {
                <ServerForm action read=crate::read_form!(DefragmentMembers { member })>
                    <input type="hidden" name="member" value=name />
                    <button type="submit" class="danger" data-testid="confirm-defragment">
                        "Defragment"
                    </button>
                </ServerForm>
            };
            (what, Either::Left(form))
        }
        Asked::Disarm(name, alarm) => {
            let label = find(&name).map_or(name.clone(), |m| m.label().to_string());
            let what = format!(
                "Disarm the {alarm} alarm of member {label}? etcd takes writes again once no \
                 NOSPACE alarm is left. A member still over 90 % of its quota is refused: the \
                 alarm would be raised again at once."
            );
            let action = actions.disarm;
            let form = view! {
                <ServerForm action read=crate::read_form!(DisarmAlarm { member, alarm })>
                    <input type="hidden" name="member" value=name />
                    <input type="hidden" name="alarm" value=alarm />
                    <button type="submit" class="danger" data-testid="confirm-disarm">
                        "Disarm"
                    </button>
                </ServerForm>
            };
            (what, Either::Right(form))
        }
    };
    view! {
        <section class="panel danger-zone" role="alertdialog" aria-label="Confirm" data-testid="maintenance-confirm">
            <p>{what}</p>
            {form}
            <a href=maintenance_url()>"Cancel"</a>
        </section>
    }
}

/// The plan of a recovery, and its form: the revision typed to confirm.
#[component]
fn RecoveryView(plan: RecoveryPlan, recover: ServerAction<RecoverCluster>) -> impl IntoView {
    let order = plan
        .members
        .iter()
        .map(|member| {
            let what = match member.role.as_str() {
                "learner" => "skipped: etcd refuses to defragment a learner".to_string(),
                "leader" => "the leader, last".to_string(),
                _ => "a follower".to_string(),
            };
            view! { <li><strong>{member.label().to_string()}</strong> " — " {what}</li> }
        })
        .collect_view();
    let alarms = if plan.alarms.is_empty() {
        "No alarm is active.".to_string()
    } else {
        let listed: Vec<String> = plan
            .alarms
            .iter()
            .map(|(member, alarm)| format!("{alarm} of member {member}"))
            .collect();
        format!("Active: {}.", listed.join(", "))
    };
    let compacted = match plan.compacted_now {
        Some(compacted) if compacted > 0 => format!("now revision {compacted}"),
        _ => "nothing yet".to_string(),
    };
    let revision = plan.compact_to;
    let blocked = plan.blocked.clone();
    view! {
        <section class="panel" data-testid="recovery">
            <h2>"Recover a full database"</h2>
            <p>
                "When a member passes its space quota, etcd raises the NOSPACE alarm and refuses \
                 every write. The recovery runs etcd's own remedy, one member at a time:"
            </p>
            <ol data-testid="recovery-plan">
                <li>
                    "Compact the history to revision " <strong>{revision}</strong>
                    " (compacted: " {compacted} "). Every older version of every key is dropped: \
                    history, the past keyspace and undelete stop working before it."
                </li>
                <li>"Defragment each member, stopping if any member is unhealthy:" <ul>{order}</ul></li>
                <li>"Disarm each NOSPACE alarm once its member is under 90 % of its quota. " {alarms}</li>
                <li>"Write a test key and delete it again."</li>
            </ol>
            {match blocked {
                Some(why) => Either::Left(view! {
                    <p class="status-hidden" data-testid="recovery-blocked">"Cannot run now: " {why}</p>
                }),
                None => Either::Right(view! {
                    <ServerForm action=recover read=crate::read_form!(RecoverCluster { revision })>
                        <label>
                            "Type the revision to compact to (" {revision} ") to confirm "
                            <input
                                type="number"
                                name="revision"
                                required
                                min="1"
                                max=revision
                                autocomplete="off"
                                data-testid="recover-revision"
                            />
                        </label>
                        " "
                        <button type="submit" class="danger" disabled=move || recover.pending().get() data-testid="recover">
                            "Recover"
                        </button>
                    </ServerForm>
                }),
            }}
        </section>
    }
}

/// Compaction on its own: the revision typed, and what it drops.
#[component]
fn CompactView(plan: RecoveryPlan, compact: ServerAction<CompactHistory>) -> impl IntoView {
    let oldest = plan.compacted_now.filter(|c| *c > 0).map_or(1, |c| c);
    let current = plan.compact_to;
    view! {
        <section class="panel">
            <h2>"Compact the history"</h2>
            <p>
                "etcd keeps every version of every key from revision " <strong>{oldest}</strong>
                " to " <strong>{current}</strong> ". Compacting to a revision drops every version \
                older than it; the database only shrinks once each member is defragmented."
            </p>
            <ServerForm action=compact read=crate::read_form!(CompactHistory { revision })>
                <label>
                    "Compact to revision "
                    <input type="number" name="revision" required min=oldest + 1 max=current data-testid="compact-revision" />
                </label>
                " "
                <button type="submit" class="danger">"Compact"</button>
            </ServerForm>
        </section>
    }
}

/// The run under way, or the last one: each step as it stands.
fn run_view(run: RunRecord, stop: ServerAction<StopMaintenance>) -> impl IntoView {
    let steps = run
        .steps()
        .into_iter()
        .map(|step| {
            let state = match step.state {
                StepState::Started => "started",
                StepState::Done => "done",
                StepState::Skipped => "skipped",
                StepState::Failed => "failed",
            };
            let took = step.millis.map(|ms| match ms {
                0..1000 => format!(" ({ms} ms)"),
                _ => format!(
                    " ({} s)",
                    crate::domain::limits::tenths(u128::from(ms), 100)
                ),
            });
            view! {
                <li class=format!("step {state}") data-state=state data-step=step.step.as_str()>
                    <strong>{step.step.as_str()}</strong>
                    {step.member.clone().map(|m| format!(" {m}"))}
                    ": " {step.message.clone()} {took}
                </li>
            }
        })
        .collect_view();
    let report = run.report().cloned();
    let running = run.running();
    let heading = match (&report, run.stopping) {
        (Some(report), _) if report.ok => "done".to_string(),
        (Some(_), _) => "stopped".to_string(),
        (None, true) => "stopping before the next step…".to_string(),
        (None, false) => "running…".to_string(),
    };
    view! {
        <section class="panel run" data-testid="maintenance-run" data-running=running.to_string()>
            <h2>{format!("{}: {heading}", run_title(&run.operation))}</h2>
            <p class="hint">
                "Started " {run.started.clone()}
                {run.started_by.clone().map(|by| format!(" by {by}"))}
                "."
            </p>
            <ol class="steps">{steps}</ol>
            {report.map(|report| view! {
                <p data-testid="run-report" data-ok=report.ok.to_string()>
                    <strong>{report.message}</strong>
                </p>
            })}
            {running.then(|| view! {
                <ServerForm action=stop read=|_| Some(StopMaintenance {})>
                    <button type="submit" data-testid="stop-run">"Stop after this step"</button>
                    <span class="hint">" Without JavaScript, reload the page to follow the run."</span>
                </ServerForm>
            })}
        </section>
    }
}

/// A run's heading, from the operation's name in the audit log.
fn run_title(operation: &str) -> &str {
    match operation {
        "recover" => "Recovery",
        "defragment" => "Defragmentation",
        other => other,
    }
}

fn consistency_view(consistency: Option<Consistency>) -> impl IntoView {
    let Some(check) = consistency else {
        let href = format!("{}?check=1", maintenance_url());
        return Either::Left(view! {
            <section class="panel">
                <h2>"Consistency"</h2>
                <p>
                    "Every member hashes its keys at one revision; members whose history is \
                     compacted alike must agree. "
                    <a class="button" href=href data-testid="check-consistency">"Check now"</a>
                </p>
            </section>
        });
    };
    let rows = check
        .members
        .iter()
        .map(|member| {
            view! {
                <tr>
                    <td>{member.member.clone()}</td>
                    <td class="num">{member.hash.map(|h| h.to_string())}</td>
                    <td class="num">{member.compact_revision.map(|c| c.to_string())}</td>
                    <td>{member.error.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let verdict = if check.consistent {
        format!("Every member agrees at revision {}.", check.revision)
    } else {
        format!(
            "At revision {}: {}",
            check.revision,
            check.differences.join("; ")
        )
    };
    Either::Right(view! {
        <section class="panel" data-testid="consistency" data-consistent=check.consistent.to_string()>
            <h2>"Consistency"</h2>
            <p><strong>{verdict}</strong></p>
            <table class="keys">
                <thead><tr><th>"Member"</th><th class="num">"Hash"</th><th class="num">"Compacted to"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    })
}
