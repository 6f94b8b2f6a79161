//! The key tree: the keys under a prefix, split on a delimiter, seen one level at a time.
//!
//! A level of `prefix` holds keys (the rest of the key has no delimiter) and folders (the rest of
//! the key up to its first delimiter, shared by every key in the folder). Nothing about a key is
//! lost: the prefix itself as a key, empty segments (`a//b`), trailing delimiters, a key that is
//! also a folder's name (`a/b` and `a/b/c`), and bytes that are not UTF-8 all have their place.
//!
//! etcd counts every key of a Range, even with a limit, so reading a level must only ever ask for
//! narrow ranges. [`guesses`] names the folders likely to come next (names that count up), and
//! [`Ladder`] widens a window step by step from the cursor when guesses fail.

use super::key::Key;
use super::paging::SortOrder;
use super::paging::{after_key, before_end, page_size, prefix_range_end, prefix_range_start};
use super::KeySummary;
use serde::{Deserialize, Serialize};

/// The delimiter unless the view says otherwise.
pub const DEFAULT_DELIMITER: &str = "/";

/// What an entry of a level is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Folder,
    Key,
}

/// One entry of a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeEntry {
    pub kind: EntryKind,
    /// The rest of the key after the level's prefix; for a folder, up to its delimiter.
    pub name: Key,
    /// A key's whole key; a folder's prefix (the level's prefix, the name and the delimiter).
    pub key: Key,
    /// How many keys the folder holds, when counted.
    pub count: Option<i64>,
    /// A key's version, revisions and lease (and its value's size, when the level was sorted
    /// by it); none for a folder.
    #[serde(default)]
    pub summary: Option<KeySummary>,
}

impl TreeEntry {
    /// The folder `name`, whose prefix is `folder`, holding `count` keys.
    pub fn folder(name: Vec<u8>, folder: Vec<u8>, count: i64) -> TreeEntry {
        TreeEntry {
            kind: EntryKind::Folder,
            name: Key::new(name),
            key: Key::new(folder),
            count: Some(count),
            summary: None,
        }
    }

    /// The key `summary` names, as the entry `name` of its level.
    pub fn key(name: Vec<u8>, summary: KeySummary) -> TreeEntry {
        TreeEntry {
            kind: EntryKind::Key,
            name: Key::new(name),
            key: summary.key.clone(),
            count: None,
            summary: Some(summary),
        }
    }
}

/// Which entries of a level to read: those under `prefix` split on `delimiter`, after the entry
/// `after` (a key, or a folder's prefix), at most `limit`, at `revision` (that of the first page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelRequest {
    pub prefix: Key,
    pub delimiter: Key,
    pub after: Option<Key>,
    pub limit: u32,
    pub revision: Option<i64>,
    /// The order of the entries within the page (pages follow each other in key order).
    #[serde(default)]
    pub sort: SortOrder,
}

impl LevelRequest {
    /// A request for the first `limit` entries (default and bounds as a key page's).
    pub fn new(prefix: Key, delimiter: Key, after: Option<Key>, limit: Option<u32>) -> Self {
        LevelRequest {
            limit: page_size(limit),
            prefix,
            delimiter,
            after,
            revision: None,
            sort: SortOrder::Key,
        }
    }

    /// The page after this one, at `revision`.
    pub fn next(&self, last: &Key, revision: i64) -> LevelRequest {
        LevelRequest {
            after: Some(last.clone()),
            revision: Some(revision),
            ..self.clone()
        }
    }

    /// The level's first page, read anew.
    pub fn first(&self) -> LevelRequest {
        LevelRequest {
            after: None,
            revision: None,
            ..self.clone()
        }
    }

    /// The first key this page may hold: past the entry `after` (a whole folder, or a key).
    pub fn start(&self) -> Vec<u8> {
        let prefix = self.prefix.as_bytes();
        let first = prefix_range_start(prefix);
        let Some(after) = &self.after else {
            return first;
        };
        let after = after.as_bytes();
        let past = match place(prefix, self.delimiter.as_bytes(), after) {
            Some(Place::Folder { prefix: folder, .. }) if folder == after => {
                prefix_range_end(after)
            }
            _ => after_key(after),
        };
        past.max(first)
    }

    /// The end of the level: past every key under the prefix.
    pub fn end(&self) -> Vec<u8> {
        prefix_range_end(self.prefix.as_bytes())
    }
}

