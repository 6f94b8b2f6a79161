//! Leases over the REST API against a real etcd: granted, listed with their keys, kept alive,
//! revoked (which deletes their keys), and the errors for ids that are bad or gone.

mod common;

use common::{app::TestApp, TestCluster};
use etcd_client::{Client, GetOptions, PutOptions};
use etcd_deck::domain::{tree::LevelRequest, Key, PageRequest};
use etcd_deck::server_fns::{SaveValue, SetKeyLease};
use etcd_deck::urls::routes::{level_url, list_url};
use leptos::server_fn::ServerFn;
use serde_json::json;

/// The lease a key is on now (0 for none) and its mod revision, read from etcd directly.
async fn lease_of(etcd: &mut Client, key: &str) -> (i64, i64) {
    let answer = etcd.get(key, None).await.unwrap();
    let kv = &answer.kvs()[0];
    (kv.lease(), kv.mod_revision())
}

#[tokio::test]
async fn a_key_goes_on_a_lease_stays_on_it_when_edited_and_comes_off_it() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let (_, _, granted) = app
        .api("POST", "/api/v1/leases", Some(json!({"ttl": 300})), &[])
        .await;
    let hex = granted["id"].as_str().unwrap().to_string();
    let id = i64::from_str_radix(&hex, 16).unwrap();
    let put = |body: serde_json::Value| {
        let app = &app;
        async move { app.api("PUT", "/api/v1/keys/ls%2Fk", Some(body), &[]).await }
    };

    // REST: attach to a lease that exists, keep it, and etcd's own put, which drops it.
    let (status, _, answer) = put(json!({"value": "one", "lease": hex})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(lease_of(&mut etcd, "ls/k").await.0, id);
    let (status, _, answer) = put(json!({"value": "two", "keep_lease": true})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(lease_of(&mut etcd, "ls/k").await.0, id, "kept");
    let (status, _, answer) = put(json!({"value": "three"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        lease_of(&mut etcd, "ls/k").await.0,
        0,
        "a plain put drops it"
    );

    // Refused, and nothing written: a lease that does not exist, two leases at once, keeping
    // the lease of a key that does not exist.
    let before = lease_of(&mut etcd, "ls/k").await;
    for (uri, body, expected, named) in [
        (
            "/api/v1/keys/ls%2Fk",
            json!({"value": "x", "lease": "7fff0000"}),
            404,
            "lease not found: 7fff0000",
        ),
        (
            "/api/v1/keys/ls%2Fk",
            json!({"value": "x", "lease": hex, "ttl": 5}),
            400,
            "at most one",
        ),
        (
            "/api/v1/keys/ls%2Fk",
            json!({"value": "x", "lease": "zz"}),
            400,
            "not a lease id",
        ),
        (
            "/api/v1/keys/ls%2Fnone",
            json!({"value": "x", "keep_lease": true}),
            404,
            "ls/none",
        ),
    ] {
        let (status, _, answer) = app.api("PUT", uri, Some(body.clone()), &[]).await;
        assert_eq!(status, expected, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{body}: {message}");
    }
    assert_eq!(lease_of(&mut etcd, "ls/k").await, before);
    assert_eq!(etcd.get("ls/none", None).await.unwrap().count(), 0);

    // The key page's forms: attach to the lease, save an edit (the key stays on it), grant a
    // new lease, take it off; each a compare-and-swap on the revision the page was read at.
    let segment = Key::from("ls/k").to_segment();
    let set = |lease: &str, ttl: &str, seen: i64| {
        format!("key={segment}&lease={lease}&ttl={ttl}&expected_mod_revision={seen}")
    };
    let (_, seen) = lease_of(&mut etcd, "ls/k").await;
    let (status, body) = app.call(SetKeyLease::PATH, &set(&hex, "", seen)).await;
    assert_eq!(status, 200, "{body}");
    let (lease, seen) = lease_of(&mut etcd, "ls/k").await;
    assert_eq!(lease, id);
    let value = etcd.get("ls/k", None).await.unwrap().kvs()[0]
        .value()
        .to_vec();
    assert_eq!(value, b"three", "attaching keeps the value");

    let save = format!(
        "key={segment}&value=four&format=text&keep_crlf=false&expected_mod_revision={seen}"
    );
    let (status, body) = app.call(SaveValue::PATH, &save).await;
    assert_eq!(status, 200, "{body}");
    let (lease, seen) = lease_of(&mut etcd, "ls/k").await;
    assert_eq!(
        lease, id,
        "an edit from the key page keeps the key on its lease"
    );

    let (status, body) = app.call(SetKeyLease::PATH, &set("", "30", seen)).await;
    assert_eq!(status, 200, "{body}");
    let (fresh, seen) = lease_of(&mut etcd, "ls/k").await;
    assert!(fresh != 0 && fresh != id, "a new lease");
    let left = etcd.lease_time_to_live(fresh, None).await.unwrap();
    assert!((1..=30).contains(&left.ttl()), "{}", left.ttl());

    // The page was read before someone else's write: refused, and the key stays as it is.
    etcd.put("ls/k", "theirs", Some(PutOptions::new().with_lease(fresh)))
        .await
        .unwrap();
    let (status, body) = app.call(SetKeyLease::PATH, &set("", "", seen)).await;
    assert_eq!(status, 412, "{body}");
    let (lease, seen) = lease_of(&mut etcd, "ls/k").await;
    assert_eq!(lease, fresh);
    let (status, body) = app.call(SetKeyLease::PATH, &set("", "", seen)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        lease_of(&mut etcd, "ls/k").await.0,
        0,
        "taken off its lease"
    );
    let value = etcd.get("ls/k", None).await.unwrap().kvs()[0]
        .value()
        .to_vec();
    assert_eq!(value, b"theirs");
}

#[tokio::test]
async fn keys_on_a_lease_show_the_time_it_has_left_in_lists_and_on_their_page() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let lease = etcd.lease_grant(7200, None).await.unwrap().id();
    let hex = format!("{lease:x}");
    etcd.put("lt/on", "v", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap();
    etcd.put("lt/off", "v", None).await.unwrap();

    let flat = list_url(&PageRequest::new(Key::from("lt/"), None, None));
    let level = level_url(&LevelRequest::new(
        Key::from("lt/"),
        Key::from("/"),
        None,
        None,
    ));
    for uri in [flat, level, "/key/lt%2Fon".to_string()] {
        let (status, page) = app.get(&uri).await;
        assert_eq!(status, 200, "{uri}");
        assert!(
            page.contains(&format!("/leases#lease-{hex}")),
            "{uri}: links to the lease"
        );
        // 7200 s granted: "1 h 59 min" (or "2 h" within the first second).
        let countdown = ["1 h 59 min", "2 h"]
            .iter()
            .any(|left| page.contains(&format!(r#"class="countdown">{left}<"#)));
        assert!(
            countdown,
            "{uri}: the time left, once, for the one key on a lease: {page}"
        );
        assert_eq!(
            page.matches(r#"data-testid="lease-left""#).count(),
            1,
            "{uri}"
        );
    }
}

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
        // Not UTF-8: answered in the API's JSON, not axum's plain text.
        ("GET", "/api/v1/leases/%FF".to_string(), None, 400),
        ("DELETE", "/api/v1/leases/%FF".to_string(), None, 400),
        (
            "POST",
            "/api/v1/leases".to_string(),
            Some(json!({"ttl": 0})),
            400,
        ),
    ] {
        let (status, _, answer) = app.api(method, &uri, body, &[]).await;
        assert_eq!(status, expected, "{method} {uri}: {answer}");
        assert!(
            answer["error"]["code"].is_string(),
            "{method} {uri}: {answer}"
        );
        if expected == 404 {
            assert_eq!(answer["error"]["code"], "lease_not_found", "{answer}");
            let message = answer["error"]["message"].as_str().unwrap();
            assert_eq!(message, format!("lease not found: {hex}"));
        }
    }
}
