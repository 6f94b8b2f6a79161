//! The watch page at `/watch?prefix=…`: a live log of the changes under a prefix as they happen
//! (writes and deletes, with key, revision, version, value size, lease, and the start of the value
//! written and of the value before), newest first, with
//! pause and resume, the rate, and an export of what it shows as JSON lines. It needs
//! JavaScript; without it the page names the REST stream that carries the same events.

use crate::components::{KeyName, PageView};
use crate::domain::{
    key::percent_encode_bytes,
    lease::lease_hex,
    limits::human_bytes,
    value::escape_bytes,
    watch::{Change, ChangeKind, Snippet},
    Key,
};
use crate::urls::{
    query_param,
    routes::{key_url, WATCH},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The most changes the log holds; older ones drop off its end.
const MAX_SHOWN: usize = 1000;
/// The most characters of a value a row shows.
const VALUE_CHARS: usize = 160;

/// One change, as the log shows it.
#[derive(Debug, Clone, PartialEq)]
struct Logged {
    /// The browser's clock when it came, as `HH:MM:SS`.
    at: String,
    change: Change,
}

/// The start of a value as text (other bytes as `\xNN`), `…` where it goes on.
fn value_text(snippet: &Snippet, chars: usize) -> String {
    let text = escape_bytes(&snippet.bytes);
    let mut shown: String = text.chars().take(chars).collect();
    if snippet.cut() || shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

impl Logged {
    /// The change as one JSON line, for the export.
    fn json_line(&self) -> String {
        let kind = match self.change.kind {
            ChangeKind::Put => "put",
            ChangeKind::Delete => "delete",
        };
        let line = serde_json::json!({
            "kind": kind,
            "key": self.change.key.display(),
            "revision": self.change.revision,
            "version": self.change.version,
            "value_size": self.change.value_size,
            "lease_id": (self.change.lease != 0).then(|| lease_hex(self.change.lease)),
            "value": self.change.value.as_ref().map(|value| value_text(value, usize::MAX)),
            "prev_value": self.change.previous.as_ref().map(|prev| value_text(prev, usize::MAX)),
        });
        line.to_string() + "\n"
    }
}

/// What the page holds: the log, changes held while paused, and recent arrival times.
#[derive(Debug, Clone, Default)]
struct Log {
    shown: Vec<Logged>,
    held: Vec<Logged>,
    paused: bool,
    /// Changes in all, since the page opened.
    total: u64,
    /// etcd compacted changes away before they were sent: from and to which revision.
    gap: Option<(i64, i64)>,
    ended: Option<&'static str>,
}

impl Log {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn add(&mut self, logged: Logged) {
        self.total += 1;
        let into = if self.paused {
            &mut self.held
        } else {
            &mut self.shown
        };
        into.insert(0, logged);
        into.truncate(MAX_SHOWN);
    }

    fn resume(&mut self) {
        self.paused = false;
        let mut held = std::mem::take(&mut self.held);
        held.append(&mut self.shown);
        held.truncate(MAX_SHOWN);
        self.shown = held;
    }
}

#[component]
fn WatchPage() -> impl IntoView {
    let location = use_location();
    let prefix = Memo::new(move |_| {
        location
            .search
            .with(|search| Key::new(query_param(search, "prefix").unwrap_or_default()))
    });
    let log = RwSignal::new(Log::default());
    // Arrivals in the last second, counted each second.
    let rate = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    start(prefix.get_untracked(), log, rate);
    let stream = move || prefix.with(crate::urls::api::readable_watch_url);
    let export = move || {
        log.with(|log| {
            let lines: String = log.shown.iter().rev().map(Logged::json_line).collect();
            format!(
                "data:application/x-ndjson;charset=utf-8,{}",
                percent_encode_bytes(lines.as_bytes())
            )
        })
    };
    let pause = move |_| {
        log.update(|log| {
            if log.paused {
                log.resume();
            } else {
                log.paused = true;
            }
        })
    };
    let status = move || {
        log.with(|log| {
            let mut status = format!(
                "{} changes since this page opened; {} a second.",
                log.total,
                rate.get()
            );
            if log.paused {
                status.push_str(&format!(" Paused: {} held.", log.held.len()));
            }
            if let Some((from, to)) = log.gap {
                status.push_str(&format!(
                    " Some changes between revisions {from} and {to} were compacted away."
                ));
            }
            if let Some(ended) = log.ended {
                status.push(' ');
                status.push_str(ended);
            }
            status
        })
    };
    let rows = move || {
        log.with(|log| {
            log.shown
                .iter()
                .map(|logged| {
                    let (kind, size) = match logged.change.kind {
                        ChangeKind::Put => ("put", Some(human_bytes(logged.change.value_size))),
                        ChangeKind::Delete => ("delete", None),
                    };
                    let value = logged.change.value.as_ref().map(|value| {
                        view! { <span data-testid="watch-value">{value_text(value, VALUE_CHARS)}</span> }
                    });
                    let previous = logged.change.previous.as_ref().map(|prev| {
                        view! {
                            <span class="was" data-testid="watch-previous">
                                "was " {value_text(prev, VALUE_CHARS)}
                            </span>
                        }
                    });
                    view! {
                        <tr data-kind=kind>
                            <td>{logged.at.clone()}</td>
                            <td>{kind}</td>
                            <td class="key">
                                <a href=key_url(&logged.change.key)><KeyName key=logged.change.key.clone() /></a>
                            </td>
                            <td class="value-cell">{value}{previous}</td>
                            <td class="num">{logged.change.revision}</td>
                            <td class="num wide-only">{(logged.change.version > 0).then_some(logged.change.version)}</td>
                            <td class="num wide-only">{size}</td>
                            <td class="num lease">{(logged.change.lease != 0).then(|| lease_hex(logged.change.lease))}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };

    PageView(view! {
        <Title text="Watch" />
        <h1>"Watch"</h1>
        <form method="get" action=WATCH class="prefix-form">
            <label>
                "Prefix "
                <input type="text" name="prefix" value=move || prefix.get().display() data-testid="watch-prefix" />
            </label>
            <button type="submit">"Watch"</button>
        </form>
        <noscript>
            <p class="banner banner-info">
                "This page follows changes as they happen, which takes JavaScript. The same events are a stream at "
                <a href=stream>{stream}</a> "."
            </p>
        </noscript>
        <p class="summary" role="status" data-testid="watch-status">{status}</p>
        <p class="actions">
            <button type="button" on:click=pause data-testid="watch-pause">
                {move || if log.with(|log| log.paused) { "Resume" } else { "Pause" }}
            </button>
            " "
            <a href=export download="changes.jsonl" data-testid="watch-export">"Export as JSON lines"</a>
        </p>
        <table class="keys" data-testid="watch-log">
            <thead>
                <tr>
                    <th>"Time"</th>
                    <th>"Change"</th>
                    <th>"Key"</th>
                    <th>"Value"</th>
                    <th class="num">"Revision"</th>
                    <th class="num wide-only">"Version"</th>
                    <th class="num wide-only">"Size"</th>
                    <th class="num lease">"Lease"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    })
}

/// Follows the prefix from now, logging each change, and counts the rate each second.
#[cfg(feature = "hydrate")]
fn start(prefix: Key, log: RwSignal<Log>, rate: RwSignal<u64>) {
    use crate::components::follow::{follow, Followed};

    let arrived = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = arrived.clone();
    follow(prefix, None, true, move |followed| match followed {
        Followed::Change(change) => {
            counted.set(counted.get() + 1);
            let at = js_sys::Date::new_0().to_locale_time_string("en-GB").into();
            log.update(|log| log.add(Logged { at, change }));
        }
        Followed::Gap { from, to } => log.update(|log| {
            let from = log.gap.map_or(from, |(from, _)| from);
            log.gap = Some((from, to));
        }),
        Followed::Ended { resync } => log.update(|log| {
            log.ended = Some(if resync {
                "Too many changes came at once to follow them here: open the page again."
            } else {
                "The server stopped following."
            });
        }),
    });
    let tick = set_interval_with_handle(
        move || rate.set(arrived.replace(0)),
        std::time::Duration::from_secs(1),
    );
    on_cleanup(move || {
        if let Ok(tick) = tick {
            tick.clear();
        }
    });
}

lazy_page!(
    /// The watch page.
    WatchRoute => view! { <WatchPage /> }.into_any()
);
