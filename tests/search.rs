//! Search against a real etcd: every mode finds exactly what a scan of all keys would, at one
//! revision, up to its cap and on after it; a search stops when nobody reads it; and the REST
//! endpoint streams it as lines.

mod common;

use common::{app::TestApp, eventually, TestCluster};
use etcd_client::{Client, Txn, TxnOp};
use etcd_deck::domain::{
    search::{SearchDone, SearchMode, SearchRequest},
    AppError, Key,
};
use etcd_deck::etcd::ScanPermit;
use etcd_deck::services::{
    caller::Caller,
    search::{search, SearchEvent},
};
use std::time::Duration;

/// Writes `keys` (each with the value `value of <key>`) in transactions of 128.
async fn put_all(cluster: &TestCluster, keys: &[Vec<u8>]) -> Client {
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for chunk in keys.chunks(128) {
        let puts: Vec<TxnOp> = chunk
            .iter()
            .map(|key| {
                let mut value = b"value of ".to_vec();
                value.extend_from_slice(key);
                TxnOp::put(key.clone(), value, None)
            })
            .collect();
        etcd.txn(Txn::new().and_then(puts)).await.unwrap();
    }
    etcd
}

/// Every match of a search, and how it ended.
async fn run(caller: &Caller, request: &SearchRequest) -> (Vec<Vec<u8>>, SearchDone) {
    let mut events = search(caller, request).await.unwrap();
    let mut hits = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            SearchEvent::Hit(hit) => hits.push(hit.summary.key.as_bytes().to_vec()),
            SearchEvent::Progress(_) => {}
            SearchEvent::Done(done) => return (hits, done),
            SearchEvent::Failed(err) => panic!("the search failed: {err}"),
        }
    }
    panic!("the search ended without saying so");
}

fn request(prefix: &str, query: &str, mode: SearchMode) -> SearchRequest {
    let mut request = SearchRequest::new(Key::from(prefix), query.into(), mode);
    request.limit = 10_000;
    request
}

/// The keys of a keyspace with folders of numbered keys and every awkward kind of key.
fn keyspace() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for folder in 0..30 {
        for key in 0..400 {
            keys.push(format!("s/{folder:04}/{key:06}").into_bytes());
        }
    }
    for odd in [
        "s/a b/%2F?#",
        "s/<b>bold</b>",
        "s/ünï/cödé",
        "s/UPPER/Case",
        "s/",
        "s//x",
        "s/x/",
    ] {
        keys.push(odd.as_bytes().to_vec());
    }
    keys.push(vec![b's', b'/', 0xff, 0xfe, b'4', b'2']);
    keys.push(b"t/000042".to_vec());
    keys.sort();
    keys
}

#[tokio::test]
async fn every_mode_finds_what_a_scan_of_every_key_finds() {
    let cluster = TestCluster::start(1);
    let keys = keyspace();
    put_all(&cluster, &keys).await;
    let caller = cluster.caller().await;
    let under = |keep: &dyn Fn(&[u8]) -> bool| -> Vec<Vec<u8>> {
        let in_s = keys.iter().filter(|k| k.starts_with(b"s/"));
        in_s.filter(|k| keep(k)).cloned().collect()
    };
    let contains = |key: &[u8], part: &[u8]| key.windows(part.len()).any(|w| w == part);

    let (hits, done) = run(&caller, &request("s/", "0042", SearchMode::Substring)).await;
    assert_eq!(hits, under(&|k| contains(k, b"0042")));
    assert_eq!(hits.len(), 30, "once per folder");
    let scanned = keys.len() as i64 - 1;
    assert_eq!(
        (done.progress.scanned, done.progress.total),
        (scanned, Some(scanned))
    );
    assert_eq!(done.progress.matches, hits.len() as i64);
    assert_eq!(done.next, None);

    let (hits, _) = run(&caller, &request("s/", "s/*/00004?", SearchMode::Glob)).await;
    assert_eq!(
        hits,
        under(&|k| k.len() == 13 && k.starts_with(b"s/") && contains(k, b"/00004"))
    );
    let (hits, _) = run(&caller, &request("s/", "*42", SearchMode::Glob)).await;
    assert_eq!(hits, under(&|k| k.ends_with(b"42")), "binary keys too");

    let (hits, _) = run(
        &caller,
        &request("s/", r"^s/00(0[5-9])/0+1$", SearchMode::Regex),
    )
    .await;
    let expected: Vec<Vec<u8>> = (5..10)
        .map(|f| format!("s/{f:04}/000001").into_bytes())
        .collect();
    assert_eq!(hits, expected);

    // Keys with every awkward character are found as they are.
    for (query, key) in [
        ("%2F?#", "s/a b/%2F?#"),
        ("<b>bold", "s/<b>bold</b>"),
        ("ünï/c", "s/ünï/cödé"),
    ] {
        let (hits, _) = run(&caller, &request("s/", query, SearchMode::Substring)).await;
        assert_eq!(hits, [key.as_bytes().to_vec()], "{query}");
    }
    let mut any_case = request("s/", "upper/case", SearchMode::Substring);
    assert!(run(&caller, &any_case).await.0.is_empty());
    any_case.ignore_case = true;
    assert_eq!(run(&caller, &any_case).await.0, [b"s/UPPER/Case".to_vec()]);

    // In values: `value of s/0003/000123` holds "value of", the keys do not.
    let mut in_values = request("s/0003/", "of s/0003/00012", SearchMode::Substring);
    assert!(run(&caller, &in_values).await.0.is_empty());
    in_values.values = true;
    let mut events = search(&caller, &in_values).await.unwrap();
    let mut found = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            SearchEvent::Hit(hit) => {
                assert!(hit.in_value);
                assert_eq!(hit.value_size, Some(9 + 13));
                found.push(hit.summary.key.display());
            }
            SearchEvent::Failed(err) => panic!("{err}"),
            SearchEvent::Progress(_) | SearchEvent::Done(_) => {}
        }
    }
    assert_eq!(found.len(), 10);
    assert_eq!(found[0], "s/0003/000120");
}

