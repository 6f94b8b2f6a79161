//! `make bench`: the same workload run directly with etcd-client and through etcd-deck's REST
//! API, in one run against real etcd members, printing throughput, p50/p99 latency and ratios.
//!
//! Two parts. On an etcd without authentication: direct, the API with nobody signing in, and
//! the API signed in from a users file, with HTTP basic and with the UI's session cookie (ratios
//! to the open API). On an etcd with authentication: direct as an etcd user, and the API signed
//! in as that user, both ways (ratios to direct, comparable with the open API's).
//!
//! Each path runs `BENCH_SECONDS` (default 10) in all, in five turns taken with the other
//! paths, with `BENCH_CLIENTS` (default 64) clients.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{
    app::{serve_on_free_port, serve_with_access},
    env_number, TestCluster,
};
use etcd_client::{Client, ConnectOptions, Permission};
use etcd_deck::domain::access::{Role, SignInMethod};
use etcd_deck::services::{access::AccessSettings, users};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VALUE_BYTES: usize = 256;
const KEYS_PER_CLIENT: usize = 100;
/// Each path's time is split into this many runs, taken in turns with the other paths'.
const ROUNDS: u32 = 5;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Put,
    Get,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Put => "put",
            Op::Get => "get",
        }
    }
}

/// How the API's requests say who sends them.
#[derive(Clone)]
enum Credentials {
    None,
    Basic(&'static str, &'static str),
    /// The `name=value` of a session cookie.
    Cookie(String),
}

