//! The charts and alerts read from a real Prometheus scraping a real 3-member cluster
//! (`--prometheus-url`): the same charts as from etcd-deck's own samples, with the members'
//! real figures; narrowed to one member; a killed member fires etcdMembersDown from Prometheus'
//! scrapes; a Prometheus stopped is said in the charts' errors while every page stays up and the
//! alerts fall back to etcd-deck's own; a database filled toward a small quota fires the quota
//! alert from Prometheus, with its sizes.

mod common;

use common::app::TestApp;
use common::prometheus::TestPrometheus;
use common::TestCluster;
use etcd_deck::etcd::SamplerSettings;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A second per sample and per evaluation of the rules, as Prometheus scrapes in the test.
const SAMPLING: SamplerSettings = SamplerSettings {
    interval: Duration::from_secs(1),
    window: Duration::from_secs(3600),
};
const KEYS: usize = 25;
const VIEW: &str = "/api/v1/cluster/metrics?since=2m";

fn chart<'a>(view: &'a Value, id: &str) -> &'a Value {
    let charts = view["charts"].as_array().expect("charts");
    let found = charts.iter().find(|c| c["id"] == id);
    found.unwrap_or_else(|| panic!("no chart {id}: {view}"))
}

/// A member's values in a chart, the gaps left out.
fn values(view: &Value, id: &str, member: &str) -> Vec<f64> {
    let series = chart(view, id)["series"].as_array().unwrap();
    let mine = series.iter().find(|s| s["name"] == member);
    let mine = mine.unwrap_or_else(|| panic!("{member} not in {id}: {}", chart(view, id)));
    let values = mine["values"].as_array().unwrap().iter();
    values.filter_map(Value::as_f64).collect()
}

/// Polls `uri` until its JSON satisfies `done`; every answer must be 200.
async fn until(app: &TestApp, uri: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, _, answer) = app.api("GET", uri, None, &[]).await;
        assert_eq!(status, 200, "{uri}: {answer}");
        if done(&answer) {
            return answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never {what}: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The alert `rule` about `member`, if it fires.
fn alert<'a>(alerts: &'a Value, rule: &str, member: &str) -> Option<&'a Value> {
    let alerts = alerts["alerts"].as_array()?;
    alerts
        .iter()
        .find(|a| a["rule"] == rule && a["member"] == member)
}

fn said(view: &Value) -> String {
    view["errors"].to_string()
}

