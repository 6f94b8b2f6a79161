//! The key list at `/`: one page of the keys under a prefix, and the form for a new key.

use crate::components::{
    page_data, use_notice, ActionError, EtcdEpoch, KeyTable, Loaded, NewKeyForm, NoticeBar,
    PageView,
};
use crate::domain::{
    paging::prefix_crumbs,
    routes::{prefix_url, KEYS},
    Key, PageRequest,
};
use crate::server_fns::{list_keys, CreateKey};
use leptos::{ev::SubmitEvent, html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};

/// Lists keys under the `prefix` in the URL query, `limit` at a time, after the cursor `after`.
#[component]
pub fn KeyListPage() -> impl IntoView {
    let location = use_location();
    // While navigating away, the location already names the next page: keep the last request.
    let request = Memo::new(move |last: Option<&PageRequest>| match last {
        Some(last) if location.pathname.with(|path| path != KEYS) => last.clone(),
        _ => location
            .search
            .with(|search| PageRequest::from_query(search)),
    });
    let create = ServerAction::<CreateKey>::new();
    let listing = page_data(
        move || (request.get(), create.version().get(), EtcdEpoch::track()),
        |(request, _, _)| {
            list_keys(
                request.prefix,
                request.after,
                Some(request.limit),
                request.revision,
            )
        },
    );
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let prefix = Signal::derive(move || request.get().prefix);

    PageView(view! {
        <Title text="Keys" />
        <h1>"Keys"</h1>
        <PrefixForm prefix />
        <PrefixCrumbs prefix />
        <NoticeBar notice=use_notice(error) />
        <ActionError error />
        <div class="list-layout">
            <div class="list-main">
                <Loaded
                    resource=listing
                    loading="Loading keys…"
                    show=|listing| view! { <KeyTable listing /> }
                />
            </div>
            <aside>
                <NewKeyForm action=create prefix />
            </aside>
        </div>
    })
}

/// Lists another prefix: a plain GET form, which the hydrated page turns into a navigation
/// without a reload.
#[component]
fn PrefixForm(prefix: Signal<Key>) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let navigate = use_navigate();
    let list = move |event: SubmitEvent| {
        if let Some(input) = input.get() {
            event.prevent_default();
            navigate(
                &prefix_url(&Key::from(input.value().as_str())),
                Default::default(),
            );
        }
    };
    view! {
        <form method="GET" action=KEYS class="prefix-form" on:submit=list>
            <label>
                "Prefix"
                <input
                    type="search"
                    name="prefix"
                    placeholder="all keys"
                    node_ref=input
                    value=move || prefix.get().display()
                />
            </label>
            <button type="submit">"List"</button>
        </form>
    }
}

/// The prefix being listed, each `/`-separated part a link to the listing of its own prefix.
#[component]
fn PrefixCrumbs(prefix: Signal<Key>) -> impl IntoView {
    let crumb = |label: String, href: String| view! { <a href=href>{label}</a> };
    view! {
        <nav class="crumbs" aria-label="Prefix">
            {crumb("All keys".into(), KEYS.into())}
            {move || {
                prefix_crumbs(&prefix.get())
                    .into_iter()
                    .map(|(label, prefix)| crumb(label, prefix_url(&prefix)))
                    .collect_view()
            }}
        </nav>
    }
}
