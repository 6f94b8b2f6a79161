//! `make bench`, part two: a million keys (`big/NNNN/NNNNNNNN`, 1,000 folders of 1,000) in one
//! etcd member, and what etcd-deck's REST API takes to show them, each beside etcd's own time
//! for the cheapest Range that reads the same, measured in the same run. The server is the real
//! binary, so that its memory can be read.
//!
//! `SCALE_FOLDERS` and `SCALE_KEYS` (default 1000 each) change the keyspace; `SCALE_RUNS`
//! (default 5) the runs each figure is the median of.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "scale/maintenance.rs"]
mod maintenance;

use common::{env_number, server::TestServer, TestCluster};
use etcd_client::{Client, GetOptions, Txn, TxnOp};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The median time of `runs` runs of `request`.
async fn median<F, Fut, T>(runs: usize, mut request: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        request().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// The peak and current resident memory of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Writes `folders` × `keys` keys, 128 to a transaction, several transactions at once.
async fn load(etcd: &Client, folders: usize, keys: usize) {
    let all: Vec<String> = (0..folders)
        .flat_map(|f| (0..keys).map(move |k| format!("big/{f:04}/{k:08}")))
        .collect();
    let batches: Vec<Vec<String>> = all.chunks(128).map(<[String]>::to_vec).collect();
    let mut tasks = Vec::new();
    for lane in 0..8 {
        let etcd = etcd.clone();
        let batches: Vec<Vec<String>> = batches.iter().skip(lane).step_by(8).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut kv = etcd.kv_client();
            for batch in batches {
                let ops = batch.into_iter().map(|key| TxnOp::put(key, "v", None));
                kv.txn(Txn::new().and_then(ops.collect::<Vec<_>>()))
                    .await
                    .expect("load a batch");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let folders = env_number("SCALE_FOLDERS", 1000);
    let keys = env_number("SCALE_KEYS", 1000);
    let runs = env_number("SCALE_RUNS", 5);
    let cluster = TestCluster::start_with_flags(1, "--quota-backend-bytes=4294967296");
    let etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let version = etcd.clone().status().await.unwrap().version().to_string();
    let started = Instant::now();
    load(&etcd, folders, keys).await;
    let total = folders * keys;
    println!(
        "\netcd-deck at scale: {total} keys (big/NNNN/NNNNNNNN, {folders} folders of {keys}), \
         1 etcd member ({version}), loaded in {:.1} s; medians of {runs} runs",
        started.elapsed().as_secs_f64()
    );

    let server = TestServer::start(&cluster);
    let http = reqwest::Client::new();
    let api = |path: String| {
        let (http, url) = (http.clone(), format!("{}{path}", server.url));
        async move {
            let response = http.get(url).send().await.expect("etcd-deck answers");
            assert!(response.status().is_success(), "{}", response.status());
            response.json::<Value>().await.unwrap()
        }
    };
    let range = |start: &str, end: &str, options: GetOptions| {
        let (mut kv, start) = (etcd.kv_client(), start.to_string());
        let options = options.with_range(end.to_string());
        async move { kv.get(start, Some(options)).await.unwrap() }
    };
    // Warm both up, and learn the cursors of the folder's pages.
    api("/api/v1/keys?prefix=big%2F".into()).await;
    let mut pages = vec![(None, 0)];
    for _ in 0..4 {
        let (after, _) = pages.last().unwrap().clone();
        let mut path = "/api/v1/keys?prefix=big%2F0500%2F".to_string();
        if let Some(after) = &after {
            path.push_str(&format!("&after={after}"));
        }
        let page = api(path).await;
        let next = page["next"].as_str().map(str::to_string);
        pages.push((next, page["revision"].as_i64().unwrap()));
    }

    println!(
        "{:<46} {:>12} {:>12} {:>7}",
        "request", "etcd-deck", "etcd", "ratio"
    );
    let row = |what: &str, deck: Duration, etcd: Duration| {
        println!(
            "{what:<46} {:>12} {:>12} {:>6.2}x",
            ms(deck),
            ms(etcd),
            deck.as_secs_f64() / etcd.as_secs_f64()
        );
    };
    let keys_only = || GetOptions::new().with_keys_only().with_limit(100);

    let deck = median(runs, || api("/api/v1/keys?prefix=big%2F".into())).await;
    let direct = median(runs, || range("big/", "big0", keys_only())).await;
    row("first flat page of big/ (100 keys)", deck, direct);

    let level = api("/api/v1/tree?prefix=big%2F&limit=1000".into()).await;
    let folders_seen = level["entries"].as_array().map_or(0, Vec::len);
    let counted: i64 = level["entries"]
        .as_array()
        .map(|entries| entries.iter().filter_map(|e| e["count"].as_i64()).sum())
        .unwrap_or(0);
    assert_eq!((folders_seen, counted), (folders, total as i64), "{level}");
    let deck = median(runs, || api("/api/v1/tree?prefix=big%2F&limit=1000".into())).await;
    let direct = median(runs, || {
        range("big/", "big0", GetOptions::new().with_count_only())
    })
    .await;
    row(
        &format!("tree level of big/: {folders} folders, counted"),
        deck,
        direct,
    );

    let deck = median(runs, || api("/api/v1/keys?prefix=big%2F0500%2F".into())).await;
    let direct = median(runs, || range("big/0500/", "big/05000", keys_only())).await;
    row("folder big/0500/, first page", deck, direct);
    let (after, revision) = pages[4].clone();
    let fifth = format!(
        "/api/v1/keys?prefix=big%2F0500%2F&after={}&revision={revision}",
        after.unwrap_or_default()
    );
    let deck = median(runs, || api(fifth.clone())).await;
    let direct = median(runs, || {
        range("big/0500/00000400", "big/05000", keys_only())
    })
    .await;
    row("folder big/0500/, fifth page (pinned)", deck, direct);

    // A search across every key: the time to its first match (the first window counts the whole
    // range, like etcd's cheapest Range over it) and to its end (beside one Range that returns
    // every key at once), and the rate it looks at keys.
    let search = |query: &'static str| {
        let (http, url) = (http.clone(), server.url.clone());
        async move {
            let started = Instant::now();
            let path = format!("{url}/api/v1/search?prefix=big%2F&q={query}&limit=10000");
            let mut response = http.get(path).send().await.expect("etcd-deck answers");
            assert!(response.status().is_success(), "{}", response.status());
            let (mut first, mut text) = (None, String::new());
            while let Some(chunk) = response.chunk().await.unwrap() {
                text.push_str(std::str::from_utf8(&chunk).unwrap());
                if first.is_none() && text.contains("\"key\"") {
                    first = Some(started.elapsed());
                }
            }
            let done: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
            assert_eq!(done["done"], true, "{done}");
            (first, started.elapsed(), done)
        }
    };
    let (_, _, done) = search("00000042").await;
    assert_eq!(
        (done["scanned"].as_i64(), done["matches"].as_i64()),
        (Some(total as i64), Some(folders as i64)),
        "{done}"
    );
    let mut firsts = Vec::new();
    let mut ends = Vec::new();
    for _ in 0..runs {
        let (first, end, _) = search("00000042").await;
        firsts.push(first.unwrap());
        ends.push(end);
    }
    firsts.sort();
    ends.sort();
    let (first, end) = (firsts[runs / 2], ends[runs / 2]);
    let direct = median(runs, || range("big/", "big0", keys_only())).await;
    row("search \"00000042\": first match", first, direct);
    let every_key = || {
        let mut kv = etcd.kv_client().max_decoding_message_size(1 << 30);
        let options = GetOptions::new().with_keys_only().with_range("big0");
        async move { kv.get("big/", Some(options)).await.unwrap() }
    };
    let direct = median(runs.min(3), every_key).await;
    row(
        &format!("search \"00000042\": all {total} keys"),
        end,
        direct,
    );
    println!(
        "search scan rate: {:.0} keys/s ({} matches)",
        total as f64 / end.as_secs_f64(),
        done["matches"]
    );
    let (peak, now) = memory(server.pid());
    println!("etcd-deck resident memory: peak {peak:.1} MiB, now {now:.1} MiB");

    bulk(&etcd, &server, total).await;
    maintenance::run(&cluster, &etcd, &server, runs.min(3)).await;
}

/// Keys the import and the pinned delete work on.
const BULK_KEYS: usize = 100_000;

/// The bulk run: an export of every key (beside etcd's own paged Range of them), a dry run and
/// an apply of a 100,000-key import (beside the same writes as etcd transactions of 128 puts),
/// and the pinned delete of a 100,000-key prefix (beside etcd's own DeleteRange of one).
async fn bulk(etcd: &Client, server: &TestServer, total: usize) {
    let http = reqwest::Client::new();
    println!("\nbulk: export, import and pinned delete");
    println!(
        "{:<46} {:>12} {:>12} {:>7} {:>14}",
        "operation", "etcd-deck", "etcd", "ratio", "keys/s"
    );
    let row = |what: &str, keys: usize, deck: Duration, etcd: Duration| {
        println!(
            "{what:<46} {:>12} {:>12} {:>6.2}x {:>14.0}",
            ms(deck),
            ms(etcd),
            deck.as_secs_f64() / etcd.as_secs_f64(),
            keys as f64 / deck.as_secs_f64()
        );
    };

    // Export: streamed, counted as it comes, beside etcd reading the same keys with their values.
    let started = Instant::now();
    let url = format!("{}/api/v1/export?prefix=big%2F", server.url);
    let mut response = http.get(url).send().await.expect("etcd-deck answers");
    assert!(response.status().is_success(), "{}", response.status());
    let (mut lines, mut bytes) = (0usize, 0usize);
    while let Some(chunk) = response
        .chunk()
        .await
        .expect("the export streams to its end")
    {
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        bytes += chunk.len();
    }
    let export = started.elapsed();
    assert_eq!(lines, total + 1, "a header and every key");
    let (peak, _) = memory(server.pid());
    let started = Instant::now();
    // etcd's own fastest way: one Range of the whole prefix, as `etcdctl get --prefix` does
    // (every value in one answer, held in memory at once).
    let mut kv = etcd.kv_client().max_decoding_message_size(1 << 30);
    let options = GetOptions::new().with_range("big0");
    let read = kv.get("big/", Some(options)).await.unwrap().kvs().len();
    assert_eq!(read, total);
    row(
        &format!(
            "export of {total} keys ({:.0} MiB)",
            bytes as f64 / 1048576.0
        ),
        total,
        export,
        started.elapsed(),
    );
    println!("etcd-deck resident memory after the export: peak {peak:.1} MiB");

    // Import: 100,000 new keys, dry run then apply; etcd writes the same in 128-put transactions.
    let file: String = std::iter::once(
        r#"{"format":"etcd-deck-export","version":1,"prefix":"imp/","revision":1,"time":""}"#
            .to_string()
            + "\n",
    )
    .chain((0..BULK_KEYS).map(|i| format!("{{\"key\":\"imp/{i:08}\",\"value\":\"v{i}\"}}\n")))
    .collect();
    let import = |query: String| {
        let (http, url, file) = (
            http.clone(),
            format!("{}/api/v1/import?{query}", server.url),
            file.clone(),
        );
        async move {
            let started = Instant::now();
            let response = http
                .post(url)
                .body(file)
                .send()
                .await
                .expect("etcd-deck answers");
            assert!(response.status().is_success(), "{}", response.status());
            let report: Value = response.json().await.unwrap();
            (started.elapsed(), report)
        }
    };
    let (dry, report) = import("dry_run=true".into()).await;
    assert_eq!(report["create"]["count"], BULK_KEYS, "{report}");
    let same = |prefix: &'static str| {
        let etcd = etcd.clone();
        async move {
            let started = Instant::now();
            let keys: Vec<String> = (0..BULK_KEYS).map(|i| format!("{prefix}{i:08}")).collect();
            let mut kv = etcd.kv_client();
            for batch in keys.chunks(128) {
                let ops: Vec<TxnOp> = batch
                    .iter()
                    .map(|k| TxnOp::put(k.as_str(), "v", None))
                    .collect();
                kv.txn(Txn::new().and_then(ops)).await.unwrap();
            }
            started.elapsed()
        }
    };
    let direct = same("direct/").await;
    let started = Instant::now();
    let mut kv = etcd.kv_client();
    let keys: Vec<String> = (0..BULK_KEYS).map(|i| format!("direct/{i:08}")).collect();
    for batch in keys.chunks(128) {
        let ops: Vec<TxnOp> = batch.iter().map(|k| TxnOp::get(k.as_str(), None)).collect();
        kv.txn(Txn::new().and_then(ops)).await.unwrap();
    }
    let reads = started.elapsed();
    row(
        &format!("import dry run, {BULK_KEYS} keys (etcd: the reads)"),
        BULK_KEYS,
        dry,
        reads,
    );
    let (applied, report) = import(format!("dry_run=false&revision={}", report["revision"])).await;
    assert_eq!(report["create"]["count"], BULK_KEYS, "{report}");
    row(
        &format!("import apply, {BULK_KEYS} keys (etcd: the same txns)"),
        BULK_KEYS,
        applied,
        direct,
    );
    let (again, report) = import("dry_run=false".into()).await;
    assert_eq!(report["unchanged"]["count"], BULK_KEYS, "{report}");
    row(
        "the same import again (etcd: the reads)",
        BULK_KEYS,
        again,
        reads,
    );

    // A pinned delete of the imported prefix, nothing changed since its revision (one
    // DeleteRange), and one with a key written after it (a transaction per 128 keys); beside
    // etcd's own DeleteRange of the same number of keys.
    let delete_range = |prefix: &'static str| {
        let mut kv = etcd.kv_client();
        async move {
            let started = Instant::now();
            let end = format!("{}0", prefix.trim_end_matches('/'));
            kv.delete(
                prefix,
                Some(etcd_client::DeleteOptions::new().with_range(end)),
            )
            .await
            .unwrap();
            started.elapsed()
        }
    };
    let direct = delete_range("direct/").await;
    let pinned = |revision: i64| {
        let (http, url) = (
            http.clone(),
            format!(
                "{}/api/v1/keys?prefix=imp%2F&confirm=imp%2F&revision={revision}",
                server.url
            ),
        );
        async move {
            let started = Instant::now();
            let response = http.delete(url).send().await.expect("etcd-deck answers");
            assert!(response.status().is_success(), "{}", response.status());
            let report: Value = response.json().await.unwrap();
            (started.elapsed(), report)
        }
    };
    let now = revision_now(etcd).await;
    let (fast, report) = pinned(now).await;
    assert_eq!(report["done"]["count"], BULK_KEYS, "{report}");
    row(
        &format!("pinned delete of {BULK_KEYS} keys, unchanged"),
        BULK_KEYS,
        fast,
        direct,
    );
    import("dry_run=false".into()).await;
    same("direct/").await;
    let direct = delete_range("direct/").await;
    let now = revision_now(etcd).await;
    etcd.kv_client()
        .put("imp/00050000", "changed", None)
        .await
        .unwrap();
    let (slow, report) = pinned(now).await;
    assert_eq!(report["changed"]["count"], 1, "{report}");
    row(
        &format!("pinned delete of {BULK_KEYS} keys, one changed"),
        BULK_KEYS,
        slow,
        direct,
    );
    let (peak, now) = memory(server.pid());
    println!("etcd-deck resident memory: peak {peak:.1} MiB, now {now:.1} MiB");
}

/// etcd's current revision.
async fn revision_now(etcd: &Client) -> i64 {
    let answer = etcd.kv_client().get("imp/", None).await.unwrap();
    answer.header().unwrap().revision()
}
