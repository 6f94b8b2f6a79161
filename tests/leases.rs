//! Leases over the REST API against a real etcd: granted, listed with their keys, kept alive,
//! revoked (which deletes their keys), and the errors for ids that are bad or gone.

mod common;

use common::{app::TestApp, TestCluster};
use etcd_client::{Client, GetOptions, PutOptions};
use serde_json::json;

#[tokio::test]
async fn a_lease_is_granted_listed_with_its_keys_kept_alive_and_revoked_with_them() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();

    let (status, _, granted) = app
        .api("POST", "/api/v1/leases", Some(json!({"ttl": 120})), &[])
        .await;
    assert_eq!(status, 200, "{granted}");
    let hex = granted["id"].as_str().unwrap().to_string();
    let id = i64::from_str_radix(&hex, 16).unwrap();
    for key in ["l/b", "l/a", "l/c d"] {
        let options = PutOptions::new().with_lease(id);
        etcd.put(key, "v", Some(options)).await.unwrap();
    }
    etcd.put("l/kept", "v", None).await.unwrap();

    let (status, _, lease) = app
        .api("GET", &format!("/api/v1/leases/{hex}"), None, &[])
        .await;
    assert_eq!(status, 200, "{lease}");
    assert_eq!(lease["granted_ttl"], 120);
    assert!((1..=120).contains(&lease["ttl"].as_i64().unwrap()));
    assert_eq!(lease["key_count"], 3);
    assert_eq!(
        lease["keys"],
        json!(["l/a", "l/b", "l/c d"]),
        "in key order"
    );

    let (status, _, all) = app.api("GET", "/api/v1/leases", None, &[]).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], 1);
    assert_eq!(all["leases"][0]["id"], hex.as_str());

    let uri = format!("/api/v1/leases/{hex}/keepalive");
    let (status, _, renewed) = app.api("POST", &uri, None, &[]).await;
    assert_eq!(status, 200, "{renewed}");
    assert!(renewed["ttl"].as_i64().unwrap() >= 119);

    let (status, _, revoked) = app
        .api("DELETE", &format!("/api/v1/leases/{hex}"), None, &[])
        .await;
    assert_eq!(status, 200, "{revoked}");
    let left = etcd
        .get("l/", Some(GetOptions::new().with_prefix().with_keys_only()))
        .await
        .unwrap();
    let left: Vec<&[u8]> = left.kvs().iter().map(|kv| kv.key()).collect();
    assert_eq!(
        left,
        [b"l/kept".as_slice()],
        "the lease's keys went with it"
    );

    for (method, uri, body, expected) in [
        ("GET", format!("/api/v1/leases/{hex}"), None, 404),
        ("DELETE", format!("/api/v1/leases/{hex}"), None, 404),
        ("POST", format!("/api/v1/leases/{hex}/keepalive"), None, 404),
        ("GET", "/api/v1/leases/xyz".to_string(), None, 400),
        (
            "POST",
            "/api/v1/leases".to_string(),
            Some(json!({"ttl": 0})),
            400,
        ),
    ] {
        let (status, _, answer) = app.api(method, &uri, body, &[]).await;
        assert_eq!(status, expected, "{method} {uri}: {answer}");
        if expected == 404 {
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(&format!("lease {hex}")), "{message}");
        }
    }
}
