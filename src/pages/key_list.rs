//! The key list at `/`: the keys under a prefix, as one flat page or as a level of the key tree
//! (`view=tree`), and the form for a new key.

use crate::components::{
    page_data, use_notice, ActionError, EtcdEpoch, KeyPreview, KeyTable, Loaded, NewKeyForm,
    NoticeBar, PageView, Reread, TreeTable, OPEN,
};
use crate::domain::{
    paging::prefix_crumbs,
    search::{SearchMode, SearchRequest},
    tree::{LevelRequest, TreeLevel},
    Key, KeyListing, PageRequest,
};
use crate::server_fns::{get_level, list_keys, CreateKey};
use crate::urls::{
    query_param,
    routes::{access_who_url, level_url, list_url, search_url, KEYS},
    with_param,
};
use leptos::{either::Either, ev::SubmitEvent, html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};
use serde::{Deserialize, Serialize};

/// What the list page shows.
#[derive(Debug, Clone, PartialEq)]
enum Listing {
    Flat(PageRequest),
    Tree(LevelRequest),
}

impl Listing {
    fn from_query(search: &str) -> Listing {
        match query_param(search, "view").as_deref() {
            Some(b"tree") => Listing::Tree(LevelRequest::from_query(search)),
            _ => Listing::Flat(PageRequest::from_query(search)),
        }
    }

    fn prefix(&self) -> Key {
        match self {
            Listing::Flat(page) => page.prefix.clone(),
            Listing::Tree(level) => level.prefix.clone(),
        }
    }

    fn is_tree(&self) -> bool {
        matches!(self, Listing::Tree(_))
    }

    /// The first page of `prefix` in this view.
    fn url_for(&self, prefix: &Key) -> String {
        match self {
            Listing::Flat(_) => list_url(&PageRequest::new(prefix.clone(), None, None)),
            Listing::Tree(level) => level_url(&LevelRequest::new(
                prefix.clone(),
                level.delimiter.clone(),
                None,
                None,
            )),
        }
    }
}

/// What the list page loaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Shown {
    Flat(KeyListing),
    Tree(TreeLevel),
}

/// Lists keys under the `prefix` in the URL query, `limit` at a time, after the cursor `after`;
/// as a level of the key tree with `view=tree`.
#[component]
pub fn KeyListPage() -> impl IntoView {
    let location = use_location();
    // While navigating away, the location already names the next page: keep the last request.
    let request = Memo::new(move |last: Option<&Listing>| match last {
        Some(last) if location.pathname.with(|path| path != KEYS) => last.clone(),
        _ => location.search.with(|search| Listing::from_query(search)),
    });
    let create = ServerAction::<CreateKey>::new();
    // "Read it again": the listing a URL names, now; at the page's own URL, nothing would move.
    let reread = RwSignal::new(0u32);
    let navigate = use_navigate();
    provide_context(Reread(Callback::new(move |url: String| {
        let query = url.split_once('?').map_or("", |(_, query)| query);
        if Listing::from_query(query) == request.get_untracked() {
            reread.update(|times| *times += 1);
        } else {
            navigate(&url, Default::default());
        }
    })));
    let shown = page_data(
        move || {
            let version = (create.version().get(), reread.get());
            (request.get(), version, EtcdEpoch::track())
        },
        |(request, _, _)| async move {
            match request {
                Listing::Flat(page) => list_keys(page).await.map(Shown::Flat),
                Listing::Tree(level) => get_level(level).await.map(Shown::Tree),
            }
        },
    );
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let prefix = Signal::derive(move || request.get().prefix());
    let listing = Signal::derive(move || request.get());
    // `?open=<key>`: that key beside the list, which stays as it is.
    let open = Memo::new(move |_| {
        location.search.with(|search| {
            query_param(search, OPEN)
                .map(Key::new)
                .filter(|_| location.pathname.with(|path| path == KEYS))
        })
    });
    let preview = move || {
        open.get().map(|key| {
            let close = location
                .search
                .with(|search| format!("{KEYS}{}", with_param(search, OPEN, None, &[])));
            view! { <KeyPreview key close /> }
        })
    };

    PageView(view! {
        <Title text="Keys" />
        <h1>"Keys"</h1>
        <PrefixForm listing />
        <nav class="crumbs" aria-label="Prefix">
            <a href=move || listing.get().url_for(&Key::default())>"All keys"</a>
            {move || {
                let listing = listing.get();
                prefix_crumbs(&listing.prefix())
                    .into_iter()
                    .map(|(label, prefix)| view! { <a href=listing.url_for(&prefix)>{label}</a> })
                    .collect_view()
            }}
        </nav>
        <ViewSwitch listing />
        <NoticeBar notice=use_notice(error) />
        <ActionError error />
        <NewKeyForm action=create prefix />
        <div class="list-detail" class:with-preview=move || open.get().is_some()>
            <div class="list-main">
                <Loaded
                    resource=shown
                    loading="Loading keys…"
                    show=|shown| match shown {
                        Shown::Flat(listing) => Either::Left(view! { <KeyTable listing /> }),
                        Shown::Tree(level) => Either::Right(view! { <TreeTable level /> }),
                    }
                />
            </div>
            {preview}
        </div>
    })
}