/// One page of a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeLevel {
    pub request: LevelRequest,
    pub entries: Vec<TreeEntry>,
    /// The cursor of the next page, when there may be one.
    pub next: Option<Key>,
    /// The store revision the page was read at.
    pub revision: i64,
    /// How many keys there are under the prefix, counted on the level's first page only (later
    /// pages do not pay for a count of all that follows them).
    pub total: Option<i64>,
    /// The revision the level had been read at, when etcd had compacted it: this page is the
    /// level's first, read again at the current revision.
    #[serde(default)]
    pub compacted: Option<i64>,
}

impl TreeLevel {
    /// The prefix of the level's only entry when that is a whole first page holding one folder
    /// with an empty name: every key starts with the delimiter.
    pub fn only_unnamed_folder(&self) -> Option<Key> {
        match self.entries.as_slice() {
            [only]
                if self.request.after.is_none()
                    && only.kind == EntryKind::Folder
                    && only.name.is_empty() =>
            {
                Some(only.key.clone())
            }
            _ => None,
        }
    }

    /// Sorts the entries in the request's order: by key count, folders by their count and keys
    /// after them; by a key's version, mod revision or value size, folders first as read (they
    /// have none) and keys after them in that order; else in key order as read.
    pub fn sort(&mut self) {
        let order = self.request.sort;
        match order {
            SortOrder::Key => {}
            SortOrder::Count => self
                .entries
                .sort_by_key(|entry| std::cmp::Reverse(entry.count.unwrap_or(0))),
            SortOrder::Modified | SortOrder::Version | SortOrder::Size => {
                let (mut keys, folders): (Vec<TreeEntry>, Vec<TreeEntry>) = self
                    .entries
                    .drain(..)
                    .partition(|entry| entry.summary.is_some());
                keys.sort_by_key(|entry| {
                    std::cmp::Reverse(entry.summary.as_ref().map_or(0, |key| order.rank(key)))
                });
                self.entries = folders;
                self.entries.extend(keys);
            }
        }
    }
}

/// Where a key under a level's prefix sits in that level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A key of the level itself, with its name.
    Key { name: Vec<u8> },
    /// In a folder: its name and its prefix.
    Folder { name: Vec<u8>, prefix: Vec<u8> },
}

/// Where `key` sits in the level of `prefix`, split on `delimiter`; `None` when `key` is not
/// under `prefix`.
pub fn place(prefix: &[u8], delimiter: &[u8], key: &[u8]) -> Option<Place> {
    let rest = key.strip_prefix(prefix)?;
    match find(rest, delimiter) {
        Some(at) => Some(Place::Folder {
            name: rest[..at].to_vec(),
            prefix: key[..prefix.len() + at + delimiter.len()].to_vec(),
        }),
        None => Some(Place::Key {
            name: rest.to_vec(),
        }),
    }
}

