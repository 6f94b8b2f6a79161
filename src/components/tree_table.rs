//! One page of a level of the key tree as a table: folders (with their key counts) and keys.

use super::changes_since::{changes_since, row_mark};
use super::key_preview::preview_url;
use super::key_table::{compacted_banner, pager, preview_link, sort_header, sort_note, KeyName};
use super::lease_clock::{lease_left, LeaseClock};
use crate::domain::words::count;
use crate::domain::{
    limits::human_bytes,
    paging::SortOrder,
    tree::{EntryKind, LevelRequest, TreeEntry, TreeLevel},
    Key,
};
use crate::server_fns::get_level;
use crate::urls::routes::{key_url, level_url};
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_location;

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
    let here = use_location().search.get_untracked();
    let rows = entries
        .into_iter()
        .map(|entry| entry_row(entry, &request, &here, 0))
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

/// Rows a folder opened in place shows; the folder's own level has the rest.
const OPENED_ROWS: u32 = 50;
/// The deepest a folder opened in place is indented (deeper ones are indented as much).
const MAX_DEPTH: usize = 6;

/// A folder links to its own level, and opens in place with its button (once the page is
/// hydrated); a key links to its page, and shows beside the list with its preview link. `depth`
/// counts the folders opened in place above the row.
fn entry_row(entry: TreeEntry, level: &LevelRequest, here: &str, depth: usize) -> impl IntoView {
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
    let opened = RwSignal::new(false);
    let (toggle, inside, preview) = match entry.kind {
        EntryKind::Folder => {
            let label = format!("Open {} here", entry.key.display());
            let toggle = view! {
                <button
                    type="button"
                    class="expand"
                    aria-expanded=move || opened.get().to_string()
                    aria-label=label
                    data-testid="expand"
                    on:click=move |_| opened.update(|open| *open = !*open)
                ></button>
            };
            let (prefix, delimiter, here) =
                (entry.key.clone(), level.delimiter.clone(), here.to_string());
            let inside = move || {
                opened.get().then(|| {
                    let (prefix, delimiter, here) =
                        (prefix.clone(), delimiter.clone(), here.clone());
                    view! { <OpenedFolder prefix delimiter here depth=depth + 1 /> }
                })
            };
            (Some(toggle), Some(inside), None)
        }
        EntryKind::Key => (
            None,
            None,
            Some(preview_link(&entry.key, preview_url(here, &entry.key))),
        ),
    };
    view! {
        <tr
            class=kind
            data-testid="tree-entry"
            data-key=row_mark(&entry.key)
            data-depth=(depth > 0).then(|| depth.min(MAX_DEPTH))
        >
            <td class="key">
                {toggle}
                <a href=href data-row="" data-kind=kind>
                    {name}
                    {suffix}
                </a>
                {preview}
            </td>
            <td class="num">{entry.count}</td>
            <td class="num" data-column="version">{summary.as_ref().map(|key| key.version)}</td>
            <td class="num" data-column="modified">
                {summary.as_ref().map(|key| key.mod_revision)}
            </td>
            <td class="num lease">{lease}</td>
            <td class="num" data-column="size">
                {summary.and_then(|key| key.value_size).map(human_bytes)}
            </td>
        </tr>
        {inside}
    }
}

/// The first rows of a folder opened in place, under its row, read when it is opened.
#[component]
fn OpenedFolder(prefix: Key, delimiter: Key, here: String, depth: usize) -> AnyView {
    let request = LevelRequest::new(prefix, delimiter, None, Some(OPENED_ROWS));
    let asked = request.clone();
    let level = LocalResource::new(move || get_level(asked.clone()));
    let note = move |text: String| {
        view! {
            <tr data-depth=depth.min(MAX_DEPTH) class="opened-note">
                <td class="key" colspan="6">{text}</td>
            </tr>
        }
    };
    (move || match level.get() {
        None => note("Opening…".into()).into_any(),
        Some(Err(err)) => note(err.to_string()).into_any(),
        Some(Ok(level)) => {
            let more = level.next.is_some().then(|| {
                let all = level_url(&LevelRequest::new(
                    request.prefix.clone(),
                    request.delimiter.clone(),
                    None,
                    None,
                ));
                view! {
                    <tr data-depth=depth.min(MAX_DEPTH) class="opened-note">
                        <td class="key" colspan="6">
                            <a href=all>{format!("All of {} »", request.prefix.display())}</a>
                        </td>
                    </tr>
                }
            });
            let rows = level
                .entries
                .into_iter()
                .map(|entry| entry_row(entry, &level.request, &here, depth))
                .collect_view();
            view! {
                {rows}
                {more}
            }
            .into_any()
        }
    })
    .into_any()
}
