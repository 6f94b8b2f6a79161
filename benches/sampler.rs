//! `make bench`, part four: the sampler of the members' metrics. A 5-member cluster is read
//! `SAMPLER_ROUNDS` (720: an hour at the default 5 s) times, back to back ("compressed"),
//! into the window of an hour; prints the CPU time a round takes, what that is of one core at
//! the default interval (target under 1 %), the window's size once full (target under 32 MiB),
//! the process's resident memory growth, and, as the ratio, a round against only fetching the
//! five `/metrics` pages over HTTP (what any scraper pays) in the same run.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{env_number, TestCluster};
use etcd_deck::etcd::SamplerSettings;
use std::time::{Duration, Instant};

/// This process's CPU seconds and resident memory (MiB), from /proc.
fn usage() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = (after.split_whitespace().skip(11).take(2))
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = (status.lines())
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0);
    (ticks / 100.0, rss)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds = env_number("SAMPLER_ROUNDS", 720);
    let cluster = TestCluster::start(5);
    // Some traffic, so the pages carry every series a busy member has.
    let mut client = etcd_client::Client::connect(cluster.endpoints.clone(), None)
        .await
        .expect("etcd answers");
    for i in 0..500 {
        client
            .put(format!("bench/{i}"), "v".repeat(100), None)
            .await
            .unwrap();
        client.get(format!("bench/{i}"), None).await.unwrap();
    }
    let interval = Duration::from_secs(5);
    // The default settings: the window holds an hour of 5 s rounds. The sampler's own timer
    // adds a round every 5 s of the run, about 1 % more rounds than counted.
    let settings = SamplerSettings::default();
    let etcd = cluster.connect_sampling(settings).await;
    let capacity = (settings.window.as_secs() / settings.interval.as_secs()) as usize;
    etcd.sample_metrics().await;

    // Only fetching the five pages, as a scraper would.
    let http = reqwest::Client::new();
    let fetch_rounds = rounds.min(120);
    let (cpu_before, _) = usage();
    let started = Instant::now();
    let mut page_bytes = 0;
    for _ in 0..fetch_rounds {
        let pages = cluster.endpoints.iter().map(|url| {
            let http = http.clone();
            async move {
                http.get(format!("{url}/metrics"))
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .len()
            }
        });
        page_bytes = futures::future::join_all(pages)
            .await
            .into_iter()
            .sum::<usize>();
    }
    let fetch_wall = started.elapsed().as_secs_f64() / fetch_rounds as f64;
    let fetch_cpu = (usage().0 - cpu_before) / fetch_rounds as f64;

    let (cpu_before, rss_before) = usage();
    let started = Instant::now();
    for _ in 0..rounds {
        etcd.sample_metrics().await;
    }
    let wall = started.elapsed().as_secs_f64() / rounds as f64;
    let (cpu_after, rss_after) = usage();
    let cpu = (cpu_after - cpu_before) / rounds as f64;
    let footprint = etcd.metrics_footprint() as f64 / (1024.0 * 1024.0);
    let view = etcd.metrics_view(settings.window, None);
    assert!(view.errors.is_empty(), "{:?}", view.errors);
    assert!(
        view.held >= 5 * rounds.min(capacity),
        "{} points held",
        view.held
    );

    let core = 100.0 * cpu / interval.as_secs_f64();
    println!(
        "sampler: 5 members, {rounds} rounds back to back (an hour at one every {} s)",
        interval.as_secs()
    );
    println!(
        "  the 5 /metrics pages: {:.0} KB a round",
        page_bytes as f64 / 1000.0
    );
    println!(
        "  a round: {:.1} ms of CPU, {:.1} ms of wall time",
        cpu * 1000.0,
        wall * 1000.0
    );
    println!(
        "  fetching the pages only: {:.1} ms of CPU, {:.1} ms of wall time",
        fetch_cpu * 1000.0,
        fetch_wall * 1000.0
    );
    println!(
        "  ratio, a round to fetching only: {:.2}x CPU",
        cpu / fetch_cpu.max(1e-9)
    );
    println!(
        "  at one round every {} s: {core:.3} % of one core (target < 1 %)",
        interval.as_secs()
    );
    println!(
        "  the window: {} points held, about {footprint:.2} MiB (target < 32 MiB)",
        view.held
    );
    println!(
        "  resident memory: {rss_before:.1} MiB before, {rss_after:.1} MiB after ({:+.1} MiB)",
        rss_after - rss_before
    );
    assert!(core < 1.0, "the sampler takes {core:.2} % of a core");
    assert!(footprint < 32.0, "the window holds {footprint:.1} MiB");
}
