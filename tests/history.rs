//! A key's history and its past values over the REST API against a real etcd: versions across
//! a delete and a recreation, values read at past revisions, the limit, and compaction: where
//! etcd's history starts, the version kept from before it, and a 410 for a compacted revision.

mod common;

use common::{app::TestApp, compact_now, TestCluster};
use etcd_client::Client;
use etcd_deck::domain::Key;
use etcd_deck::server_fns::UndeleteKeys;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

/// `(kind, version, recreated)` of each change of a history, newest first.
fn changes(history: &Value) -> Vec<(String, i64, bool)> {
    history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let kind = c["kind"].as_str().unwrap().to_string();
            (
                kind,
                c["version"].as_i64().unwrap(),
                c["recreated"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, i64, bool)]) -> Vec<(String, i64, bool)> {
    rows.iter()
        .map(|(kind, version, recreated)| (kind.to_string(), *version, *recreated))
        .collect()
}

async fn revision(put: etcd_client::PutResponse) -> i64 {
    put.header().unwrap().revision()
}

#[tokio::test]
async fn a_history_lists_every_version_across_a_delete_and_reads_each_value() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let first = revision(etcd.put("h/a b", "one", None).await.unwrap()).await;
    let second = revision(etcd.put("h/a b", "two!", None).await.unwrap()).await;
    etcd.put("h/other", "x", None).await.unwrap();
    let deleted = etcd.delete("h/a b", None).await.unwrap();
    let deleted = deleted.header().unwrap().revision();
    let again = revision(etcd.put("h/a b", "three", None).await.unwrap()).await;

    let (status, _, history) = app
        .api("GET", "/api/v1/keys/h/a%20b/history", None, &[])
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(
        changes(&history),
        owned(&[
            ("put", 1, true),
            ("delete", 0, false),
            ("put", 2, false),
            ("put", 1, false)
        ])
    );
    let revisions: Vec<i64> = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["revision"].as_i64().unwrap())
        .collect();
    assert_eq!(revisions, [again, deleted, second, first]);
    assert_eq!(history["changes"][2]["value_size"], 4);
    assert_eq!(history["kept_from"], 1);
    assert_eq!(history["more"], false);
    assert!(history["revision"].as_i64().unwrap() >= again);

    // Each version's value, read at its revision; nothing at the delete.
    for (at, value) in [(first, "one"), (second, "two!"), (again, "three")] {
        let uri = format!("/api/v1/keys/h/a%20b?revision={at}");
        let (status, headers, body) = app.api("GET", &uri, None, &[]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["value"], value);
        assert_eq!(body["mod_revision"], at);
        assert_eq!(body["revision"], at);
        assert_eq!(headers["etag"], format!("\"{at}\""));
    }
    let uri = format!("/api/v1/keys/h/a%20b?revision={deleted}");
    let (status, _, body) = app.api("GET", &uri, None, &[]).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("at revision {deleted}")));

    // The newest changes only, saying there are more.
    let (_, _, limited) = app
        .api("GET", "/api/v1/keys/h/a%20b/history?limit=2", None, &[])
        .await;
    assert_eq!(
        changes(&limited),
        owned(&[("put", 1, true), ("delete", 0, false)])
    );
    assert_eq!(limited["more"], true);

    // A deleted key's history ends with its delete.
    etcd.delete("h/other", None).await.unwrap();
    let (status, _, gone) = app
        .api("GET", "/api/v1/keys/h/other/history", None, &[])
        .await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(
        changes(&gone),
        owned(&[("delete", 0, false), ("put", 1, false)])
    );

    // A key whose own name ends in /history, written with its last / as %2F.
    etcd.put("h/x/history", "literal", None).await.unwrap();
    let (status, _, literal) = app
        .api("GET", "/api/v1/keys/h/x%2Fhistory", None, &[])
        .await;
    assert_eq!((status, &literal["value"]), (200, &Value::from("literal")));
    let (status, _, its_history) = app
        .api("GET", "/api/v1/keys/h/x/history/history", None, &[])
        .await;
    assert_eq!(status, 200, "{its_history}");
    assert_eq!(its_history["key"], "h/x/history");

    for (uri, expected) in [
        ("/api/v1/keys/h/never/history", 404),
        ("/api/v1/keys/h/a%20b?revision=0", 400),
        ("/api/v1/keys/h/a%20b?revision=x", 400),
        ("/api/v1/keys/h/a%20b/history?limit=x", 400),
    ] {
        let (status, _, body) = app.api("GET", uri, None, &[]).await;
        assert_eq!(status, expected, "{uri}: {body}");
    }
}

