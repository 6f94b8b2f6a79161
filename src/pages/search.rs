//! The search page at `/search`: the keys under a prefix that match a query.
//!
//! The page's first load (and every load without JavaScript) shows the first matches, found on
//! the server before the page is sent. Once hydrated, each search streams from the REST API
//! (`/api/v1/search`, one line per match): matches appear as they are found, with how far the
//! search has come, and it can be cancelled.

use crate::components::{page_data, search_stream::Streamed, KeyName, Loaded, PageView};
use crate::domain::{
    search::{SearchHit, SearchMode, SearchProgress, SearchRequest, SearchResults},
    Key,
};
use crate::server_fns::search_keys;
use crate::urls::routes::{key_url, search_url, SEARCH_SEGMENT};
use leptos::{either::Either, ev::SubmitEvent, html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};

#[component]
fn SearchPage() -> impl IntoView {
    let location = use_location();
    let path = format!("/{SEARCH_SEGMENT}");
    let request = Memo::new(move |last: Option<&SearchRequest>| match last {
        Some(last) if location.pathname.with(|now| *now != path) => last.clone(),
        _ => location
            .search
            .with(|search| SearchRequest::from_query(search)),
    });
    // The first load's search, found on the server; later ones stream.
    let first = request.get_untracked();
    let results = page_data(
        move || first.clone(),
        |request| async move {
            if request.query.is_empty() {
                Ok(None)
            } else {
                search_keys(request).await.map(Some)
            }
        },
    );
    let streamed = RwSignal::new(None::<Streamed>);
    let generation = RwSignal::new(0u64);
    Effect::new(move |previous: Option<SearchRequest>| {
        let now = request.get();
        if previous.is_some_and(|previous| previous != now) {
            start(now.clone(), streamed, generation);
        }
        now
    });
    let cancel = move |_| {
        generation.update(|n| *n += 1);
        streamed.update(|s| {
            if let Some(s) = s.as_mut().filter(|s| s.done.is_none() && s.error.is_none()) {
                s.cancelled = true;
            }
        });
    };
    let running = move || {
        streamed.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.done.is_none() && s.error.is_none() && !s.cancelled)
        })
    };

    PageView(view! {
        <Title text="Search" />
        <h1>"Search"</h1>
        <SearchForm request=request.into() />
        <p class="search-status" role="status" aria-live="polite">
            <button type="button" on:click=cancel hidden=move || !running() data-testid="cancel">
                "Cancel"
            </button>
        </p>
        {move || match streamed.get() {
            Some(streamed) => Either::Left(view! { <StreamedResults streamed /> }),
            None => {
                Either::Right(
                    view! {
                        <Loaded
                            resource=results
                            loading="Searching…"
                            show=|results| results.map(|results| view! { <FoundResults results /> })
                        />
                    },
                )
            }
        }}
    })
}

lazy_page!(
    /// The search page.
    SearchRoute => view! { <SearchPage /> }.into_any()
);

/// The search form: a plain GET form, which the hydrated page turns into a navigation (and the
/// navigation into a streamed search).
#[component]
fn SearchForm(request: Signal<SearchRequest>) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    let navigate = use_navigate();
    let submit = move |event: SubmitEvent| {
        let Some(form) = form.get() else { return };
        event.prevent_default();
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let field = |name: &str| data.get(name).as_string().unwrap_or_default();
        let mut search = SearchRequest::new(
            Key::from(field("prefix").as_str()),
            field("q"),
            SearchMode::parse(&field("mode")).unwrap_or_default(),
        );
        search.values = field("values") == "true";
        search.ignore_case = field("case") == "insensitive";
        search.limit = request.get_untracked().limit;
        navigate(&search_url(&search), Default::default());
    };
    let mode = move |mode: SearchMode| {
        let label = match mode {
            SearchMode::Substring => "contains",
            SearchMode::Glob => "glob",
            SearchMode::Regex => "regex",
        };
        view! {
            <option value=mode.as_str() selected=move || request.get().mode == mode>
                {label}
            </option>
        }
    };
    view! {
        <form method="GET" class="search-form" node_ref=form on:submit=submit>
            <label>
                "Under prefix"
                <input
                    name="prefix"
                    placeholder="all keys"
                    value=move || request.get().prefix.display()
                />
            </label>
            <label class="grow">
                "Find"
                <input
                    type="search"
                    name="q"
                    required
                    autofocus
                    data-search=""
                    placeholder="part of a key, a glob or a regex"
                    value=move || request.get().query
                />
            </label>
            <label>
                "Match"
                <select name="mode">{SearchMode::ALL.map(mode).collect_view()}</select>
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    name="values"
                    value="true"
                    checked=move || request.get().values
                />
                "in values too"
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    name="case"
                    value="insensitive"
                    checked=move || request.get().ignore_case
                />
                "any case"
            </label>
            <button type="submit">"Search"</button>
        </form>
    }
}

