//! `make bench`, part two, continued: maintaining the million-key member. A snapshot streamed
//! through etcd-deck beside `etcdctl snapshot save` (throughput, and etcd-deck's memory while
//! it streams), and the recovery run beside the same etcdctl commands run one after another.

use super::common::{restore::tool, server::TestServer, TestCluster};
use super::{memory, ms};
use etcd_client::{Client, Txn, TxnOp};
use serde_json::Value;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Keys written over again before each recovery, so that compaction has history to drop.
const REWRITTEN: usize = 100_000;

pub async fn run(cluster: &TestCluster, etcd: &Client, server: &TestServer, runs: usize) {
    let etcdctl = tool("etcdctl").expect("etcdctl beside etcd");
    let endpoint = cluster.endpoints[0].clone();
    let dir = tempfile::tempdir().unwrap();
    println!("\nmaintenance of the member: snapshot and recovery; medians of {runs} runs");
    println!(
        "{:<46} {:>12} {:>12} {:>7}",
        "operation", "etcd-deck", "etcdctl", "ratio"
    );

    // Snapshots, taken in turns, each to a file.
    let (mut deck_times, mut ctl_times, mut size, mut grown) = (vec![], vec![], 0u64, 0f64);
    for run in 0..runs {
        let file = dir.path().join(format!("ctl-{run}.db"));
        let started = Instant::now();
        let saved = Command::new(&etcdctl)
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", &endpoint, "snapshot", "save"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(saved.status.success(), "{saved:?}");
        ctl_times.push(started.elapsed());

        let (_, before) = memory(server.pid());
        let sampling = Arc::new(AtomicBool::new(true));
        let sampler = {
            let (sampling, pid) = (sampling.clone(), server.pid());
            tokio::spawn(async move {
                let mut most = 0f64;
                while sampling.load(Ordering::Relaxed) {
                    most = most.max(memory(pid).1);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                most
            })
        };
        let started = Instant::now();
        let url = format!("{}/api/v1/maintenance/snapshot", server.url);
        let mut response = reqwest::get(url).await.expect("etcd-deck answers");
        assert!(response.status().is_success(), "{}", response.status());
        let file = dir.path().join(format!("deck-{run}.db"));
        let mut out = tokio::fs::File::create(&file).await.unwrap();
        let mut bytes = 0u64;
        while let Some(chunk) = response.chunk().await.expect("the snapshot streams whole") {
            tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
                .await
                .unwrap();
            bytes += chunk.len() as u64;
        }
        tokio::io::AsyncWriteExt::flush(&mut out).await.unwrap();
        deck_times.push(started.elapsed());
        sampling.store(false, Ordering::Relaxed);
        grown = grown.max(sampler.await.unwrap() - before);
        size = bytes;
        let _ = std::fs::remove_file(&file);
        let _ = std::fs::remove_file(dir.path().join(format!("ctl-{run}.db")));
    }
    let (deck, ctl) = (middle(deck_times), middle(ctl_times));
    let mib = size as f64 / 1048576.0;
    println!(
        "{:<46} {:>12} {:>12} {:>6.2}x",
        format!("snapshot of {mib:.0} MiB"),
        ms(deck),
        ms(ctl),
        deck.as_secs_f64() / ctl.as_secs_f64()
    );
    println!(
        "snapshot throughput: etcd-deck {:.0} MiB/s, etcdctl {:.0} MiB/s ({:.2}x); etcd-deck's \
         resident memory grew at most {grown:.1} MiB while streaming",
        mib / deck.as_secs_f64(),
        mib / ctl.as_secs_f64(),
        ctl.as_secs_f64() / deck.as_secs_f64()
    );

    // The recovery, and the same commands by hand, each on a member with history to drop.
    let (mut deck_times, mut ctl_times) = (vec![], vec![]);
    for _ in 0..runs {
        let revision = rewrite(etcd).await;
        let ctl = |args: &[&str]| {
            let done = Command::new(&etcdctl)
                .env("ETCDCTL_API", "3")
                .args(["--endpoints", &endpoint, "--command-timeout=30m"])
                .args(args)
                .output()
                .unwrap();
            assert!(done.status.success(), "etcdctl {args:?}: {done:?}");
        };
        let started = Instant::now();
        ctl(&["compact", &revision.to_string(), "--physical"]);
        ctl(&["defrag"]);
        ctl(&["alarm", "list"]);
        ctl(&["put", "bench/test-write", "v"]);
        ctl(&["del", "bench/test-write"]);
        ctl_times.push(started.elapsed());

        let revision = rewrite(etcd).await;
        let started = Instant::now();
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/maintenance/recover", server.url))
            .json(&serde_json::json!({ "revision": revision }))
            .send()
            .await
            .expect("etcd-deck answers");
        assert!(response.status().is_success(), "{}", response.status());
        let text = response.text().await.unwrap();
        let report: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(report["ok"], true, "{text}");
        deck_times.push(started.elapsed());
    }
    let (deck, ctl) = (middle(deck_times), middle(ctl_times));
    println!(
        "{:<46} {:>12} {:>12} {:>6.2}x",
        "recovery: compact, defragment, disarm, test",
        ms(deck),
        ms(ctl),
        deck.as_secs_f64() / ctl.as_secs_f64()
    );
}

/// Writes the first [`REWRITTEN`] keys again; answers the revision after.
async fn rewrite(etcd: &Client) -> i64 {
    let mut kv = etcd.kv_client();
    let mut revision = 0;
    let keys: Vec<String> = (0..REWRITTEN)
        .map(|i| format!("big/{:04}/{:08}", i / 1000, i % 1000))
        .collect();
    for batch in keys.chunks(128) {
        let ops: Vec<TxnOp> = batch
            .iter()
            .map(|k| TxnOp::put(k.as_str(), "w", None))
            .collect();
        let done = kv.txn(Txn::new().and_then(ops)).await.unwrap();
        revision = done.header().unwrap().revision();
    }
    revision
}

fn middle(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
