//! Reading every key of a range in windows that each hold about as many keys as a response
//! should, so that the whole scan costs etcd about one visit per key.
//!
//! etcd visits every key of a Range to count it, even with a limit, so paging through a million
//! keys with `limit` would visit the rest of the range for every page: half a trillion visits.
//! A [`Scan`] instead reads windows `[cursor, cursor + span)`, where the span is a distance in key
//! space ([`Span`]) sized from what the last window held: a window that held too many keys is
//! read up to its limit and the next is narrower (by its count, and by how far apart the keys it
//! returned were), an empty or sparse one makes the next wider. Only the first window reaches to
//! the end of the range: it finds the first keys and counts the whole range in one request.

use super::paging::{after_key, before_end};

/// Keys a window aims to hold.
pub const WINDOW_KEYS: usize = 4000;
/// Keys the first window reads (it is the slowest: it counts the whole range).
pub const FIRST_WINDOW_KEYS: usize = 500;
/// Bytes of values a window aims to hold, when values are read.
pub const WINDOW_VALUE_BYTES: usize = 4 * 1024 * 1024;
/// The fewest keys a window aims at, however large the values.
const MIN_WINDOW_KEYS: usize = 16;
/// How much wider a window may be than the last (after an empty or sparse one).
const MAX_GROWTH: f64 = 2.0;
/// Keeps a span's units within `[2^16, 2^48)`: precise enough, and exact as an integer.
const MIN_UNITS: f64 = 65_536.0;
const MAX_UNITS: f64 = 281_474_976_710_656.0;
/// The deepest byte a span is measured at (a window narrower than that holds keys that differ
/// only past it, and is read in pages).
const MAX_DEPTH: usize = 4096;

/// A distance in key space: `units` added at byte `depth` of a key (big-endian, carrying into
/// the bytes before it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    depth: usize,
    units: f64,
}

impl Span {
    /// How far `a` is below `b` (`a < b`), measured from the first byte they differ in; a `b` of
    /// `\0` is the end of the keyspace.
    pub fn between(a: &[u8], b: &[u8]) -> Span {
        let end_of_keyspace = b == [0];
        let byte = |key: &[u8], i: usize| f64::from(key.get(i).copied().unwrap_or(0));
        let first = if end_of_keyspace {
            0
        } else {
            (0..a.len().max(b.len()))
                .find(|&i| byte(a, i) != byte(b, i))
                .unwrap_or(0)
        };
        let depth = first + 6;
        let mut units = if end_of_keyspace { 256.0 } else { 0.0 };
        for i in first..=depth {
            let b_digit = if end_of_keyspace { 0.0 } else { byte(b, i) };
            units = units * 256.0 + (b_digit - byte(a, i));
        }
        Span { depth, units }.normalized()
    }

    /// This span times `factor`.
    pub fn scaled(self, factor: f64) -> Span {
        Span {
            units: self.units * factor,
            ..self
        }
        .normalized()
    }

    /// Whether this span is wider than `other`.
    fn wider_than(self, other: Span) -> bool {
        let (a, b) = (self.normalized(), other.normalized());
        match a.depth.cmp(&b.depth) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => a.units > b.units,
        }
    }

    fn normalized(mut self) -> Span {
        self.units = self.units.max(1.0);
        while self.units >= MAX_UNITS && self.depth > 0 {
            self.units /= 256.0;
            self.depth -= 1;
        }
        while self.units < MIN_UNITS && self.depth < MAX_DEPTH {
            self.units *= 256.0;
            self.depth += 1;
        }
        self
    }

    /// The key `span` past `from` (its first `depth + 1` bytes, plus the span): past every key
    /// that starts like `from` up to the span's depth. `None` when that is past the keyspace.
    pub fn past(self, from: &[u8]) -> Option<Vec<u8>> {
        let mut key = from[..from.len().min(self.depth + 1)].to_vec();
        key.resize(self.depth + 1, 0);
        let mut carry = self.units.round().max(1.0) as u128;
        for byte in key.iter_mut().rev() {
            if carry == 0 {
                break;
            }
            let sum = u128::from(*byte) + (carry & 0xff);
            *byte = sum as u8;
            carry = (carry >> 8) + (sum >> 8);
        }
        (carry == 0).then_some(key)
    }
}

