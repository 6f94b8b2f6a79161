//! One page of keys as a table, with the links to move between pages.

use crate::domain::{
    key::wrap_points,
    routes::{key_url, list_url},
    Key, KeyListing, KeySummary,
};
use leptos::prelude::*;

/// The keys of a listing, each linking to its page, and the pager below them.
#[component]
pub fn KeyTable(listing: KeyListing) -> impl IntoView {
    let summary = listing.summary();
    let KeyListing {
        request,
        keys,
        next,
        source,
        revision,
        compacted,
        ..
    } = listing;
    let first_page = request.after.is_some().then(|| list_url(&request.first()));
    let next_page = next.map(|cursor| list_url(&request.next(&cursor, revision)));
    let rows = keys.into_iter().map(key_row).collect_view();

    let stale = source.stale.then(|| {
        view! {
            <p class="banner banner-warn" role="status" data-testid="stale">
                "Possibly stale: etcd has no quorum, so this page was read from one member ("
                {source.endpoint.clone()}
                ") without checking with a leader. Keys written since it lost contact may be missing."
            </p>
        }
    });
    let compacted = compacted.map(|old| {
        view! {
            <p class="banner banner-warn" role="status" data-testid="compacted">
                {format!(
                    "This listing was read at revision {old}, which etcd has compacted since; \
                     it starts again here, at revision {revision}."
                )}
            </p>
        }
    });
    view! {
        {stale}
        {compacted}
        <p class="summary" data-testid="key-count">
            {summary}
        </p>
        <table class="keys" data-testid="key-list">
            <thead>
                <tr>
                    <th>"Key"</th>
                    <th class="num">"Version"</th>
                    <th class="num">"Mod revision"</th>
                    <th class="num">"Lease"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {first_page.map(|href| view! { <a href=href>"« First page"</a> })}
            {next_page.map(|href| view! { <a href=href rel="next">"Next page »"</a> })}
        </nav>
    }
}

/// One key: its name linking to its page, version, mod revision and lease.
fn key_row(summary: KeySummary) -> impl IntoView {
    let lease = (summary.lease != 0).then(|| format!("{:x}", summary.lease));
    view! {
        <tr>
            <td class="key">
                <a href=key_url(&summary.key)>
                    <KeyName key=summary.key.clone() />
                </a>
            </td>
            <td class="num">{summary.version}</td>
            <td class="num">{summary.mod_revision}</td>
            <td class="num">{lease}</td>
        </tr>
    }
}

/// A key's name that wraps at its separators on narrow screens.
#[component]
fn KeyName(key: Key) -> impl IntoView {
    let text = key.display();
    wrap_points(&text)
        .into_iter()
        .map(|part| view! { {part.to_string()} <wbr /> })
        .collect_view()
}
