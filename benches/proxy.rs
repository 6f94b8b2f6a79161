//! `make bench`: what etcd-deck spends on a request, beside what etcd spends on it, in one run.
//!
//! The real etcd-deck binary serves one etcd member (etcd 3.4 unless `CLUSTER_ETCD_BIN` says
//! otherwise). `BENCH_CONNECTIONS` (default 32) keep-alive HTTP/1.1 connections send requests
//! back to back for `BENCH_SECONDS` (default 10) per path: a REST GET and PUT of one key with a
//! 192-byte value, the same through etcd's own JSON gateway (`/v3/kv/range`, `/v3/kv/put`), the
//! key list page of 100 keys and the REST listing of the same page. The CPU time each process
//! spent comes from `/proc/PID/stat`, divided by the requests answered; at the end, each
//! process's peak resident memory (`VmHWM` in `/proc/PID/status`).
//!
//! Targets: etcd-deck's CPU per REST GET and PUT at most a third of etcd's; REST throughput at
//! least 1.3 times the gateway's; the page at most twice the CPU of the REST listing.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{env_number, server::TestServer, TestCluster};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VALUE_BYTES: usize = 192;
/// Keys on the listed page.
const PAGE_KEYS: usize = 100;
/// `/proc`'s unit of CPU time (`USER_HZ`, 100 on Linux whatever the kernel's tick).
const TICKS_PER_SECOND: f64 = 100.0;

/// One request, sent again and again.
#[derive(Clone)]
struct Request {
    method: &'static str,
    /// `host:port`.
    host: String,
    path: String,
    body: Option<String>,
}

/// What one path measured.
struct Figures {
    requests: usize,
    failed: usize,
    per_second: f64,
    deck_us: f64,
    etcd_us: f64,
}

#[tokio::main]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 10) as u64;
    let connections = env_number("BENCH_CONNECTIONS", 32);
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let (deck, etcd) = (server.pid(), cluster.pid("m1"));
    let deck_host = server.url.trim_start_matches("http://").to_string();
    let etcd_host = cluster.endpoints[0]
        .trim_start_matches("http://")
        .to_string();
    let value = "v".repeat(VALUE_BYTES);
    let put_body = serde_json::json!({ "value": value }).to_string();
    let b64 = |text: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(text)
    };
    let rest = |method, path: &str, body: Option<String>| Request {
        method,
        host: deck_host.clone(),
        path: path.to_string(),
        body,
    };
    let gateway = |path: &str, body: serde_json::Value| Request {
        method: "POST",
        host: etcd_host.clone(),
        path: path.to_string(),
        body: Some(body.to_string()),
    };
    for i in 0..PAGE_KEYS {
        let fill = rest(
            "PUT",
            &format!("/api/v1/keys/list/k{i:03}"),
            Some(put_body.clone()),
        );
        assert!(send_once(&fill).await, "writing the listed keys");
    }
    assert!(send_once(&rest("PUT", "/api/v1/keys/k", Some(put_body.clone()))).await);
    let version = reqwest::get(format!("{}/version", cluster.endpoints[0]))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    println!(
        "etcd-deck CPU per request beside etcd's: {connections} connections x {seconds} s per path, \
         {VALUE_BYTES}-byte values, 1 etcd member {version}"
    );
    println!(
        "{:<22} {:>9} {:>10} {:>14} {:>14} {:>7}",
        "path", "requests", "per second", "etcd-deck CPU", "etcd CPU", "failed"
    );
    let duration = Duration::from_secs(seconds);
    let run_on = |server: u32, name: &'static str, request: Request| async move {
        let figures = measure(&request, connections, duration, server, etcd).await;
        println!(
            "{name:<22} {:>9} {:>10.0} {:>11.1} us {:>11.1} us {:>7}",
            figures.requests, figures.per_second, figures.deck_us, figures.etcd_us, figures.failed
        );
        figures
    };
    let run = |name, request| run_on(deck, name, request);
    let get = run("REST GET", rest("GET", "/api/v1/keys/k", None)).await;
    let gateway_get = run(
        "gateway range",
        gateway("/v3/kv/range", serde_json::json!({ "key": b64("k") })),
    )
    .await;
    let put = run(
        "REST PUT",
        rest("PUT", "/api/v1/keys/k", Some(put_body.clone())),
    )
    .await;
    let gateway_put = run(
        "gateway put",
        gateway(
            "/v3/kv/put",
            serde_json::json!({ "key": b64("k"), "value": b64(&value) }),
        ),
    )
    .await;
    let page = run("page / (100 keys)", rest("GET", "/?prefix=list/", None)).await;
    let listing = run(
        "REST list (100 keys)",
        rest("GET", "/api/v1/keys?prefix=list/&limit=100", None),
    )
    .await;
    // The same server with one worker thread, as on a machine it shares with etcd (README,
    // "Running beside etcd"): its requests no longer wake a second worker.
    let single = TestServer::start_with(&cluster, &[("TOKIO_WORKER_THREADS", "1")]);
    let single_host = single.url.trim_start_matches("http://").to_string();
    let on_single = |method, path: &str, body: Option<String>| Request {
        method,
        host: single_host.clone(),
        path: path.to_string(),
        body,
    };
    let single_get = run_on(
        single.pid(),
        "REST GET, 1 thread",
        on_single("GET", "/api/v1/keys/k", None),
    )
    .await;
    let single_put = run_on(
        single.pid(),
        "REST PUT, 1 thread",
        on_single("PUT", "/api/v1/keys/k", Some(put_body.clone())),
    )
    .await;

    println!();
    let cpu_share = |figures: &Figures| figures.deck_us / figures.etcd_us;
    target(
        "GET: etcd-deck CPU / etcd CPU",
        cpu_share(&get),
        "<=",
        1.0 / 3.0,
    );
    target(
        "PUT: etcd-deck CPU / etcd CPU",
        cpu_share(&put),
        "<=",
        1.0 / 3.0,
    );
    let throughput = |ours: &Figures, theirs: &Figures| ours.per_second / theirs.per_second;
    target(
        "GET: REST / gateway throughput",
        throughput(&get, &gateway_get),
        ">=",
        1.3,
    );
    target(
        "PUT: REST / gateway throughput",
        throughput(&put, &gateway_put),
        ">=",
        1.3,
    );
    target(
        "page CPU / REST list CPU",
        page.deck_us / listing.deck_us,
        "<=",
        2.0,
    );
    target(
        "GET, 1 thread: CPU / etcd CPU",
        cpu_share(&single_get),
        "<=",
        1.0 / 3.0,
    );
    target(
        "PUT, 1 thread: CPU / etcd CPU",
        cpu_share(&single_put),
        "<=",
        1.0 / 3.0,
    );
    println!(
        "etcd-deck's peak resident memory: {} MB, {} MB with 1 thread; etcd's: {} MB",
        peak_memory_mb(deck),
        peak_memory_mb(single.pid()),
        peak_memory_mb(etcd)
    );
    drop(single);
    drop(server);
}

