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

use super::caller::Caller;
use crate::domain::{
    paging::{after_key, prefix_range_end, prefix_range_start},
    scan::{Scan, Window, WindowRead},
    search::MAX_QUERY_BYTES,
    search::{SearchDone, SearchHit, SearchMode, SearchProgress, SearchRequest, SearchResults},
    AppError, Key,
};
use crate::etcd::{Etcd, ScanPermit, WindowFound};
use regex::bytes::{Regex, RegexBuilder};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The most a compiled query may take, in bytes.
const MAX_REGEX_BYTES: usize = 1 << 20;
/// Events a search may get ahead of its reader.
const AHEAD: usize = 256;
/// A search whose reader takes nothing for this long ends.
pub const STALLED: Duration = Duration::from_secs(30);
/// The searches one signed-in person may run at once (of [`crate::etcd::MAX_SCANS`]).
pub const SEARCHES_EACH: usize = 2;

/// The searches running, by who runs them.
static RUNNING: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// One of a person's running searches; it ends when dropped.
struct Slot(Option<String>);

impl Slot {
    fn take(caller: &Caller) -> Result<Slot, AppError> {
        let Some(name) = caller.name() else {
            return Ok(Slot(None));
        };
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if running.iter().filter(|who| *who == name).count() >= SEARCHES_EACH {
            return Err(AppError::Busy {
                message: format!(
                    "you have {SEARCHES_EACH} searches running already; try again when one has \
                     ended"
                ),
                retry_after_secs: 1,
            });
        }
        running.push(name.to_string());
        Ok(Slot(Some(name.to_string())))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(name) = &self.0 else { return };
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = running.iter().position(|who| who == name) {
            running.swap_remove(at);
        }
    }
}

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
    let slot = Slot::take(caller)?;
    let permit = etcd.scan_permit()?;
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

/// The query compiled: one regular expression over bytes, whatever the mode.
struct Matcher {
    regex: Regex,
}

impl Matcher {
    fn new(request: &SearchRequest) -> Result<Matcher, AppError> {
        let query = &request.query;
        if query.is_empty() {
            return Err(AppError::invalid("say what to search for"));
        }
        if query.len() > MAX_QUERY_BYTES {
            return Err(AppError::invalid(format!(
                "the query is {} bytes long; at most {MAX_QUERY_BYTES} are allowed",
                query.len()
            )));
        }
        let pattern = match request.mode {
            SearchMode::Substring => regex::escape(query),
            SearchMode::Glob => glob_pattern(query),
            SearchMode::Regex => query.clone(),
        };
        let regex = RegexBuilder::new(&pattern)
            .case_insensitive(request.ignore_case)
            .dot_matches_new_line(true)
            .size_limit(MAX_REGEX_BYTES)
            .build()
            .map_err(|err| {
                let what = match request.mode {
                    SearchMode::Glob => "pattern",
                    _ => "regular expression",
                };
                AppError::invalid(format!("the {what} is not valid: {}", first_line(&err)))
            })?;
        Ok(Matcher { regex })
    }

    /// `Some(in_value)` when the key matches (`false`) or else the value does (`true`).
    fn matches(&self, key: &[u8], value: Option<&[u8]>) -> Option<bool> {
        if self.regex.is_match(key) {
            return Some(false);
        }
        value
            .filter(|value| self.regex.is_match(value))
            .map(|_| true)
    }
}

/// The regex crate's error, without the drawing of where it is.
fn first_line(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .filter(|line| line.starts_with("error:"))
        .map(|line| line.trim_start_matches("error:").trim().to_string())
        .next()
        .unwrap_or(text)
}

