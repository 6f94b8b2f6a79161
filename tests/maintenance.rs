//! A full etcd, as an operator meets it: a member past its space quota raises the NOSPACE alarm
//! and refuses every write. Against a real etcd with a small `--quota-backend-bytes`.

mod common;

use common::{eventually, server::TestServer, TestCluster};
use etcd_client::{AlarmAction, AlarmType, Client, GetOptions};
use etcd_deck::domain::AppError;
use etcd_deck::domain::Connection;
use etcd_deck::server_fns::{CreateKey, EtcdConnection};
use leptos::server_fn::ServerFn;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// The quota the test's etcd runs with: small enough to fill in a moment.
const QUOTA: u64 = 16 * 1024 * 1024;
/// The keys the test writes over and over until etcd is full.
const KEYS: usize = 10;

#[tokio::test]
async fn a_full_database_refuses_writes_with_507_and_says_what_to_do() {
    let cluster = TestCluster::start_with_flags(1, &format!("--quota-backend-bytes={QUOTA}"));
    let server = TestServer::start(&cluster);
    // Each member's space, from its own /metrics: the quota, and a database well under it.
    let (_, overview) = server.api(Method::GET, "/api/v1/cluster", None, None).await;
    let space = &overview["space"][0]["space"];
    assert_eq!(space["quota_bytes"], QUOTA, "{overview}");
    let size = space["db_size"].as_u64().unwrap_or_default();
    assert!(size > 0 && size < QUOTA / 2, "{overview}");
    assert!(space["current_revision"].as_i64() > Some(0), "{overview}");

    // Ten keys written over and over: the history fills the database, and compacting it frees
    // nearly all of it again.
    let (status, _) = server
        .api(
            Method::PUT,
            "/api/v1/keys/doomed",
            None,
            Some(json!({ "value": "d" })),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    let value = "x".repeat(100 * 1024);
    let mut full = None;
    for i in 0..1000 {
        let path = format!("/api/v1/keys/fill/{:02}", i % KEYS);
        let (status, body) = server
            .api(Method::PUT, &path, None, Some(json!({ "value": value })))
            .await;
        match status.as_u16() {
            200 => {}
            507 => {
                full = Some((i, body));
                break;
            }
            other => panic!("write {i}: {other} {body}"),
        }
    }
    let (writes, body) = full.expect("etcd filled up within 100 MB of writes");
    assert!(
        writes > 50,
        "the quota holds more than {writes} values of 100 KB"
    );
    println!("etcd refused the write after {writes} values of 100 KB ({QUOTA} bytes of quota)");
    assert_eq!(body["error"]["code"], "no_space", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("etcd is full"), "{message}");

    // Even a tiny write is refused, with the same answer; reads and deletes still work.
    let tiny = Some(json!({ "value": "v" }));
    let (status, body) = server
        .api(Method::PUT, "/api/v1/keys/tiny", None, tiny)
        .await;
    assert_eq!(status.as_u16(), 507, "{body}");
    let (status, _) = server
        .api(Method::GET, "/api/v1/keys/fill/00", None, None)
        .await;
    assert_eq!(status.as_u16(), 200);
    let (status, body) = server
        .api(Method::DELETE, "/api/v1/keys/doomed", None, None)
        .await;
    assert_eq!(
        status.as_u16(),
        200,
        "a delete frees nothing yet, but is allowed: {body}"
    );

    // A write from the UI's server function is refused the same way.
    let created = common::server::http()
        .post(format!("{}{}", server.url, CreateKey::PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body("prefix=ui%2F&key=k&value=v&format=text")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 507);
    let body = created.text().await.unwrap();
    let err: AppError = serde_json::from_str(&body).unwrap();
    assert_eq!(
        err,
        AppError::NoSpace,
        "the page shows its title and hint: {body}"
    );

    // Every page says so, from the members' status or, where it cannot be read, from the
    // refusal.
    let http = common::server::http();
    let connection = || async {
        let answer = http
            .post(format!("{}{}", server.url, EtcdConnection::PATH))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        answer.json::<Connection>().await.unwrap()
    };
    let said = eventually(Duration::from_secs(10), || async {
        connection().await.full
    })
    .await;
    assert!(said, "the connection check says etcd is full");
    // The members' figures are read again every 5 s.
    let nearly = || async { connection().await.nearly_full >= Some(80) };
    assert!(
        eventually(Duration::from_secs(10), nearly).await,
        "nearly full too"
    );
    let page = http.get(format!("{}/", server.url)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("full-banner") && page.contains("etcd is full"),
        "{page}"
    );

    // The cluster names the alarm, and the member's space says why.
    let (_, overview) = server.api(Method::GET, "/api/v1/cluster", None, None).await;
    let used = overview["space"][0]["space"]["db_size"].as_u64();
    assert!(used >= Some(QUOTA * 8 / 10), "{overview}");
    let page = http
        .get(format!("{}/cluster", server.url))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("nearly-full") && page.contains("16.0 MiB"),
        "{page}"
    );
    let alarms: Vec<&Value> = overview["alarms"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    assert!(
        alarms.iter().any(|alarm| alarm["kind"] == "NOSPACE"),
        "{overview}"
    );

    recovered_through_the_api(&server, &cluster).await;
    let gone = eventually(Duration::from_secs(10), || async {
        !connection().await.full
    })
    .await;
    assert!(gone, "the banner goes once etcd takes writes again");
}

/// Recovers the full database through the REST API, as the plan says: nothing is refused
/// that should not be, every key is still there, the alarm is gone, the database smaller.
async fn recovered_through_the_api(server: &TestServer, cluster: &TestCluster) {
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let before = etcd
        .get("fill/", Some(GetOptions::new().with_prefix()))
        .await
        .unwrap();
    assert_eq!(before.kvs().len(), KEYS);

    let (status, plan) = server
        .api(Method::GET, "/api/v1/maintenance/plan", None, None)
        .await;
    assert_eq!(status.as_u16(), 200, "{plan}");
    assert_eq!(plan["blocked"], Value::Null, "{plan}");
    let member = &plan["members"][0];
    assert_eq!(member["role"], "leader", "{plan}");
    assert_eq!(member["quota_bytes"], QUOTA, "{plan}");
    assert_eq!(member["alarms"], json!(["NOSPACE"]), "{plan}");
    let size_before = member["db_size"].as_u64().unwrap();
    let revision = plan["compact_to"].as_i64().unwrap();
    assert!(revision > 100, "{plan}");

    // A disarm while the member is still full is refused, with the numbers.
    let id = member["id"].as_str().unwrap().to_string();
    let disarm = json!({ "member": id, "alarm": "NOSPACE" });
    let (status, body) = server
        .api(
            Method::POST,
            "/api/v1/maintenance/alarms/disarm",
            None,
            Some(disarm),
        )
        .await;
    assert_eq!(status.as_u16(), 409, "{body}");
    assert_eq!(body["error"]["code"], "unsafe", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("% of its quota"),
        "{body}"
    );

    // The recovery wants the revision typed, and no future one.
    let (status, body) = server
        .api(
            Method::POST,
            "/api/v1/maintenance/recover",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&revision.to_string()),
        "{body}"
    );
    let future = Some(json!({ "revision": revision + 1000 }));
    let (status, _) = server
        .api(Method::POST, "/api/v1/maintenance/recover", None, future)
        .await;
    assert_eq!(status.as_u16(), 400);

    let lines = run(
        server,
        "/api/v1/maintenance/recover",
        json!({ "revision": revision }),
    )
    .await;
    let steps: Vec<(String, String)> = lines
        .iter()
        .filter(|line| line.get("step").is_some())
        .map(|line| {
            (
                line["step"].as_str().unwrap().into(),
                line["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("compact", "started"),
        ("compact", "done"),
        ("defragment", "started"),
        ("defragment", "done"),
        ("disarm", "done"),
        ("test_write", "done"),
    ]
    .iter()
    .map(|(step, state)| (step.to_string(), state.to_string()))
    .collect();
    assert_eq!(steps, expected, "{lines:#?}");
    let report = lines.last().unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let defragmented = lines
        .iter()
        .find(|l| l["step"] == "defragment" && l["state"] == "done");
    let after = defragmented.unwrap()["after"].as_u64().unwrap();
    println!(
        "recovered in {} ms: the database went from {size_before} to {after} bytes",
        report["millis"]
    );
    assert!(after < size_before / 2, "{lines:#?}");

    // Every key is still there, as it was; the alarm is gone; writes go through.
    let now = etcd
        .get("fill/", Some(GetOptions::new().with_prefix()))
        .await
        .unwrap();
    let values = |r: &etcd_client::GetResponse| -> Vec<(Vec<u8>, Vec<u8>)> {
        r.kvs()
            .iter()
            .map(|kv| (kv.key().to_vec(), kv.value().to_vec()))
            .collect()
    };
    assert_eq!(values(&now), values(&before));
    let alarms = etcd
        .alarm(AlarmAction::Get, AlarmType::None, None)
        .await
        .unwrap();
    assert!(alarms.alarms().is_empty());
    let tiny = Some(json!({ "value": "v" }));
    let (status, body) = server
        .api(Method::PUT, "/api/v1/keys/tiny", None, tiny)
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let test_key = etcd
        .get("etcd-deck/", Some(GetOptions::new().with_prefix()))
        .await
        .unwrap();
    assert!(
        test_key.kvs().is_empty(),
        "the test write was deleted again"
    );
}

/// Posts `body` to a run's endpoint and reads its lines.
async fn run(server: &TestServer, path: &str, body: Value) -> Vec<Value> {
    let response = common::server::http()
        .post(format!("{}{path}", server.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}
