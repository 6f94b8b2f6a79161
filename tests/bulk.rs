//! Many keys at once against a real etcd: export and import round-trip any bytes, a dry run
//! writes nothing, an apply leaves keys changed since the dry run, a second import writes
//! nothing, a pinned prefix delete leaves what was written after its preview, and copies and
//! moves never overwrite or lose a key they were not told to.

mod common;

use common::{app::TestApp, TestCluster};
use etcd_client::{Client, GetOptions, PutOptions};
use serde_json::{json, Value};

/// The store's revision now, read from etcd directly.
async fn store_revision(etcd: &mut Client) -> i64 {
    etcd.get(vec![0u8], None)
        .await
        .unwrap()
        .header()
        .unwrap()
        .revision()
}

/// Every key under `prefix` with its value and whether it has a lease, read from etcd directly.
async fn dump(etcd: &mut Client, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>, bool)> {
    let answer = etcd
        .get(prefix, Some(GetOptions::new().with_prefix()))
        .await
        .unwrap();
    answer
        .kvs()
        .iter()
        .map(|kv| (kv.key().to_vec(), kv.value().to_vec(), kv.lease() != 0))
        .collect()
}

async fn import(app: &TestApp, query: &str, body: &[u8]) -> (u16, Value) {
    let (status, bytes) = app
        .bytes("POST", &format!("/api/v1/import?{query}"), body.to_vec())
        .await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_export_imports_back_byte_exact_once_and_a_dry_run_writes_nothing() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let lease = etcd.lease_grant(600, None).await.unwrap().id();
    let keys: [(&[u8], &[u8]); 6] = [
        (b"x/plain", b"hello"),
        (b"x/bin/\xff\xfe\x00", b"\x00\x01\x02\xff"),
        ("x/ключ 🙂 ?#%&".as_bytes(), "значение\r\n".as_bytes()),
        (b"x/<b>html</b>", b"<script>alert(1)</script>"),
        (b"x/empty", b""),
        (b"x/json", br#"{"a": [1, 2]}"#),
    ];
    for (key, value) in keys {
        etcd.put(key, value, None).await.unwrap();
    }
    etcd.put("x/leased", "v", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap();
    etcd.put("y/outside", "v", None).await.unwrap();
    let before = dump(&mut etcd, b"x/").await;

    let (status, export) = app.bytes("GET", "/api/v1/export?prefix=x%2F", vec![]).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(export.clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["format"], "etcd-deck-export");
    assert_eq!(lines[0]["prefix"], "x/");
    assert_eq!(
        lines.len(),
        1 + before.len(),
        "a header, then one line per key: {text}"
    );
    let binary = lines
        .iter()
        .find(|l| l["key_encoding"] == "base64")
        .expect("the binary key is in base64");
    assert_eq!(binary["value_encoding"], "base64");
    let leased = lines.iter().find(|l| l["key"] == "x/leased").unwrap();
    assert!(
        (1..=600).contains(&leased["lease_ttl"].as_i64().unwrap()),
        "{leased}"
    );
    assert!(lines.iter().all(|l| l["key"] != "y/outside"));

    etcd.delete("x/", Some(etcd_client::DeleteOptions::new().with_prefix()))
        .await
        .unwrap();
    let (status, dry) = import(&app, "dry_run=true", &export).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(
        (dry["create"]["count"].clone(), dry["total"].clone()),
        (json!(7), json!(7))
    );
    assert!(
        dump(&mut etcd, b"x/").await.is_empty(),
        "a dry run writes nothing"
    );

    let uri = format!("dry_run=false&revision={}", dry["revision"]);
    let (status, applied) = import(&app, &uri, &export).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["create"]["count"], 7);
    assert_eq!(
        dump(&mut etcd, b"x/").await,
        before,
        "byte-exact, the lease too"
    );

    // The same file again: every key holds its value already, and nothing is written.
    let revision = store_revision(&mut etcd).await;
    let (status, again) = import(&app, "dry_run=false", &export).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["unchanged"]["count"], 7, "{again}");
    assert_eq!(
        (
            again["transactions"].clone(),
            again["create"]["count"].clone()
        ),
        (json!(0), json!(0))
    );
    let now = store_revision(&mut etcd).await;
    assert_eq!(now, revision, "no revision was made");
}

