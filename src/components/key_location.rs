//! "Where is it?" on a key's page: every member holds every key, so the question is which
//! members have applied the key's latest write. Read when asked for (`?locate`), not with every
//! view of the key: it asks each member on its own.

use super::{page_data, Loaded};
use crate::domain::raft::KeyLocation;
use crate::domain::Key;
use crate::server_fns::locate_key;
use crate::urls::routes::key_locate_url;
use leptos::prelude::*;

/// Which members have applied the latest write of `key`, each read from that member alone.
#[component]
pub fn KeyLocationPanel(key: Memo<Key>) -> impl IntoView {
    let location = page_data(move || key.get(), locate_key);
    view! {
        <section class="panel" id="where" data-testid="where">
            <h2>"Where is it?"</h2>
            <Loaded resource=location loading="Asking every member…" show=location_table />
            <a href=move || key_locate_url(&key.get())>"Ask again"</a>
        </section>
    }
}

fn location_table(location: KeyLocation) -> impl IntoView {
    let latest = location.mod_revision;
    let summary = match (latest, &location.error) {
        (Some(revision), _) => format!("Last written at revision {revision}."),
        (None, Some(error)) => format!("Its latest write is unknown: {error}."),
        (None, None) => "No such key now.".to_string(),
    };
    let leader = match &location.leader {
        Some(leader) => format!(" {leader} leads and serves the writes."),
        None => " No member leads now.".to_string(),
    };
    let rows = location
        .members
        .iter()
        .map(|member| {
            let state = member.state(latest);
            let class = if member.current { "healthy" } else { "down" };
            let name = if member.name.is_empty() { member.id.clone() } else { member.name.clone() };
            let number = |n: Option<String>| n.unwrap_or_else(|| "–".into());
            let shown = name.clone();
            view! {
                <tr data-testid="where-row" data-member=name>
                    <td>{shown}</td>
                    <td>{member.role.clone()}</td>
                    <td class="num">{number(member.revision.map(|r| r.to_string()))}</td>
                    <td class="num">{number(member.applied_index.map(|i| i.to_string()))}</td>
                    <td class="num">{number(member.mod_revision.map(|r| r.to_string()))}</td>
                    <td class=class data-testid="where-state" title=member.error.clone()>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="summary" data-testid="where-summary">{summary}{leader}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Where is it?">
            <table class="keys">
                <thead>
                    <tr>
                        <th>"Member"</th>
                        <th>"Role"</th>
                        <th class="num">"Revision"</th>
                        <th class="num">"Applied index"</th>
                        <th class="num">"Its copy's revision"</th>
                        <th>"Copy"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
