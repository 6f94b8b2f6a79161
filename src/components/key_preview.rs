//! A key beside the list it is listed in: its value and metadata in a panel, without leaving the
//! list (`?open=<key>` on the list page), as consoles of key-value stores show a key.

use super::{
    lease_clock::{lease_left, LeaseClock},
    page_data, EtcdEpoch, KeyName, KeyTools, Loaded, ValueViews,
};
use crate::domain::{
    format::ShownKey,
    key::percent_encode_bytes,
    routes::{key_url, with_param, KEYS},
    Key,
};
use crate::server_fns::get_key;
use leptos::prelude::*;

/// The query parameter of the list page that names the key shown beside it.
pub const OPEN: &str = "open";
/// The query parameter of the view of the value shown beside the list (`view` is the list's).
pub const VALUE_VIEW: &str = "value_view";

/// The list page at the query `search`, with `key` open beside it.
pub fn preview_url(search: &str, key: &Key) -> String {
    let key = percent_encode_bytes(key.as_bytes());
    format!(
        "{KEYS}{}",
        with_param(search, OPEN, Some(&key), &[VALUE_VIEW])
    )
}

/// The key `key`, read now, with a link that closes the panel (`close`) and one to its own page.
#[component]
pub fn KeyPreview(key: Key, close: String) -> impl IntoView {
    let asked = key.clone();
    let shown = page_data(
        move || (asked.clone(), EtcdEpoch::track()),
        |(key, _)| get_key(key),
    );
    view! {
        <aside class="panel key-preview" aria-label="The key picked" data-testid="key-preview">
            <div class="preview-head">
                <h2 class="key-name">
                    <KeyName key=key.clone() />
                </h2>
                <a href=close data-testid="preview-close">
                    "Close"
                </a>
            </div>
            <Loaded resource=shown loading="Loading key…" show=details />
            <p>
                <a href=key_url(&key) data-testid="preview-open">
                    "Edit, history and lease on the key's page »"
                </a>
            </p>
        </aside>
    }
}

fn details(shown: ShownKey) -> impl IntoView {
    let ShownKey { detail, shown } = shown;
    let summary = detail.summary;
    let lease = (summary.lease != 0).then(|| {
        view! {
            {lease_left(summary.lease, summary.lease_left)}
            <LeaseClock />
        }
    });
    view! {
        <dl class="meta" data-testid="preview-meta">
            <dt>"Version"</dt>
            <dd>{summary.version}</dd>
            <dt>"Modified at revision"</dt>
            <dd>{summary.mod_revision}</dd>
            <dt>"Lease"</dt>
            <dd>{lease.map_or_else(|| "none".into_any(), IntoAny::into_any)}</dd>
        </dl>
        <KeyTools key=summary.key.clone() value=detail.value.clone() />
        <ValueViews value=detail.value shown param=VALUE_VIEW />
    }
}