/// Lists another prefix, or searches under it: a plain GET form, which the hydrated page turns
/// into a navigation without a reload.
#[component]
fn PrefixForm(listing: Signal<Listing>) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let navigate = use_navigate();
    let list = move |event: SubmitEvent| {
        if let Some(input) = input.get() {
            event.prevent_default();
            let prefix = Key::from(input.value().as_str());
            navigate(
                &listing.get_untracked().url_for(&prefix),
                Default::default(),
            );
        }
    };
    let prefix = move || listing.get().prefix();
    let tree = move || match listing.get() {
        Listing::Tree(level) => Some(level.delimiter.display()),
        Listing::Flat(_) => None,
    };
    let search = move || {
        search_url(&SearchRequest::new(
            prefix(),
            String::new(),
            SearchMode::Substring,
        ))
    };
    let who_may = move || access_who_url("write", &prefix());
    view! {
        <form method="GET" action=KEYS class="prefix-form" on:submit=list>
            <label>
                "Prefix"
                <input
                    type="search"
                    name="prefix"
                    placeholder="all keys"
                    node_ref=input
                    value=move || prefix().display()
                />
            </label>
            // Without JavaScript, the form lists the prefix in the same view.
            <input type="hidden" name="view" value="tree" disabled=move || tree().is_none() />
            <input
                type="hidden"
                name="delimiter"
                value=move || tree().unwrap_or_default()
                disabled=move || tree().is_none()
            />
            <button type="submit">"List"</button>
            <a class="button-link" href=search data-testid="search-link">
                "Search…"
            </a>
            <a class="button-link" href=who_may data-testid="who-may-link">
                "Who may write here?"
            </a>
        </form>
    }
}

/// Links between the flat list and the tree of the same prefix, and the tree's delimiter.
#[component]
fn ViewSwitch(listing: Signal<Listing>) -> impl IntoView {
    move || {
        let listing = listing.get();
        let prefix = listing.prefix();
        let flat = list_url(&PageRequest::new(prefix.clone(), None, None));
        let delimiter = match &listing {
            Listing::Tree(level) => level.delimiter.clone(),
            Listing::Flat(_) => Key::from("/"),
        };
        let tree = level_url(&LevelRequest::new(
            prefix.clone(),
            delimiter.clone(),
            None,
            None,
        ));
        let is_tree = listing.is_tree();
        view! {
            <div class="view-switch">
                <a href=flat aria-current=(!is_tree).then_some("page") data-testid="view-flat">
                    "Flat list"
                </a>
                <a href=tree aria-current=is_tree.then_some("page") data-testid="view-tree">
                    "Tree"
                </a>
                {is_tree
                    .then(|| {
                        view! {
                            <form method="GET" action=KEYS class="delimiter-form">
                                <input type="hidden" name="view" value="tree" />
                                <input type="hidden" name="prefix" value=prefix.display() />
                                <label>
                                    "Split on "
                                    <input
                                        name="delimiter"
                                        size="3"
                                        required
                                        value=delimiter.display()
                                        data-testid="delimiter"
                                    />
                                </label>
                                <button type="submit">"Split"</button>
                            </form>
                        }
                    })}
            </div>
        }
    }
}