/// The requests of one run, as they went.
struct Sample {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

/// What the runs of one path measured together.
struct Figures {
    ops_per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

impl Figures {
    fn of(samples: Vec<Sample>) -> Figures {
        let elapsed: Duration = samples.iter().map(|sample| sample.elapsed).sum();
        let errors = samples.iter().map(|sample| sample.errors).sum();
        let mut latencies: Vec<Duration> = samples
            .into_iter()
            .flat_map(|sample| sample.latencies)
            .collect();
        latencies.sort();
        let at = |q: f64| {
            let index = (latencies.len() as f64 * q) as usize;
            latencies
                .get(index.min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Figures {
            ops_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
            p50: at(0.50),
            p99: at(0.99),
            errors,
        }
    }
}

fn key(client: usize, i: usize) -> String {
    format!("bench/{client}/{}", i % KEYS_PER_CLIENT)
}

/// Runs `clients` loops of `request` for `duration`, and records them.
async fn measure<F, Fut>(clients: usize, duration: Duration, request: F) -> Sample
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let end = started + duration;
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
    Sample {
        latencies,
        errors,
        elapsed: started.elapsed(),
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
    let seconds = env_number("BENCH_SECONDS", 10) as u64;
    let clients = env_number("BENCH_CLIENTS", 64);
    let bench = Bench {
        clients,
        seconds,
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        value: "v".repeat(VALUE_BYTES),
    };
    let cluster = TestCluster::start(1);
    let mut direct = Client::connect(&cluster.endpoints, None).await.unwrap();
    let status = direct.status().await.unwrap();
    println!("etcd-deck benchmark: {clients} clients x {seconds} s per path (in {ROUNDS} turns), {VALUE_BYTES}-byte values, 1 etcd member ({}), {}", status.version(), machine());

    println!("\netcd without authentication");
    bench.fill(&direct).await;
    let (open, _) = serve_on_free_port(&cluster).await;
    let dir = tempfile::tempdir().unwrap();
    let users_file = dir.path().join("users");
    users::add_user(&users_file, "ed", Role::Editor, "ed-pw").unwrap();
    let mut settings = AccessSettings::open();
    settings.method = SignInMethod::UsersFile;
    settings.users = Some(users::UsersFile::load(&users_file).unwrap());
    let (signed_in, _) = serve_with_access(&cluster, settings).await;
    let cookie = Credentials::Cookie(bench.session(&signed_in, "ed", "ed-pw").await);
    header();
    for op in [Op::Put, Op::Get] {
        let paths = [
            ("direct", Path::Direct(&direct)),
            ("api", Path::Api(&open, Credentials::None)),
            (
                "basic",
                Path::Api(&signed_in, Credentials::Basic("ed", "ed-pw")),
            ),
            ("session", Path::Api(&signed_in, cookie.clone())),
        ];
        let [direct, api, basic, session] = bench.compare(op, paths).await;
        ratio(op, "api/direct", &api, &direct);
        ratio(op, "basic/api", &basic, &api);
        ratio(op, "session/api", &session, &api);
    }
    drop(cluster);

    println!("\netcd with authentication, as alice (read-write on bench/)");
    let cluster = TestCluster::start(1);
    let root = Client::connect(&cluster.endpoints, None).await.unwrap();
    bench.fill(&root).await;
    enable_authentication(root).await;
    let alice = ConnectOptions::new().with_user("alice", "alice-pw");
    let direct = Client::connect(&cluster.endpoints, Some(alice))
        .await
        .unwrap();
    let (server, _) = serve_with_access(&cluster, AccessSettings::open()).await;
    let cookie = Credentials::Cookie(bench.session(&server, "alice", "alice-pw").await);
    header();
    for op in [Op::Put, Op::Get] {
        let paths = [
            ("direct", Path::Direct(&direct)),
            (
                "basic",
                Path::Api(&server, Credentials::Basic("alice", "alice-pw")),
            ),
            ("session", Path::Api(&server, cookie.clone())),
        ];
        let [direct, basic, session] = bench.compare(op, paths).await;
        ratio(op, "basic/direct", &basic, &direct);
        ratio(op, "session/direct", &session, &direct);
    }
}

/// Where a run's requests go.
enum Path<'a> {
    /// Straight to etcd with etcd-client.
    Direct(&'a Client),
    /// Through the REST API at this base URL, with these credentials.
    Api(&'a str, Credentials),
}

/// One benchmark's settings.
struct Bench {
    clients: usize,
    seconds: u64,
    http: reqwest::Client,
    value: String,
}

impl Bench {
    /// Writes every key the runs read.
    async fn fill(&self, etcd: &Client) {
        for client in 0..self.clients {
            for i in 0..KEYS_PER_CLIENT {
                etcd.kv_client()
                    .put(key(client, i), self.value.clone(), None)
                    .await
                    .unwrap();
            }
        }
    }

    /// Signs in through the form, as a browser does; answers the session cookie.
    async fn session(&self, base: &str, user: &str, password: &str) -> String {
        let response = self
            .http
            .post(format!("{base}/auth/sign-in"))
            .header("origin", base)
            .form(&[("user", user), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        let set = response.headers()["set-cookie"].to_str().unwrap();
        set.split(';').next().unwrap().to_string()
    }

    /// Runs `op` on every path in turns, [`ROUNDS`] times, for `seconds` per path in all, so
    /// that what changes while the benchmark runs (the machine, etcd's files) weighs on every
    /// path alike; prints their figures and answers them in the same order.
    async fn compare<const N: usize>(&self, op: Op, paths: [(&str, Path<'_>); N]) -> [Figures; N] {
        let per_round = Duration::from_secs(self.seconds).div_f64(ROUNDS as f64);
        let mut samples: [Vec<Sample>; N] = std::array::from_fn(|_| Vec::new());
        for _ in 0..ROUNDS {
            for ((_, path), samples) in paths.iter().zip(&mut samples) {
                samples.push(match path {
                    Path::Direct(etcd) => self.direct(etcd, op, per_round).await,
                    Path::Api(base, credentials) => {
                        self.api(base, op, credentials.clone(), per_round).await
                    }
                });
            }
        }
        let figures = samples.map(Figures::of);
        for ((name, _), figures) in paths.iter().zip(&figures) {
            row(op, name, figures);
        }
        figures
    }

    /// `op` straight through etcd-client.
    async fn direct(&self, etcd: &Client, op: Op, duration: Duration) -> Sample {
        let (etcd, value) = (etcd.clone(), self.value.clone());
        measure(self.clients, duration, move |c, i| {
            let (mut kv, value) = (etcd.kv_client(), value.clone());
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
    }

    /// `op` through the REST API at `base`, with `credentials`.
    async fn api(
        &self,
        base: &str,
        op: Op,
        credentials: Credentials,
        duration: Duration,
    ) -> Sample {
        let (http, base) = (self.http.clone(), base.to_string());
        let body = serde_json::json!({ "value": self.value });
        measure(self.clients, duration, move |c, i| {
            let url = format!("{base}/api/v1/keys/{}", key(c, i));
            let request = match op {
                Op::Put => http.put(url).json(&body),
                Op::Get => http.get(url),
            };
            let request = match &credentials {
                Credentials::None => request,
                Credentials::Basic(user, password) => request.basic_auth(user, Some(password)),
                Credentials::Cookie(cookie) => request.header("cookie", cookie),
            };
            async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await
    }
}

/// Users of an etcd with authentication: `root`, and `alice` who may read and write `bench/`.
async fn enable_authentication(mut etcd: Client) {
    etcd.user_add("root", "root-pw", None).await.unwrap();
    let _ = etcd.role_add("root").await;
    etcd.user_grant_role("root", "root").await.unwrap();
    etcd.role_add("bench-rw").await.unwrap();
    let bench = Permission::read_write("bench/").with_prefix();
    etcd.role_grant_permission("bench-rw", bench).await.unwrap();
    etcd.user_add("alice", "alice-pw", None).await.unwrap();
    etcd.user_grant_role("alice", "bench-rw").await.unwrap();
    etcd.auth_enable().await.unwrap();
}

fn header() {
    println!(
        "{:<4} {:<8} {:>10} {:>10} {:>10} {:>7}",
        "op", "path", "ops/s", "p50", "p99", "errors"
    );
}

fn row(op: Op, path: &str, figures: &Figures) {
    println!(
        "{:<4} {path:<8} {:>10.0} {:>10} {:>10} {:>7}",
        op.name(),
        figures.ops_per_second,
        ms(figures.p50),
        ms(figures.p99),
        figures.errors
    );
}

/// How `measured` compares with `baseline`.
fn ratio(op: Op, name: &str, measured: &Figures, baseline: &Figures) {
    println!(
        "{:<4} {name}: throughput {:.2}, p50 {:+.2} ms, p99 {:+.2} ms",
        op.name(),
        measured.ops_per_second / baseline.ops_per_second,
        (measured.p50.as_secs_f64() - baseline.p50.as_secs_f64()) * 1000.0,
        (measured.p99.as_secs_f64() - baseline.p99.as_secs_f64()) * 1000.0,
    );
}