/// A search found on the server, whole.
#[component]
fn FoundResults(results: SearchResults) -> impl IntoView {
    let SearchResults {
        request,
        hits,
        done,
    } = results;
    view! {
        <ResultsView
            request
            hits
            progress=done.progress
            next=done.next
            state="done"
        />
    }
}

/// A search streaming in.
#[component]
fn StreamedResults(streamed: Streamed) -> impl IntoView {
    let Streamed {
        request,
        hits,
        progress,
        done,
        error,
        cancelled,
    } = streamed;
    let state = if error.is_some() {
        "failed"
    } else if cancelled {
        "cancelled"
    } else if done.is_some() {
        "done"
    } else {
        "running"
    };
    let error = error.map(|message| {
        view! {
            <section class="panel panel-error" role="alert" data-testid="error">
                <p class="message">{message}</p>
            </section>
        }
    });
    view! {
        {error}
        {request
            .map(|request| {
                view! {
                    <ResultsView
                        request
                        hits
                        progress
                        next=done.and_then(|done| done.next)
                        state
                    />
                }
            })}
    }
}

/// Matches and where the search stands: how many keys it looked at, of how many, how fast, and
/// the way on when it stopped at its cap.
#[component]
fn ResultsView(
    request: SearchRequest,
    hits: Vec<SearchHit>,
    progress: SearchProgress,
    next: Option<Key>,
    state: &'static str,
) -> impl IntoView {
    let SearchProgress {
        scanned,
        total,
        matches,
        revision,
        elapsed_ms,
    } = progress;
    let rate = (elapsed_ms > 0).then(|| scanned * 1000 / elapsed_ms as i64);
    let of = total
        .map(|total| format!(" of {total}"))
        .unwrap_or_default();
    let what = match state {
        "running" => "Searching: looked at",
        "cancelled" => "Cancelled after looking at",
        "failed" => "Stopped after looking at",
        _ => "Looked at",
    };
    let mut summary = format!("{what} {scanned}{of} keys, {matches} matches");
    if let Some(rate) = rate {
        summary.push_str(&format!(", {rate} keys/s"));
    }
    if revision > 0 {
        summary.push_str(&format!(", at revision {revision}"));
    }
    summary.push('.');
    let more = next.map(|after| {
        let on = SearchRequest {
            after: Some(after),
            revision: Some(revision),
            ..request.clone()
        };
        let bigger = SearchRequest {
            limit: (request.limit * 10).min(crate::domain::search::MAX_SEARCH_LIMIT),
            ..request.clone()
        };
        view! {
            <p class="pager" data-testid="capped">
                {format!("Stopped at {} matches. ", request.limit)}
                <a href=search_url(&on) rel="next">
                    "Next matches »"
                </a>
                {(bigger.limit > request.limit)
                    .then(|| {
                        view! {
                            <a href=search_url(&bigger)>
                                {format!("Search again for up to {} matches", bigger.limit)}
                            </a>
                        }
                    })}
            </p>
        }
    });
    let rows = hits
        .into_iter()
        .map(|hit| {
            let where_ = if hit.in_value { "value" } else { "key" };
            view! {
                <tr>
                    <td class="key">
                        <a href=key_url(&hit.summary.key) data-row="">
                            <KeyName key=hit.summary.key.clone() />
                        </a>
                    </td>
                    <td>{where_}</td>
                    <td class="num">{hit.summary.mod_revision}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="summary" data-testid="search-summary" data-state=state>
            {summary}
        </p>
        <progress
            max=total.unwrap_or(0).max(1)
            value=scanned
            hidden=state != "running"
        ></progress>
        <table class="keys" data-testid="search-results">
            <thead>
                <tr>
                    <th>"Key"</th>
                    <th>"Matched in"</th>
                    <th class="num">"Mod revision"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {more}
    }
}

/// Starts streaming `request` into `streamed`, ending any search streaming before.
fn start(request: SearchRequest, streamed: RwSignal<Option<Streamed>>, generation: RwSignal<u64>) {
    generation.update(|n| *n += 1);
    let mine = generation.get_untracked();
    streamed.set(Some(Streamed {
        request: Some(request.clone()),
        ..Default::default()
    }));
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let live = move || generation.get_untracked() == mine;
        if let Err(message) =
            crate::components::search_stream::stream(&request, streamed, live).await
        {
            if live() {
                streamed.update(|s| {
                    if let Some(s) = s.as_mut() {
                        s.error = Some(message);
                    }
                });
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = mine;
}
