//! Saving a value from its page against a real etcd: a save that would change nothing writes
//! nothing, an invalid format is refused with its line and column and writes nothing, and a
//! save that finds the key changed keeps what was typed and lands on the three versions, merged.

mod common;

use common::{app::TestApp, TestCluster};
use etcd_client::Client;
use etcd_deck::domain::Key;
use etcd_deck::server_fns::{GetDraft, SaveValue};
use leptos::server_fn::ServerFn;
use serde_json::Value;

/// The value and mod revision of `key`, read from etcd directly.
async fn stored(etcd: &mut Client, key: &str) -> (String, i64) {
    let answer = etcd.get(key, None).await.unwrap();
    let kv = &answer.kvs()[0];
    (kv.value_str().unwrap().to_string(), kv.mod_revision())
}

fn save_form(key: &str, value: &str, format: &str, seen: i64) -> String {
    let segment = Key::from(key).to_segment();
    let value: String = url_encode(value);
    format!(
        "key={segment}&value={value}&format={format}&keep_crlf=false&expected_mod_revision={seen}"
    )
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn an_unchanged_save_writes_nothing_and_an_invalid_one_says_where() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let json = "{\"name\": \"deck\",\n \"replicas\": 3}";
    etcd.put("ed/doc", json, None).await.unwrap();
    let (_, seen) = stored(&mut etcd, "ed/doc").await;

    let (status, body) = app
        .call(SaveValue::PATH, &save_form("ed/doc", json, "json", seen))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Unchanged"), "{body}");
    assert_eq!(stored(&mut etcd, "ed/doc").await, (json.to_string(), seen));

    let broken = "{\"name\": \"deck\",\n \"replicas\" 3}";
    let (status, body) = app
        .call(SaveValue::PATH, &save_form("ed/doc", broken, "json", seen))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not valid JSON: line 2, column 13"), "{body}");
    let (status, body) = app
        .call(
            SaveValue::PATH,
            &save_form("ed/doc", "a: [1,", "yaml", seen),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not valid YAML: line 2, column 1"), "{body}");
    assert_eq!(stored(&mut etcd, "ed/doc").await, (json.to_string(), seen));

    // Saved as plain text on purpose, the same text is written.
    let (status, body) = app
        .call(SaveValue::PATH, &save_form("ed/doc", broken, "text", seen))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stored(&mut etcd, "ed/doc").await.0, broken);
}

#[tokio::test]
async fn a_conflicting_save_keeps_the_draft_beside_the_key_now_merged() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    etcd.put("ed/lines", "one\ntwo\nthree", None).await.unwrap();
    let (_, base) = stored(&mut etcd, "ed/lines").await;
    etcd.put("ed/lines", "ONE\ntwo\nthree", None).await.unwrap();
    let (_, theirs) = stored(&mut etcd, "ed/lines").await;

    // Posted without JavaScript: the answer lands on the key's page with the draft and the error.
    let form = save_form("ed/lines", "one\ntwo\nTHREE", "text", base);
    let (status, location, _) = app.post_form(SaveValue::PATH, &form).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.starts_with("/key/ed%2Flines?draft="), "{location}");
    assert!(location.contains("__err="), "{location}");
    let draft = location
        .split("draft=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        stored(&mut etcd, "ed/lines").await,
        ("ONE\ntwo\nthree".to_string(), theirs),
        "theirs is untouched"
    );

    let segment = Key::from("ed/lines").to_segment();
    let (status, body) = app
        .call(GetDraft::PATH, &format!("key={segment}&draft={draft}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(view["draft"]["text"], "one\ntwo\nTHREE");
    assert_eq!(view["draft"]["base"], base);
    assert_eq!(view["theirs"]["summary"]["mod_revision"], theirs);
    assert_eq!(view["merged"]["text"], "ONE\ntwo\nTHREE");
    assert_eq!(view["merged"]["conflicts"], false);
    assert_eq!(view["theirs_diff"]["added"], 1);
    assert_eq!(view["yours_diff"]["added"], 1);

    // The draft is of its own key only.
    let other = Key::from("ed/other").to_segment();
    let (status, body) = app
        .call(GetDraft::PATH, &format!("key={other}&draft={draft}"))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no draft of this key"), "{body}");

    // A draft id that was never used, or is not one, keeps nothing.
    let (status, _) = app
        .call(
            GetDraft::PATH,
            &format!("key={segment}&draft={}", "0".repeat(32)),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .call(SaveValue::PATH, &format!("{form}&draft=..%2F..%2Fetc"))
        .await;
    assert_eq!(status, 400);
}
