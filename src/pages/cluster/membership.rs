//! The cluster page's Raft panel: each member's term, log indexes and lag behind the leader, a
//! learner's catch-up as a bar, the timeline of leader and term changes, and the membership
//! changes, each confirmed first (see [`super::changes`]). Refreshed every few seconds, and a
//! reload shows the same without JavaScript.

use super::changes::{confirmation, AddForm, Asked, JoinedView};
use crate::components::{page_data, refresh_every, ActionError, Loaded, PageData};
use crate::domain::members::{catch_up, lag, MemberNow};
use crate::domain::raft::{RaftEvent, RaftView};
use crate::server_fns::{
    get_members, AddMember, MoveLeader, PromoteMember, RemoveMember, ReplaceMember,
};
use crate::urls::routes::cluster_asking_url;
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_location;
use std::time::Duration;

/// How often the panel reads the members again.
const REFRESH: Duration = Duration::from_secs(2);

/// The panel's forms' actions.
#[derive(Clone, Copy)]
pub(super) struct Actions {
    pub add: ServerAction<AddMember>,
    pub promote: ServerAction<PromoteMember>,
    pub remove: ServerAction<RemoveMember>,
    pub leader: ServerAction<MoveLeader>,
    pub replace: ServerAction<ReplaceMember>,
}

#[component]
pub(super) fn Membership() -> impl IntoView {
    let location = use_location();
    let asked = Memo::new(move |_| location.search.with(|search| Asked::from_query(search)));
    let actions = Actions {
        add: ServerAction::new(),
        promote: ServerAction::new(),
        remove: ServerAction::new(),
        leader: ServerAction::new(),
        replace: ServerAction::new(),
    };
    let refresh = RwSignal::new(0u32);
    let data: PageData<RaftView> = page_data(
        move || {
            (
                refresh.get(),
                actions.add.version().get(),
                actions.promote.version().get(),
                actions.remove.version().get(),
                actions.leader.version().get() + actions.replace.version().get(),
            )
        },
        |_| get_members(),
    );
    refresh_every(refresh, || REFRESH);
    let error = Signal::derive(move || {
        let failed = |value: Option<Result<(), crate::domain::AppError>>| value?.err();
        failed(actions.add.value().get())
            .or_else(|| failed(actions.promote.value().get()))
            .or_else(|| failed(actions.remove.value().get()))
            .or_else(|| failed(actions.leader.value().get()))
            .or_else(|| failed(actions.replace.value().get()))
    });
    view! {
        <section class="panel" id="membership" data-testid="raft">
            <h2>"Raft and membership"</h2>
            <ActionError error />
            <Loaded
                resource=data
                loading="Asking every member…"
                show=move |view| view! { <RaftPanel view asked=asked.get() actions /> }
            />
        </section>
    }
}

#[component]
fn RaftPanel(view: RaftView, asked: Option<Asked>, actions: Actions) -> impl IntoView {
    if let Some(error) = view.error.clone() {
        return Either::Left(
            view! { <p class="status-hidden" data-testid="raft-error">{error}</p> },
        );
    }
    let may = view.refused.is_none();
    let rows = view
        .members
        .iter()
        .map(|member| raft_row(&view.members, member, may))
        .collect_view();
    let asked_view = asked.clone().map(|asked| match asked {
        Asked::Joined(id, name) => Either::Left(view! {
            <JoinedView id name members=view.members.clone() promote=actions.promote may />
        }),
        asked => Either::Right(confirmation(asked, &view.members, actions)),
    });
    let who_may = view.refused.clone().map(|why| {
        view! {
            <p class="hint" data-testid="membership-refused">
                "Changing the membership is for etcd's root role or etcd-deck's admin: " {why}
            </p>
        }
    });
    let add = may.then(|| view! { <AddForm add=actions.add /> });
    Either::Right(view! {
        <p class="hint">
            "Every member holds the whole log. A follower applies what the leader committed; a \
             learner receives it without voting, and is promoted once it holds 90 % of it."
        </p>
        {asked_view}
        <div class="table-scroll" tabindex="0" role="region" aria-label="Raft">
            <table class="keys" data-testid="raft-members">
                <thead>
                    <tr>
                        <th>"Member"</th>
                        <th>"Role"</th>
                        <th class="num">"Term"</th>
                        <th class="num">"Committed"</th>
                        <th class="num">"Applied"</th>
                        <th>"Behind the leader"</th>
                        <th>"Change"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {who_may}
        {add}
        <Timeline events=view.timeline.clone() members=view.members.clone() />
    })
}