/// A shell pattern as a regular expression matching whole keys: `*` any run of bytes, `?` one
/// character, `[...]` (or `[!...]`) a class, `\` takes the next character literally.
fn glob_pattern(glob: &str) -> String {
    let mut pattern = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => pattern.push_str("(?s-u:.)*"),
            '?' => pattern.push_str("(?:.|(?s-u:.))"),
            '\\' => match chars.next() {
                Some(next) => pattern.push_str(&regex::escape(&next.to_string())),
                None => pattern.push_str(r"\\"),
            },
            '[' => {
                let rest: String = chars.clone().collect();
                match rest.find(']').filter(|&end| end > 0 || rest.len() > 1) {
                    Some(end) => {
                        let class: String = rest[..end].to_string();
                        let class = class
                            .strip_prefix('!')
                            .map_or(class.clone(), |negated| format!("^{negated}"));
                        pattern.push('[');
                        pattern.push_str(&class.replace('[', r"\["));
                        pattern.push(']');
                        for _ in 0..rest[..=end].chars().count() {
                            chars.next();
                        }
                    }
                    None => pattern.push_str(r"\["),
                }
            }
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    pattern.push('$');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(query: &str, mode: SearchMode, ignore_case: bool) -> Matcher {
        let mut request = SearchRequest::new(Key::new(""), query.into(), mode);
        request.ignore_case = ignore_case;
        Matcher::new(&request).unwrap()
    }

    fn error(query: &str, mode: SearchMode) -> String {
        let request = SearchRequest::new(Key::new(""), query.into(), mode);
        Matcher::new(&request).err().unwrap().to_string()
    }

    #[test]
    fn substrings_match_anywhere_literally() {
        let m = matcher("a.b", SearchMode::Substring, false);
        assert_eq!(m.matches(b"x/a.b/y", None), Some(false));
        assert_eq!(m.matches(b"x/aXb/y", None), None);
        assert_eq!(m.matches(b"k", Some(b"has a.b inside")), Some(true));
        let m = matcher("ÜBER", SearchMode::Substring, true);
        assert_eq!(m.matches("schön/über".as_bytes(), None), Some(false));
        // Bytes that are not UTF-8 neither break nor hide a match.
        assert_eq!(m.matches(b"\xff\xfe/\xc3\xbcber", None), Some(false));
        assert_eq!(
            matcher("%?# <b>", SearchMode::Substring, false).matches(b"a/%?# <b>", None),
            Some(false)
        );
    }

    #[test]
    fn globs_match_whole_keys() {
        let m = matcher("big/*/0000004?", SearchMode::Glob, false);
        assert_eq!(m.matches(b"big/0001/00000042", None), Some(false));
        assert_eq!(m.matches(b"big/0001/000000420", None), None);
        assert_eq!(m.matches(b"small/0001/00000042", None), None);
        let m = matcher("a/[!0-8]*", SearchMode::Glob, false);
        assert_eq!(m.matches(b"a/9", None), Some(false));
        assert_eq!(m.matches(b"a/5", None), None);
        let m = matcher(r"a\*[b", SearchMode::Glob, false);
        assert_eq!(m.matches(b"a*[b", None), Some(false));
        assert_eq!(m.matches(b"a/[b", None), None);
        // `*` and `?` cross bytes that are not UTF-8.
        let m = matcher("bin/*?", SearchMode::Glob, false);
        assert_eq!(m.matches(b"bin/\xff\xfe", None), Some(false));
    }

    #[test]
    fn regexes_match_and_bad_queries_say_why() {
        let m = matcher(r"^svc/\d+$", SearchMode::Regex, false);
        assert_eq!(m.matches(b"svc/42", None), Some(false));
        assert_eq!(m.matches(b"svc/42x", None), None);
        assert!(error("(unclosed", SearchMode::Regex).contains("regular expression is not valid"));
        assert!(error("a[z-a]", SearchMode::Glob).contains("pattern is not valid"));
        assert!(error("", SearchMode::Substring).contains("search for"));
        assert!(error(&"x".repeat(MAX_QUERY_BYTES + 1), SearchMode::Substring).contains("bytes"));
        assert!(error(r"\w{1000}{1000}", SearchMode::Regex).contains("not valid"));
    }
}
