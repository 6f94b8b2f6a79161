//! The browser's end of `GET /api/v1/watch`: an `EventSource` on a prefix, open while the page
//! is visible, that resumes after the last revision it saw when it opens again. Pages tell it
//! what to do with each event.

use crate::api::model::{WatchChange, WatchCompacted};
use crate::domain::{
    watch::{Change, ChangeKind},
    Key,
};
use crate::urls::api::watch_url;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::{cell::Cell, cell::RefCell, rc::Rc};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Event, EventSource, MessageEvent};

/// What the server said next.
pub enum Followed {
    /// A key was written or deleted.
    Change(Change),
    /// etcd compacted the changes from one revision up to another away before they were sent.
    Gap { from: i64, to: i64 },
    /// The server stopped following for this page (`resync`: it fell too far behind).
    Ended { resync: bool },
}

type Listener = Closure<dyn FnMut(MessageEvent)>;

struct Follower {
    prefix: Key,
    /// Whether changes come with (the start of) their values.
    values: bool,
    /// The revision of the last change seen: a source opened again starts after it (or from
    /// now, before any).
    last: Cell<Option<i64>>,
    ended: Cell<bool>,
    source: RefCell<Option<EventSource>>,
    listener: Listener,
}

/// Follows the changes under `prefix` after `revision` (or from now), calling `told` with each
/// (with `values`, with the start of each value and of the one before), until the page is left.
/// Only the hydrated page follows.
pub fn follow(prefix: Key, revision: Option<i64>, values: bool, told: impl Fn(Followed) + 'static) {
    let follower = Rc::new_cyclic(|me: &std::rc::Weak<Follower>| {
        let me = me.clone();
        let listener = Closure::new(move |event: MessageEvent| {
            let Some(follower) = me.upgrade() else {
                return;
            };
            if let Some(followed) = follower.read(&event) {
                if matches!(followed, Followed::Ended { .. }) {
                    follower.ended.set(true);
                    follower.close();
                }
                told(followed);
            }
        });
        Follower {
            prefix,
            values,
            last: Cell::new(revision),
            ended: Cell::new(false),
            source: RefCell::new(None),
            listener,
        }
    });
    follower.open();

    // Closed while the page is hidden, so that tabs left open do not hold connections; opened
    // again after the last change seen when it shows.
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
    let _ = document()
        .add_event_listener_with_callback("visibilitychange", visibility.as_ref().unchecked_ref());
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
        if self.source.borrow().is_some() || self.ended.get() || document().hidden() {
            return;
        }
        let start = self.last.get().map(|last| last + 1);
        let url = watch_url(&self.prefix, start, self.values);
        let Ok(source) = EventSource::new(&url) else {
            return;
        };
        for name in ["put", "delete", "compacted", "resync", "failed"] {
            let listener = self.listener.as_ref().unchecked_ref();
            let _ = source.add_event_listener_with_callback(name, listener);
        }
        *self.source.borrow_mut() = Some(source);
    }

    fn close(&self) {
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
    }

    /// What an event says, noting the revision it brings the follower to.
    fn read(&self, event: &MessageEvent) -> Option<Followed> {
        let data = event.data().as_string().unwrap_or_default();
        let kind = match event.type_().as_str() {
            "put" => ChangeKind::Put,
            "delete" => ChangeKind::Delete,
            "compacted" => {
                let gap: WatchCompacted = serde_json::from_str(&data).ok()?;
                self.seen(gap.compact_revision - 1);
                return Some(Followed::Gap {
                    from: gap.from_revision,
                    to: gap.compact_revision,
                });
            }
            other => {
                return Some(Followed::Ended {
                    resync: other == "resync",
                })
            }
        };
        let change: WatchChange = serde_json::from_str(&data).ok()?;
        if let Ok(id) = event.last_event_id().parse::<i64>() {
            self.seen(id);
        }
        Some(Followed::Change(change.change(kind).ok()?))
    }

    /// Notes that every change up to `revision` has been seen.
    fn seen(&self, revision: i64) {
        let last = self.last.get().map_or(revision, |last| last.max(revision));
        self.last.set(Some(last));
    }
}
