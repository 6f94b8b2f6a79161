//! One page of keys as a table, with the links to move between pages.

use super::changes_since::{changes_since, row_mark};
use super::key_preview::preview_url;
use super::lease_clock::{lease_left, LeaseClock};
use crate::domain::words::count;
use crate::domain::{
    key::wrap_points, limits::human_bytes, paging::SortOrder, Key, KeyListing, KeySummary,
    PageRequest,
};
use crate::urls::routes::{key_url, list_url, BULK_SEGMENT, KEYS};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

/// The form the rows' boxes belong to.
const PICK_FORM: &str = "pick";

/// The keys of a listing, each linking to its page, and the pager below them.
#[component]
pub fn KeyTable(listing: KeyListing) -> impl IntoView {
    let summary = listing_summary(&listing);
    let listing_total = listing.total;
    let KeyListing {
        request,
        keys,
        next,
        source,
        revision,
        compacted,
        ..
    } = listing;
    let first_page = (listing.offset > 0).then(|| list_url(&request.first()));
    let previous_page = (listing.offset > 0).then(|| match keys.first() {
        Some(first) => list_url(&request.previous(&first.key, revision)),
        None => list_url(&request.first()),
    });
    let next_page = next.map(|cursor| list_url(&request.next(&cursor, revision)));
    let order = sort_note(request.sort);
    // Which rows are picked: the page counts them and picks or unpicks them all at once.
    let picks: Vec<RwSignal<bool>> = keys.iter().map(|_| RwSignal::new(false)).collect();
    let picked = {
        let picks = picks.clone();
        Signal::derive(move || picks.iter().filter(|pick| pick.get()).count())
    };
    let here = use_location().search.get_untracked();
    let rows = keys
        .into_iter()
        .zip(picks.iter().copied())
        .map(|(key, pick)| {
            let preview = preview_url(&here, &key.key);
            key_row(key, pick, preview)
        })
        .collect_view();
    let header = |label: &'static str, order: SortOrder| {
        let href = list_url(&PageRequest {
            sort: order,
            ..request.clone()
        });
        sort_header(label, order, request.sort, href)
    };
    let rows_here = picks.len();
    let pick_all = {
        let picks = picks.clone();
        move |on: bool| picks.iter().for_each(|pick| pick.set(on))
    };
    let all_picked = move || rows_here != 0 && picked.get() == rows_here;
    let some_picked = move || !matches!(picked.get(), 0) && picked.get() != rows_here;
    let key_header = view! {
        <th class="pick-all">
            <input
                type="checkbox"
                class="pick"
                aria-label="Pick every key on this page"
                data-testid="pick-all"
                disabled=rows_here == 0
                prop:checked=all_picked
                prop:indeterminate=some_picked
                on:change=move |event| pick_all(event_target_checked(&event))
            />
        </th>
    };

    let stale = source.stale.then(|| {
        view! {
            <p class="banner banner-warn" role="status" data-testid="stale">
                "Possibly stale: etcd has no quorum, so this page was read from one member ("
                {source.endpoint.clone()}
                ") without checking with a leader. Keys written since it lost contact may be missing."
            </p>
        }
    });
    let first = list_url(&request.first());
    let changes = changes_since(request.prefix.clone(), None, revision, first);
    let total = listing_total;
    view! {
        {stale}
        {compacted_banner("listing", compacted, revision)}
        {changes}
        <div class="listing-head">
            <p class="summary" data-testid="key-count">
                {summary}
                {order}
            </p>
            // The boxes of the rows belong to this form: it opens the bulk page with the keys
            // picked (a plain GET, so it works before the wasm).
            <form id=PICK_FORM method="get" action=format!("/{BULK_SEGMENT}") class="pick">
                <input type="hidden" name="prefix" value=request.prefix.to_segment() />
                <input type="hidden" name="revision" value=revision />
                <button type="submit" data-testid="act-on-picked">
                    {move || match picked.get() {
                        0 => "Act on the picked keys…".to_string(),
                        n => format!("Act on the {}…", count(n as u64, "picked key", "picked keys")),
                    }}
                </button>
                " "
                <button type="submit" name="all" value="1" data-testid="act-on-all">
                    {format!("All {total} keys here…")}
                </button>
            </form>
        </div>
        <table class="keys" data-testid="key-list">
            <thead>
                <tr>
                    {key_header}
                    {header("Key", SortOrder::Key)}
                    {header("Version", SortOrder::Version)}
                    {header("Mod revision", SortOrder::Modified)}
                    <th class="num lease">"Lease"</th>
                    {header("Size", SortOrder::Size)}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <div class="pager-bar">
            {pager(first_page, previous_page, next_page)}
            <PageSize request=request.clone() />
        </div>
        <LeaseClock />
    }
}

