//! The page of one key at `/key/<percent-encoded key>`: its value and metadata, the edit form and
//! deletion with a confirmation step.

use crate::components::{ActionError, ErrorPanel, EtcdEpoch, NoticeBar, ValueEditor, ValuePanel};
use crate::domain::{
    notice::Notice, paging::list_url, paging::query_param, paging::DEFAULT_PAGE_SIZE, Key,
    KeyDetail,
};
use crate::error::AppError;
use crate::server_fns::{get_key, DeleteKey, SaveValue};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// Shows one key. A key that does not exist answers 404.
#[component]
pub fn KeyPage() -> impl IntoView {
    let location = use_location();
    // While navigating away, the location already names the next page: keep the last key.
    let key = Memo::new(move |last: Option<&Key>| {
        location
            .pathname
            .with(|path| match path.strip_prefix("/key/") {
                Some(segment) => Key::from_segment(segment),
                None => last.cloned().unwrap_or_default(),
            })
    });
    let search = location.search;
    let confirming = Memo::new(move |_| {
        search.with(|search| query_param(search, "confirm").as_deref() == Some(b"delete"))
    });
    let save = ServerAction::<SaveValue>::new();
    let delete = ServerAction::<DeleteKey>::new();
    let detail = Resource::new(
        move || (key.get(), save.version().get(), EtcdEpoch::track()),
        |(key, _, _)| get_key(key),
    );
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    let notice = Signal::derive(move || {
        error
            .with(Option::is_none)
            .then(|| search.with(|search| Notice::from_query(search)))
            .flatten()
    });

    view! {
        <Title text=move || key.get().display() />
        <nav class="crumbs">
            <a href=move || list_url(&key.get().parent_prefix(), None, DEFAULT_PAGE_SIZE)>
                "« Keys under " {move || display_prefix(&key.get().parent_prefix())}
            </a>
        </nav>
        <h1 class="key-name" data-testid="key-name">
            {move || key.get().display()}
        </h1>
        <NoticeBar notice />
        <ActionError error />
        <Transition fallback=|| view! { <p class="loading">"Loading key…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <KeyDetails detail save delete confirming /> }.into_any(),
                    Err(error @ AppError::NotFound { .. }) => view! { <MissingKey error /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Metadata, value, edit form and delete control of a key that exists.
#[component]
fn KeyDetails(
    detail: KeyDetail,
    save: ServerAction<SaveValue>,
    delete: ServerAction<DeleteKey>,
    confirming: Memo<bool>,
) -> impl IntoView {
    let summary = detail.summary.clone();
    let lease = if summary.lease == 0 {
        "none".to_string()
    } else {
        format!("{:x}", summary.lease)
    };
    let key = summary.key.clone();
    view! {
        <dl class="meta" data-testid="key-meta">
            <dt>"Version"</dt>
            <dd>{summary.version}</dd>
            <dt>"Created at revision"</dt>
            <dd>{summary.create_revision}</dd>
            <dt>"Modified at revision"</dt>
            <dd>{summary.mod_revision}</dd>
            <dt>"Lease"</dt>
            <dd>{lease}</dd>
            <dt>"Read at revision"</dt>
            <dd>{detail.revision}</dd>
            <dt>"Answered by"</dt>
            <dd>{format!("member {} at {}", detail.source.member_id, detail.source.endpoint)}</dd>
        </dl>
        <ValuePanel value=detail.value.view() />
        <ValueEditor detail action=save />
        <DeleteKeyControl key delete confirming />
    }
}

/// Deleting takes two steps: a "Delete…" link, then a confirmation form (works without JavaScript).
#[component]
fn DeleteKeyControl(
    key: Key,
    delete: ServerAction<DeleteKey>,
    confirming: Memo<bool>,
) -> impl IntoView {
    let page = key.page_url();
    let segment = key.to_segment();
    let name = key.display();
    let ask = format!("{page}?confirm=delete");
    view! {
        <section class="panel danger-zone">
            <h2>"Delete"</h2>
            {move || {
                if !confirming.get() {
                    return view! { <a class="button danger" href=ask.clone()>"Delete…"</a> }
                        .into_any();
                }
                let segment = segment.clone();
                view! {
                    <div role="alertdialog" aria-label="Confirm deletion" class="confirm">
                        <p>"Delete the key " <code>{name.clone()}</code> "? This cannot be undone."</p>
                        <ActionForm action=delete>
                            <input type="hidden" name="key" value=segment />
                            <button type="submit" class="danger" disabled=move || delete.pending().get()>
                                "Delete permanently"
                            </button>
                        </ActionForm>
                        <a href=page.clone()>"Cancel"</a>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

/// The key does not exist (any more): say so, and offer a way back.
#[component]
fn MissingKey(error: AppError) -> impl IntoView {
    view! {
        <ErrorPanel error />
        <p>"It may have been deleted, or it expired with its lease."</p>
    }
}

fn display_prefix(prefix: &Key) -> String {
    if prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        prefix.display()
    }
}
