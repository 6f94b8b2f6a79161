//! The maintenance page's forms: a defragmentation or a disarm confirmed, the recovery's plan
//! with its revision typed, and a compaction.

use super::{Actions, Asked};
use crate::components::{ConfirmPanel, ServerForm};
use crate::domain::cluster::Role;
use crate::domain::limits::human_bytes;
use crate::domain::maintenance::RecoveryPlan;
use crate::domain::members::MemberNow;
use crate::server_fns::{CompactHistory, DefragmentMembers, DisarmAlarm, RecoverCluster};
use crate::urls::routes::maintenance_url;
use leptos::{either::Either, prelude::*};

/// The confirmation of a defragmentation or a disarm, with what it will do.
pub(super) fn confirmation(asked: Asked, members: &[MemberNow], actions: Actions) -> impl IntoView {
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
        <ConfirmPanel what cancel=maintenance_url() testid="maintenance-confirm">{form}</ConfirmPanel>
    }
}

/// The plan of a recovery, and its form: the revision typed to confirm.
#[component]
pub(super) fn RecoveryView(
    plan: RecoveryPlan,
    recover: ServerAction<RecoverCluster>,
) -> impl IntoView {
    let order = plan
        .members
        .iter()
        .map(|member| {
            let what = match member.role() {
                Role::Learner => "skipped: etcd refuses to defragment a learner",
                Role::Leader => "the leader, last",
                Role::Voter => "a follower",
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
pub(super) fn CompactView(
    plan: RecoveryPlan,
    compact: ServerAction<CompactHistory>,
) -> impl IntoView {
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
