//! Searching the keys under a prefix, on the server: every key (and value, when asked) is read
//! once, in windows (see [`crate::domain::scan`]), all at the revision of the first, and the
//! matches are sent on as they are found.
//!
//! A search runs in a task of its own, a window ahead of whoever reads it, and ends when it
//! reaches its cap, runs out of keys, or its reader goes away (a closed tab, a cancelled
//! request, or a reader that takes nothing for [`STALLED`]): a search nobody reads does not go
//! on loading etcd, nor hold one of the few that may run. A signed-in person runs at most
//! [`SEARCHES_EACH`] at once, so one person cannot take them all. At most a window of matches
//! is held at a time.

mod matcher;
mod slot;

pub use slot::{refused as searches_refused, SEARCHES_EACH};

use super::caller::Caller;
use crate::domain::{
    paging::{after_key, prefix_range_end, prefix_range_start},
    scan::{Scan, Window, WindowRead},
    search::{SearchDone, SearchHit, SearchProgress, SearchRequest, SearchResults},
    AppError, Key,
};
use crate::etcd::{Etcd, ScanPermit, WindowFound};
use matcher::Matcher;
use slot::Slot;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Events a search may get ahead of its reader.
const AHEAD: usize = 256;
/// A search whose reader takes nothing for this long ends.
pub const STALLED: Duration = Duration::from_secs(30);

/// What a search tells as it goes.
#[derive(Debug)]
pub enum SearchEvent {
    Hit(Box<SearchHit>),
    /// After each window: how far the search has come.
    Progress(SearchProgress),
    /// The last event of a search that ended well.
    Done(SearchDone),
    /// The last event of a search that etcd stopped.
    Failed(AppError),
}

/// The events of a running search, in order; dropping it stops the search.
pub struct SearchStream {
    events: mpsc::Receiver<SearchEvent>,
}

impl SearchStream {
    /// The next event; `None` after the last.
    pub async fn next(&mut self) -> Option<SearchEvent> {
        self.events.recv().await
    }

    /// The events as a stream.
    pub fn into_stream(self) -> impl futures::Stream<Item = SearchEvent> + Send {
        futures::stream::unfold(self, |mut search| async move {
            search.next().await.map(|event| (event, search))
        })
    }
}

/// Starts a search. What is wrong with it (the query, the prefix it may not read, a compacted
/// revision) is answered here, before any match; what goes wrong later ends the events with
/// [`SearchEvent::Failed`].
pub async fn search(caller: &Caller, request: &SearchRequest) -> Result<SearchStream, AppError> {
    let matcher = Matcher::new(request)?;
    let etcd = caller.etcd.clone();
    let (slot, permit) = slot::admit(caller, &etcd)?;
    let prefix = request.prefix.as_bytes();
    let mut start = prefix_range_start(prefix);
    if let Some(after) = &request.after {
        start = start.max(after_key(after.as_bytes()));
    }
    let mut run = Run {
        etcd,
        request: request.clone(),
        matcher,
        scan: Scan::new(start, prefix_range_end(prefix)),
        progress: SearchProgress {
            revision: request.revision.unwrap_or_default(),
            ..Default::default()
        },
        started: Instant::now(),
        last_hit: None,
        _permit: permit,
        _slot: slot,
    };
    // The first window is read here, so that a search etcd refuses is refused as a whole.
    let first = run.next_window().await?;
    let (sender, events) = mpsc::channel(AHEAD);
    tokio::spawn(async move { run.go_on(first, sender).await });
    Ok(SearchStream { events })
}

/// A whole search, up to its cap: its matches and how it ended.
pub async fn collect(caller: &Caller, request: &SearchRequest) -> Result<SearchResults, AppError> {
    let mut events = search(caller, request).await?;
    let mut hits = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            SearchEvent::Hit(hit) => hits.push(*hit),
            SearchEvent::Progress(_) => {}
            SearchEvent::Done(done) => {
                return Ok(SearchResults {
                    request: request.clone(),
                    hits,
                    done,
                })
            }
            SearchEvent::Failed(err) => return Err(err),
        }
    }
    Err(AppError::Internal {
        message: "the search ended without an answer".into(),
    })
}

/// A running search.
struct Run {
    etcd: Etcd,
    request: SearchRequest,
    matcher: Matcher,
    scan: Scan,
    progress: SearchProgress,
    started: Instant,
    last_hit: Option<Key>,
    _permit: ScanPermit,
    _slot: Slot,
}

impl Run {
    /// Reads the next window, if any is left, and moves the scan past it.
    async fn next_window(&mut self) -> Result<Option<WindowFound>, AppError> {
        let Some(window) = self.scan.window() else {
            return Ok(None);
        };
        let at = (self.progress.revision > 0).then_some(self.progress.revision);
        let matcher = &self.matcher;
        let found = self
            .etcd
            .read_window(
                &window,
                at,
                self.request.values,
                &self.request.prefix,
                &|key, value| matcher.matches(key, value),
            )
            .await?;
        self.advance(&window, &found);
        Ok(Some(found))
    }

    fn advance(&mut self, window: &Window, found: &WindowFound) {
        self.scan.advance(
            window,
            WindowRead {
                count: found.count,
                first: found.first.as_deref(),
                last: found.last.as_deref(),
                read: found.read,
                value_bytes: found.value_bytes,
            },
        );
        let progress = &mut self.progress;
        if progress.total.is_none() {
            // The first window reaches to the end of the range: its count is every key to look at.
            progress.total = Some(found.count);
            progress.revision = found.revision;
        }
        progress.scanned += found.read as i64;
    }

    /// Sends what `first` found and goes on window by window until the cap, the end of the
    /// range, or nobody listening.
    async fn go_on(mut self, first: Option<WindowFound>, events: mpsc::Sender<SearchEvent>) {
        let mut found = first;
        while let Some(window) = found.take() {
            let mut left = false;
            for hit in window.hits {
                if self.capped() {
                    left = true;
                    break;
                }
                self.last_hit = Some(hit.summary.key.clone());
                self.progress.matches += 1;
                let hit = SearchEvent::Hit(Box::new(hit));
                if events.send_timeout(hit, STALLED).await.is_err() {
                    return;
                }
            }
            self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
            if events
                .send_timeout(SearchEvent::Progress(self.progress), STALLED)
                .await
                .is_err()
            {
                return;
            }
            if self.capped() {
                // Keys are left when the last window held more matches, or windows are left.
                let more = left || self.scan.window().is_some();
                let next = self.last_hit.take().filter(|_| more);
                return self.finish(&events, next).await;
            }
            found = match self.next_window().await {
                Ok(next) => next,
                Err(err) => {
                    let _ = events.send_timeout(SearchEvent::Failed(err), STALLED).await;
                    return;
                }
            };
        }
        self.finish(&events, None).await;
    }

    fn capped(&self) -> bool {
        self.progress.matches >= i64::from(self.request.limit)
    }

    async fn finish(&mut self, events: &mpsc::Sender<SearchEvent>, next: Option<Key>) {
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        let done = SearchDone {
            progress: self.progress,
            next,
        };
        let _ = events.send_timeout(SearchEvent::Done(done), STALLED).await;
    }
}
