//! A key's history on its page: the changes etcd keeps, and one past version beside the value
//! now, with what changed and a way to write it back.

use super::{page_data, Loaded, ServerForm, ValueViews};
use crate::domain::{
    diff::{DiffLine, ValueDiff},
    history::{KeyHistory, PastVersion},
    limits::human_bytes,
    watch::ChangeKind,
    Key,
};
use crate::server_fns::{get_key_history, get_key_version, RestoreVersion};
use crate::urls::routes::key_version_url;
use leptos::{
    either::{Either, EitherOf4},
    prelude::*,
};

/// The changes to `key` etcd keeps, newest first, each linking to the version it wrote.
/// Reloads when `reload` changes (after a save or a restore).
#[component]
pub fn KeyHistoryPanel(key: Memo<Key>, reload: Signal<usize>) -> impl IntoView {
    let history = page_data(
        move || (key.get(), reload.get()),
        |(key, _)| get_key_history(key),
    );
    view! {
        <section class="panel" data-testid="history">
            <h2>"History"</h2>
            <Loaded resource=history loading="Reading the history…" show=history_table />
        </section>
    }
}

fn history_table(history: Option<KeyHistory>) -> impl IntoView {
    history.map_or_else(
        || Either::Left(view! { <p class="summary">"etcd keeps no change to this key."</p> }),
        |history| Either::Right(history_rows(history)),
    )
}

fn history_rows(history: KeyHistory) -> impl IntoView {
    let kept = if history.kept_from > 1 {
        format!(
            "etcd keeps the changes from revision {} on; older ones were compacted away.",
            history.kept_from
        )
    } else {
        "etcd has compacted none of this key's changes.".to_string()
    };
    let more = history.more.then_some(" Only the latest 100 are listed.");
    let rows = (0..history.changes.len())
        .map(|i| {
            let change = &history.changes[i];
            let what = match (change.kind, history.recreated(i)) {
                (ChangeKind::Delete, _) => "deleted",
                (ChangeKind::Put, true) => "created again",
                (ChangeKind::Put, false) if change.version == 1 => "created",
                (ChangeKind::Put, false) => "written",
            };
            // The newest write is the value now: nothing to compare it with or restore.
            let link = match change.kind {
                ChangeKind::Put if i == 0 => Either::Left(view! { <span class="summary">"the value now"</span> }),
                ChangeKind::Put => {
                    let href = key_version_url(&history.key, change.revision);
                    Either::Right(Some(view! { <a href=href>"Compare and restore"</a> }))
                }
                ChangeKind::Delete => Either::Right(None),
            };
            view! {
                <tr data-kind=what>
                    <td class="num">{(change.version > 0).then_some(change.version)}</td>
                    <td class="num">{change.revision}</td>
                    <td>{what}</td>
                    <td class="num">{(change.kind == ChangeKind::Put).then(|| human_bytes(change.value_size))}</td>
                    <td>{link}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="summary">{kept} {more}</p>
        <table class="keys" data-testid="history-table">
            <thead>
                <tr>
                    <th class="num">"Version"</th>
                    <th class="num">"Revision"</th>
                    <th>"Change"</th>
                    <th class="num">"Size"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// `key` as it was at `revision`, what changed from it to now, and a form that writes it back
/// if the key is still as shown.
#[component]
pub fn PastVersionPanel(
    key: Memo<Key>,
    revision: i64,
    restore: ServerAction<RestoreVersion>,
) -> impl IntoView {
    let version = page_data(
        move || (key.get(), restore.version().get()),
        move |(key, _)| get_key_version(key, revision),
    );
    view! {
        <section class="panel" data-testid="past-version">
            <Loaded
                resource=version
                loading="Reading that version…"
                show=move |version| past_version(version, restore)
            />
        </section>
    }
}

fn past_version(version: PastVersion, restore: ServerAction<RestoreVersion>) -> impl IntoView {
    let PastVersion {
        then,
        then_shown,
        now,
        diff,
    } = version;
    let summary = then.summary.clone();
    let heading = format!(
        "Version {} of revision {}, read-only",
        summary.version, summary.mod_revision
    );
    let same = now.as_ref().is_some_and(|now| now.value == then.value);
    let against = match &now {
        Some(now) => format!(
            "Changes from it to the value now (revision {}):",
            now.summary.mod_revision
        ),
        None => "The key does not exist now; restoring it creates it again.".to_string(),
    };
    let expected = now.as_ref().map_or(0, |now| now.summary.mod_revision);
    let form = (!same).then(move || {
        view! {
            <ServerForm action=restore read=crate::read_form!(RestoreVersion { key, revision, expected_mod_revision })>
                <input type="hidden" name="key" value=summary.key.to_segment() />
                <input type="hidden" name="revision" value=summary.mod_revision />
                <input type="hidden" name="expected_mod_revision" value=expected />
                <button type="submit" class="needs-write" disabled=move || restore.pending().get()>
                    "Restore this version"
                </button>
            </ServerForm>
        }
    });
    view! {
        <h2>{heading}</h2>
        <ValueViews value=then.value.clone() shown=then_shown />
        {if same {
            EitherOf4::A(view! { <p class="summary">"This is the value now."</p> })
        } else if now.is_none() {
            EitherOf4::B(view! { <p class="summary">{against}</p> })
        } else if diff.lines.is_empty() {
            EitherOf4::C(view! { <p class="summary">{against} " the same once formatted."</p> })
        } else {
            EitherOf4::D(view! {
                <p class="summary">{against}</p>
                {diff_view(diff)}
            })
        }}
        {form}
    }
}

/// Removed and added lines, with the unchanged ones around them.
pub fn diff_view(diff: ValueDiff) -> impl IntoView {
    let lines = diff
        .lines
        .into_iter()
        .map(|line| {
            let (class, mark, text) = match line {
                DiffLine::Same(text) => ("same", " ", text),
                DiffLine::Removed(text) => ("removed", "-", text),
                DiffLine::Added(text) => ("added", "+", text),
                DiffLine::Skipped(count) => ("skipped", "…", format!("{count} unchanged lines")),
            };
            view! { <div class=class><span class="mark">{mark}</span>{text}</div> }
        })
        .collect_view();
    view! {
        <p class="summary" data-testid="diff-summary">
            {format!("{} lines removed, {} added; {}.", diff.removed, diff.added, diff.basis.describe())}
        </p>
        <pre class="diff" data-testid="diff">{lines}</pre>
    }
}