/// Prints a ratio beside its target.
fn target(name: &str, ratio: f64, sense: &str, goal: f64) {
    let met = match sense {
        "<=" => ratio <= goal,
        _ => ratio >= goal,
    };
    let verdict = if met { "met" } else { "NOT met" };
    println!("{name:<34} {ratio:>6.2}  (target {sense} {goal:.2}: {verdict})");
}

/// `request` on `connections` connections for `duration`, with the CPU time `deck` and `etcd`
/// spent meanwhile.
async fn measure(
    request: &Request,
    connections: usize,
    duration: Duration,
    deck: u32,
    etcd: u32,
) -> Figures {
    let (done, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (deck_before, etcd_before) = (cpu_ticks(deck), cpu_ticks(etcd));
    let started = Instant::now();
    let end = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (request, done, failed) = (request.clone(), done.clone(), failed.clone());
            tokio::spawn(async move { keep_sending(&request, end, &done, &failed).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("a connection's task");
    }
    let elapsed = started.elapsed();
    let (deck_ticks, etcd_ticks) = (cpu_ticks(deck) - deck_before, cpu_ticks(etcd) - etcd_before);
    let requests = done.load(Ordering::Relaxed);
    let per_request = |ticks: u64| ticks as f64 / TICKS_PER_SECOND * 1e6 / requests.max(1) as f64;
    Figures {
        requests,
        failed: failed.load(Ordering::Relaxed),
        per_second: requests as f64 / elapsed.as_secs_f64(),
        deck_us: per_request(deck_ticks),
        etcd_us: per_request(etcd_ticks),
    }
}

/// Sends `request` on one connection until `end`, counting the answers; opens another
/// connection when one closes.
async fn keep_sending(request: &Request, end: Instant, done: &AtomicUsize, failed: &AtomicUsize) {
    while Instant::now() < end {
        let Ok(stream) = tokio::net::TcpStream::connect(&request.host).await else {
            failed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, connection)) = http1::handshake(TokioIo::new(stream)).await else {
            failed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let driver = tokio::spawn(connection);
        while Instant::now() < end {
            if sender.ready().await.is_err() {
                break;
            }
            match sender.send_request(build(request)).await {
                Ok(response) => {
                    let ok = response.status().is_success();
                    let read = response.into_body().collect().await.is_ok();
                    let counter = if ok && read { done } else { failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
        driver.abort();
    }
}

/// Sends `request` once on a connection of its own; answers whether it succeeded.
async fn send_once(request: &Request) -> bool {
    let stream = tokio::net::TcpStream::connect(&request.host).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    let driver = tokio::spawn(connection);
    let ok = match sender.send_request(build(request)).await {
        Ok(response) => {
            let ok = response.status().is_success();
            ok && response.into_body().collect().await.is_ok()
        }
        Err(_) => false,
    };
    driver.abort();
    ok
}

fn build(request: &Request) -> hyper::Request<Full<Bytes>> {
    let body = request.body.clone().unwrap_or_default();
    hyper::Request::builder()
        .method(request.method)
        .uri(&request.path)
        .header("host", &request.host)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a well-formed request")
}

/// The CPU time (user and system) process `pid` has spent, in `/proc`'s ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process runs");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').expect("a stat line").1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| fields[i].parse::<u64>().expect("a number of ticks");
    // utime and stime, fields 14 and 15 of the line: 12 and 13 after the name and state.
    field(11) + field(12)
}

/// The most memory process `pid` has held resident since it started (`VmHWM`), in MB.
fn peak_memory_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process runs");
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .expect("a VmHWM line");
    let kb: u64 = line
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kb / 1024
}
