//! Contract tests of the REST API against a real etcd: every endpoint, every error code,
//! awkward and binary keys and values checked byte-exact with a direct etcd client.

mod common;

use common::{app::TestApp, TestCluster};
use serde_json::{json, Value};

/// The path of a key in the API: each byte percent-encoded, `/` kept.
fn key_path(key: &[u8]) -> String {
    let encoded: String = key
        .iter()
        .map(|&b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/api/v1/keys/{encoded}")
}

async fn direct(cluster: &TestCluster) -> etcd_client::Client {
    etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn put_get_head_and_pop_a_key() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let path = key_path("app/a b%c?d#e/ünï 🔑".as_bytes());

    let (status, headers, body) = app
        .api("PUT", &path, Some(json!({"value": "hello"})), &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let revision = body["revision"].as_i64().unwrap();
    assert_eq!(headers["etag"], format!("\"{revision}\""));

    let stored = direct(&cluster)
        .await
        .get("app/a b%c?d#e/ünï 🔑", None)
        .await
        .unwrap();
    assert_eq!(stored.kvs()[0].value(), b"hello");

    let (status, headers, body) = app.api("GET", &path, None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["key"], "app/a b%c?d#e/ünï 🔑");
    assert_eq!(body["key_encoding"], "utf8");
    assert_eq!(body["value"], "hello");
    assert_eq!(body["value_encoding"], "utf8");
    assert_eq!(body["version"], 1);
    assert_eq!(body["create_revision"], revision);
    assert_eq!(body["mod_revision"], revision);
    assert_eq!(body["lease"], 0);
    assert!(body["revision"].as_i64().unwrap() >= revision);
    assert_eq!(headers["etag"], format!("\"{revision}\""));

    assert_eq!(app.api("HEAD", &path, None, &[]).await.0, 200);
    let (status, _, body) = app.api("HEAD", &key_path(b"nope"), None, &[]).await;
    assert_eq!((status, body), (404, Value::Null));

    let (status, _, body) = app.api("DELETE", &path, None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"], "hello");
    assert!(body["revision"].as_i64().unwrap() > revision);
    let (status, _, body) = app.api("DELETE", &path, None, &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _, body) = app.api("GET", &path, None, &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("key not found"));
}

#[tokio::test]
async fn conditional_puts_answer_412_with_the_current_revision() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let path = key_path(b"cas");
    let create = [("If-None-Match", "*")];

    let (status, _, body) = app
        .api("PUT", &path, Some(json!({"value": "1"})), &create)
        .await;
    assert_eq!(status, 200);
    let first = body["revision"].as_i64().unwrap();
    let (status, _, body) = app
        .api("PUT", &path, Some(json!({"value": "2"})), &create)
        .await;
    assert_eq!(status, 412);
    assert_eq!(body["error"]["code"], "already_exists");
    assert_eq!(body["error"]["current_mod_revision"], first);

    let matching = first.to_string();
    let (status, _, body) = app
        .api(
            "PUT",
            &path,
            Some(json!({"value": "2"})),
            &[("If-Match", &matching)],
        )
        .await;
    assert_eq!(status, 200);
    let second = body["revision"].as_i64().unwrap();
    let (status, _, body) = app
        .api(
            "PUT",
            &path,
            Some(json!({"value": "3"})),
            &[("If-Match", &matching)],
        )
        .await;
    assert_eq!(status, 412);
    assert_eq!(body["error"]["current_mod_revision"], second);
    assert_eq!(app.api("GET", &path, None, &[]).await.2["value"], "2");

    let (status, _, _) = app
        .api(
            "PUT",
            &path,
            Some(json!({"value": "4"})),
            &[("If-Match", "soon")],
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_ttl_puts_the_key_on_a_lease() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let path = key_path(b"session");
    let (status, _, _) = app
        .api("PUT", &path, Some(json!({"value": "v", "ttl": 60})), &[])
        .await;
    assert_eq!(status, 200);
    let (_, _, body) = app.api("GET", &path, None, &[]).await;
    assert_ne!(body["lease"], 0);
    let (status, _, _) = app
        .api("PUT", &path, Some(json!({"value": "v", "ttl": 0})), &[])
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn listing_pages_through_a_prefix_with_or_without_values() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    for key in ["p/1", "p/2", "p/3", "p/4", "p/5", "q/outside"] {
        app.api(
            "PUT",
            &key_path(key.as_bytes()),
            Some(json!({"value": key})),
            &[],
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut uri = "/api/v1/keys?prefix=p%2F&limit=2".to_string();
    loop {
        let (status, _, page) = app.api("GET", &uri, None, &[]).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["count"], 5);
        assert_eq!(page["stale"], false);
        for entry in page["keys"].as_array().unwrap() {
            assert!(entry.get("value").is_none(), "keys only unless asked");
            seen.push(entry["key"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(next) => {
                assert_eq!(page["more"], true);
                uri = format!("/api/v1/keys?prefix=p%2F&limit=2&after={next}");
            }
            None => break,
        }
    }
    assert_eq!(seen, ["p/1", "p/2", "p/3", "p/4", "p/5"]);

    let (_, _, page) = app
        .api("GET", "/api/v1/keys?prefix=p%2F&values=true", None, &[])
        .await;
    assert_eq!(page["keys"][2]["value"], "p/3");
    let (status, _, body) = app
        .api("GET", "/api/v1/keys?after=not-a-cursor!", None, &[])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_input"))
    );
}

#[tokio::test]
async fn binary_keys_and_values_round_trip_byte_exact() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    use base64::{
        engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD, Engine,
    };
    let key = vec![b'b', b'/', 0xff, 0x00, 0xfe, b'?'];
    let value: Vec<u8> = (0..=255).collect();
    let path = format!(
        "/api/v1/keys/{}?encoding=base64",
        URL_SAFE_NO_PAD.encode(&key)
    );

    let body = json!({"value": STANDARD.encode(&value)});
    assert_eq!(app.api("PUT", &path, Some(body), &[]).await.0, 200);
    let stored = direct(&cluster).await.get(key.clone(), None).await.unwrap();
    assert_eq!(stored.kvs()[0].value(), value.as_slice());

    let (status, _, body) = app.api("GET", &path, None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(STANDARD.decode(body["key"].as_str().unwrap()).unwrap(), key);
    assert_eq!(
        STANDARD.decode(body["value"].as_str().unwrap()).unwrap(),
        value
    );

    // Asked for text, a binary key and value come back as base64, labelled, never mangled.
    let (status, _, body) = app.api("GET", &key_path(&key), None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["key_encoding"], "base64");
    assert_eq!(body["value_encoding"], "base64");
    assert_eq!(
        STANDARD.decode(body["value"].as_str().unwrap()).unwrap(),
        value
    );

    let (_, _, page) = app
        .api(
            "GET",
            "/api/v1/keys?prefix=Yi8&encoding=base64&values=true",
            None,
            &[],
        )
        .await;
    assert_eq!(
        STANDARD
            .decode(page["keys"][0]["value"].as_str().unwrap())
            .unwrap(),
        value
    );

    let (status, _, body) = app
        .api("PUT", &path, Some(json!({"value": "***"})), &[])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_input"))
    );
}

#[tokio::test]
async fn a_value_downloads_as_its_bytes_named_after_the_key() {
    use axum::{body::Body, http::Request};
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let value: Vec<u8> = (0..=255).collect();
    let key = b"dl/<report>.bin";
    direct(&cluster)
        .await
        .put(key.to_vec(), value.clone(), None)
        .await
        .unwrap();

    let uri = format!("{}?raw=true", key_path(key));
    let response = app
        .open(Request::get(&uri).body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"_report_.bin\""
    );
    assert!(headers.contains_key("etag"));
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(body.as_ref(), value.as_slice());

    // A key that is not there is the API's 404, in JSON.
    let (status, _, body) = app
        .api("GET", "/api/v1/keys/dl/none?raw=true", None, &[])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn deleting_a_prefix_needs_confirmation_and_answers_the_count() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    for key in ["d/1", "d/2", "d/3", "dx"] {
        app.api(
            "PUT",
            &key_path(key.as_bytes()),
            Some(json!({"value": "v"})),
            &[],
        )
        .await;
    }
    let (status, _, _) = app
        .api("DELETE", "/api/v1/keys?prefix=d%2F&confirm=d", None, &[])
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = app
        .api("DELETE", "/api/v1/keys?prefix=&confirm=", None, &[])
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = app
        .api("DELETE", "/api/v1/keys?prefix=d%2F", None, &[])
        .await;
    assert_eq!(status, 400);
    let (status, _, body) = app
        .api("DELETE", "/api/v1/keys?prefix=d%2F&confirm=d%2F", None, &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["done"]["count"], 3, "{body}");
    let (_, _, page) = app.api("GET", "/api/v1/keys?prefix=d", None, &[]).await;
    assert_eq!(page["count"], 1);
}

#[tokio::test]
async fn append_builds_a_json_array_and_refuses_other_values() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let append = key_path(b"log") + "/append";
    let (status, _, body) = app
        .api("POST", &append, Some(json!({"value": {"n": 1}})), &[])
        .await;
    assert_eq!((status, body["length"].as_i64()), (200, Some(1)));
    let (_, _, body) = app
        .api("POST", &append, Some(json!({"value": "two"})), &[])
        .await;
    assert_eq!(body["length"], 2);
    let (_, _, body) = app.api("GET", &key_path(b"log"), None, &[]).await;
    assert_eq!(body["value"], r#"[{"n":1},"two"]"#);

    app.api(
        "PUT",
        &key_path(b"text"),
        Some(json!({"value": "plain"})),
        &[],
    )
    .await;
    let (status, _, body) = app
        .api(
            "POST",
            &(key_path(b"text") + "/append"),
            Some(json!({"value": 1})),
            &[],
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
}

#[tokio::test]
async fn eight_clients_appending_fifty_items_each_end_with_400() {
    let cluster = TestCluster::start(1);
    let app = std::sync::Arc::new(TestApp::start(&cluster).await);
    let append = key_path(b"shared") + "/append";
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let (app, append) = (app.clone(), append.clone());
            tokio::spawn(async move {
                for item in 0..50 {
                    let body = json!({"value": format!("{client}-{item}")});
                    let (status, _, answer) = app.api("POST", &append, Some(body), &[]).await;
                    assert_eq!(status, 200, "{answer}");
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let (_, _, body) = app.api("GET", &key_path(b"shared"), None, &[]).await;
    let items: Vec<String> = serde_json::from_str(body["value"].as_str().unwrap()).unwrap();
    assert_eq!(items.len(), 400);
    let distinct: std::collections::HashSet<&String> = items.iter().collect();
    assert_eq!(distinct.len(), 400, "no item lost or doubled");
}

#[tokio::test]
async fn client_mistakes_are_4xx_with_a_json_error() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let path = key_path(b"k");
    let json_header = [("content-type".to_string(), "application/json".to_string())];

    let malformed = app
        .raw("PUT", &path, &json_header, b"{\"value\": ".to_vec())
        .await;
    assert_eq!(malformed, 400);
    let wrong_shape = app
        .raw("PUT", &path, &json_header, b"{\"val\": 1}".to_vec())
        .await;
    assert_eq!(wrong_shape, 400);
    let no_type = app
        .raw("PUT", &path, &[], b"{\"value\": \"v\"}".to_vec())
        .await;
    assert_eq!(no_type, 400);
    let huge = app
        .raw("PUT", &path, &json_header, vec![b' '; 7 * 1024 * 1024])
        .await;
    assert_eq!(huge, 413);
    let over_limit = json!({"value": "x".repeat(1600 * 1024)});
    assert_eq!(app.api("PUT", &path, Some(over_limit), &[]).await.0, 413);
    assert_eq!(app.raw("PATCH", &path, &[], vec![]).await, 405);
    let (status, _, body) = app.api("GET", "/api/v1/nothing/here", None, &[]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("no_such_endpoint"))
    );
    let (status, _, body) = app.api("GET", "/api/v1/keys/", None, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "the key must not be empty");
    let (status, _, _) = app.api("GET", "/api/v1/keys?limit=-1", None, &[]).await;
    assert_eq!(status, 400);
    let (status, _, _) = app
        .api("GET", "/api/v1/keys?encoding=rot13", None, &[])
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn etcd_down_is_503_and_the_document_describes_every_endpoint() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let (status, _, doc) = app.api("GET", "/api/v1/openapi.json", None, &[]).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/keys/{key}"]["put"].is_object());
    let (status, _, cluster_view) = app.api("GET", "/api/v1/cluster", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(cluster_view["members"].as_array().unwrap().len(), 1);

    cluster.stop();
    let (status, _, body) = app.api("GET", &key_path(b"k"), None, &[]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("etcd_unavailable"))
    );
    let (status, _, _) = app
        .api("PUT", &key_path(b"k"), Some(json!({"value": "v"})), &[])
        .await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn pages_read_at_a_revision_and_a_compacted_one_is_gone() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = direct(&cluster).await;
    for key in ["r/a", "r/b", "r/c"] {
        etcd.put(key, "v", None).await.unwrap();
    }
    let (status, _, first) = app
        .api("GET", "/api/v1/keys?prefix=r%2F&limit=2", None, &[])
        .await;
    assert_eq!(status, 200, "{first}");
    let revision = first["revision"].as_i64().unwrap();
    etcd.put("r/d", "v", None).await.unwrap();
    let next = format!(
        "/api/v1/keys?prefix=r%2F&limit=2&after={}&revision={revision}",
        first["next"].as_str().unwrap()
    );
    let (status, _, second) = app.api("GET", &next, None, &[]).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["keys"].as_array().unwrap().len(), 1, "{second}");
    assert_eq!(
        (second["count"].clone(), second["more"].clone()),
        (json!(3), json!(false))
    );
    assert_eq!(second["revision"], revision);

    let now = common::compact_now(&mut etcd).await;
    let (status, _, gone) = app.api("GET", &next, None, &[]).await;
    assert_eq!(status, 410, "{gone}");
    assert_eq!(gone["error"]["code"], "compacted");
    let (status, _, bad) = app.api("GET", "/api/v1/keys?revision=0", None, &[]).await;
    assert_eq!(
        (status, bad["error"]["code"].clone()),
        (400, json!("invalid_input"))
    );
    let future = format!("/api/v1/keys?revision={}", now + 1000);
    let (status, _, ahead) = app.api("GET", &future, None, &[]).await;
    assert_eq!(status, 400, "{ahead}");
}

#[tokio::test]
async fn the_tree_lists_a_level_page_by_page() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = direct(&cluster).await;
    for key in ["v/a", "v/f1/x", "v/f1/y", "v/f2/x", "v/f3/x"] {
        etcd.put(key, "v", None).await.unwrap();
    }
    etcd.put(vec![b'v', b'/', 0xff, b'/', b'z'], "v", None)
        .await
        .unwrap();
    let (status, _, first) = app
        .api("GET", "/api/v1/tree?prefix=v%2F&limit=3", None, &[])
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["entries"],
        json!([
            {"kind": "key", "name": "a", "key": "v/a", "encoding": "utf8"},
            {"kind": "folder", "name": "f1", "key": "v/f1/", "encoding": "utf8", "count": 2, "count_exact": true},
            {"kind": "folder", "name": "f2", "key": "v/f2/", "encoding": "utf8", "count": 1, "count_exact": true},
        ])
    );
    assert_eq!(
        (first["more"].clone(), first["total"].clone()),
        (json!(true), json!(6))
    );
    let next = format!(
        "/api/v1/tree?prefix=v%2F&limit=3&after={}&revision={}",
        first["next"].as_str().unwrap(),
        first["revision"]
    );
    let (status, _, second) = app.api("GET", &next, None, &[]).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["more"], false);
    assert_eq!(
        second.get("total"),
        None,
        "only a first page counts the level"
    );
    let entries = second["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{second}");
    assert_eq!(entries[0]["name"], "f3");
    assert_eq!(
        (entries[1]["encoding"].clone(), entries[1]["name"].clone()),
        (json!("base64"), json!("/w==")),
        "a name that is not UTF-8"
    );
    let (status, _, bad) = app.api("GET", "/api/v1/tree?delimiter=", None, &[]).await;
    assert_eq!(
        (status, bad["error"]["code"].clone()),
        (400, json!("invalid_input"))
    );
    let (status, _, other) = app
        .api("GET", "/api/v1/tree?prefix=v%2F&delimiter=1", None, &[])
        .await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(
        other["entries"][1]["key"], "v/f1",
        "split on another delimiter"
    );
}