/// What reading a window found.
#[derive(Debug, Clone, Copy)]
pub struct WindowRead<'a> {
    /// How many keys the window holds (etcd's count of the Range).
    pub count: i64,
    /// The first and last keys read, if any.
    pub first: Option<&'a [u8]>,
    pub last: Option<&'a [u8]>,
    /// How many keys were read (at most the window's limit).
    pub read: usize,
    /// The bytes of the values read (0 when only keys are read).
    pub value_bytes: usize,
}

/// One window to read: the keys in `[start, end)`, at most `limit` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: Vec<u8>,
    pub end: Vec<u8>,
    pub limit: usize,
}

/// A scan of the keys in `[start, end)`, window by window.
#[derive(Debug, Clone)]
pub struct Scan {
    cursor: Vec<u8>,
    end: Vec<u8>,
    /// The next window's width; none for the first, which reaches to the end.
    span: Option<Span>,
    /// Keys the next window aims to hold.
    target: usize,
    done: bool,
}

impl Scan {
    pub fn new(start: Vec<u8>, end: Vec<u8>) -> Scan {
        let done = !before_end(&start, &end);
        Scan {
            cursor: start,
            end,
            span: None,
            target: FIRST_WINDOW_KEYS,
            done,
        }
    }

    /// The next window to read, unless every key has been read.
    pub fn window(&self) -> Option<Window> {
        if self.done {
            return None;
        }
        let end = match self.span.and_then(|span| span.past(&self.cursor)) {
            Some(end) if before_end(&end, &self.end) => end,
            _ => self.end.clone(),
        };
        Some(Window {
            start: self.cursor.clone(),
            end,
            // Room for three times the aim, so that a window fuller than aimed is read whole.
            limit: self.target * 3,
        })
    }

