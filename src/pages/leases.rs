//! The leases page at `/leases`: every lease with the seconds it has left (counting down), its
//! keys, and keep-alive and revoke; a form grants a new one. Revoking asks first, listing the
//! keys that will vanish with it.

use crate::components::{
    page_data, tick_every_second, use_notice, ActionError, Loaded, NoticeBar, PageView, ServerForm,
};
use crate::domain::lease::{expiring, lease_hex, parse_lease_id, Lease, Leases};
use crate::server_fns::{list_leases, GrantLease, KeepLeaseAlive, RevokeLease};
use crate::urls::{
    query_param,
    routes::{key_url, leases_url},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use std::time::Duration;

/// How often the page reads the leases again.
const REFRESH: Duration = Duration::from_secs(15);

/// Keys listed in a lease's row; the confirmation lists them all.
const KEYS_IN_ROW: usize = 3;

#[component]
fn LeasesPage() -> impl IntoView {
    let location = use_location();
    let revoking = Memo::new(move |_| {
        location.search.with(|search| {
            let id = String::from_utf8(query_param(search, "revoke")?).ok()?;
            parse_lease_id(&id).ok()
        })
    });
    let grant = ServerAction::<GrantLease>::new();
    let keep = ServerAction::<KeepLeaseAlive>::new();
    let revoke = ServerAction::<RevokeLease>::new();
    let refresh = RwSignal::new(0u32);
    // Seconds since the leases were read: the countdowns run on that.
    let elapsed = RwSignal::new(0i64);
    let leases = page_data(
        move || {
            (
                refresh.get(),
                grant.version().get(),
                keep.version().get(),
                revoke.version().get(),
            )
        },
        move |_| {
            elapsed.set(0);
            list_leases()
        },
    );
    tick_every_second(elapsed);
    Effect::new(move |_| {
        if elapsed.get() >= REFRESH.as_secs() as i64 {
            refresh.update(|n| *n += 1);
        }
    });
    let error = Signal::derive(move || {
        grant
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| keep.value().get().and_then(Result::err))
            .or_else(|| revoke.value().get().and_then(Result::err))
    });

    PageView(view! {
        <Title text="Leases" />
        <h1>"Leases"</h1>
        <NoticeBar notice=use_notice(error) />
        <ActionError error />
        <Loaded
            resource=leases
            loading="Reading the leases…"
            show=move |leases| leases_view(leases, elapsed, revoking, keep, revoke)
        />
        <section class="panel needs-write">
            <h2>"Grant a lease"</h2>
            <ServerForm action=grant read=crate::read_form!(GrantLease { ttl })>
                <label>
                    "Time to live, in seconds "
                    <input type="number" name="ttl" min="1" value="60" required data-testid="grant-ttl" />
                </label>
                <button type="submit" disabled=move || grant.pending().get()>"Grant"</button>
            </ServerForm>
        </section>
    })
}

fn leases_view(
    leases: Leases,
    elapsed: RwSignal<i64>,
    revoking: Memo<Option<i64>>,
    keep: ServerAction<KeepLeaseAlive>,
    revoke: ServerAction<RevokeLease>,
) -> impl IntoView {
    let shown = leases.leases.len();
    let summary = match leases.total {
        0 => "No leases.".to_string(),
        1 => "1 lease.".to_string(),
        total if total as usize > shown => format!("{total} leases; the first {shown} by id."),
        total => format!("{total} leases."),
    };
    let confirm = {
        let leases = leases.leases.clone();
        move || {
            let id = revoking.get()?;
            let lease = leases.iter().find(|lease| lease.id == id)?.clone();
            Some(revoke_confirmation(lease, revoke))
        }
    };
    let rows = leases
        .leases
        .into_iter()
        .map(|lease| lease_row(lease, elapsed, keep))
        .collect_view();
    view! {
        {confirm}
        <p class="summary" data-testid="lease-count">{summary}</p>
        <table class="keys" data-testid="leases">
            <thead>
                <tr>
                    <th>"Lease"</th>
                    <th class="num">"Seconds left"</th>
                    <th class="num wide-only">"Granted"</th>
                    <th class="num">"Keys"</th>
                    <th class="wide-only">"First keys"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn lease_row(
    lease: Lease,
    elapsed: RwSignal<i64>,
    keep: ServerAction<KeepLeaseAlive>,
) -> impl IntoView {
    let id = lease_hex(lease.id);
    let ttl = lease.ttl;
    let left = move || {
        let left = ttl - elapsed.get();
        if left > 0 {
            left.to_string()
        } else {
            "expired".to_string()
        }
    };
    let soon = move || expiring(ttl - elapsed.get()).then_some("");
    let keys = lease
        .keys
        .iter()
        .take(KEYS_IN_ROW)
        .map(|key| view! { <a href=key_url(key)>{key.display()}</a> " " })
        .collect_view();
    let revoke = format!("{}?revoke={id}", leases_url());
    let keep_id = id.clone();
    view! {
        <tr data-lease=id.clone() id=format!("lease-{id}")>
            <td class="key">{id.clone()}</td>
            <td class="num" data-testid="ttl" data-expiring=soon>
                {left}
            </td>
            <td class="num wide-only">{lease.granted_ttl}</td>
            <td class="num">
                {lease.key_count}
                {lease.keys_hidden.then(|| view! { <span class="hint" title="Keys you may not read are attached too">" + hidden"</span> })}
            </td>
            <td class="wide-only">{keys}</td>
            <td class="needs-write">
                <div class="row-actions">
                    <ServerForm action=keep read=crate::read_form!(KeepLeaseAlive { id })>
                        <input type="hidden" name="id" value=keep_id />
                        <button type="submit">"Keep alive"</button>
                    </ServerForm>
                    <a class="button danger" href=revoke>"Revoke…"</a>
                </div>
            </td>
        </tr>
    }
}

fn revoke_confirmation(lease: Lease, revoke: ServerAction<RevokeLease>) -> impl IntoView {
    let id = lease_hex(lease.id);
    let vanish = match lease.key_count {
        0 => "No key is attached to it.".to_string(),
        1 => "This key will be deleted with it:".to_string(),
        n => format!("These {n} keys will be deleted with it:"),
    };
    let more = (lease.key_count as usize > lease.keys.len())
        .then(|| format!("…and {} more.", lease.key_count as usize - lease.keys.len()));
    let hidden = lease
        .keys_hidden
        .then_some("Keys you may not read are attached too, and will be deleted with it.");
    let keys = lease
        .keys
        .iter()
        .map(|key| view! { <li><code>{key.display()}</code></li> })
        .collect_view();
    view! {
        <section class="panel danger-zone" role="alertdialog" aria-label="Confirm revoking" data-testid="revoke-confirm">
            <p>"Revoke lease " <code>{id.clone()}</code> "? " {vanish}</p>
            <ul>{keys}</ul>
            {more}
            {hidden.map(|hidden| view! { <p><strong>{hidden}</strong></p> })}
            <ServerForm action=revoke read=crate::read_form!(RevokeLease { id })>
                <input type="hidden" name="id" value=id />
                <button type="submit" class="danger" disabled=move || revoke.pending().get()>
                    "Revoke lease"
                </button>
            </ServerForm>
            <a href=leases_url()>"Cancel"</a>
        </section>
    }
}

lazy_page!(
    /// The leases page.
    LeasesRoute => view! { <LeasesPage /> }.into_any()
);
