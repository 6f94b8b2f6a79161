//! etcd-deck's Prometheus client against a real Prometheus scraping a real 3-member cluster:
//! range and instant queries answer the members' own figures, a query Prometheus cannot parse
//! is refused in its words, and a Prometheus that is not there is said so quickly.

mod common;

use common::{prometheus::TestPrometheus, TestCluster};
use etcd_deck::etcd::prometheus::Prometheus;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Now, in whole unix seconds, as a chart asks (Prometheus keeps times to the millisecond).
fn now_secs() -> f64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    now.as_secs() as f64
}

#[tokio::test]
async fn charts_read_each_members_figures_from_prometheus() {
    let started = Instant::now();
    let cluster = TestCluster::start(3);
    let scraper = TestPrometheus::start(&cluster.endpoints);
    let seen = (scraper.wait_for_samples("etcd_server_has_leader", Duration::from_secs(30))).await;
    // Every member scraped 5 times: at a whole-second step, the last 30 s then hold at least 3
    // points of each.
    let scraped = "count(count_over_time(etcd_server_has_leader[15s]) >= 5) == 3";
    (scraper.wait_for_samples(scraped, Duration::from_secs(30))).await;
    let after = started.elapsed();
    println!("Prometheus had samples of {seen} members, then 5 of each, {after:?} after the start");
    let prometheus = Prometheus::new(&scraper.url(), reqwest::Client::new()).unwrap();

    let now = now_secs();
    let step = Duration::from_secs(1);
    let leader = prometheus
        .query_range("etcd_server_has_leader", now - 30.0, now, step)
        .await
        .unwrap();
    let mut instances: Vec<&str> = leader
        .iter()
        .map(|s| s.labels["instance"].as_str())
        .collect();
    instances.sort();
    let mut members: Vec<&str> = cluster
        .endpoints
        .iter()
        .map(|u| &u["http://".len()..])
        .collect();
    members.sort();
    assert_eq!(
        instances, members,
        "one series per member, named by its address"
    );
    for series in &leader {
        assert_eq!(series.labels["job"], "etcd");
        assert_eq!(series.labels["__name__"], "etcd_server_has_leader");
        assert!(series.points.len() >= 3, "points: {:?}", series.points);
        assert!(series
            .points
            .iter()
            .all(|&(_, has_leader)| has_leader == 1.0));
        let (first, last) = (series.points[0].0, series.points[series.points.len() - 1].0);
        assert!(
            first >= now - 30.0 && last <= now,
            "points in the range asked: {first}…{last}"
        );
    }

    // Writes make the leader commit proposals, which a rate sees.
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    for i in 0..50 {
        etcd.put(format!("chart/{i}"), "x", None).await.unwrap();
    }
    let committing = "rate(etcd_server_proposals_committed_total[5s])";
    let wrote = common::eventually(Duration::from_secs(15), || async {
        let now = now_secs();
        let rates = prometheus
            .query_range(committing, now - 10.0, now, step)
            .await
            .unwrap();
        rates.len() == 3
            && rates
                .iter()
                .all(|s| s.points.iter().all(|&(_, rate)| rate >= 0.0))
            && rates
                .iter()
                .any(|s| s.points.iter().any(|&(_, rate)| rate > 0.0))
    });
    assert!(wrote.await, "the members' proposal rates show the writes");

    let instant = prometheus
        .query("sum(etcd_server_has_leader)")
        .await
        .unwrap();
    assert_eq!(instant.len(), 1);
    assert_eq!(instant[0].points.len(), 1);
    assert_eq!(instant[0].points[0].1, 3.0);

    let refused = prometheus
        .query_range("rate(", now - 30.0, now, step)
        .await
        .unwrap_err();
    assert!(
        refused.starts_with("Prometheus refused the query: "),
        "{refused}"
    );
    assert!(refused.contains("parse error"), "{refused}");
}

#[tokio::test]
async fn a_prometheus_that_is_not_there_is_said_so_quickly() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let prometheus = Prometheus::new(&url, reqwest::Client::new()).unwrap();
    let asked = Instant::now();
    let now = now_secs();
    let step = Duration::from_secs(1);
    let err = prometheus
        .query_range("up", now - 30.0, now, step)
        .await
        .unwrap_err();
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "took {:?}",
        asked.elapsed()
    );
    assert!(
        err.starts_with(&format!("Prometheus at {url} did not answer: ")),
        "{err}"
    );
    assert!(
        err.to_lowercase().contains("refused"),
        "the cause is named: {err}"
    );
}
