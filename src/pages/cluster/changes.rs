//! The membership changes' confirmations, each saying what it will do before it does it: a
//! removal and a replacement with the quorum arithmetic and the member's name typed, a leader
//! move and a promotion with what changes; the form that adds a learner; and how to start the
//! member just added, with its catch-up and Promote once etcd would accept it.

use super::membership::Actions;
use crate::components::{ConfirmPanel, ServerForm, TypedName};
use crate::domain::members::{catch_up, may_lead, may_remove, JoinInstructions, MemberNow};
use crate::server_fns::{AddMember, MoveLeader, PromoteMember, RemoveMember, ReplaceMember};
use crate::urls::{query_param, routes::cluster_url};
use leptos::{either::EitherOf4, prelude::*};

/// What the page was asked, from its query: `?do=remove&member=m2` (also `leader`, `promote`,
/// `replace`), or `?joined=ID&name=m4` after a member was added.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Asked {
    Remove(String),
    Leader(String),
    Promote(String),
    Replace(String),
    Joined(String, String),
}

impl Asked {
    pub fn from_query(search: &str) -> Option<Asked> {
        let text = |name| String::from_utf8(query_param(search, name)?).ok();
        if let Some(id) = text("joined") {
            return Some(Asked::Joined(id, text("name").unwrap_or_default()));
        }
        let member = text("member")?;
        match text("do")?.as_str() {
            "remove" => Some(Asked::Remove(member)),
            "leader" => Some(Asked::Leader(member)),
            "promote" => Some(Asked::Promote(member)),
            "replace" => Some(Asked::Replace(member)),
            _ => None,
        }
    }
}

/// The confirmation of a change: what it will do, or why it is refused, and its form.
pub(super) fn confirmation(asked: Asked, members: &[MemberNow], actions: Actions) -> impl IntoView {
    let name = match &asked {
        Asked::Remove(name) | Asked::Leader(name) | Asked::Promote(name) | Asked::Replace(name) => {
            name.clone()
        }
        Asked::Joined(id, _) => id.clone(),
    };
    let found = members.iter().find(|m| m.name == name || m.id == name);
    let Some(member) = found.cloned() else {
        let what = format!("No member is named {name} now.");
        return view! {
            <ConfirmPanel what cancel=cluster_url() testid="membership-confirm">""</ConfirmPanel>
        }
        .into_any();
    };
    let label = member.label().to_string();
    let (what, form) = match asked {
        Asked::Remove(_) => {
            let what = match may_remove(members, &member) {
                Ok(removal) => {
                    let first = if removal.moves_leader_first {
                        "It leads: the leadership moves to the healthy voter furthest along \
                         first. "
                    } else {
                        ""
                    };
                    format!(
                        "Remove {label} from the cluster? {first}Then {}. It cannot be undone: \
                         to come back, it joins anew with an empty data directory.",
                        removal.arithmetic
                    )
                }
                Err(why) => format!("Removing {label} is refused: {why}."),
            };
            let form = view! {
                <ServerForm action=actions.remove read=crate::read_form!(RemoveMember { member, confirm })>
                    <input type="hidden" name="member" value=label.clone() />
                    <TypedName name=label.clone() />
                    " "
                    <button type="submit" class="danger" data-testid="confirm-remove">"Remove"</button>
                </ServerForm>
            };
            (what, EitherOf4::A(form))
        }
        Asked::Leader(_) => {
            let what = match may_lead(members, &member) {
                Ok(leader) => format!(
                    "Hand the leadership from {} to {label}? etcd asks the leader to transfer \
                     it; writes pause for the moment of the handover.",
                    leader.label()
                ),
                Err(why) => format!("Refused: {why}."),
            };
            let form = view! {
                <ServerForm action=actions.leader read=crate::read_form!(MoveLeader { member })>
                    <input type="hidden" name="member" value=label.clone() />
                    <button type="submit" class="danger" data-testid="confirm-leader">
                        {format!("Make {label} leader")}
                    </button>
                </ServerForm>
            };
            (what, EitherOf4::B(form))
        }
        Asked::Promote(_) => {
            let voters = members.iter().filter(|m| m.votes()).count() + 1;
            let what = format!(
                "Promote {label} to a voting member? The cluster then has {voters} voters, \
                 whose quorum is {}.",
                crate::domain::cluster::quorum(voters)
            );
            let form = promote_form(actions.promote, label.clone());
            (what, EitherOf4::C(form))
        }
        Asked::Replace(_) | Asked::Joined(..) => {
            let what = match may_remove(members, &member) {
                Ok(removal) => format!(
                    "Replace {label}: first it is removed ({}), then its replacement is added as \
                     a learner at the peer URL below. Start the new member as the page then \
                     shows, and promote it once it has caught up. Reusing {label}'s peer URL \
                     needs an empty data directory.",
                    removal.arithmetic
                ),
                Err(why) => format!("Replacing {label} is refused: {why}."),
            };
            let peer = member.peer_urls.first().cloned().unwrap_or_default();
            let form = view! {
                <ServerForm action=actions.replace read=crate::read_form!(ReplaceMember { member, confirm, name, peer_url })>
                    <input type="hidden" name="member" value=label.clone() />
                    <label>"New member's name " <input name="name" required value=format!("{label}-new") data-testid="replace-name" /></label>
                    " "
                    <label>"Peer URL " <input name="peer_url" required value=peer data-testid="replace-peer-url" /></label>
                    " "
                    <TypedName name=label.clone() />
                    " "
                    <button type="submit" class="danger" data-testid="confirm-replace">"Replace"</button>
                </ServerForm>
            };
            (what, EitherOf4::D(form))
        }
    };
    view! {
        <ConfirmPanel what cancel=cluster_url() testid="membership-confirm">{form}</ConfirmPanel>
    }
    .into_any()
}