    /// Moves past what reading `window` found, and sizes the next window from it.
    pub fn advance(&mut self, window: &Window, read: WindowRead) {
        let count = read.count.max(0) as usize;
        let whole = read.read >= count;
        let width = self
            .span
            .unwrap_or_else(|| Span::between(&window.start, &window.end));
        if read.read > 0 && read.value_bytes > 0 {
            let per_key = (read.value_bytes / read.read).max(1);
            self.target = (WINDOW_VALUE_BYTES / per_key).clamp(MIN_WINDOW_KEYS, WINDOW_KEYS);
        } else if self.span.is_none() {
            self.target = WINDOW_KEYS;
        }
        let aim = self.target as f64;
        let next = if count == 0 {
            width.scaled(MAX_GROWTH)
        } else {
            width.scaled((aim / count as f64).min(MAX_GROWTH))
        };
        self.span = Some(match (whole, read.first, read.last) {
            // The keys read show how close together the rest of the window is likely to be.
            (false, Some(first), Some(last)) if first < last => {
                let local = Span::between(first, last).scaled(aim / read.read as f64);
                if next.wider_than(local) {
                    local
                } else {
                    next
                }
            }
            _ => next,
        });
        if whole {
            self.cursor = window.end.clone();
            self.done = !before_end(&self.cursor, &self.end) || window.end == self.end;
        } else if let Some(last) = read.last {
            self.cursor = after_key(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A key bound without the zero bytes that end it (they make no difference to these tests).
    fn trimmed(bound: Option<Vec<u8>>) -> Option<Vec<u8>> {
        bound.map(|mut key| {
            while key.len() > 1 && key.last() == Some(&0) {
                key.pop();
            }
            key
        })
    }

    #[test]
    fn a_span_measures_the_distance_from_the_first_byte_that_differs() {
        let span = Span::between(b"big/0000", b"big/0001");
        assert_eq!(trimmed(span.past(b"big/0000")), Some(b"big/0001".to_vec()));
        assert_eq!(
            trimmed(span.scaled(2.0).past(b"big/0000")),
            Some(b"big/0002".to_vec())
        );
        let wide = Span::between(b"a", b"c");
        assert_eq!(trimmed(wide.past(b"b")), Some(b"d".to_vec()));
        assert!(wide.wider_than(span));
        assert!(!span.wider_than(wide));
    }

    #[test]
    fn a_span_carries_into_earlier_bytes_and_ends_past_the_keyspace() {
        let one = Span::between(&[b'a', 0xff], &[b'b', 0]);
        assert_eq!(trimmed(one.past(&[b'a', 0xff])), Some(vec![b'b']));
        assert_eq!(one.past(&[0xff, 0xff]), None);
        // Bytes past the span's depth are dropped: the end is past every key sharing the rest.
        assert_eq!(
            Span::between(b"k", b"l").past(b"k\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
            Some(b"l\xff\xff\xff\xff\xff".to_vec())
        );
        // The end of the keyspace is one past 0xff in the first byte.
        assert_eq!(Span::between(&[0x10], &[0]).past(&[0x10]), None);
    }

    #[test]
    fn tiny_and_huge_spans_stay_representable() {
        let tiny = Span::between(b"a", b"a\0\0\0\0\0\0\0\0\x01");
        assert_eq!(
            trimmed(tiny.past(b"a")),
            Some(b"a\0\0\0\0\0\0\0\0\x01".to_vec())
        );
        let narrower = tiny.scaled(1e-30);
        let end = narrower.past(b"a").unwrap();
        assert!(end.as_slice() > b"a".as_slice());
        assert!(end.as_slice() < b"a\0\0\0\0\0\0\0\0\x01".as_slice());
        assert_eq!(Span::between(b"\0", &[0]).scaled(1e30).past(b"\0"), None);
    }

    /// Scans `keys` as etcd would answer each window, and answers the keys read, the windows
    /// read and the keys etcd visited to count them.
    fn scan(keys: &BTreeSet<Vec<u8>>, start: &[u8], end: &[u8]) -> (Vec<Vec<u8>>, usize, usize) {
        let mut scan = Scan::new(start.to_vec(), end.to_vec());
        let (mut read, mut windows, mut visited) = (Vec::new(), 0, 0);
        while let Some(window) = scan.window() {
            windows += 1;
            assert!(windows < 100_000, "the scan ends");
            let inside: Vec<&Vec<u8>> = keys
                .range(window.start.clone()..)
                .take_while(|k| before_end(k, &window.end))
                .collect();
            visited += inside.len();
            let page: Vec<&Vec<u8>> = inside.iter().take(window.limit).copied().collect();
            read.extend(page.iter().map(|k| k.to_vec()));
            scan.advance(
                &window,
                WindowRead {
                    count: inside.len() as i64,
                    first: page.first().map(|k| k.as_slice()),
                    last: page.last().map(|k| k.as_slice()),
                    read: page.len(),
                    value_bytes: 0,
                },
            );
        }
        (read, windows, visited)
    }

    #[test]
    fn a_scan_reads_every_key_once_in_order_visiting_few_more() {
        let mut keys = BTreeSet::new();
        for folder in 0..200 {
            for key in 0..1000 {
                keys.insert(format!("big/{folder:04}/{key:08}").into_bytes());
            }
        }
        keys.insert(b"big".to_vec());
        keys.insert(b"bih".to_vec());
        let (read, windows, visited) = scan(&keys, b"big/", b"big0");
        let expected: Vec<Vec<u8>> = keys
            .iter()
            .filter(|k| k.starts_with(b"big/"))
            .cloned()
            .collect();
        assert_eq!(read, expected);
        // The first window counts everything; the rest visit little more than they read.
        assert!(
            visited < 3 * expected.len(),
            "{visited} visits for {}",
            expected.len()
        );
        assert!(windows < 200, "{windows} windows");
    }

    #[test]
    fn a_scan_reads_odd_keyspaces_whole() {
        let mut keys = BTreeSet::new();
        for i in 0..3000u32 {
            keys.insert(format!("/registry/pods/default/nginx-{i}").into_bytes());
        }
        for i in 0..300u32 {
            keys.insert(format!("/registry/services/ns{i}/svc").into_bytes());
        }
        for i in 0..=255u8 {
            keys.insert(vec![i]);
            keys.insert(vec![0xff, i, 0xff]);
        }
        keys.insert(vec![0xff; 40]);
        let (read, _, visited) = scan(&keys, &[0], &[0]);
        assert_eq!(read, keys.iter().cloned().collect::<Vec<_>>());
        assert!(
            visited < 4 * keys.len(),
            "{visited} visits for {}",
            keys.len()
        );
        // Keys that differ only far past the start, densely.
        let dense: BTreeSet<Vec<u8>> = (0..20_000u32)
            .map(|i| format!("{}{i:06}", "x".repeat(64)).into_bytes())
            .collect();
        let (read, _, _) = scan(&dense, b"x", b"y");
        assert_eq!(read.len(), dense.len());
        let (read, windows, _) = scan(&BTreeSet::new(), b"a", b"b");
        assert!(read.is_empty() && windows == 1);
    }
}