/// The entries of a level read whole: `keys` are every key from the page's start to the level's
/// end, in order. Answers at most `limit` entries, each folder with the count of its keys, and
/// whether more entries follow.
pub fn group_level(
    prefix: &[u8],
    delimiter: &[u8],
    keys: Vec<KeySummary>,
    limit: usize,
) -> (Vec<TreeEntry>, bool) {
    let mut entries: Vec<TreeEntry> = Vec::new();
    for summary in keys {
        let place = place(prefix, delimiter, summary.key.as_bytes());
        if let Some(Place::Folder { prefix: folder, .. }) = &place {
            if let Some(last) = entries
                .last_mut()
                .filter(|last| last.key.as_bytes() == folder)
            {
                last.count = last.count.map(|count| count + 1);
                continue;
            }
        }
        if entries.len() == limit {
            return (entries, true);
        }
        match place {
            Some(Place::Folder {
                name,
                prefix: folder,
            }) => entries.push(TreeEntry::folder(name, folder, 1)),
            Some(Place::Key { name }) => entries.push(TreeEntry::key(name, summary)),
            None => {}
        }
    }
    (entries, false)
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The names that likely follow a folder's: its trailing number counted up, keeping its width
/// (`0500` → `0501`, `0502`…; `node9` → `node10`). None for a name without a trailing number.
pub fn guesses(name: &[u8], count: usize) -> Vec<Vec<u8>> {
    let digits = name.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    // More than 18 digits would not fit a u64 when counted up.
    if digits == 0 || digits > 18 {
        return Vec::new();
    }
    let (stem, number) = name.split_at(name.len() - digits);
    let Ok(number) = std::str::from_utf8(number)
        .unwrap_or_default()
        .parse::<u64>()
    else {
        return Vec::new();
    };
    (1..=count as u64)
        .map(|step| {
            let mut guess = stem.to_vec();
            guess.extend(format!("{:0digits$}", number + step).bytes());
            guess
        })
        .collect()
}

/// The prefix of the folder `name` in the level of `prefix`.
pub fn folder_prefix(prefix: &[u8], name: &[u8], delimiter: &[u8]) -> Vec<u8> {
    [prefix, name, delimiter].concat()
}

/// Windows `[cursor, end)` that widen step by step up to the end of the level: the first that
/// holds a key holds few more than the next entry. At each byte of the cursor, from the last
/// to the first past the prefix, the end moves up by 1, 2, 4… in that byte, then on to the byte
/// before.
#[derive(Debug, Clone)]
pub struct Ladder {
    /// The bytes of the cursor that the ends are built from.
    cursor: Vec<u8>,
    /// The bytes that belong to the level's prefix, which no end changes.
    fixed: usize,
    /// The byte being raised, and by how much next.
    position: usize,
    step: u16,
    /// The end of the level: no window goes past it.
    level_end: Vec<u8>,
    done: bool,
}

impl Ladder {
    /// The windows from `cursor` (a key under `prefix`, or the prefix itself) to `level_end`.
    pub fn new(prefix: &[u8], cursor: &[u8], level_end: &[u8]) -> Ladder {
        Ladder {
            cursor: cursor.to_vec(),
            fixed: prefix.len(),
            position: cursor.len(),
            step: 1,
            level_end: level_end.to_vec(),
            done: false,
        }
    }
}

impl Iterator for Ladder {
    /// The end of the next window.
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        loop {
            if self.position <= self.fixed {
                self.done = true;
                return Some(self.level_end.clone());
            }
            let at = self.position - 1;
            let byte = u16::from(self.cursor[at]);
            if byte + self.step > 0xff {
                // Raising this byte past 0xff is raising the one before.
                self.position -= 1;
                self.step = 1;
                continue;
            }
            let mut end = self.cursor[..at].to_vec();
            end.push((byte + self.step) as u8);
            self.step *= 2;
            if !before_end(&end, &self.level_end) {
                self.done = true;
                return Some(self.level_end.clone());
            }
            return Some(end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &[u8]) -> Place {
        Place::Key {
            name: name.to_vec(),
        }
    }

    fn folder(name: &[u8], prefix: &[u8]) -> Place {
        Place::Folder {
            name: name.to_vec(),
            prefix: prefix.to_vec(),
        }
    }

    #[test]
    fn every_key_has_its_place() {
        let at = |key: &[u8]| place(b"a/", b"/", key);
        assert_eq!(at(b"a/b"), Some(key(b"b")));
        assert_eq!(at(b"a/b/c"), Some(folder(b"b", b"a/b/")));
        assert_eq!(at(b"a/b/c/d"), Some(folder(b"b", b"a/b/")));
        assert_eq!(at(b"a/"), Some(key(b"")), "the prefix itself is a key");
        assert_eq!(at(b"a//x"), Some(folder(b"", b"a//")), "an empty segment");
        assert_eq!(
            at(b"a/b/"),
            Some(folder(b"b", b"a/b/")),
            "a trailing delimiter"
        );
        assert_eq!(at(b"b/a"), None);
        assert_eq!(
            at(&[b'a', b'/', 0xff, b'/', 0]),
            Some(folder(&[0xff], &[b'a', b'/', 0xff, b'/']))
        );
        assert_eq!(place(b"", b"/", b"x/y"), Some(folder(b"x", b"x/")));
        assert_eq!(place(b"", b"/", b"/x"), Some(folder(b"", b"/")));
        assert_eq!(
            place(b"a::", b"::", b"a::b::c"),
            Some(folder(b"b", b"a::b::"))
        );
        assert_eq!(
            place(b"a", b"", b"abc"),
            Some(key(b"bc")),
            "no delimiter: flat"
        );
    }

    #[test]
    fn a_page_goes_on_past_its_last_entry() {
        let page = |after: Option<&str>| {
            let after = after.map(Key::from);
            LevelRequest::new(Key::from("a/"), Key::from("/"), after, None).start()
        };
        assert_eq!(page(None), b"a/");
        assert_eq!(page(Some("a/b/")), b"a/b0", "past the whole folder");
        assert_eq!(page(Some("a/b")), b"a/b\0", "past the key");
        assert_eq!(page(Some("0")), b"a/", "never before the prefix");
        let whole = LevelRequest::new(Key::default(), Key::from("/"), None, None);
        assert_eq!((whole.start(), whole.end()), (vec![0], vec![0]));
    }

    #[test]
    fn a_level_read_whole_is_grouped_into_folders_and_keys() {
        let summary = KeySummary::written_once;
        let keys: Vec<KeySummary> = ["/s/a/1", "/s/a/2", "/s/b", "/s/c/x/1", "/s/c/y", "/s/d"]
            .into_iter()
            .map(summary)
            .collect();
        let shown = |entries: &[TreeEntry]| -> Vec<(String, Option<i64>)> {
            entries.iter().map(|e| (e.key.display(), e.count)).collect()
        };
        let (entries, more) = group_level(b"/s/", b"/", keys.clone(), 10);
        assert!(!more);
        assert_eq!(
            shown(&entries),
            [
                ("/s/a/".to_string(), Some(2)),
                ("/s/b".to_string(), None),
                ("/s/c/".to_string(), Some(2)),
                ("/s/d".to_string(), None),
            ]
        );
        let (entries, more) = group_level(b"/s/", b"/", keys, 3);
        assert!(more);
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[2].count,
            Some(2),
            "the last folder is counted whole"
        );
    }

    #[test]
    fn a_level_sorts_its_keys_after_its_folders() {
        let key = |name: &str, version: i64, mod_revision: i64| {
            TreeEntry::key(
                name.as_bytes().to_vec(),
                KeySummary {
                    key: Key::from(name),
                    version,
                    create_revision: 1,
                    mod_revision,
                    lease: 0,
                    lease_left: None,
                    value: None,
                    value_size: Some(version as u64 * 10),
                },
            )
        };
        let level = TreeLevel {
            request: LevelRequest::new(Key::default(), Key::from("/"), None, None),
            entries: vec![
                key("a", 1, 9),
                TreeEntry::folder(b"f".to_vec(), b"f/".to_vec(), 5),
                key("b", 3, 4),
                TreeEntry::folder(b"g".to_vec(), b"g/".to_vec(), 7),
            ],
            next: None,
            revision: 9,
            total: None,
            compacted: None,
        };
        let names = |level: &TreeLevel| -> Vec<String> {
            level.entries.iter().map(|e| e.name.display()).collect()
        };
        for (order, want) in [
            (SortOrder::Key, ["a", "f", "b", "g"]),
            (SortOrder::Count, ["g", "f", "a", "b"]),
            (SortOrder::Version, ["f", "g", "b", "a"]),
            (SortOrder::Size, ["f", "g", "b", "a"]),
            (SortOrder::Modified, ["f", "g", "a", "b"]),
        ] {
            let mut sorted = level.clone();
            sorted.request.sort = order;
            sorted.sort();
            assert_eq!(names(&sorted), want, "{order:?}");
        }
    }

    #[test]
    fn names_that_count_up_are_guessed() {
        let text = |guesses: Vec<Vec<u8>>| -> Vec<String> {
            guesses
                .into_iter()
                .map(|g| String::from_utf8(g).unwrap())
                .collect()
        };
        assert_eq!(text(guesses(b"0500", 3)), ["0501", "0502", "0503"]);
        assert_eq!(text(guesses(b"0999", 2)), ["1000", "1001"]);
        assert_eq!(text(guesses(b"node9", 2)), ["node10", "node11"]);
        assert!(guesses(b"pods", 3).is_empty());
        assert!(guesses(b"", 3).is_empty());
        assert!(guesses(b"99999999999999999999", 3).is_empty());
    }

    #[test]
    fn ladders_widen_from_the_cursor_to_the_end_of_the_level() {
        let ends: Vec<Vec<u8>> = Ladder::new(b"a/", b"a/05000", b"a0").collect();
        let first: Vec<&[u8]> = ends.iter().take(4).map(Vec::as_slice).collect();
        assert_eq!(first, [&b"a/05001"[..], b"a/05002", b"a/05004", b"a/05008"]);
        assert!(ends.contains(&b"a/0501".to_vec()));
        assert!(ends.contains(&b"a/1".to_vec()));
        assert_eq!(ends.last().unwrap(), b"a0");
        assert!(ends.windows(2).all(|pair| pair[0] < pair[1]), "{ends:?}");
        assert!(ends.iter().all(|end| end.as_slice() <= b"a0".as_slice()));
        // Bytes at 0xff carry into the byte before; the whole keyspace ends with `\0`.
        let ends: Vec<Vec<u8>> = Ladder::new(b"", &[b'x', 0xff], &[0]).collect();
        assert_eq!(ends.first().unwrap(), b"y");
        assert_eq!(ends.last().unwrap(), &[0]);
        // At most 9 steps a byte.
        let ends = Ladder::new(b"p/", b"p/abcdefgh", b"p0").count();
        assert!(ends <= 8 * 9 + 1, "{ends}");
    }
}
