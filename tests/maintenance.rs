//! A full etcd, as an operator meets it: a member past its space quota raises the NOSPACE alarm
//! and refuses every write. Against a real etcd with a small `--quota-backend-bytes`.

mod common;

use common::{eventually, server::TestServer, TestCluster};
use etcd_client::{AlarmAction, AlarmOptions, AlarmType, Client, CompactionOptions, DeleteOptions};
use etcd_deck::domain::AppError;
use etcd_deck::domain::Connection;
use etcd_deck::server_fns::{CreateKey, EtcdConnection};
use leptos::server_fn::ServerFn;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// The quota the test's etcd runs with: small enough to fill in a moment.
const QUOTA: u64 = 16 * 1024 * 1024;

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

    let value = "x".repeat(100 * 1024);
    let mut full = None;
    for i in 0..1000 {
        let path = format!("/api/v1/keys/fill/{i:04}");
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
        .api(Method::GET, "/api/v1/keys/fill/0000", None, None)
        .await;
    assert_eq!(status.as_u16(), 200);
    let (status, body) = server
        .api(Method::DELETE, "/api/v1/keys/fill/0000", None, None)
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

    // Recovered as the banner says, with etcd's own commands: the keys deleted, history
    // compacted, the member defragmented, the alarm disarmed. The next write goes through and
    // the banner goes.
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let filled = etcd
        .delete("fill/", Some(DeleteOptions::new().with_prefix()))
        .await
        .unwrap();
    let revision = filled.header().unwrap().revision();
    let physical = CompactionOptions::new().with_physical();
    etcd.compact(revision, Some(physical)).await.unwrap();
    etcd.defragment().await.unwrap();
    let member = etcd.member_list().await.unwrap().members()[0].id();
    let mut disarm = AlarmOptions::new();
    disarm.with_member(member);
    etcd.alarm(AlarmAction::Deactivate, AlarmType::Nospace, Some(disarm))
        .await
        .unwrap();
    let tiny = Some(json!({ "value": "v" }));
    let (status, body) = server
        .api(Method::PUT, "/api/v1/keys/tiny", None, tiny)
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let gone = eventually(Duration::from_secs(10), || async {
        !connection().await.full
    })
    .await;
    assert!(gone, "the banner goes once etcd takes writes again");
}