fn promote_form(promote: ServerAction<PromoteMember>, member: String) -> impl IntoView {
    view! {
        <ServerForm action=promote read=crate::read_form!(PromoteMember { member })>
            <input type="hidden" name="member" value=member.clone() />
            <button type="submit" data-testid="promote">{format!("Promote {member}")}</button>
        </ServerForm>
    }
}

/// The form that adds a member: a learner unless ticked otherwise.
#[component]
pub(super) fn AddForm(add: ServerAction<AddMember>) -> impl IntoView {
    view! {
        <h3>"Add a member"</h3>
        <ServerForm action=add read=crate::read_form!(AddMember { name, peer_url, voter })>
            <label>"Name " <input name="name" required pattern="[A-Za-z0-9._\\-]{1,63}" data-testid="add-name" /></label>
            " "
            <label>"Peer URL " <input name="peer_url" required placeholder="http://10.0.0.4:2380" data-testid="add-peer-url" /></label>
            " "
            <label>
                <input type="checkbox" name="voter" value="true" data-testid="add-voter" />
                " as a voting member at once (not advised: until it has started, it counts \
                 toward the quorum without answering)"
            </label>
            " "
            <button type="submit" data-testid="add-member">"Add as a learner"</button>
        </ServerForm>
    }
}

/// How to start the member just added, and, once it has caught up, Promote.
#[component]
pub(super) fn JoinedView(
    id: String,
    name: String,
    members: Vec<MemberNow>,
    promote: ServerAction<PromoteMember>,
    may: bool,
) -> impl IntoView {
    let Some(member) = members.iter().find(|m| m.id == id).cloned() else {
        return view! { <p class="hint">{format!("Member {id} is no longer in the cluster.")}</p> }
            .into_any();
    };
    let name = if name.is_empty() { id.clone() } else { name };
    let join = JoinInstructions::new(&id, &name, &member.peer_urls, !member.votes(), &members);
    let state = match (member.started(), catch_up(&members, &member)) {
        (false, _) => "Not started yet: start it now, as below.".to_string(),
        (true, _) if member.votes() => format!("{name} has started and votes."),
        (true, Some(caught)) if caught.ready => format!(
            "{name} has caught up ({} % of the leader's log): it can be promoted.",
            caught.percent
        ),
        (true, Some(caught)) => {
            format!(
                "{name} is catching up: {} % of the leader's log.",
                caught.percent
            )
        }
        (true, None) => format!("{name} has started."),
    };
    let ready = catch_up(&members, &member).is_some_and(|c| c.ready) && !member.votes();
    let label = member.label().to_string();
    view! {
        <section class="panel" data-testid="joined">
            <p data-testid="joined-state">{state}</p>
            <p>"Start it with etcd's flags for joining (plus its client URLs, data directory and TLS flags):"</p>
            <pre class="command" data-testid="join-command">{join.command.clone()}</pre>
            <p>"On etcd-deck's local cluster kit:"</p>
            <pre class="command" data-testid="join-kit">{join.kit.clone()}</pre>
            {(ready && may).then(|| promote_form(promote, label))}
            <a href=cluster_url()>"Done"</a>
        </section>
    }
    .into_any()
}
