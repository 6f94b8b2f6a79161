//! The keyspace as it was, at `/past?prefix=…&revision=R`: the keys under a prefix at a past
//! revision, read-only, each marked with what became of it since; deleted ones can be brought
//! back, one or all of a page at once, by a write that only creates.

use crate::components::{
    page_data, use_notice, ActionError, KeyName, Loaded, NoticeBar, PageView, ServerForm,
};
use crate::domain::{
    history::{KeyNow, PastListing},
    Key, PageRequest,
};
use crate::server_fns::{list_past, UndeleteKeys};
use crate::urls::{
    query_param,
    routes::{key_version_url, past_url, PAST},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
fn PastPage() -> impl IntoView {
    let location = use_location();
    let request = Memo::new(move |_| {
        location
            .search
            .with(|search| PageRequest::from_query(search))
    });
    let undelete = ServerAction::<UndeleteKeys>::new();
    let listing = page_data(
        move || (request.get(), undelete.version().get()),
        |(request, _)| list_past(request),
    );
    let error = Signal::derive(move || undelete.value().get().and_then(Result::err));
    let prefix = move || request.with(|r| r.prefix.display());
    let revision = move || {
        location
            .search
            .with(|search| query_param(search, "revision").and_then(|r| String::from_utf8(r).ok()))
    };

    PageView(view! {
        <Title text="The keyspace as it was" />
        <h1>"The keyspace as it was"</h1>
        <NoticeBar notice=use_notice(error) />
        <ActionError error />
        <form method="get" action=PAST class="prefix-form">
            <label>"Prefix " <input type="text" name="prefix" value=prefix /></label>
            <label>
                "At revision "
                <input type="number" name="revision" min="1" value=revision data-testid="past-revision" />
            </label>
            <button type="submit">"Show"</button>
        </form>
        <Loaded
            resource=listing
            loading="Reading the keys as they were…"
            show=move |past| past_view(past, undelete)
        />
    })
}

fn past_view(past: PastListing, undelete: ServerAction<UndeleteKeys>) -> impl IntoView {
    let PastListing {
        listing,
        now,
        kept_from,
        current,
    } = past;
    let revision = listing.revision;
    let prefix = listing.request.prefix.clone();
    let bounds =
        format!(
        "Read-only: the keys under {} as they were at revision {revision}. etcd keeps revisions \
         {kept_from} to {current}.",
        if prefix.is_empty() { "the whole keyspace".to_string() } else { prefix.display() }
    );
    let deleted: Vec<Key> = listing
        .keys
        .iter()
        .zip(&now)
        .filter(|(_, now)| **now == KeyNow::Deleted)
        .map(|(key, _)| key.key.clone())
        .collect();
    // The deleted keys of the page, each with a checkbox (checked at first) that belongs to
    // this form: restoring the selection is one transaction.
    let all_fields = undelete_fields(&prefix, revision);
    let all = (!deleted.is_empty()).then(move || {
        let label = format!("Restore the selected keys (of {} deleted)", deleted.len());
        view! {
            <ServerForm action=undelete read=crate::read_form!(UndeleteKeys { prefix, revision, keys }) id=SELECTION_FORM>
                {all_fields}
                <button type="submit" class="needs-write">{label}</button>
            </ServerForm>
        }
    });
    let rows = listing
        .keys
        .into_iter()
        .zip(now)
        .enumerate()
        .map(|(i, (summary, now))| {
            let state = match now {
                KeyNow::Unchanged => "unchanged",
                KeyNow::Changed => "changed",
                KeyNow::Deleted => "deleted",
            };
            let segment = summary.key.to_segment();
            let select = (now == KeyNow::Deleted).then(|| {
                view! {
                    <input type="checkbox" name=format!("keys[{i}]") value=segment.clone()
                        checked form=SELECTION_FORM aria-label="Select" data-testid="select" />
                }
            });
            let fields = undelete_fields(&prefix, revision);
            let restore = (now == KeyNow::Deleted).then(move || {
                view! {
                    <ServerForm action=undelete read=crate::read_form!(UndeleteKeys { prefix, revision, keys })>
                        {fields}
                        <input type="hidden" name="keys[0]" value=segment />
                        <button type="submit" class="needs-write">"Restore"</button>
                    </ServerForm>
                }
            });
            view! {
                <tr data-now=state>
                    <td class="needs-write">{select}</td>
                    <td class="key">
                        <a href=key_version_url(&summary.key, summary.mod_revision)>
                            <KeyName key=summary.key.clone() />
                        </a>
                    </td>
                    <td class="num wide-only">{summary.version}</td>
                    <td class="num">{summary.mod_revision}</td>
                    <td>{state}</td>
                    <td>{restore}</td>
                </tr>
            }
        })
        .collect_view();
    let next = listing.next.map(|after| {
        let request = PageRequest {
            after: Some(after),
            ..listing.request.clone()
        };
        view! { <a href=past_url(&request) rel="next">"Next page »"</a> }
    });
    view! {
        <p class="banner banner-info" data-testid="past-bounds">{bounds}</p>
        {all}
        <table class="keys" data-testid="past-keys">
            <thead>
                <tr>
                    <th class="needs-write"></th>
                    <th>"Key"</th>
                    <th class="num wide-only">"Version"</th>
                    <th class="num">"Mod revision"</th>
                    <th>"Now"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">{next}</nav>
    }
}

fn undelete_fields(prefix: &Key, revision: i64) -> impl IntoView {
    view! {
        <input type="hidden" name="prefix" value=prefix.to_segment() />
        <input type="hidden" name="revision" value=revision />
    }
}

/// The id of the form that restores the selected keys (their checkboxes sit in the table).
const SELECTION_FORM: &str = "restore-selected";

lazy_page!(
    /// The past keyspace page.
    PastRoute => view! { <PastPage /> }.into_any()
);
