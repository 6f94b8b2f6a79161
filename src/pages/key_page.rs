//! The page of one key at `/key/<percent-encoded key>`: its value and metadata, the edit form and
//! deletion with a confirmation step.

use crate::components::{
    lease_left, page_data, use_notice, ActionError, ChangedMeanwhile, ConflictView, EditStart,
    ErrorPanel, EtcdEpoch, KeyHistoryPanel, KeyLocationPanel, KeyTools, LeaseClock, Loaded,
    NoticeBar, PageView, PastVersionPanel, ServerForm, ValueEditor, ValueViews, NOT_TEXT,
};
use crate::domain::{edit::DraftView, format::ShownKey, AppError, Key, KeySummary};
use crate::server_fns::{get_draft, get_key, DeleteKey, RestoreVersion, SaveValue, SetKeyLease};
use crate::urls::{
    query_param,
    routes::{
        draft_url, key_from_path, key_history_url, key_locate_url, key_url, leases_url, prefix_url,
    },
};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_location, use_navigate},
    NavigateOptions,
};
use serde::{Deserialize, Serialize};

/// What the key's page shows: the key, and the draft a failed save kept, when the address
/// names one (`?draft=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeyPageData {
    shown: ShownKey,
    draft: Option<Result<DraftView, AppError>>,
}

/// Shows one key. A key that does not exist answers 404.
#[component]
fn KeyPage() -> impl IntoView {
    let location = use_location();
    // While navigating away, the location already names the next page: keep the last key.
    let key = Memo::new(move |last: Option<&Key>| {
        location
            .pathname
            .with(|path| key_from_path(path).unwrap_or_else(|| last.cloned().unwrap_or_default()))
    });
    let confirming = Memo::new(move |_| {
        location
            .search
            .with(|search| query_param(search, "confirm").as_deref() == Some(b"delete"))
    });
    // The history is read (a replay of the key's past by etcd) only when asked for: with
    // `?history`, or `?revision=R`, the key as it was then beside the value now.
    let history = Memo::new(move |_| {
        location.search.with(|search| {
            query_param(search, "history").is_some() || query_param(search, "revision").is_some()
        })
    });
    // `?locate`: which members have applied its latest write.
    let locate = Memo::new(move |_| {
        location
            .search
            .with(|search| query_param(search, "locate").is_some())
    });
    // `?revision=R`: the key as it was then, beside the value now.
    let past = Memo::new(move |_| {
        location.search.with(|search| {
            let revision = query_param(search, "revision")?;
            String::from_utf8(revision).ok()?.parse::<i64>().ok()
        })
    });
    // `?draft=<id>`: what a failed save kept, in the editor again or beside what is there now.
    let draft = Memo::new(move |_| {
        location
            .search
            .with(|search| query_param(search, "draft").and_then(|id| String::from_utf8(id).ok()))
    });
    let save = ServerAction::<SaveValue>::new();
    // The draft id the browser drew for its last save: a failed save goes on to that draft.
    let drafted = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Err(_)) = save.value().get() {
            if let Some(id) = drafted.get_untracked() {
                navigate(
                    &draft_url(&key.get_untracked(), &id),
                    NavigateOptions::default(),
                );
            }
        }
    });
    let delete = ServerAction::<DeleteKey>::new();
    let restore = ServerAction::<RestoreVersion>::new();
    let lease = ServerAction::<SetKeyLease>::new();
    let writes = Signal::derive(move || {
        save.version().get() + restore.version().get() + lease.version().get()
    });
    let detail = page_data(
        move || (key.get(), draft.get(), writes.get(), EtcdEpoch::track()),
        |(key, draft, _, _)| async move {
            let shown = get_key(key.clone()).await?;
            let draft = match draft {
                Some(id) => Some(get_draft(key, id).await),
                None => None,
            };
            Ok(KeyPageData { shown, draft })
        },
    );
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
            .or_else(|| restore.value().get().and_then(Result::err))
            .or_else(|| lease.value().get().and_then(Result::err))
    });

    PageView(view! {
        // The title is a plain string, made anew when the key changes: a title that read the
        // key itself would be read again after the page is gone, while the response is written.
        {move || view! { <Title text=key.get().display() /> }}
        <nav class="crumbs">
            <a href=move || prefix_url(&key.get().parent_prefix())>
                "« Keys under " {move || display_prefix(&key.get().parent_prefix())}
            </a>
        </nav>
        <h1 class="key-name" data-testid="key-name">
            {move || key.get().display()}
        </h1>
        <NoticeBar notice=use_notice(error) />
        <ActionError error />
        {move || past.get().map(|revision| view! { <PastVersionPanel key revision restore /> })}
        <Loaded
            resource=detail
            loading="Loading key…"
            show=move |data| view! { <KeyDetails data save drafted lease delete confirming /> }
        />
        {move || {
            if history.get() {
                Either::Left(view! { <KeyHistoryPanel key reload=writes /> })
            } else {
                Either::Right(view! {
                    <p class="summary">
                        <a href=key_history_url(&key.get()) data-testid="show-history">
                            "Show the history"
                        </a>
                    </p>
                })
            }
        }}
        {move || {
            if locate.get() {
                Either::Left(view! { <KeyLocationPanel key /> })
            } else {
                Either::Right(view! {
                    <p class="summary">
                        <a href=key_locate_url(&key.get()) data-testid="show-where">
                            "Where is it? (which members have its latest write)"
                        </a>
                    </p>
                })
            }
        }}
    })
}

