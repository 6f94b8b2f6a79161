//! "N keys changed since this listing": a listing read at a revision follows the changes under
//! its prefix from there on (`/api/v1/watch`), and offers to read it again. Only the hydrated
//! page follows; the page as served says nothing, and a plain reload reads anew.

use crate::domain::Key;
use leptos::prelude::*;
use std::collections::HashSet;

/// Distinct keys counted at most: past that, the note says "or more".
const MAX_COUNTED: usize = 10_000;

/// What the watch has told since the listing's revision.
#[derive(Debug, Clone, Default)]
struct Since {
    keys: HashSet<Vec<u8>>,
    /// etcd compacted changes away before they could be followed: from and to which revision.
    gap: Option<(i64, i64)>,
    /// The server stopped following for this page, which fell too far behind.
    resync: bool,
    /// The revision of the last change seen: a watch opened again starts after it.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    last: i64,
}

impl Since {
    fn note(&self) -> Option<String> {
        if self.resync {
            return Some("Too many changes came at once to follow them here.".into());
        }
        let gap = self.gap.map(|(from, to)| {
            format!(" Some changes between revisions {from} and {to} were compacted away.")
        });
        let count = self.keys.len();
        let more = if count >= MAX_COUNTED { " or more" } else { "" };
        let changed = match count {
            0 if gap.is_none() => return None,
            0 => String::new(),
            1 => "1 key changed since this listing was read.".into(),
            n => format!("{n}{more} keys changed since this listing was read."),
        };
        Some(changed + gap.as_deref().unwrap_or_default())
    }
}

/// How the page reads its listing again when asked to (by the listing's URL): the link's own
/// navigation would not, when the URL is the page's own.
#[derive(Clone, Copy)]
pub struct Reread(pub Callback<String>);

/// Follows the changes under `prefix` after `revision`, and when there are some, says how many
/// keys changed, with a link (`refresh`) to the listing read now.
pub fn changes_since(prefix: Key, revision: i64, refresh: String) -> impl IntoView {
    let reread = use_context::<Reread>();
    let since = RwSignal::new(Since {
        last: revision,
        ..Since::default()
    });
    #[cfg(feature = "hydrate")]
    follow::follow(prefix, since);
    #[cfg(not(feature = "hydrate"))]
    let _ = prefix;
    move || {
        since.with(Since::note).map(|note| {
            view! {
                <p class="banner banner-info" role="status" data-testid="changes-since">
                    {note}
                    " "
                    <a
                        href=refresh.clone()
                        on:click={
                            let refresh = refresh.clone();
                            move |event| {
                                if let Some(Reread(reread)) = reread {
                                    event.prevent_default();
                                    reread.run(refresh.clone());
                                }
                            }
                        }
                    >
                        "Read it again"
                    </a>
                </p>
            }
        })
    }
}

#[cfg(feature = "hydrate")]
mod follow {
    //! The browser's end: an `EventSource`, open while the page is visible.

    use super::{Since, MAX_COUNTED};
    use crate::domain::Key;
    use base64::Engine;
    use base64::{engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use std::{cell::RefCell, rc::Rc};
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{Event, EventSource, MessageEvent};

    type Listener = Closure<dyn FnMut(MessageEvent)>;

    /// The open source, and the listeners it calls.
    struct Follower {
        prefix: Key,
        since: RwSignal<Since>,
        source: RefCell<Option<EventSource>>,
        on_change: Listener,
        on_compacted: Listener,
        on_ended: Listener,
    }

    #[derive(serde::Deserialize)]
    struct Changed {
        key: String,
    }

    #[derive(serde::Deserialize)]
    struct Compacted {
        from_revision: i64,
        compact_revision: i64,
    }

    pub fn follow(prefix: Key, since: RwSignal<Since>) {
        let follower = Rc::new_cyclic(|me: &std::rc::Weak<Follower>| {
            let on_change = Closure::new(move |event: MessageEvent| {
                let Some(data) = event.data().as_string() else {
                    return;
                };
                let Ok(changed) = serde_json::from_str::<Changed>(&data) else {
                    return;
                };
                let Ok(key) = STANDARD.decode(changed.key) else {
                    return;
                };
                let last = event.last_event_id().parse::<i64>().ok();
                since.update(|since| {
                    if since.keys.len() < MAX_COUNTED {
                        since.keys.insert(key);
                    }
                    since.last = last.unwrap_or(since.last).max(since.last);
                });
            });
            let stop = |me: std::rc::Weak<Follower>| {
                move || {
                    if let Some(follower) = me.upgrade() {
                        follower.close();
                    }
                }
            };
            let on_compacted = Closure::new(move |event: MessageEvent| {
                let data = event.data().as_string().unwrap_or_default();
                let Ok(gap) = serde_json::from_str::<Compacted>(&data) else {
                    return;
                };
                since.update(|since| {
                    let from = since.gap.map_or(gap.from_revision, |(from, _)| from);
                    since.gap = Some((from, gap.compact_revision));
                    since.last = since.last.max(gap.compact_revision - 1);
                });
            });
            let ended = stop(me.clone());
            let on_ended = Closure::new(move |event: MessageEvent| {
                if event.type_() == "resync" {
                    since.update(|since| since.resync = true);
                }
                ended();
            });
            Follower {
                prefix,
                since,
                source: RefCell::new(None),
                on_change,
                on_compacted,
                on_ended,
            }
        });
        follower.open();

        // Closed while the page is hidden, so that tabs left open do not hold connections;
        // opened again after the last change seen when it shows.
        let visibility = {
            let follower = Rc::downgrade(&follower);
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let Some(follower) = follower.upgrade() else {
                    return;
                };
                if document().hidden() {
                    follower.close();
                } else {
                    follower.open();
                }
            })
        };
        let _ = document().add_event_listener_with_callback(
            "visibilitychange",
            visibility.as_ref().unchecked_ref(),
        );
        let held = SendWrapper::new((follower, visibility));
        on_cleanup(move || {
            let (follower, visibility) = held.take();
            let _ = document().remove_event_listener_with_callback(
                "visibilitychange",
                visibility.as_ref().unchecked_ref(),
            );
            follower.close();
        });
    }

    impl Follower {
        fn open(&self) {
            let since = self.since.get_untracked();
            if self.source.borrow().is_some() || since.resync || document().hidden() {
                return;
            }
            let url = format!(
                "/api/v1/watch?encoding=base64&prefix={}&start_revision={}",
                URL_SAFE_NO_PAD.encode(self.prefix.as_bytes()),
                since.last + 1
            );
            let Ok(source) = EventSource::new(&url) else {
                return;
            };
            for (name, listener) in [
                ("put", &self.on_change),
                ("delete", &self.on_change),
                ("compacted", &self.on_compacted),
                ("resync", &self.on_ended),
                ("failed", &self.on_ended),
            ] {
                let _ = source
                    .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
            *self.source.borrow_mut() = Some(source);
        }

        fn close(&self) {
            if let Some(source) = self.source.borrow_mut().take() {
                source.close();
            }
        }
    }
}
