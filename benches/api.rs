//! `make bench`: the same workload run directly with etcd-client and through etcd-deck's REST
//! API, in one run against one real etcd member, printing throughput, p50/p99 latency and the
//! ratios API/direct.
//!
//! `BENCH_SECONDS` (default 10) and `BENCH_CLIENTS` (default 64) change the run.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{app::serve_on_free_port, TestCluster};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VALUE_BYTES: usize = 256;
const KEYS_PER_CLIENT: usize = 100;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Put,
    Get,
}

/// What one run measured.
struct Figures {
    ops_per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn key(client: usize, i: usize) -> String {
    format!("bench/{client}/{}", i % KEYS_PER_CLIENT)
}

/// Runs `clients` loops of `request` for `seconds`, and measures them.
async fn measure<F, Fut>(clients: usize, seconds: u64, request: F) -> Figures
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let end = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let request = request.clone();
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0);
                let mut i = 0;
                while Instant::now() < end {
                    let started = Instant::now();
                    if request(client, i).await {
                        latencies.push(started.elapsed());
                    } else {
                        errors += 1;
                    }
                    i += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (l, e) = task.await.expect("a client task");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        ops_per_second: latencies.len() as f64 / seconds as f64,
        p50: at(0.50),
        p99: at(0.99),
        errors,
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cpu}, {cores} cores")
}

#[tokio::main]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 10);
    let clients = env_number("BENCH_CLIENTS", 64) as usize;
    let cluster = TestCluster::start(1);

    let (base, _) = serve_on_free_port(&cluster).await;

    let direct = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let value = "v".repeat(VALUE_BYTES);
    for client in 0..clients {
        for i in 0..KEYS_PER_CLIENT {
            direct
                .kv_client()
                .put(key(client, i), value.clone(), None)
                .await
                .unwrap();
        }
    }

    println!("etcd-deck benchmark: {clients} clients x {seconds} s per run, {VALUE_BYTES}-byte values, 1 etcd member (3.4), {}", machine());
    println!(
        "{:<4} {:<7} {:>10} {:>10} {:>10} {:>7}",
        "op", "path", "ops/s", "p50", "p99", "errors"
    );
    for op in [Op::Put, Op::Get] {
        let name = if op == Op::Put { "put" } else { "get" };
        let direct_figures = {
            let (client, value) = (direct.clone(), value.clone());
            measure(clients, seconds, move |c, i| {
                let (mut kv, value) = (client.kv_client(), value.clone());
                async move {
                    match op {
                        Op::Put => kv.put(key(c, i), value, None).await.is_ok(),
                        Op::Get => kv
                            .get(key(c, i), None)
                            .await
                            .is_ok_and(|r| r.kvs().len() == 1),
                    }
                }
            })
            .await
        };
        let api_figures = {
            let (http, base, body) = (
                http.clone(),
                base.clone(),
                serde_json::json!({ "value": value }),
            );
            measure(clients, seconds, move |c, i| {
                let url = format!("{base}/api/v1/keys/{}", key(c, i));
                let request = match op {
                    Op::Put => http.put(url).json(&body),
                    Op::Get => http.get(url),
                };
                async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
            })
            .await
        };
        for (path, figures) in [("direct", &direct_figures), ("api", &api_figures)] {
            println!(
                "{name:<4} {path:<7} {:>10.0} {:>10} {:>10} {:>7}",
                figures.ops_per_second,
                ms(figures.p50),
                ms(figures.p99),
                figures.errors
            );
        }
        let p99_added = api_figures.p99.as_secs_f64() - direct_figures.p99.as_secs_f64();
        println!(
            "{name:<4} api/direct: throughput {:.2}, p50 +{:.2} ms, p99 +{:.2} ms",
            api_figures.ops_per_second / direct_figures.ops_per_second,
            (api_figures.p50.as_secs_f64() - direct_figures.p50.as_secs_f64()) * 1000.0,
            p99_added * 1000.0
        );
    }
}