lazy_page!(
    /// The page of one key.
    KeyRoute => view! { <KeyPage /> }.into_any()
);

/// Metadata, value, edit form and delete control of a key that exists.
#[component]
fn KeyDetails(
    data: KeyPageData,
    save: ServerAction<SaveValue>,
    drafted: RwSignal<Option<String>>,
    lease: ServerAction<SetKeyLease>,
    delete: ServerAction<DeleteKey>,
    confirming: Memo<bool>,
) -> impl IntoView {
    let KeyPageData {
        shown: ShownKey { detail, shown },
        draft,
    } = data;
    let summary = detail.summary.clone();
    let key = summary.key.clone();
    let editor = |start, heading| {
        view! { <ValueEditor start action=save drafted heading submit="Save" /> }.into_any()
    };
    let editing = match draft {
        Some(Ok(draft)) if draft.conflicting() => {
            view! { <ConflictView key=key.clone() draft action=save drafted /> }.into_any()
        }
        Some(Ok(draft)) => {
            let start = EditStart::resumed(
                key.clone(),
                &draft.draft,
                draft.draft.text.clone(),
                draft.draft.base,
            );
            editor(start, "Edit (what you typed, not saved yet)")
        }
        Some(Err(error)) => view! {
            <ErrorPanel error />
            {editor(EditStart::of(&detail, &shown), "Edit")}
        }
        .into_any(),
        None => editor(EditStart::of(&detail, &shown), "Edit"),
    };
    let on_lease = if summary.lease == 0 {
        Either::Left("none")
    } else {
        Either::Right(view! {
            {lease_left(summary.lease, summary.lease_left)}
            <LeaseClock />
        })
    };
    view! {
        <ChangedMeanwhile
            key=key.clone()
            read_at=detail.revision
            mod_revision=summary.mod_revision
        />
        <dl class="meta" data-testid="key-meta">
            <dt>"Version"</dt>
            <dd>{summary.version}</dd>
            <dt>"Created at revision"</dt>
            <dd>{summary.create_revision}</dd>
            <dt>"Modified at revision"</dt>
            <dd>{summary.mod_revision}</dd>
            <dt>"Lease"</dt>
            <dd data-testid="key-lease">{on_lease}</dd>
            <dt>"Read at revision"</dt>
            <dd>{detail.revision}</dd>
            <dt>"Answered by"</dt>
            <dd>{format!("member {} at {}", detail.source.member_id, detail.source.endpoint)}</dd>
        </dl>
        <KeyTools
            key=key.clone()
            text=String::from_utf8(detail.value.as_bytes().to_vec()).map_err(|_| NOT_TEXT)
        />
        <ValueViews value=detail.value.clone() shown=shown.clone() />
        {editing}
        <LeaseControl summary action=lease />
        <DeleteKeyControl key delete confirming />
    }
}

