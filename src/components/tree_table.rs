//! One page of a level of the key tree as a table: folders (with their key counts) and keys.

use super::changes_since::{changes_since, row_mark};
use super::key_table::{compacted_banner, pager, sort_header, sort_note, KeyName};
use super::lease_clock::{lease_left, LeaseClock};
use super::words::count;
use crate::domain::{
    limits::human_bytes,
    paging::SortOrder,
    routes::{key_url, level_url},
    tree::{EntryKind, LevelRequest, TreeEntry, TreeLevel},
};
use leptos::{either::Either, prelude::*};

#[component]
pub fn TreeTable(level: TreeLevel) -> impl IntoView {
    let TreeLevel {
        request,
        entries,
        next,
        revision,
        total,
        compacted,
    } = level;
    let under = if request.prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        request.prefix.display()
    };
    let folders = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Folder)
        .count();
    let keys = entries.len() - folders;
    let held: i64 = entries.iter().map(|e| e.count.unwrap_or(1)).sum();
    let whole = match total {
        Some(total) => format!(" of the {total} under it"),
        None => String::new(),
    };
    let summary = format!(
        "{} and {} of {under}, split on {:?}, at revision {revision}; they hold {}{whole}.",
        count(folders as u64, "folder", "folders"),
        count(keys as u64, "key", "keys"),
        request.delimiter.display(),
        count(held.max(0) as u64, "key", "keys"),
    );
    let first_page = request.after.is_some().then(|| level_url(&request.first()));
    let next_page = next.map(|cursor| level_url(&request.next(&cursor, revision)));
    let header = |label: &'static str, order: SortOrder| {
        let href = level_url(&LevelRequest {
            sort: order,
            ..request.clone()
        });
        sort_header(label, order, request.sort, href)
    };
    let rows = entries
        .into_iter()
        .map(|entry| entry_row(entry, &request))
        .collect_view();
    let changes = changes_since(
        request.prefix.clone(),
        Some(request.delimiter.clone()),
        revision,
        level_url(&request.first()),
    );
    view! {
        {compacted_banner("level", compacted, revision)}
        {changes}
        <p class="summary" data-testid="key-count">
            {summary}
            {sort_note(request.sort)}
            {matches!(request.sort, SortOrder::Version | SortOrder::Modified | SortOrder::Size)
                .then_some(" Folders come first, in key order.")}
        </p>
        <table class="keys" data-testid="tree-level">
            <thead>
                <tr>
                    {header("Name", SortOrder::Key)}
                    {header("Keys", SortOrder::Count)}
                    {header("Version", SortOrder::Version)}
                    {header("Mod revision", SortOrder::Modified)}
                    <th class="num lease">"Lease"</th>
                    {header("Size", SortOrder::Size)}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {pager(first_page, None, next_page)}
        <LeaseClock />
    }
}

/// A folder links to its own level, a key to its page.
fn entry_row(entry: TreeEntry, level: &LevelRequest) -> impl IntoView {
    let (href, kind, suffix) = match entry.kind {
        EntryKind::Folder => {
            let inner = LevelRequest::new(entry.key.clone(), level.delimiter.clone(), None, None);
            (level_url(&inner), "folder", level.delimiter.display())
        }
        EntryKind::Key => (key_url(&entry.key), "key", String::new()),
    };
    let summary = entry.summary;
    let lease = summary
        .as_ref()
        .filter(|key| key.lease != 0)
        .map(|key| lease_left(key.lease, key.lease_left));
    let name = if entry.name.is_empty() {
        Either::Left(view! { <em>"(empty)"</em> })
    } else {
        Either::Right(view! { <KeyName key=entry.name.clone() /> })
    };
    view! {
        <tr class=kind data-testid="tree-entry" data-key=row_mark(&entry.key)>
            <td class="key">
                <a href=href data-row="" data-kind=kind>
                    {name}
                    {suffix}
                </a>
            </td>
            <td class="num">{entry.count}</td>
            <td class="num" data-column="version">{summary.as_ref().map(|key| key.version)}</td>
            <td class="num" data-column="modified">
                {summary.as_ref().map(|key| key.mod_revision)}
            </td>
            <td class="num lease">{lease}</td>
            <td class="num">{summary.and_then(|key| key.value_size).map(human_bytes)}</td>
        </tr>
    }
}
