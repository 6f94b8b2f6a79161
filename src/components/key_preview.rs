//! A key beside the list it is listed in: its value and metadata in a panel, without leaving the
//! list (`?open=<key>` on the list page), as consoles of key-value stores show a key.

use super::{
    lease_clock::{lease_left, LeaseClock},
    page_data, EtcdEpoch, KeyName, KeyTools, Loaded,
};
use crate::domain::{format::KeyPeek, key::percent_encode_bytes, Key};
use crate::server_fns::peek_key;
use crate::urls::{
    routes::{key_url, KEYS},
    with_param,
};
use leptos::prelude::*;

/// The query parameter of the list page that names the key shown beside it.
pub const OPEN: &str = "open";

/// The list page at the query `search`, with `key` open beside it.
pub fn preview_url(search: &str, key: &Key) -> String {
    let key = percent_encode_bytes(key.as_bytes());
    format!("{KEYS}{}", with_param(search, OPEN, Some(&key), &[]))
}

/// The key `key`, read now, with a link that closes the panel (`close`) and one to its own page.
#[component]
pub fn KeyPreview(key: Key, close: String) -> impl IntoView {
    let asked = key.clone();
    let peek = page_data(
        move || (asked.clone(), EtcdEpoch::track()),
        |(key, _)| peek_key(key),
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
            <Loaded resource=peek loading="Loading key…" show=details />
            <p>
                <a href=key_url(&key) data-testid="preview-open">
                    "Views, edit, history and lease on the key's page »"
                </a>
            </p>
        </aside>
    }
}

fn details(peek: KeyPeek) -> impl IntoView {
    let KeyPeek {
        summary,
        described,
        text,
        whole_text,
    } = peek;
    let lease = (summary.lease != 0).then(|| {
        view! {
            {lease_left(summary.lease, summary.lease_left)}
            <LeaseClock />
        }
    });
    let copy = if whole_text {
        Ok(text.clone())
    } else {
        Err("Only the start, or not text: open the key's page, or download it")
    };
    view! {
        <dl class="meta" data-testid="preview-meta">
            <dt>"Version"</dt>
            <dd>{summary.version}</dd>
            <dt>"Modified at revision"</dt>
            <dd>{summary.mod_revision}</dd>
            <dt>"Lease"</dt>
            <dd>{lease.map_or_else(|| "none".into_any(), IntoAny::into_any)}</dd>
        </dl>
        <KeyTools key=summary.key.clone() text=copy />
        <p class="value-encoding" data-testid="value-encoding">{described}</p>
        <pre class="value" data-testid="value">{text}</pre>
    }
}
