//! `make bench`, part three: live updates. `LIVE_SUBSCRIBERS` (1,000) clients follow one prefix
//! through `GET /api/v1/watch` (server-sent events) while `LIVE_RATE` (100) writes a second go to
//! etcd for `LIVE_SECONDS` (20). Prints the delay from each write's acknowledgement by etcd to
//! its arrival at each subscriber (p50, p99, max), the events lost, the watches etcd has open for
//! the whole run (by its own metrics), and etcd-deck's memory and CPU time. The server is the
//! real binary.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{env_number, server::TestServer, TestCluster};
use etcd_client::Client;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A process's peak resident memory in MiB, and the CPU seconds it has used.
fn usage(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 12th and
    // 13th of them, in clock ticks (100 a second on Linux).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    (peak, ticks / 100.0)
}

/// Follows the watch stream at `url`, noting when each revision arrived, until `until`;
/// counts itself in `open` once the stream is open.
async fn subscribe(
    http: reqwest::Client,
    url: String,
    until: Instant,
    open: Arc<AtomicUsize>,
) -> Vec<(i64, Instant)> {
    let mut response = http.get(url).send().await.expect("etcd-deck answers");
    assert!(response.status().is_success(), "{}", response.status());
    open.fetch_add(1, Ordering::Relaxed);
    let mut arrived = Vec::new();
    let mut buffer = String::new();
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let chunk = match tokio::time::timeout(left, response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            _ => break,
        };
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if !block.starts_with("event: put") && !block.contains("\nevent: put") {
                assert!(
                    !block.contains("event: resync") && !block.contains("event: failed"),
                    "{block}"
                );
                continue;
            }
            let revision = block
                .split("\"revision\":")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|digits| digits.parse::<i64>().ok());
            if let Some(revision) = revision {
                arrived.push((revision, now));
            }
        }
    }
    arrived
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let subscribers = env_number("LIVE_SUBSCRIBERS", 1000);
    let rate = env_number("LIVE_RATE", 100);
    let seconds = env_number("LIVE_SECONDS", 20);
    let cluster = TestCluster::start(1);
    let etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let version = etcd.clone().status().await.unwrap().version().to_string();
    let server = TestServer::start(&cluster);

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = format!("{}/api/v1/watch?prefix=live%2F", server.url);
    let connect_by = Instant::now() + Duration::from_secs(30);
    let run_until = connect_by + Duration::from_secs(seconds as u64 + 5);
    let open = Arc::new(AtomicUsize::new(0));
    let followers: Vec<_> = (0..subscribers)
        .map(|_| {
            let follow = subscribe(http.clone(), url.clone(), run_until, open.clone());
            tokio::spawn(follow)
        })
        .collect();
    while open.load(Ordering::Relaxed) < subscribers {
        assert!(
            Instant::now() < connect_by,
            "the subscribers did not all connect"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let watches_before = cluster.watchers().await;
    let (_, cpu_before) = usage(server.pid());

    let value = "v".repeat(256);
    let mut kv = etcd.kv_client();
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    let mut acknowledged = HashMap::new();
    let started = Instant::now();
    let mut watches_during = 0;
    for i in 0..rate * seconds {
        ticker.tick().await;
        let put = kv.put(format!("live/{i:06}"), value.clone(), None).await;
        let put = put.expect("etcd takes the write");
        acknowledged.insert(put.header().unwrap().revision(), Instant::now());
        if i == rate * seconds / 2 {
            watches_during = cluster.watchers().await;
        }
    }
    let wrote_for = started.elapsed();
    let (peak, cpu_after) = usage(server.pid());

    let mut delays = Vec::new();
    let mut lost = 0;
    let mut out_of_order = 0;
    for follower in followers {
        let arrived = follower.await.unwrap();
        let at: HashMap<i64, Instant> = arrived.iter().copied().collect();
        if arrived.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
            out_of_order += 1;
        }
        for (revision, acked) in &acknowledged {
            match at.get(revision) {
                Some(arrival) => delays.push(arrival.saturating_duration_since(*acked)),
                None => lost += 1,
            }
        }
    }
    delays.sort();
    let quantile = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize];
    let writes = acknowledged.len();
    println!(
        "\netcd-deck live: {subscribers} subscribers on one prefix, {writes} writes at {rate}/s \
         for {:.1} s ({} deliveries a second), 1 etcd member ({version})",
        wrote_for.as_secs_f64(),
        subscribers * rate
    );
    println!(
        "delivery after etcd acknowledged the write: p50 {}, p99 {}, max {} (target p99 <= 50 ms)",
        ms(quantile(0.5)),
        ms(quantile(0.99)),
        ms(*delays.last().unwrap())
    );
    println!(
        "events lost: {lost} of {} (target 0); subscribers that saw a revision out of order or \
         twice: {out_of_order}",
        writes * subscribers
    );
    println!(
        "etcd watches open: {watches_before} before the writes, {watches_during} during them \
         (target 1)"
    );
    println!(
        "etcd-deck: peak resident memory {peak:.1} MiB, {:.1} CPU seconds during the {:.1} s of \
         writes",
        cpu_after - cpu_before,
        wrote_for.as_secs_f64()
    );
}
