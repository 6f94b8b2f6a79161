//! Tree levels against a real etcd: every kind of key in its place, folders counted exactly,
//! pages that hold their revision, and random keyspaces compared with the levels worked out
//! from all their keys.

mod common;

use common::TestCluster;
use etcd_client::Client;
use etcd_deck::domain::{
    tree::{place, EntryKind, LevelRequest, Place, TreeLevel},
    Key,
};
use etcd_deck::etcd::Etcd;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::BTreeMap;

/// What a level shows, in order: `("folder" | "key", name bytes, count)`.
type Shown = Vec<(EntryKind, Vec<u8>, Option<i64>)>;

fn shown(level: &TreeLevel) -> Shown {
    level
        .entries
        .iter()
        .map(|e| (e.kind, e.name.as_bytes().to_vec(), e.count))
        .collect()
}

/// Every page of a level, `limit` entries at a time, each after the first at its revision.
async fn all_pages(etcd: &Etcd, prefix: &[u8], limit: u32) -> (Shown, usize) {
    let mut request = LevelRequest::new(Key::new(prefix), Key::from("/"), None, Some(limit));
    let (mut all, mut pages) = (Vec::new(), 0);
    loop {
        let level = etcd.level(&request).await.unwrap();
        pages += 1;
        assert!(level.entries.len() <= limit as usize);
        all.extend(shown(&level));
        let Some(next) = level.next else { break };
        request.after = Some(next);
        request.revision = Some(level.revision);
    }
    (all, pages)
}

/// The level worked out from every key: what etcd-deck must show.
fn expected(keys: &[Vec<u8>], prefix: &[u8]) -> Shown {
    let mut entries: BTreeMap<Vec<u8>, (EntryKind, Vec<u8>, Option<i64>)> = BTreeMap::new();
    for key in keys {
        match place(prefix, b"/", key) {
            Some(Place::Key { name }) => {
                entries.insert(key.clone(), (EntryKind::Key, name, None));
            }
            Some(Place::Folder { name, prefix }) => {
                let entry = entries
                    .entry(prefix)
                    .or_insert((EntryKind::Folder, name, Some(0)));
                entry.2 = entry.2.map(|count| count + 1);
            }
            None => {}
        }
    }
    entries.into_values().collect()
}

async fn put_all(cluster: &TestCluster, keys: &[Vec<u8>]) -> Client {
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for key in keys {
        etcd.put(key.clone(), "v", None).await.unwrap();
    }
    etcd
}

#[tokio::test]
async fn every_kind_of_key_has_its_place_and_folders_their_counts() {
    let cluster = TestCluster::start(1);
    let mut keys: Vec<Vec<u8>> = [
        "t/", "t/a", "t/b", "t/b/1", "t/b/2", "t//x", "t/c//x", "t/d/", "t/ü/x", "u/x",
    ]
    .iter()
    .map(|k| k.as_bytes().to_vec())
    .collect();
    keys.push(vec![b't', b'/', 0xff, b'/', 0]);
    keys.push(vec![b't', b'/', 0xff]);
    for folder in (0..20).filter(|n| *n != 7) {
        for key in ["x", "y"] {
            keys.push(format!("t/n/{folder:04}/{key}").into_bytes());
        }
    }
    keys.push(b"t/n/0010a/x".to_vec());
    keys.push(b"t/n/0015".to_vec());
    let mut etcd = put_all(&cluster, &keys).await;
    let deck = cluster.connect().await;

    let level = deck
        .level(&LevelRequest::new(
            Key::from("t/"),
            Key::from("/"),
            None,
            None,
        ))
        .await
        .unwrap();
    let names: Vec<(EntryKind, String, Option<i64>)> = shown(&level)
        .into_iter()
        .map(|(kind, name, count)| (kind, Key::new(name).display(), count))
        .collect();
    use EntryKind::{Folder, Key as K};
    let ff = Key::new(vec![0xff]).display();
    assert_eq!(
        names,
        [
            (K, "".into(), None),
            (Folder, "".into(), Some(1)),
            (K, "a".into(), None),
            (K, "b".into(), None),
            (Folder, "b".into(), Some(2)),
            (Folder, "c".into(), Some(1)),
            (Folder, "d".into(), Some(1)),
            (Folder, "n".into(), Some(40)),
            (Folder, "ü".into(), Some(1)),
            (K, ff.clone(), None),
            (Folder, ff, Some(1)),
        ]
    );
    assert_eq!(level.next, None);
    assert_eq!(level.total, Some(keys.len() as i64 - 1), "all but u/x");

    // Numbered folders, a gap, one out of sequence and a key among them, in pages of 3.
    let (pages, count) = all_pages(&deck, b"t/n/", 3).await;
    assert_eq!(pages, expected(&keys, b"t/n/"));
    assert_eq!(pages.len(), 21);
    assert_eq!(count, 7);

    // A page read at the first page's revision does not see what was written since.
    let first = deck
        .level(&LevelRequest::new(
            Key::from("t/n/"),
            Key::from("/"),
            None,
            Some(2),
        ))
        .await
        .unwrap();
    etcd.put("t/n/0003/z", "v", None).await.unwrap();
    etcd.put("t/n/0002a/z", "v", None).await.unwrap();
    let mut second = first.request.clone();
    second.after = first.next.clone();
    second.revision = Some(first.revision);
    let pinned = deck.level(&second).await.unwrap();
    let names: Vec<String> = pinned.entries.iter().map(|e| e.name.display()).collect();
    assert_eq!(names, ["0002", "0003"]);
    assert_eq!(pinned.entries[1].count, Some(2));
    second.revision = None;
    let now = deck.level(&second).await.unwrap();
    let names: Vec<String> = now.entries.iter().map(|e| e.name.display()).collect();
    assert_eq!(names, ["0002", "0002a"]);
}

#[tokio::test]
async fn random_keyspaces_show_the_levels_their_keys_make() {
    let cluster = TestCluster::start(1);
    let mut rng = StdRng::seed_from_u64(8);
    let alphabet = [b'a', b'b', b'/', b'0', b'9', 0xff, 0x00];
    let mut keys: Vec<Vec<u8>> = (0..400)
        .map(|_| {
            let len = rng.random_range(0..7);
            let mut key = b"r/".to_vec();
            key.extend((0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())]));
            key
        })
        .collect();
    keys.sort();
    keys.dedup();
    put_all(&cluster, &keys).await;
    let deck = cluster.connect().await;
    for prefix in [&b"r/"[..], b"r/a", b"r/a/", b"r//", b"r/0", b"r/\xff/"] {
        let want = expected(&keys, prefix);
        for limit in [1, 4, 1000] {
            let (got, _) = all_pages(&deck, prefix, limit).await;
            assert_eq!(got, want, "prefix {prefix:?}, limit {limit}");
        }
    }
}
