//! The key list at `/`: the keys under a prefix, as one flat page or as a level of the key tree
//! (`view=tree`), and the form for a new key.

use crate::components::{
    page_data, use_notice, ActionError, EtcdEpoch, KeyTable, Loaded, NewKeyForm, NoticeBar,
    PageView, TreeTable,
};
use crate::domain::{
    paging::{prefix_crumbs, query_param},
    routes::{level_url, list_url, search_url, KEYS},
    search::{SearchMode, SearchRequest},
    tree::LevelRequest,
    Key, PageRequest,
};
use crate::server_fns::{get_level, list_keys, CreateKey};
use leptos::{either::Either, ev::SubmitEvent, html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};

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
    let flat = page_data(
        move || {
            let page = match request.get() {
                Listing::Flat(page) => Some(page),
                Listing::Tree(_) => None,
            };
            (page, create.version().get(), EtcdEpoch::track())
        },
        |(page, _, _)| async move {
            match page {
                Some(page) => list_keys(page).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let tree = page_data(
        move || {
            let level = match request.get() {
                Listing::Tree(level) => Some(level),
                Listing::Flat(_) => None,
            };
            (level, create.version().get(), EtcdEpoch::track())
        },
        |(level, _, _)| async move {
            match level {
                Some(level) => get_level(level).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let prefix = Signal::derive(move || request.get().prefix());
    let listing = Signal::derive(move || request.get());

    PageView(view! {
        <Title text="Keys" />
        <h1>"Keys"</h1>
        <PrefixForm prefix tree=Signal::derive(move || request.get().is_tree()) />
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
        <div class="list-layout">
            <div class="list-main">
                {move || {
                    if request.get().is_tree() {
                        Either::Left(
                            view! {
                                <Loaded
                                    resource=tree
                                    loading="Loading the level…"
                                    show=|level| level.map(|level| view! { <TreeTable level /> })
                                />
                            },
                        )
                    } else {
                        Either::Right(
                            view! {
                                <Loaded
                                    resource=flat
                                    loading="Loading keys…"
                                    show=|listing| {
                                        listing.map(|listing| view! { <KeyTable listing /> })
                                    }
                                />
                            },
                        )
                    }
                }}
            </div>
            <aside>
                <NewKeyForm action=create prefix />
            </aside>
        </div>
    })
}

/// Lists another prefix, or searches under it: a plain GET form, which the hydrated page turns
/// into a navigation without a reload.
#[component]
fn PrefixForm(prefix: Signal<Key>, tree: Signal<bool>) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let navigate = use_navigate();
    let list = move |event: SubmitEvent| {
        if let Some(input) = input.get() {
            event.prevent_default();
            let prefix = Key::from(input.value().as_str());
            let url = if tree.get_untracked() {
                level_url(&LevelRequest::new(prefix, Key::from("/"), None, None))
            } else {
                list_url(&PageRequest::new(prefix, None, None))
            };
            navigate(&url, Default::default());
        }
    };
    let search = move || {
        search_url(&SearchRequest::new(
            prefix.get(),
            String::new(),
            SearchMode::Substring,
        ))
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
            <input type="hidden" name="view" value="tree" disabled=move || !tree.get() />
            <button type="submit">"List"</button>
            <a class="button-link" href=search data-testid="search-link">
                "Search…"
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
