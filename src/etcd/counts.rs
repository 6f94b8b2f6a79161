//! Counts of key ranges at fixed revisions, which never change: a listing's later pages need
//! the count of its whole prefix at its revision, and its first page already paid for it.
//! Each etcd user has their own: a count is only ever told to whoever may read the range.

use std::collections::HashMap;
use std::sync::Mutex;

/// Ranges remembered at most; past that, the oldest half is forgotten.
const CAPACITY: usize = 4096;

/// A range `[start, end)` at a revision, as counted for an etcd user (or nobody).
type RangeAt = (Option<String>, Vec<u8>, Vec<u8>, i64);

/// Counts by range and revision, each with the tick it was counted at, and the last tick.
type Ticked = (u64, HashMap<RangeAt, (u64, i64)>);

/// Counts by range and revision, bounded.
#[derive(Default)]
pub(super) struct Counts {
    counts: Mutex<Ticked>,
}

impl Counts {
    pub fn get(&self, user: Option<&str>, start: &[u8], end: &[u8], revision: i64) -> Option<i64> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let key = (
            user.map(str::to_string),
            start.to_vec(),
            end.to_vec(),
            revision,
        );
        counts.1.get(&key).map(|&(_, count)| count)
    }

    pub fn insert(&self, user: Option<&str>, start: &[u8], end: &[u8], revision: i64, count: i64) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let (clock, map) = &mut *counts;
        if map.len() >= CAPACITY {
            let mut ages: Vec<u64> = map.values().map(|&(age, _)| age).collect();
            let (_, median, _) = ages.select_nth_unstable(CAPACITY / 2);
            let median = *median;
            map.retain(|_, (age, _)| *age > median);
        }
        *clock += 1;
        let key = (
            user.map(str::to_string),
            start.to_vec(),
            end.to_vec(),
            revision,
        );
        map.insert(key, (*clock, count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_remembered_per_range_and_revision_and_bounded() {
        let counts = Counts::default();
        counts.insert(None, b"a/", b"a0", 7, 1000);
        assert_eq!(counts.get(None, b"a/", b"a0", 7), Some(1000));
        assert_eq!(counts.get(Some("bob"), b"a/", b"a0", 7), None);
        assert_eq!(counts.get(None, b"a/", b"a0", 8), None);
        assert_eq!(counts.get(None, b"b/", b"b0", 7), None);
        for revision in 0..(CAPACITY as i64 * 2) {
            counts.insert(None, b"c/", b"c0", revision, revision);
        }
        let held = counts.counts.lock().unwrap().1.len();
        assert!(held <= CAPACITY, "{held}");
        let last = CAPACITY as i64 * 2 - 1;
        assert_eq!(
            counts.get(None, b"c/", b"c0", last),
            Some(last),
            "the newest stay"
        );
        assert_eq!(counts.get(None, b"a/", b"a0", 7), None, "the oldest go");
    }
}