/// Page sizes offered; another one asked for in the URL is offered too.
const PAGE_SIZES: [u32; 5] = [25, 50, 100, 250, 1000];

/// How many keys a page shows: a GET form (so it works before the wasm) whose choice applies at
/// once with JavaScript.
#[component]
fn PageSize(request: PageRequest) -> impl IntoView {
    let navigate = use_navigate();
    let current = request.limit;
    let mut sizes = PAGE_SIZES.to_vec();
    if !sizes.contains(&current) {
        sizes.push(current);
        sizes.sort_unstable();
    }
    let hidden = |name: &'static str, value: Option<String>| {
        value.map(|value| view! { <input type="hidden" name=name value=value /> })
    };
    // Another page size starts the listing again, from its first page.
    let apply = {
        let request = request.clone();
        move |event: leptos::ev::Event| {
            if let Ok(limit) = event_target_value(&event).parse() {
                navigate(
                    &list_url(&request.first().with_limit(limit)),
                    Default::default(),
                );
            }
        }
    };
    let sort = (request.sort != SortOrder::Key).then(|| request.sort.as_str().to_string());
    view! {
        <form method="GET" action=KEYS class="page-size" data-testid="page-size">
            {hidden("prefix", Some(request.prefix.display()).filter(|p| !p.is_empty()))}
            {hidden("sort", sort)}
            <label>
                "Keys a page "
                <select name="limit" on:change=apply>
                    {sizes
                        .into_iter()
                        .map(|size| {
                            view! {
                                <option value=size selected=size == current>
                                    {size}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            // Once the page is hydrated, the choice applies at once and the style hides this.
            <button type="submit">"Show"</button>
        </form>
    }
}

/// The banner of a paged listing (`what`) that was read at a revision etcd has compacted since
/// (`old`): it started again at `revision`.
pub fn compacted_banner(what: &'static str, old: Option<i64>, revision: i64) -> impl IntoView {
    old.map(|old| {
        view! {
            <p class="banner banner-warn" role="status" data-testid="compacted">
                {format!(
                    "This {what} was read at revision {old}, which etcd has compacted since; \
                     it starts again here, at revision {revision}."
                )}
            </p>
        }
    })
}

/// The links to a paged listing's first, previous and next pages, where there are such pages.
pub fn pager(
    first: Option<String>,
    previous: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <a href=href>"« First page"</a> })}
            {previous.map(|href| view! { <a href=href rel="prev">"‹ Previous page"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next page »"</a> })}
        </nav>
    }
}

/// What a sort other than key order covers, in words: the rows of this page only.
pub fn sort_note(order: SortOrder) -> Option<String> {
    (order != SortOrder::Key).then(|| {
        format!(
            " Sorted by {} within this page; pages follow each other in key order.",
            order.describe()
        )
    })
}

/// A column header that sorts the rows by `order` (a link to `href`, so it works without
/// JavaScript); `current` is the order shown.
pub fn sort_header(
    label: &'static str,
    order: SortOrder,
    current: SortOrder,
    href: String,
) -> impl IntoView {
    let active = current == order;
    // Key order goes up; every other order puts the most first.
    let (class, direction, arrow) = match order {
        SortOrder::Key => ("", "ascending", " ▴"),
        _ => ("num", "descending", " ▾"),
    };
    view! {
        <th class=class aria-sort=active.then_some(direction)>
            <a href=href data-sort=order.as_str()>
                {label}
                {active.then_some(arrow)}
            </a>
        </th>
    }
}

/// One key: its name linking to its page, version, mod revision, lease (counting down) and value
/// size.
fn key_row(summary: KeySummary, pick: RwSignal<bool>, preview: String) -> impl IntoView {
    let lease = (summary.lease != 0).then(|| lease_left(summary.lease, summary.lease_left));
    let size = summary.value_size.map(human_bytes);
    view! {
        <tr data-key=row_mark(&summary.key)>
            <td class="pick-cell">
                <input
                    type="checkbox"
                    name="key"
                    value=summary.key.to_segment()
                    form=PICK_FORM
                    class="pick"
                    aria-label=format!("Pick {}", summary.key.display())
                    data-testid="pick"
                    prop:checked=move || pick.get()
                    on:change=move |event| pick.set(event_target_checked(&event))
                />
            </td>
            <td class="key">
                <a href=key_url(&summary.key) data-row="">
                    <KeyName key=summary.key.clone() />
                </a>
                {preview_link(&summary.key, preview)}
            </td>
            <td class="num" data-column="version">{summary.version}</td>
            <td class="num" data-column="modified">{summary.mod_revision}</td>
            <td class="num lease">{lease}</td>
            <td class="num" data-column="size">{size}</td>
        </tr>
    }
}

/// The link that shows a key beside the list, without leaving it.
pub fn preview_link(key: &Key, href: String) -> impl IntoView {
    view! {
        <a
            href=href
            class="preview-link"
            aria-label=format!("Preview {}", key.display())
            data-testid="preview-link"
        ></a>
    }
}

/// A key's name that wraps at its separators on narrow screens.
#[component]
pub fn KeyName(key: Key) -> impl IntoView {
    let text = key.display();
    wrap_points(&text)
        .into_iter()
        .map(|part| view! { {part.to_string()} <wbr /> })
        .collect_view()
}

/// The listing in one sentence: which keys of how many, under what, at which revision.
fn listing_summary(listing: &KeyListing) -> String {
    let (total, revision) = (listing.total, listing.revision);
    let under = if listing.request.prefix.is_empty() {
        "in the whole keyspace".to_string()
    } else {
        format!("under {}", listing.request.prefix.display())
    };
    if listing.keys.is_empty() {
        return format!("No keys on this page; {total} {under}, at revision {revision}.");
    }
    let first = listing.offset + 1;
    let last = listing.offset + listing.keys.len() as i64;
    format!("Keys {first}–{last} of {total} {under}, at revision {revision}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cluster;

    fn listing(prefix: &str, keys: usize, offset: i64) -> KeyListing {
        let summary = |i: usize| KeySummary::written_once(&format!("{prefix}{i}"));
        KeyListing {
            request: PageRequest::new(Key::from(prefix), None, None),
            keys: (0..keys).map(summary).collect(),
            total: 250,
            offset,
            next: None,
            revision: 7,
            source: cluster::ReadSource {
                endpoint: String::new(),
                member_id: String::new(),
                stale: false,
            },
            compacted: None,
        }
    }

    #[test]
    fn a_listing_says_which_keys_of_how_many() {
        assert_eq!(
            listing_summary(&listing("app/", 100, 100)),
            "Keys 101–200 of 250 under app/, at revision 7."
        );
        assert_eq!(
            listing_summary(&listing("", 0, 250)),
            "No keys on this page; 250 in the whole keyspace, at revision 7."
        );
    }
}