#[tokio::test]
async fn a_history_starts_where_etcd_compacted_it_and_keeps_the_version_from_then() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let first = revision(etcd.put("c/k", "1", None).await.unwrap()).await;
    let kept = revision(etcd.put("c/k", "22", None).await.unwrap()).await;
    etcd.put("c/other", "x", None).await.unwrap();
    let compacted = compact_now(&mut etcd).await;
    let last = revision(etcd.put("c/k", "333", None).await.unwrap()).await;

    let (status, _, history) = app.api("GET", "/api/v1/keys/c/k/history", None, &[]).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["kept_from"], compacted);
    assert_eq!(
        changes(&history),
        owned(&[("put", 3, false), ("put", 2, false)])
    );
    assert_eq!(history["changes"][0]["revision"], last);
    assert_eq!(
        history["changes"][1]["revision"], kept,
        "the version etcd kept at the compaction, with the revision that wrote it"
    );

    let uri = format!("/api/v1/keys/c/k?revision={kept}");
    let (status, _, body) = app.api("GET", &uri, None, &[]).await;
    assert_eq!(
        status, 410,
        "a revision before the compaction is gone: {body}"
    );
    let uri = format!("/api/v1/keys/c/k?revision={compacted}");
    let (status, _, body) = app.api("GET", &uri, None, &[]).await;
    assert_eq!((status, &body["value"]), (200, &Value::from("22")));
    let uri = format!("/api/v1/keys/c/k?revision={first}");
    let (status, _, _) = app.api("GET", &uri, None, &[]).await;
    assert_eq!(status, 410);

    // Where etcd's history starts, found by reading at past revisions.
    let kept = app.etcd.revisions_kept(&Key::from("c/")).await.unwrap();
    assert_eq!(kept, (compacted, last));
    let uncompacted = TestCluster::start(1);
    let fresh = uncompacted.connect().await;
    let (from, _) = fresh.revisions_kept(&Key::from("c/")).await.unwrap();
    assert_eq!(from, 1, "nothing compacted: every revision is kept");
}

async fn value(etcd: &mut Client, key: &str) -> Option<String> {
    let got = etcd.get(key, None).await.unwrap();
    got.kvs()
        .first()
        .map(|kv| kv.value_str().unwrap().to_string())
}