#[tokio::test]
async fn a_search_holds_its_revision_and_goes_on_after_its_cap() {
    let cluster = TestCluster::start(1);
    let keys = keyspace();
    let mut etcd = put_all(&cluster, &keys).await;
    let caller = cluster.caller().await;
    let everything: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| k.starts_with(b"s/0"))
        .cloned()
        .collect();

    // In caps of 1,000: each search goes on after the last, at the first one's revision,
    // although keys are written and deleted in between.
    let mut pinned = request("s/0", "s/", SearchMode::Substring);
    pinned.limit = 1000;
    let mut all = Vec::new();
    loop {
        let (hits, done) = run(&caller, &pinned).await;
        assert!(hits.len() <= 1000);
        all.extend(hits);
        etcd.put("s/0000/000000x", "new", None).await.unwrap();
        etcd.delete(everything[all.len() % everything.len()].clone(), None)
            .await
            .unwrap();
        pinned.revision = Some(done.progress.revision);
        match done.next {
            Some(next) => pinned.after = Some(next),
            None => break,
        }
    }
    assert_eq!(all, everything);

    // Once etcd compacts past it, the revision is refused as such.
    let revision = pinned.revision.unwrap();
    common::compact_now(&mut etcd).await;
    match search(&caller, &pinned).await {
        Err(AppError::Compacted { revision: gone }) => assert_eq!(gone, revision),
        Err(err) => panic!("{err}"),
        Ok(_) => panic!("a compacted revision was searched"),
    }
}

#[tokio::test]
async fn a_search_nobody_reads_stops_and_makes_room_for_others() {
    let cluster = TestCluster::start(1);
    let keys: Vec<Vec<u8>> = (0..60_000)
        .map(|n| format!("big/{:04}/{n:08}", n / 1000).into_bytes())
        .collect();
    put_all(&cluster, &keys).await;
    let caller = cluster.caller().await;
    // One key in ten matches: a search that went on would read every window to the end.
    let tenth = request("big/", "*0", SearchMode::Glob);
    let ranges_before = cluster.ranges_answered().await;

    // As many searches as may run hold their places: one more is refused, and says why.
    let mut running = Vec::new();
    while running.len() < 16 {
        match search(&caller, &tenth).await {
            Ok(events) => running.push(events),
            Err(AppError::Busy { message, .. }) => {
                assert!(message.contains("searches are running"), "{message}");
                break;
            }
            Err(err) => panic!("{err}"),
        }
    }
    assert_eq!(running.len(), etcd_deck::etcd::MAX_SCANS);
    // Each is stuck a few hundred matches in, waiting for its reader.
    let mut first = running.pop().unwrap();
    assert!(matches!(first.next().await, Some(SearchEvent::Hit(_))));
    drop(first);
    drop(running);
    // Dropped, they end at once, and new searches run.
    let permits = |caller: &Caller| -> Vec<ScanPermit> {
        (0..etcd_deck::etcd::MAX_SCANS)
            .map_while(|_| caller.etcd.scan_permit().ok())
            .collect()
    };
    assert!(
        eventually(Duration::from_secs(2), || async {
            permits(&caller).len() == etcd_deck::etcd::MAX_SCANS
        })
        .await
    );
    // Ended, not run to their end: a whole search reads some forty windows of these 60,000
    // keys; each stopped one read the two or so that filled its queue.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ranges = cluster.ranges_answered().await - ranges_before;
    let whole = {
        let before = cluster.ranges_answered().await;
        let (hits, done) = run(&caller, &tenth).await;
        assert_eq!((hits.len(), done.next), (6_000, None));
        cluster.ranges_answered().await - before
    };
    assert!(
        ranges <= 4 * 3 && whole >= 20,
        "{ranges} Ranges for the four stopped searches, {whole} for a whole one"
    );

    let mut capped = tenth.clone();
    capped.limit = 100;
    let (hits, done) = run(&caller, &capped).await;
    assert_eq!(hits.len(), 100, "the cap");
    assert!(done.next.is_some());
}