#[tokio::test]
async fn a_key_changed_after_the_dry_run_is_a_conflict_and_left_alone() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    etcd.put("i/a", "old", None).await.unwrap();
    etcd.put("i/b", "old", None).await.unwrap();
    etcd.put("i/gone", "old", None).await.unwrap();
    let file = json!({"i/a": "new", "i/b": "new", "i/c": "new", "i/gone": "new", "i/n": {"n": 1}});
    let file = file.to_string().into_bytes();

    let (status, dry) = import(&app, "dry_run=true", &file).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["update"]["count"], 3);
    assert_eq!(dry["create"]["count"], 2);
    // Between the dry run and the apply: one key written, one deleted, one created.
    etcd.put("i/b", "theirs", None).await.unwrap();
    etcd.delete("i/gone", None).await.unwrap();
    etcd.put("i/c", "theirs", None).await.unwrap();

    let uri = format!("dry_run=false&revision={}", dry["revision"]);
    let (status, applied) = import(&app, &uri, &file).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["conflict"]["count"], 3, "{applied}");
    assert_eq!(
        applied["conflict"]["examples"],
        json!(["i/b", "i/c", "i/gone"])
    );
    let got: Vec<(Vec<u8>, Vec<u8>, bool)> = dump(&mut etcd, b"i/").await;
    let got: Vec<(String, String)> = got
        .into_iter()
        .map(|(k, v, _)| (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("i/a".into(), "new".into()),
            ("i/b".into(), "theirs".into()),
            ("i/c".into(), "theirs".into()),
            ("i/n".into(), r#"{"n":1}"#.into()),
        ]
    );

    // A bad file names its line, and writes nothing.
    let header = r#"{"format":"etcd-deck-export","version":1,"prefix":"","revision":1,"time":""}"#;
    let bad = format!(
        "{header}\n{{\"key\":\"i/z\",\"value\":\"v\"}}\n{{\"key\":\"\",\"value\":\"v\"}}\n"
    );
    let (status, answer) = import(&app, "dry_run=false", bad.as_bytes()).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 3"),
        "{answer}"
    );
    assert_eq!(etcd.get("i/z", None).await.unwrap().count(), 0);
}

#[tokio::test]
async fn a_pinned_prefix_delete_leaves_what_was_written_after_its_preview() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for i in 0..300 {
        etcd.put(format!("d/{i:03}"), "v", None).await.unwrap();
    }
    // Nothing changed since the preview: one DeleteRange.
    let (_, _, preview) = app
        .api("GET", "/api/v1/keys?prefix=d%2F&limit=5", None, &[])
        .await;
    let revision = preview["revision"].as_i64().unwrap();
    let uri = format!("/api/v1/keys?prefix=d%2F&confirm=d%2F&revision={revision}");
    let (status, _, report) = app.api("DELETE", &uri, None, &[]).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["done"]["count"].clone(),
            report["transactions"].clone()
        ),
        (json!(300), json!(1))
    );

    for i in 0..300 {
        etcd.put(format!("d/{i:03}"), "v", None).await.unwrap();
    }
    let (_, _, preview) = app
        .api("GET", "/api/v1/keys?prefix=d%2F&limit=5", None, &[])
        .await;
    let revision = preview["revision"].as_i64().unwrap();
    etcd.put("d/150", "changed after the preview", None)
        .await
        .unwrap();
    etcd.put("d/new", "created after the preview", None)
        .await
        .unwrap();
    etcd.delete("d/007", None).await.unwrap();
    let uri = format!("/api/v1/keys?prefix=d%2F&confirm=d%2F&revision={revision}");
    let (status, _, report) = app.api("DELETE", &uri, None, &[]).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["done"]["count"], 298, "{report}");
    assert_eq!(report["gone"]["count"], 1, "{report}");
    assert_eq!(report["changed"]["count"], 2, "{report}");
    assert_eq!(report["changed"]["examples"], json!(["d/150", "d/new"]));
    let left: Vec<Vec<u8>> = dump(&mut etcd, b"d/")
        .await
        .into_iter()
        .map(|k| k.0)
        .collect();
    assert_eq!(left, [b"d/150".to_vec(), b"d/new".to_vec()]);

    let (status, _, _) = app
        .api("DELETE", "/api/v1/keys?prefix=d%2F&confirm=d", None, &[])
        .await;
    assert_eq!(status, 400, "confirm must repeat the prefix");
}

