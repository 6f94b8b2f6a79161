//! The key list at `/`: one page of the keys under a prefix, and the form for a new key.

use crate::components::{ActionError, ErrorPanel, EtcdEpoch, KeyTable, NewKeyForm, NoticeBar};
use crate::domain::{
    notice::Notice,
    paging::{list_url, prefix_crumbs, DEFAULT_PAGE_SIZE},
    Key, PageRequest,
};
use crate::server_fns::{list_keys, CreateKey};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_location};

/// Lists keys under the `prefix` in the URL query, `limit` at a time, after the cursor `after`.
#[component]
pub fn KeyListPage() -> impl IntoView {
    let location = use_location();
    let search = location.search;
    // While navigating away, the location already names the next page: keep the last request.
    let request = Memo::new(move |last: Option<&PageRequest>| match last {
        Some(last) if location.pathname.with(|path| path != "/") => last.clone(),
        _ => search.with(|search| PageRequest::from_query(search)),
    });
    let create = ServerAction::<CreateKey>::new();
    let listing = Resource::new(
        move || (request.get(), create.version().get(), EtcdEpoch::track()),
        |(request, _, _)| list_keys(request.prefix, request.after, Some(request.limit)),
    );
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let notice = Signal::derive(move || {
        error
            .with(Option::is_none)
            .then(|| search.with(|search| Notice::from_query(search)))
            .flatten()
    });
    let prefix = Signal::derive(move || request.get().prefix);

    view! {
        <Title text="Keys" />
        <h1>"Keys"</h1>
        <Form method="GET" action="/" attr:class="prefix-form">
            <label>
                "Prefix"
                <input
                    type="search"
                    name="prefix"
                    placeholder="all keys"
                    value=move || prefix.get().display()
                />
            </label>
            <button type="submit">"List"</button>
        </Form>
        <PrefixCrumbs prefix />
        <NoticeBar notice />
        <ActionError error />
        <div class="list-layout">
            <div>
                <Transition fallback=|| view! { <p class="loading">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) => view! { <KeyTable listing /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
                </Transition>
            </div>
            <aside>
                <NewKeyForm action=create prefix />
            </aside>
        </div>
    }
}

/// The prefix being listed, each `/`-separated part a link to the listing of its own prefix.
#[component]
fn PrefixCrumbs(prefix: Signal<Key>) -> impl IntoView {
    let crumb = |label: String, href: String| view! { <a href=href>{label}</a> };
    view! {
        <nav class="crumbs" aria-label="Prefix">
            {crumb("All keys".into(), "/".into())}
            {move || {
                prefix_crumbs(&prefix.get())
                    .into_iter()
                    .map(|(label, prefix)| crumb(label, list_url(&prefix, None, DEFAULT_PAGE_SIZE)))
                    .collect_view()
            }}
        </nav>
    }
}