#[tokio::test]
async fn a_restore_never_overwrites_a_change_it_has_not_seen() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let first = revision(etcd.put("r/k", "first", None).await.unwrap()).await;
    let seen = revision(etcd.put("r/k", "second", None).await.unwrap()).await;
    let theirs = revision(etcd.put("r/k", "theirs", None).await.unwrap()).await;

    let restore = |mod_revision: Option<i64>| json!({"key": "r/k", "revision": first, "mod_revision": mod_revision});
    let (status, _, body) = app
        .api("POST", "/api/v1/restore", Some(restore(Some(seen))), &[])
        .await;
    assert_eq!(status, 412, "{body}");
    assert_eq!(body["error"]["current_mod_revision"], theirs, "{body}");
    assert_eq!(value(&mut etcd, "r/k").await.as_deref(), Some("theirs"));

    let (status, _, body) = app
        .api("POST", "/api/v1/restore", Some(restore(Some(theirs))), &[])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(value(&mut etcd, "r/k").await.as_deref(), Some("first"));

    // A deleted key comes back only while it is still absent.
    etcd.delete("r/k", None).await.unwrap();
    let (status, _, body) = app
        .api("POST", "/api/v1/restore", Some(restore(None)), &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app
        .api("POST", "/api/v1/restore", Some(restore(None)), &[])
        .await;
    assert_eq!(status, 412, "{body}");
    let zero = json!({"key": "r/k", "revision": 0, "mod_revision": null});
    let (status, _, body) = app.api("POST", "/api/v1/restore", Some(zero), &[]).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_keyspace_as_it_was_marks_what_became_of_each_key_and_undelete_only_creates() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for key in ["u/a", "u/b", "u/c", "u/d"] {
        etcd.put(key, format!("old {key}"), None).await.unwrap();
    }
    let then = revision(etcd.put("u/e", "old u/e", None).await.unwrap()).await;
    etcd.delete("u/a", None).await.unwrap();
    etcd.delete("u/b", None).await.unwrap();
    etcd.delete("u/d", None).await.unwrap();
    etcd.put("u/b", "new", None).await.unwrap();
    etcd.put("u/c", "changed", None).await.unwrap();

    let uri = format!("/api/v1/keys?prefix=u%2F&revision={then}&compare_now=true");
    let (status, _, page) = app.api("GET", &uri, None, &[]).await;
    assert_eq!(status, 200, "{page}");
    let marks: Vec<(&str, &str)> = page["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["key"].as_str().unwrap(), k["now"].as_str().unwrap()))
        .collect();
    assert_eq!(
        marks,
        [
            ("u/a", "deleted"),
            ("u/b", "changed"),
            ("u/c", "changed"),
            ("u/d", "deleted"),
            ("u/e", "unchanged")
        ]
    );

    // u/b exists again: nothing is written, and the answer names it.
    let body = json!({"revision": then, "keys": ["u/a", "u/b"]});
    let (status, _, answer) = app.api("POST", "/api/v1/undelete", Some(body), &[]).await;
    assert_eq!(status, 412, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("u/b"),
        "{answer}"
    );
    assert_eq!(value(&mut etcd, "u/a").await, None, "nothing was written");
    assert_eq!(value(&mut etcd, "u/b").await.as_deref(), Some("new"));

    let body = json!({"revision": then, "keys": ["u/a", "u/d"]});
    let (status, _, answer) = app.api("POST", "/api/v1/undelete", Some(body), &[]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(value(&mut etcd, "u/a").await.as_deref(), Some("old u/a"));
    assert_eq!(value(&mut etcd, "u/d").await.as_deref(), Some("old u/d"));

    let (status, _, _) = app
        .api(
            "GET",
            "/api/v1/keys?prefix=u%2F&compare_now=true",
            None,
            &[],
        )
        .await;
    assert_eq!(status, 400, "comparing needs a past revision");
    let body = json!({"revision": then, "keys": []});
    let (status, _, _) = app.api("POST", "/api/v1/undelete", Some(body), &[]).await;
    assert_eq!(status, 400);

    // The past page's selection without JavaScript: boxes 0 and 2 of 3 checked, 1 not sent.
    for key in ["u/a", "u/c", "u/d"] {
        etcd.delete(key, None).await.unwrap();
    }
    let segment = |key: &str| Key::from(key).to_segment();
    let form = format!(
        "prefix={}&revision={then}&slots=3&keys%5B0%5D={}&keys%5B2%5D={}",
        segment("u/"),
        segment("u/a"),
        segment("u/d")
    );
    let (status, _, body) = app.post_form(UndeleteKeys::PATH, &form).await;
    assert_eq!(status, 302, "{body}");
    assert_eq!(value(&mut etcd, "u/a").await.as_deref(), Some("old u/a"));
    assert_eq!(value(&mut etcd, "u/c").await, None, "not selected");
    assert_eq!(value(&mut etcd, "u/d").await.as_deref(), Some("old u/d"));
}