#[tokio::test]
async fn copies_and_moves_never_overwrite_or_lose_a_key_unasked() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for i in 0..200 {
        etcd.put(format!("s/{i:03}"), format!("v{i}"), None)
            .await
            .unwrap();
    }
    etcd.put("t/005", "already there", None).await.unwrap();

    let body = json!({"from": "s/", "to": "t/", "prefix": true});
    let (status, _, report) = app.api("POST", "/api/v1/copy", Some(body), &[]).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["done"]["count"].clone(),
            report["exists"]["count"].clone()
        ),
        (json!(199), json!(1))
    );
    let t005 = etcd.get("t/005", None).await.unwrap();
    assert_eq!(
        t005.kvs()[0].value(),
        b"already there",
        "not overwritten unasked"
    );
    assert_eq!(
        dump(&mut etcd, b"s/").await.len(),
        200,
        "a copy leaves the source"
    );

    let one = json!({"from": "s/001", "to": "t/005", "overwrite": false});
    let (status, _, _) = app.api("POST", "/api/v1/copy", Some(one), &[]).await;
    assert_eq!(status, 412);
    let one = json!({"from": "s/001", "to": "t/005", "overwrite": true});
    let (status, _, _) = app.api("POST", "/api/v1/copy", Some(one), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        etcd.get("t/005", None).await.unwrap().kvs()[0].value(),
        b"v1"
    );

    // A move: every key reaches the target exactly once, or stays where it was.
    let body = json!({"from": "s/", "to": "m/", "prefix": true});
    let (status, _, report) = app.api("POST", "/api/v1/move", Some(body), &[]).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["done"]["count"], 200);
    assert!(dump(&mut etcd, b"s/").await.is_empty());
    assert_eq!(dump(&mut etcd, b"m/").await.len(), 200);
    let missing = json!({"from": "s/none", "to": "m/none"});
    let (status, _, _) = app.api("POST", "/api/v1/move", Some(missing), &[]).await;
    assert_eq!(status, 404);
    let inside = json!({"from": "m/", "to": "m/sub/", "prefix": true});
    let (status, _, _) = app.api("POST", "/api/v1/move", Some(inside), &[]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_move_under_concurrent_writes_loses_no_acknowledged_value() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for i in 0..2000 {
        etcd.put(format!("w/{i:04}"), "start", None).await.unwrap();
    }
    // A writer keeps changing ten keys while the move runs, and remembers what etcd acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, mut etcd) = (stop.clone(), etcd.clone());
        tokio::spawn(async move {
            let mut last = std::collections::HashMap::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let key = format!("w/{:04}", 1000 + n % 10);
                let value = format!("write {n}");
                if etcd.put(key.clone(), value.clone(), None).await.is_ok() {
                    last.insert(key, value);
                }
                n += 1;
            }
            last
        })
    };
    let body = json!({"from": "w/", "to": "moved/", "prefix": true});
    let (status, _, report) = app.api("POST", "/api/v1/move", Some(body), &[]).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let last = writer.await.unwrap();
    assert_eq!(status, 200, "{report}");
    assert!(!last.is_empty());
    for (key, value) in &last {
        let source = etcd.get(key.as_str(), None).await.unwrap();
        let target = etcd
            .get(key.replacen("w/", "moved/", 1), None)
            .await
            .unwrap();
        let values: Vec<&[u8]> = source
            .kvs()
            .iter()
            .chain(target.kvs())
            .map(|kv| kv.value())
            .collect();
        assert!(
            values.contains(&value.as_bytes()),
            "{key}: {value} lost, found {values:?}"
        );
    }
    let moved = report["done"]["count"].as_u64().unwrap();
    let changed = report["changed"]["count"].as_u64().unwrap();
    assert_eq!(moved + changed, 2000, "{report}");
    assert_eq!(dump(&mut etcd, b"moved/").await.len() as u64, moved);
}