#[tokio::test]
async fn the_rest_endpoint_streams_lines_and_refuses_bad_searches_with_their_status() {
    let cluster = TestCluster::start(1);
    put_all(&cluster, &keyspace()).await;
    let app = TestApp::start(&cluster).await;

    let (status, headers, body) = app
        .api(
            "GET",
            "/api/v1/search?prefix=s%2F&q=00001&progress=true&limit=5",
            None,
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-ndjson");
    assert!(
        headers.get("content-encoding").is_none(),
        "lines are not held back"
    );
    let text = body.as_str().expect("not one JSON document");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let matches: Vec<&str> = lines
        .iter()
        .filter_map(|line| line["key"].as_str())
        .collect();
    assert_eq!(
        matches,
        [
            "s/0000/000001",
            "s/0000/000010",
            "s/0000/000011",
            "s/0000/000012",
            "s/0000/000013"
        ]
    );
    assert!(lines[0]["mod_revision"].as_i64().unwrap() > 0);
    assert!(lines
        .iter()
        .any(|line| line["progress"]["scanned"].as_i64() > Some(0)));
    let done = lines.last().unwrap();
    assert_eq!(done["done"], true);
    assert_eq!(done["matches"], 5);
    let next = done["next"].as_str().unwrap();

    // On after the cap, at the same revision, in base64 for a binary key.
    let revision = done["revision"].as_i64().unwrap();
    let uri = format!(
        "/api/v1/search?prefix=s%2F&q=*42&mode=glob&after={next}&revision={revision}&limit=200"
    );
    let (status, _, body) = app.api("GET", &uri, None, &[]).await;
    assert_eq!(status, 200);
    let lines: Vec<serde_json::Value> = body
        .as_str()
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let binary = lines
        .iter()
        .find(|line| line["key_encoding"] == "base64")
        .expect("the binary key");
    assert_eq!(binary["key"], "cy///jQy");
    // 000042, 000142, 000242 and 000342 in each of the 30 folders, and the binary key.
    assert_eq!(lines.last().unwrap()["matches"], 121);

    for (uri, status, code) in [
        ("/api/v1/search?q=(x&mode=regex", 400, "invalid_input"),
        ("/api/v1/search?q=x&mode=fuzzy", 400, "invalid_input"),
        ("/api/v1/search?q=", 400, "invalid_input"),
        ("/api/v1/search?prefix=s%2F", 400, "invalid_input"),
        ("/api/v1/search?q=x&revision=999999", 400, "invalid_input"),
    ] {
        let (got, _, body) = app.api("GET", uri, None, &[]).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(body["error"]["code"], code, "{uri}");
    }
}

#[tokio::test]
async fn one_person_cannot_hold_every_search() {
    use etcd_deck::services::access::{Access, AccessSettings};
    use etcd_deck::services::users::{add_user, UsersFile};
    let cluster = TestCluster::start(1);
    let keys: Vec<Vec<u8>> = (0..1000)
        .map(|n| format!("s/{n:04}").into_bytes())
        .collect();
    put_all(&cluster, &keys).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users");
    use etcd_deck::domain::access::Role;
    add_user(&path, "vera", Role::Viewer, "vera-pw").unwrap();
    add_user(&path, "ed", Role::Editor, "ed-pw").unwrap();
    let settings = AccessSettings {
        users: Some(UsersFile::load(&path).unwrap()),
        ..AccessSettings::open()
    };
    let access = Access::new(cluster.connect().await, settings);
    let (vera, _) = access.sign_in("vera", "vera-pw", None).await.unwrap();
    let (ed, _) = access.sign_in("ed", "ed-pw", None).await.unwrap();
    let every = request("s/", "s/", SearchMode::Substring);

    // Two searches she never reads: each stops a little ahead of its reader, still running.
    let first = search(&vera, &every).await.unwrap();
    let second = search(&vera, &every).await.unwrap();
    match search(&vera, &every).await {
        Err(AppError::Busy { message, .. }) => {
            assert!(message.contains("2 searches"), "{message}")
        }
        other => panic!("a third search of hers: {:?}", other.map(|_| ())),
    }
    let (hits, _) = run(&ed, &every).await;
    assert_eq!(hits.len(), 1000, "someone else still searches");
    drop(first);
    assert!(
        eventually(Duration::from_secs(5), || async {
            search(&vera, &every).await.is_ok()
        })
        .await,
        "her slot came back when she left a search"
    );
    drop(second);
}

#[tokio::test]
async fn a_refused_search_says_to_try_again_not_to_sign_in() {
    let cluster = TestCluster::start(1);
    let caller = cluster.caller().await;
    let keys: Vec<Vec<u8>> = (0..2000)
        .map(|n| format!("busy/{n:05}").into_bytes())
        .collect();
    put_all(&cluster, &keys).await;
    let every = request("busy/", "busy/", SearchMode::Substring);
    let mut running = Vec::new();
    let refused = loop {
        match search(&caller, &every).await {
            Ok(events) => running.push(events),
            Err(err) => break err,
        }
    };
    assert_eq!(refused.status(), 429);
    let hint = refused.hint().unwrap_or_default();
    assert!(!hint.contains("sign in"), "{hint}");
    assert!(hint.contains("Try again in a moment"), "{hint}");
}