/// Puts the key on a lease (one that exists, or a new one), or takes it off its lease. etcd
/// changes a key's lease only by writing it, so each is a compare-and-swap that writes the
/// value back: refused if someone changed the key since the page was read.
#[component]
fn LeaseControl(summary: KeySummary, action: ServerAction<SetKeyLease>) -> impl IntoView {
    let fields = || {
        view! {
            <input type="hidden" name="key" value=summary.key.to_segment() />
            <input type="hidden" name="expected_mod_revision" value=summary.mod_revision />
        }
    };
    let (attach_fields, grant_fields) = (fields(), fields());
    let pending = move || action.pending().get();
    let detach = (summary.lease != 0).then(|| {
        let fields = fields();
        view! {
            <ServerForm action read=crate::read_form!(SetKeyLease { key, lease, ttl, expected_mod_revision })>
                {fields}
                <input type="hidden" name="lease" value="" />
                <input type="hidden" name="ttl" value="" />
                <button type="submit" disabled=pending data-testid="lease-detach">
                    "Take it off its lease"
                </button>
                " The key will no longer expire."
            </ServerForm>
        }
    });
    view! {
        <section class="panel needs-write" data-testid="lease-control">
            <h2>"Lease"</h2>
            <p class="summary">
                "A key on a lease is deleted when the lease expires or is revoked. "
                <a href=leases_url()>"All leases"</a>
            </p>
            <ServerForm action read=crate::read_form!(SetKeyLease { key, lease, ttl, expected_mod_revision })>
                {attach_fields}
                <input type="hidden" name="ttl" value="" />
                <label>
                    "Attach to lease "
                    <input name="lease" required placeholder="694d7d3f0f9e8c0a" pattern="[0-9a-fA-F]{1,16}"
                        autocomplete="off" spellcheck="false" data-testid="lease-id" />
                </label>
                <button type="submit" disabled=pending>"Attach"</button>
            </ServerForm>
            <ServerForm action read=crate::read_form!(SetKeyLease { key, lease, ttl, expected_mod_revision })>
                {grant_fields}
                <input type="hidden" name="lease" value="" />
                <label>
                    "A new lease of "
                    <input type="number" name="ttl" min="1" value="60" required data-testid="lease-ttl" />
                    " seconds"
                </label>
                <button type="submit" disabled=pending>"Grant and attach"</button>
            </ServerForm>
            {detach}
        </section>
    }
}

/// Deleting takes two steps: a "Delete…" link, then a confirmation form (works without JavaScript).
#[component]
fn DeleteKeyControl(
    key: Key,
    delete: ServerAction<DeleteKey>,
    confirming: Memo<bool>,
) -> impl IntoView {
    let page = key_url(&key);
    let ask = format!("{page}?confirm=delete");
    let segment = key.to_segment();
    let name = key.display();
    view! {
        <section class="panel danger-zone needs-write">
            <h2>"Delete"</h2>
            {move || {
                if !confirming.get() {
                    return Either::Left(
                        view! { <a class="button danger" href=ask.clone()>"Delete…"</a> },
                    );
                }
                let segment = segment.clone();
                Either::Right(view! {
                    <div role="alertdialog" aria-label="Confirm deletion" class="confirm">
                        <p>
                            "Delete the key " <code>{name.clone()}</code>
                            "? History can bring it back until etcd compacts the revisions before the delete."
                        </p>
                        <ServerForm action=delete read=crate::read_form!(DeleteKey { key })>
                            <input type="hidden" name="key" value=segment />
                            <button type="submit" class="danger" disabled=move || delete.pending().get()>
                                "Delete the key"
                            </button>
                        </ServerForm>
                        <a href=page.clone()>"Cancel"</a>
                    </div>
                })
            }}
        </section>
    }
}

fn display_prefix(prefix: &Key) -> String {
    if prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        prefix.display()
    }
}
