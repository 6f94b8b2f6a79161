//! The cluster with etcd's authentication on, as root and as a plain user, on every etcd the
//! suite runs against. Patched etcd (3.4.42, 3.5.28, 3.6.9 and later) refuses member status to
//! anyone without etcd's root role and several calls to anyone without a user; the tests ask etcd
//! itself what it refuses, and check that etcd-deck says so in words and shows up members as up.

mod common;

use common::{enable_etcd_auth, server::TestServer, sign_in::api, TestCluster};
use etcd_client::{Client, ConnectOptions};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ROOT: (&str, &str) = ("root", "root-pw");
const ALICE: (&str, &str) = ("alice", "alice-pw");

/// What etcd says when a plain user asks for member status on a patched version.
const STATUS_NEEDS_ROOT: &str = "member status needs etcd's root role on this etcd version";

/// Whether this etcd refuses member status to alice: asked of etcd directly.
async fn etcd_refuses_status_to_plain_users(cluster: &TestCluster) -> bool {
    let options = ConnectOptions::new().with_user(ALICE.0, ALICE.1);
    let mut alice = Client::connect(&cluster.endpoints[..1], Some(options))
        .await
        .unwrap();
    match alice.status().await {
        Ok(_) => false,
        Err(err) => {
            assert!(err.to_string().contains("permission denied"), "{err}");
            true
        }
    }
}

async fn overview(server: &TestServer, user: (&str, &str)) -> Value {
    let (status, body) = api(server, Method::GET, "/api/v1/cluster", user, None).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn endpoints(overview: &Value) -> &Vec<Value> {
    overview["endpoints"].as_array().unwrap()
}

/// Every endpoint up with its member's status, a leader and a revision.
fn assert_full_status(overview: &Value, who: &str) {
    assert_eq!(
        overview["members"].as_array().unwrap().len(),
        3,
        "{who}: {overview}"
    );
    for endpoint in endpoints(overview) {
        assert_eq!(endpoint["up"], true, "{who}: {endpoint}");
        assert!(
            endpoint["status"]["version"].is_string(),
            "{who}: {endpoint}"
        );
        assert!(endpoint["status_hidden"].is_null(), "{who}: {endpoint}");
    }
    assert!(overview["leader"].is_string(), "{who}: {overview}");
    assert!(
        overview["revision"].as_i64().unwrap() > 0,
        "{who}: {overview}"
    );
    assert_eq!(overview["alarms"], json!([]), "{who}: {overview}");
}

#[tokio::test]
async fn the_cluster_page_with_authentication_on_for_root_a_plain_user_and_a_monitor() {
    let cluster = TestCluster::start(3);
    enable_etcd_auth(&cluster).await;
    let refused = etcd_refuses_status_to_plain_users(&cluster).await;
    let server = TestServer::start(&cluster);

    let root = overview(&server, ROOT).await;
    assert_full_status(&root, "root");

    // A plain user: the members are up, and the status etcd refuses them is said in words.
    let alice = overview(&server, ALICE).await;
    if refused {
        assert_eq!(alice["members"].as_array().unwrap().len(), 3, "{alice}");
        for endpoint in endpoints(&alice) {
            assert_eq!(endpoint["up"], true, "{endpoint}");
            assert!(endpoint["status"].is_null(), "{endpoint}");
            assert_eq!(endpoint["status_hidden"], STATUS_NEEDS_ROOT, "{endpoint}");
        }
        assert!(alice["leader"].is_null(), "{alice}");
        assert_eq!(alice["alarms"], json!([]), "{alice}");
    } else {
        assert_full_status(&alice, "alice");
    }

    // With a monitoring user, everyone signed in sees the status.
    let monitored = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_MONITOR_USER", ROOT.0),
            ("ETCD_DECK_MONITOR_PASSWORD", ROOT.1),
        ],
    );
    let seen = common::eventually(Duration::from_secs(10), || async {
        endpoints(&overview(&monitored, ALICE).await)
            .iter()
            .all(|e| e["status"].is_object())
    })
    .await;
    assert!(seen, "{}", overview(&monitored, ALICE).await);
    assert_full_status(&overview(&monitored, ALICE).await, "alice, monitored");

    // A member killed is down for everyone, in words; the others stay up.
    let killed = cluster.kill("m2");
    let dead_url = cluster.endpoints[1].clone();
    for (server, user) in [(&server, ROOT), (&server, ALICE), (&monitored, ALICE)] {
        let down = common::eventually(Duration::from_secs(10), || async {
            let overview = overview(server, user).await;
            endpoints(&overview).iter().all(|e| {
                let is_dead = e["endpoint"] == dead_url.as_str();
                e["up"] == !is_dead
                    && (!is_dead || e["error"].as_str() == Some("connection refused"))
            })
        })
        .await;
        assert!(
            down,
            "{killed} is not the only one down for {}: {}",
            user.0,
            overview(server, user).await
        );
    }
    cluster.restart(&killed);
}

