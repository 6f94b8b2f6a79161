//! etcd-deck through member failures of a real 3-member cluster: one follower down, the leader
//! killed under write load, and quorum lost and regained.

mod common;

use common::{app::TestApp, eventually, TestCluster, REQUEST_TIMEOUT};
use etcd_deck::domain::AppError;
use etcd_deck::domain::{Key, KeyListing};
use etcd_deck::server_fns::{CreateKey, DeleteKey, GetKey, ListKeys, SaveValue};
use leptos::server_fn::ServerFn;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The member names of a running cluster that are not its leader.
async fn followers(app: &TestApp) -> Vec<String> {
    let overview = app.etcd.cluster_overview().await;
    let leader = overview.leader.expect("a leader");
    overview
        .members
        .into_iter()
        .map(|m| m.name)
        .filter(|name| *name != leader)
        .collect()
}

fn create_form(key: &str, value: &str) -> String {
    let key = Key::from(key).to_segment();
    format!("prefix=&key={key}&value={value}&format=text")
}

#[tokio::test]
async fn with_one_follower_down_200_mixed_requests_all_succeed() {
    let cluster = TestCluster::start(3);
    let app = TestApp::start(&cluster).await;
    let follower = followers(&app).await.remove(0);
    cluster.kill(&follower);

    let mut failures = Vec::new();
    for i in 0..50 {
        let key = Key::from(format!("mixed/{i}").as_str()).to_segment();
        let requests = [
            (CreateKey::PATH, create_form(&format!("mixed/{i}"), "v1")),
            (GetKey::PATH, format!("key={key}")),
            (
                ListKeys::PATH,
                "page[prefix]=mixed%2F&page[limit]=100".to_string(),
            ),
            (DeleteKey::PATH, format!("key={key}")),
        ];
        for (path, form) in requests {
            let (status, body) = app.call(path, &form).await;
            if status != 200 {
                failures.push(format!("{path} {form}: {status} {body}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 200 failed: {failures:#?}",
        failures.len()
    );
}

/// One write through the app: when it started and ended, and how it was answered.
struct Write {
    key: String,
    started: Instant,
    ended: Instant,
    status: u16,
}

#[tokio::test]
async fn the_leader_killed_under_load_loses_no_acknowledged_write() {
    let cluster = TestCluster::start(3);
    let app = Arc::new(TestApp::start(&cluster).await);
    let started = Instant::now();
    let run_for = Duration::from_secs(12);

    let writers: Vec<_> = (0..3)
        .map(|writer| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut writes = Vec::new();
                for i in 0.. {
                    if started.elapsed() > run_for {
                        break;
                    }
                    let key = format!("load/{writer}/{i}");
                    let begun = Instant::now();
                    let (status, _) = app.call(CreateKey::PATH, &create_form(&key, "x")).await;
                    let ended = Instant::now();
                    writes.push(Write {
                        key,
                        started: begun,
                        ended,
                        status,
                    });
                }
                writes
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.kill("leader");
    let killed = Instant::now();

    let mut writes = Vec::new();
    for writer in writers {
        writes.extend(writer.await.unwrap());
    }
    let acknowledged: Vec<&Write> = writes.iter().filter(|w| w.status == 200).collect();
    let unknown = writes.iter().filter(|w| w.status == 504).count();
    let refused = writes.iter().filter(|w| w.status == 503).count();
    let other: Vec<u16> = writes
        .iter()
        .map(|w| w.status)
        .filter(|s| ![200, 503, 504].contains(s))
        .collect();
    assert!(other.is_empty(), "unexpected statuses: {other:?}");

    cluster.resume();
    let mut direct = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    let options = etcd_client::GetOptions::new()
        .with_prefix()
        .with_keys_only();
    let stored = direct.get("load/", Some(options)).await.unwrap();
    let stored: std::collections::HashSet<&[u8]> = stored.kvs().iter().map(|kv| kv.key()).collect();
    for write in &acknowledged {
        assert!(
            stored.contains(write.key.as_bytes()),
            "acknowledged write {} is missing",
            write.key
        );
    }

    let back = acknowledged
        .iter()
        .filter(|w| w.started >= killed)
        .map(|w| w.ended.duration_since(killed))
        .min()
        .expect("writes succeed again after the kill");
    println!(
        "leader kill: {} writes, {} acknowledged and all present, {unknown} outcome unknown, \
         {refused} refused; writes served again {back:?} after the kill",
        writes.len(),
        acknowledged.len()
    );
    assert!(
        back < Duration::from_secs(3),
        "writes came back only after {back:?}"
    );
}

#[tokio::test]
async fn without_quorum_requests_fail_fast_and_recover_after() {
    let cluster = TestCluster::start(3);
    let app = TestApp::start(&cluster).await;
    let (status, _) = app.call(CreateKey::PATH, &create_form("kept", "v")).await;
    assert_eq!(status, 200);
    let stopped = followers(&app).await;
    let killed = Instant::now();
    for member in &stopped {
        cluster.kill(member);
    }
    let lost = eventually(Duration::from_secs(10), || async {
        matches!(app.etcd.connection().await, Err(AppError::NoQuorum { .. }))
    });
    assert!(lost.await, "the survivor reports no leader");
    println!(
        "no quorum: reported {:?} after the second kill",
        killed.elapsed()
    );

    let kept = Key::from("kept").to_segment();
    let requests = [
        (GetKey::PATH, format!("key={kept}")),
        (CreateKey::PATH, create_form("new", "v")),
        (
            SaveValue::PATH,
            format!("key={kept}&value=w&format=text&keep_crlf=false&expected_mod_revision=1"),
        ),
        (DeleteKey::PATH, format!("key={kept}")),
    ];
    let deadline = REQUEST_TIMEOUT + Duration::from_millis(500);
    for (path, form) in &requests {
        let begun = Instant::now();
        let (status, body) = app.call(path, form).await;
        let took = begun.elapsed();
        assert_eq!(status, 503, "{path}: {body}");
        assert!(body.contains("NoQuorum"), "{path}: {body}");
        assert!(took < deadline, "{path} answered after {took:?}");
        println!(
            "no quorum: {} answered 503 in {took:?}",
            path.trim_start_matches("/fn/")
        );
    }

    let begun = Instant::now();
    let (status, body) = app
        .call(ListKeys::PATH, "page[prefix]=&page[limit]=100")
        .await;
    assert!(begun.elapsed() < deadline * 2);
    assert_eq!(status, 200, "{body}");
    let listing: KeyListing = serde_json::from_str(&body).unwrap();
    assert!(
        listing.source.stale,
        "a listing without quorum is marked stale"
    );
    assert_eq!(listing.total, 1);

    for member in &stopped {
        cluster.restart(member);
    }
    let restarted = Instant::now();
    let back = eventually(Duration::from_secs(15), || async {
        app.call(GetKey::PATH, &format!("key={kept}")).await.0 == 200
    });
    assert!(back.await, "the same app serves again once quorum is back");
    println!(
        "quorum back: served again {:?} after the members were up",
        restarted.elapsed()
    );
    assert_eq!(
        app.call(CreateKey::PATH, &create_form("after", "v"))
            .await
            .0,
        200
    );
}