#[tokio::test]
async fn a_copy_plan_reads_where_keys_would_land_and_writes_nothing() {
    use etcd_deck::server_fns::PlanCopy;
    use leptos::server_fn::ServerFn;
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for key in ["a/1", "a/2", "a/3", "b/2"] {
        etcd.put(key, "v", None).await.unwrap();
    }
    let revision_before = store_revision(&mut etcd).await;
    let plan = |form: String| {
        let app = &app;
        async move {
            let (status, body) = app.call(PlanCopy::PATH, &form).await;
            (
                status,
                serde_json::from_str::<Value>(&body).unwrap_or(Value::Null),
            )
        }
    };

    let whole = "selection[prefix]=a%2F&selection[revision]=0&selection[all]=true";
    let (status, body) = plan(format!("{whole}&to=b%2F")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["total"].as_i64(),
            body["checked"].as_u64(),
            body["existing"].as_u64()
        ),
        (Some(3), Some(3), Some(1))
    );
    // The key that would land on one is listed first.
    assert_eq!(
        body["rows"][0]["to"],
        json!(etcd_deck::domain::Key::from("b/2"))
    );
    assert_eq!(body["rows"][0]["exists"], true);

    let picked = "selection[prefix]=a%2F&selection[revision]=0&selection[all]=false\
                  &selection[keys][0]=a%252F1&selection[keys][1]=a%252F2";
    let (status, body) = plan(format!("{picked}&to=b%2F")).await;
    assert_eq!(
        (status, body["checked"].as_u64(), body["existing"].as_u64()),
        (200, Some(2), Some(1)),
        "{body}"
    );

    // Markup is a key like any other; an empty target, or the source itself, is refused.
    let (status, body) = plan(format!("{whole}&to=%3Cscript%3E%2F")).await;
    assert_eq!(
        (status, body["existing"].as_u64()),
        (200, Some(0)),
        "{body}"
    );
    assert_eq!(plan(format!("{whole}&to=")).await.0, 400);
    assert_eq!(plan(format!("{whole}&to=a%2F")).await.0, 400);
    let many: String = (0..1001)
        .map(|i| format!("&selection[keys][{i}]=a%252F{i}"))
        .collect();
    let (status, _) = plan(format!(
        "selection[prefix]=a%2F&selection[revision]=0&selection[all]=false{many}&to=c%2F"
    ))
    .await;
    assert_eq!(status, 400);

    let revision_after = store_revision(&mut etcd).await;
    assert_eq!(revision_after, revision_before, "a plan writes nothing");
}

#[tokio::test]
async fn a_selection_cannot_move_under_itself_nor_hold_over_a_thousand_keys() {
    use etcd_deck::domain::Key;
    use etcd_deck::services::bulk::{copy_keys, delete_keys};
    let cluster = TestCluster::start(1);
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for key in ["a/1", "a/x/1"] {
        etcd.put(key, "v", None).await.unwrap();
    }
    let caller = cluster.caller().await;
    let picked = [Key::from("a/1"), Key::from("a/x/1")];
    let (from, into_itself) = (Key::from("a/"), Key::from("a/x/"));
    let err = copy_keys(&caller, &picked, &from, &into_itself, false, true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400, "{err}");
    assert!(err.to_string().contains("own prefix"), "{err}");
    let left: Vec<Vec<u8>> = dump(&mut etcd, b"a/")
        .await
        .into_iter()
        .map(|k| k.0)
        .collect();
    assert_eq!(left, [b"a/1".to_vec(), b"a/x/1".to_vec()], "nothing moved");
    // A copy there only adds keys: a/x/1 is there already and stays.
    let copied = copy_keys(&caller, &picked, &from, &into_itself, false, false)
        .await
        .unwrap();
    assert_eq!((copied.done.count, copied.exists.count), (1, 1));

    let many: Vec<Key> = (0..1001)
        .map(|n| Key::from(format!("a/{n}").as_str()))
        .collect();
    let to = Key::from("b/");
    let err = copy_keys(&caller, &many, &from, &to, false, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 1000"), "{err}");
    let err = delete_keys(&caller, &many, 1).await.unwrap_err();
    assert!(err.to_string().contains("at most 1000"), "{err}");
}