#[tokio::test]
async fn a_plain_user_works_with_their_own_token_on_every_path() {
    let cluster = TestCluster::start(1);
    enable_etcd_auth(&cluster).await;
    let server = TestServer::start(&cluster);
    let get = |path: &'static str| api(&server, Method::GET, path, ALICE, None);

    // Each of these works for alice, or is refused as hers to be refused: a request sent
    // without her token would be answered "user name is empty" (401) on a patched etcd.
    let (status, body) = api(
        &server,
        Method::PUT,
        "/api/v1/keys/app/a",
        ALICE,
        Some(json!({"value": "1"})),
    )
    .await;
    assert_eq!(status, 200, "put: {body}");
    for path in [
        "/api/v1/keys?prefix=app/",
        "/api/v1/keys/app/a",
        "/api/v1/keys/app/a/history",
        "/api/v1/tree?prefix=app/",
        "/api/v1/search?prefix=app/&q=a",
        "/api/v1/export?prefix=app/",
        "/api/v1/leases",
        "/api/v1/cluster",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, body) = api(
        &server,
        Method::POST,
        "/api/v1/leases",
        ALICE,
        Some(json!({"ttl": 60})),
    )
    .await;
    assert_eq!(status, 200, "lease grant: {body}");
    let lease = body["id"].as_str().unwrap().to_string();
    for (method, path) in [
        (Method::GET, format!("/api/v1/leases/{lease}")),
        (Method::POST, format!("/api/v1/leases/{lease}/keepalive")),
        (Method::DELETE, format!("/api/v1/leases/{lease}")),
    ] {
        let (status, body) = api(&server, method.clone(), &path, ALICE, None).await;
        assert_eq!(status, 200, "{method} {path}: {body}");
    }
    let copy = json!({"from": "app/", "to": "app/copy/", "prefix": true});
    let (status, body) = api(&server, Method::POST, "/api/v1/copy", ALICE, Some(copy)).await;
    assert_eq!(status, 200, "copy: {body}");

    // A watch as alice streams; one outside her prefix is refused as hers.
    let watch = reqwest::Client::new()
        .get(format!("{}/api/v1/watch?prefix=app/", server.url))
        .basic_auth(ALICE.0, Some(ALICE.1))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), 200);
    drop(watch);

    // Outside app/ everything is a 403 that names alice, never a 401 or a 5xx.
    for path in [
        "/api/v1/keys?prefix=other/",
        "/api/v1/keys/other/secret",
        "/api/v1/keys/other/secret/history",
        "/api/v1/tree?prefix=other/",
        "/api/v1/export?prefix=other/",
        "/api/v1/watch?prefix=other/",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.to_string().contains("alice"), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_leases_keys_show_only_those_the_user_may_read() {
    let cluster = TestCluster::start(1);
    enable_etcd_auth(&cluster).await;
    let options = ConnectOptions::new().with_user(ROOT.0, ROOT.1);
    let mut root = Client::connect(&cluster.endpoints, Some(options))
        .await
        .unwrap();
    let lease = root.lease_grant(600, None).await.unwrap().id();
    for key in ["app/leased", "other/leased-secret"] {
        let on_lease = etcd_client::PutOptions::new().with_lease(lease);
        root.put(key, "v", Some(on_lease)).await.unwrap();
    }
    let server = TestServer::start(&cluster);
    let path = format!("/api/v1/leases/{lease:x}");
    let (status, body) = api(&server, Method::GET, &path, ROOT, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["key_count"], 2, "root sees both: {body}");
    assert_eq!(body["keys_hidden"], false, "{body}");
    let (status, body) = api(&server, Method::GET, &path, ALICE, None).await;
    assert!(
        !body.to_string().contains("leased-secret"),
        "alice may not read other/: {body}"
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["keys_hidden"], true, "{body}");
    // etcd before 3.4.26 and 3.5.9 names every key, and etcd-deck keeps those she may read;
    // a patched etcd names none to her, and etcd-deck shows the lease without keys.
    let readable = body["keys"].as_array().unwrap();
    assert!(
        readable.is_empty() || readable == &vec![json!("app/leased")],
        "{body}"
    );
    assert_eq!(body["key_count"], readable.len(), "{body}");
    // A patched etcd lists leases to root only.
    let (status, body) = api(&server, Method::GET, "/api/v1/leases", ALICE, None).await;
    assert!(!body.to_string().contains("leased-secret"), "{body}");
    assert!(status == 200 || status == 403, "{body}");
    root.lease_revoke(lease).await.unwrap();
}