fn raft_row(members: &[MemberNow], member: &MemberNow, may: bool) -> impl IntoView {
    let number = |n: Option<u64>| n.map(|n| n.to_string());
    let behind = behind(members, member);
    let changes = may.then(|| change_links(members, member));
    view! {
        <tr data-testid="raft-row" data-member=member.label().to_string()>
            <td>{member.label().to_string()}</td>
            <td data-testid="raft-role">{member.role.clone()}</td>
            <td class="num">{number(member.raft_term)}</td>
            <td class="num">{number(member.commit_index)}</td>
            <td class="num">{number(member.applied_index)}</td>
            <td data-testid="raft-behind">{behind}</td>
            <td class="actions">{changes}</td>
        </tr>
    }
}

/// How far a member is behind the leader: entries still to apply, or a learner's catch-up bar.
fn behind(members: &[MemberNow], member: &MemberNow) -> impl IntoView {
    if !member.started() {
        return Either::Left("added, not started".to_string());
    }
    if let Some(error) = &member.error {
        return Either::Left(format!("does not answer: {error}"));
    }
    match (member.votes(), catch_up(members, member)) {
        (false, Some(caught)) => Either::Right(view! {
            <meter min="0" max="100" low="90" optimum="100" value=caught.percent data-testid="catch-up"></meter>
            {format!(" {} % of the leader's log", caught.percent)}
        }),
        _ => Either::Left(match lag(members, member) {
            Some(0) => "up to date".to_string(),
            Some(entries) => format!("{entries} entries"),
            None => String::new(),
        }),
    }
}

/// The changes offered for a member, each leading to its confirmation.
fn change_links(members: &[MemberNow], member: &MemberNow) -> impl IntoView {
    let label = member.label().to_string();
    let link = |asked: &'static str, text: &'static str| {
        view! {
            <a href=cluster_asking_url(asked, &label) data-testid=format!("member-{asked}")>{text}</a>
            " "
        }
    };
    let healthy = member.unhealthy().is_none();
    let ready = catch_up(members, member).is_some_and(|c| c.ready);
    view! {
        {(member.role() == crate::domain::cluster::Role::Voter && healthy).then(|| link("leader", "Make leader"))}
        {(!member.votes() && ready).then(|| link("promote", "Promote"))}
        {(member.votes() && !healthy).then(|| link("replace", "Replace"))}
        {link("remove", "Remove")}
    }
}

/// The changes of leader and term seen since etcd-deck started, the newest first.
#[component]
fn Timeline(events: Vec<RaftEvent>, members: Vec<MemberNow>) -> impl IntoView {
    let items = events
        .iter()
        .rev()
        .map(|event| {
            view! { <li><time>{clock(event.at_ms)}</time> " " {event.describe(&members)}</li> }
        })
        .collect_view();
    let empty = events.is_empty().then_some("None seen yet.");
    view! {
        <h3>"Leader and term changes"</h3>
        <p class="hint">
            "Since etcd-deck started, as its health check saw them (the last 100). A term that \
             keeps rising means elections that keep failing."
        </p>
        <ol class="timeline" data-testid="raft-timeline" reversed>{items}</ol>
        {empty}
    }
}

/// A moment as the time of day in UTC: `14:03:27 UTC`.
fn clock(at_ms: u64) -> String {
    let seconds = (at_ms / 1000) % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}
