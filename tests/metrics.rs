//! The cluster over time, against real etcd members: etcd-deck reads every member's /metrics
//! into a bounded window, draws the charts from it and fires etcd's own alert rules. A killed
//! leader shows as a leader change, a lost quorum as has-leader at 0 on the survivor with its
//! alerts, a database filled toward a small quota fires the quota alert; the charts page works
//! without JavaScript.

mod common;

use common::app::TestApp;
use common::TestCluster;
use etcd_deck::etcd::SamplerSettings;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Fast enough for a test to see a few samples in a second or two.
const SAMPLING: SamplerSettings = SamplerSettings {
    interval: Duration::from_millis(250),
    window: Duration::from_secs(3600),
};

async fn app(cluster: &TestCluster, sampler: SamplerSettings) -> TestApp {
    TestApp::on(cluster.connect_sampling(sampler).await)
}

fn chart<'a>(view: &'a Value, id: &str) -> &'a Value {
    let charts = view["charts"].as_array().expect("charts");
    charts
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no chart {id}: {view}"))
}

/// A member's values in a chart, the gaps left out.
fn values(view: &Value, id: &str, member: &str) -> Vec<f64> {
    let series = chart(view, id)["series"].as_array().unwrap().iter();
    let mine = series.clone().find(|s| s["name"] == member);
    let mine = mine.unwrap_or_else(|| panic!("{member} not in {id}: {}", chart(view, id)));
    mine["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .collect()
}

fn rules(alerts: &Value) -> Vec<String> {
    let alerts = alerts.as_array().expect("alerts").iter();
    alerts
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until the metrics (of the last minute) satisfy `done`.
async fn until(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, _, view) = app
            .api("GET", "/api/v1/cluster/metrics?since=1m", None, &[])
            .await;
        assert_eq!(status, 200, "{view}");
        if done(&view) {
            return view;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never {what}: {view}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn leader(app: &TestApp) -> String {
    let (_, _, members) = app.api("GET", "/api/v1/members", None, &[]).await;
    let members = members["members"].as_array().unwrap().iter();
    let leader = members.clone().find(|m| m["role"] == "leader");
    leader.expect("a leader")["name"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_killed_leader_is_a_leader_change_and_a_lost_quorum_fires_its_alerts() {
    let cluster = TestCluster::start(3);
    let app = app(&cluster, SAMPLING).await;
    for i in 0..20 {
        let path = format!("/api/v1/keys/load/{i}");
        app.api("PUT", &path, Some(json!({"value": "v"})), &[])
            .await;
    }
    let view = until(&app, "sampled every member twice", |v| {
        ["m1", "m2", "m3"]
            .iter()
            .all(|m| v["members"].as_array().unwrap().contains(&json!(m)))
            && values(v, "keys", "m1").len() >= 2
            && values(v, "keys", "m3").last() >= Some(&20.0)
    })
    .await;
    assert_eq!(view["errors"], json!([]), "{view}");
    assert!(values(&view, "has-leader", "m2").iter().all(|v| *v == 1.0));
    assert!(
        values(&view, "term", "m3").last() > Some(&0.0),
        "the term, from the health check"
    );
    let times = view["times"].as_array().unwrap().len();
    for chart in view["charts"].as_array().unwrap() {
        for series in chart["series"].as_array().unwrap() {
            assert_eq!(
                series["values"].as_array().unwrap().len(),
                times,
                "one grid: {chart}"
            );
        }
    }
    let (_, _, alerts) = app.api("GET", "/api/v1/cluster/alerts", None, &[]).await;
    assert_eq!(
        alerts["alerts"],
        json!([]),
        "a healthy cluster fires nothing"
    );

    // The leader killed: the survivors see a leader change; it is down, with its alert.
    let old = leader(&app).await;
    cluster.kill(&old);
    let survivor = ["m1", "m2", "m3"].into_iter().find(|m| *m != old).unwrap();
    let view = until(&app, "seen the leader change", |v| {
        values(v, "leader-changes", survivor).iter().sum::<f64>() >= 1.0
            && values(v, "has-leader", survivor).last() == Some(&1.0)
    })
    .await;
    let errors = view["errors"].to_string();
    assert!(errors.contains(&old), "{errors}");
    let (_, _, alerts) = app.api("GET", "/api/v1/cluster/alerts", None, &[]).await;
    let down = &alerts["alerts"][0];
    assert_eq!(rules(&alerts["alerts"]), ["etcdMembersDown"], "{alerts}");
    assert_eq!(down["member"], old.as_str());
    assert_eq!(down["fix_url"], "/cluster#membership");

    // A second member killed: the last one has no leader, and no quorum is left.
    let other = ["m1", "m2", "m3"]
        .into_iter()
        .find(|m| *m != old && *m != survivor)
        .unwrap();
    cluster.kill(other);
    until(&app, "seen has-leader at 0", |v| {
        values(v, "has-leader", survivor).last() == Some(&0.0)
    })
    .await;
    let (_, _, alerts) = app.api("GET", "/api/v1/cluster/alerts", None, &[]).await;
    let fired = rules(&alerts["alerts"]);
    for rule in ["etcdInsufficientMembers", "etcdNoLeader", "etcdMembersDown"] {
        assert!(fired.contains(&rule.to_string()), "{rule} not in {alerts}");
    }
    assert_eq!(
        alerts["alerts"][0]["severity"], "critical",
        "the critical first: {alerts}"
    );
    let no_leader = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "etcdNoLeader");
    assert_eq!(
        no_leader.unwrap()["fix_url"],
        format!("/cluster/charts?member={survivor}")
    );

    // Both back: the alerts clear by themselves.
    cluster.restart(&old);
    cluster.restart(other);
    let started = Instant::now();
    loop {
        let (_, _, alerts) = app.api("GET", "/api/v1/cluster/alerts", None, &[]).await;
        if alerts["alerts"] == json!([]) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still firing: {alerts}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_database_filled_toward_its_quota_fires_the_quota_alert_with_its_fix() {
    const QUOTA: u64 = 16 * 1024 * 1024;
    let cluster = TestCluster::start_with_flags(1, &format!("--quota-backend-bytes={QUOTA}"));
    let app = app(&cluster, SAMPLING).await;
    let mut filled = 0;
    loop {
        let (_, _, alerts) = app.api("GET", "/api/v1/cluster/alerts", None, &[]).await;
        if rules(&alerts["alerts"]).contains(&"etcdDatabaseQuotaLowSpace".to_string()) {
            let alert = &alerts["alerts"][0];
            assert_eq!(alert["severity"], "critical", "{alerts}");
            assert_eq!(alert["fix"], "recover");
            assert_eq!(alert["fix_url"], "/maintenance");
            assert!(
                alert["summary"].as_str().unwrap().contains("of 16.0 MiB"),
                "{alert}"
            );
            break;
        }
        assert!(
            filled < 400,
            "no quota alert after {filled} values of 100 KB: {alerts}"
        );
        app.fill_ten().await;
        filled += 10;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let view = until(&app, "drawn the quota", |v| {
        chart(v, "db-size")["limit"] == json!(QUOTA as f64)
    })
    .await;
    let sizes = values(&view, "db-size", "m1");
    assert!(sizes.last().unwrap() / QUOTA as f64 > 0.95, "{sizes:?}");
    assert!(sizes.first() < sizes.last(), "it grew: {sizes:?}");
    println!("the quota alert fired after {filled} values of 100 KB into a 16 MiB quota");

    // The banner of every page says so, with the link to the fix.
    let (status, page) = app.get("/leases").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"alerts-banner\""), "no banner");
    assert!(page.contains("etcdDatabaseQuotaLowSpace"));
}

#[tokio::test]
async fn the_window_keeps_its_bound_and_the_charts_page_works_without_javascript() {
    let cluster = TestCluster::start(1);
    let small = SamplerSettings {
        interval: Duration::from_millis(50),
        window: Duration::from_secs(1),
    };
    let app = app(&cluster, small).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, _, view) = app.api("GET", "/api/v1/cluster/metrics", None, &[]).await;
    assert_eq!(status, 200, "{view}");
    // 1 s of 50 ms samples and one more: at most 22, whatever the time that went by.
    let held = view["held"].as_u64().unwrap();
    assert!((10..=22).contains(&held), "{held} points held");

    // What the query may say, and what it may not.
    for (query, expected) in [
        ("?since=yesterday", 400),
        ("?since=%3Cb%3E", 400),
        ("?member=nobody", 404),
        ("?member=m1&since=30s", 200),
        ("?unknown=1", 400),
    ] {
        let path = format!("/api/v1/cluster/metrics{query}");
        let (status, _, body) = app.api("GET", &path, None, &[]).await;
        assert_eq!(status, expected, "{query}: {body}");
        if status == 404 {
            assert!(
                body.to_string().contains("m1"),
                "names the members there are: {body}"
            );
        }
    }

    // The page: every chart drawn on the server, with lines, the axes in UTC.
    let (status, page) = app.get("/cluster/charts?since=1m").await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("data-testid=\"chart\"").count(),
        19,
        "every chart"
    );
    let drawn = page.matches("<path d=\"M").count();
    assert!(drawn >= 10, "lines drawn in most charts: {drawn}");
    assert!(page.contains("Times are UTC"));
    assert!(page.contains("No alert of etcd"));
    let (status, page) = app.get("/cluster/charts?member=%3Cscript%3E").await;
    assert_eq!(status, 404, "{page}");
    assert!(!page.contains("<script>"), "escaped");
    let (status, page) = app.get("/cluster").await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("data-testid=\"chart\"").count(),
        4,
        "the overview's charts"
    );
}