#[tokio::test]
async fn charts_and_alerts_come_from_prometheus_and_fall_back_to_etcd_decks_own() {
    let started = Instant::now();
    let cluster = TestCluster::start(3);
    let scraper = TestPrometheus::start(&cluster.endpoints);
    let url = scraper.url();
    let app = TestApp::on(cluster.connect_with(SAMPLING, Some(&url)).await);
    let own = TestApp::on(cluster.connect_sampling(SAMPLING).await);
    // Every member scraped twice before the writes, so that rates see them.
    let before = "count(count_over_time(etcd_server_has_leader[10s]) >= 2) == 3";
    scraper
        .wait_for_samples(before, Duration::from_secs(30))
        .await;
    for i in 0..KEYS {
        let path = format!("/api/v1/keys/prom/{i}");
        let (status, _, body) = app
            .api("PUT", &path, Some(json!({"value": "v"})), &[])
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let scraped = "count(etcd_debugging_mvcc_keys_total >= 25) == 3";
    scraper
        .wait_for_samples(scraped, Duration::from_secs(30))
        .await;

    // Every member's real figures, once Prometheus has evaluated the rules too.
    let view = until(&app, VIEW, "read every member from Prometheus", |v| {
        ["m1", "m2", "m3"].iter().all(|m| {
            values(v, "has-leader", m).last() == Some(&1.0)
                && values(v, "keys", m).last() >= Some(&(KEYS as f64))
                && values(v, "db-size", m).last() > Some(&0.0)
        }) && !said(v).contains("alerts are etcd-deck's own")
    })
    .await;
    println!(
        "Prometheus drew every member {:?} after the start",
        started.elapsed()
    );
    assert_eq!(view["source"], format!("Prometheus at {url}"));
    assert_eq!(
        view["interval_ms"], 1000,
        "Prometheus' scrape interval, from its targets"
    );
    assert_eq!(view["members"], json!(["m1", "m2", "m3"]));
    let errors = view["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]
        .as_str()
        .unwrap()
        .starts_with("Raft term: etcd's /metrics have no such figure"));
    assert!(
        values(&view, "term", "m1").is_empty(),
        "no term from Prometheus"
    );
    assert!(values(&view, "committed", "m1")
        .iter()
        .any(|rate| *rate > 0.0));
    let methods = chart(&view, "grpc-methods")["series"].to_string();
    assert!(methods.contains("\"Put\""), "{methods}");
    let quota = chart(&view, "db-size")["limit"].as_f64().unwrap();
    assert_eq!(
        quota,
        2.0 * 1024.0 * 1024.0 * 1024.0,
        "etcd's default quota"
    );

    // The same charts, on the same grid, as from etcd-deck's own samples.
    let (status, _, mine) = own.api("GET", VIEW, None, &[]).await;
    assert_eq!(status, 200, "{mine}");
    assert!(mine["source"]
        .as_str()
        .unwrap()
        .starts_with("etcd-deck's own"));
    let shape = |view: &Value| -> Vec<Value> {
        let charts = view["charts"].as_array().unwrap().iter();
        charts
            .map(|c| json!([c["id"], c["title"], c["unit"], c["limit_label"]]))
            .collect()
    };
    assert_eq!(shape(&view), shape(&mine));
    assert_eq!(view["step_ms"], mine["step_ms"]);
    let times = view["times"].as_array().unwrap().len();
    assert_eq!(times, mine["times"].as_array().unwrap().len());
    for chart in view["charts"].as_array().unwrap() {
        for series in chart["series"].as_array().unwrap() {
            assert_eq!(series["values"].as_array().unwrap().len(), times, "{chart}");
        }
    }

    // One member.
    let one = until(
        &app,
        "/api/v1/cluster/metrics?since=2m&member=m1",
        "narrowed",
        |_| true,
    )
    .await;
    assert_eq!(one["members"], json!(["m1"]));
    assert_eq!(one["member"], "m1");
    for chart in one["charts"].as_array().unwrap() {
        if chart["id"] != "grpc-methods" {
            let names: Vec<&Value> = (chart["series"].as_array().unwrap().iter())
                .map(|s| &s["name"])
                .collect();
            assert_eq!(names, [&json!("m1")], "{chart}");
        }
    }
    let (status, _, body) = app
        .api("GET", "/api/v1/cluster/metrics?member=m9", None, &[])
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = app
        .api("GET", "/api/v1/cluster/metrics?since=3d", None, &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let step = body["step_ms"].as_i64().unwrap();
    assert_eq!(step, 3 * 24 * 3600 * 1000 / 180, "3 days in 180 points");
    let (_, _, alerts) = app.api("GET", "/api/v1/cluster/alerts", None, &[]).await;
    assert_eq!(
        alerts["alerts"],
        json!([]),
        "a healthy cluster fires nothing"
    );

    // A member killed: Prometheus' scrapes of it fail, and its rule says so.
    cluster.kill("m3");
    let alerts = until(
        &app,
        "/api/v1/cluster/alerts",
        "fired etcdMembersDown",
        |a| {
            alert(a, "etcdMembersDown", "m3")
                .is_some_and(|a| a["summary"].to_string().contains("Prometheus"))
        },
    )
    .await;
    let down = alert(&alerts, "etcdMembersDown", "m3").unwrap();
    let summary = down["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("m3 does not answer: Prometheus' last scrape of it failed: "),
        "{summary}"
    );
    assert!(
        summary.contains("refused"),
        "with Prometheus' own words: {summary}"
    );
    assert_eq!(down["fix_url"], "/cluster#membership");
    // If m3 led, the other two may still be electing a leader: etcd answers "no leader" (503)
    // until they have one, about a second after the kill.
    let elected = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (status, page) = loop {
        let (status, page) = app.get("/leases").await;
        if status != 503 || std::time::Instant::now() > elected {
            break (status, page);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("etcdMembersDown"), "on every page's banner");

    // Prometheus stopped: the charts say why, the alerts are etcd-deck's own, nothing fails.
    drop(scraper);
    let view = until(&app, VIEW, "said Prometheus is down", |v| {
        said(v).contains(&format!("Prometheus at {url} did not answer"))
            && said(v).contains("The alerts are etcd-deck's own")
    })
    .await;
    assert_eq!(view["source"], format!("Prometheus at {url}"));
    assert!(values(&view, "has-leader", "m1").is_empty(), "no figures");
    let alerts = until(&app, "/api/v1/cluster/alerts", "fallen back", |a| {
        alert(a, "etcdMembersDown", "m3")
            .is_some_and(|a| !a["summary"].to_string().contains("Prometheus"))
    })
    .await;
    println!("fell back to etcd-deck's own alerts: {}", alerts["alerts"]);
    let (status, page) = app.get("/cluster/charts?since=5m").await;
    assert_eq!(status, 200);
    assert!(page.contains("did not answer"), "the page says why");
    assert_eq!(
        page.matches("data-testid=\"chart\"").count(),
        19,
        "every chart, empty"
    );
    let (status, page) = app.get("/cluster").await;
    assert_eq!(status, 200);
    assert!(page.contains("etcdMembersDown"));
    println!("done {:?} after the start", started.elapsed());
}

#[tokio::test]
async fn a_database_filled_toward_its_quota_fires_the_quota_alert_from_prometheus() {
    const QUOTA: u64 = 16 * 1024 * 1024;
    let cluster = TestCluster::start_with_flags(1, &format!("--quota-backend-bytes={QUOTA}"));
    let scraper = TestPrometheus::start(&cluster.endpoints);
    let app = TestApp::on(cluster.connect_with(SAMPLING, Some(&scraper.url())).await);
    let mut filled = 0;
    let fired = loop {
        let (status, _, view) = app.api("GET", VIEW, None, &[]).await;
        assert_eq!(status, 200, "{view}");
        let from_prometheus = !said(&view).contains("alerts are etcd-deck's own");
        if let Some(full) = alert(&view, "etcdDatabaseQuotaLowSpace", "m1") {
            if from_prometheus {
                break full.clone();
            }
        }
        assert!(
            filled < 400,
            "no quota alert after {filled} values of 100 KB: {view}"
        );
        app.fill_ten().await;
        filled += 10;
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(fired["severity"], "critical", "{fired}");
    assert_eq!(fired["fix"], "recover");
    let summary = fired["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("m1's database is ") && summary.contains(" of 16.0 MiB): past it"),
        "the size and quota, from Prometheus: {summary}"
    );
    println!("Prometheus fired the quota alert after {filled} values of 100 KB: {summary}");
}
