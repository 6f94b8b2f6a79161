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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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
    let future = Some(json!({ "revision": revision + 1000 }));
    let (status, body) = server
        .api(Method::POST, "/api/v1/maintenance/recover", None, future)
        .await;
    assert_eq!(status.as_u16(), 409, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("the current one is {revision}")),
        "{body}"
    );

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

#[tokio::test]
async fn three_members_are_defragmented_followers_first_hashed_alike_and_snapshotted() {
    let cluster = TestCluster::start(3);
    let server = TestServer::start(&cluster);
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for i in 0..200 {
        etcd.put(format!("app/{:03}", i % 50), "v".repeat(1000 + i), None)
            .await
            .unwrap();
    }
    let (_, plan) = server
        .api(Method::GET, "/api/v1/maintenance/plan", None, None)
        .await;
    let members: Vec<&Value> = plan["members"].as_array().unwrap().iter().collect();
    assert_eq!(members.len(), 3, "{plan}");
    assert_eq!(
        members[2]["role"], "leader",
        "the leader is planned last: {plan}"
    );
    let leader = members[2]["name"].as_str().unwrap().to_string();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();

    // Named in any order, they are taken followers first and the leader last.
    let mut named = names.clone();
    named.sort_by_key(|name| *name != leader);
    let lines = run(
        &server,
        "/api/v1/maintenance/defragment",
        json!({ "members": named }),
    )
    .await;
    let done: Vec<&str> = lines
        .iter()
        .filter(|l| l["step"] == "defragment" && l["state"] == "done")
        .map(|l| l["member"].as_str().unwrap())
        .collect();
    assert_eq!(done.len(), 3, "{lines:#?}");
    assert_eq!(done[2], leader, "{lines:#?}");
    assert_eq!(lines.last().unwrap()["ok"], true, "{lines:#?}");

    // A learner-free, healthy cluster hashes alike.
    let (status, check) = server
        .api(Method::GET, "/api/v1/maintenance/hashkv", None, None)
        .await;
    assert_eq!(status.as_u16(), 200, "{check}");
    assert_eq!(check["consistent"], true, "{check}");
    assert_eq!(check["members"].as_array().unwrap().len(), 3, "{check}");
    let hashes: Vec<&Value> = check["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["hash"])
        .collect();
    assert!(
        hashes.iter().all(|h| *h == hashes[0] && h.is_u64()),
        "{check}"
    );

    // A snapshot of a follower, restored into a new member, holds exactly the keys.
    let follower = names.iter().find(|n| **n != leader).unwrap();
    // Asked as a browser asks, accepting gzip: sent as it is, its length known.
    let response = common::server::http()
        .get(format!(
            "{}/api/v1/maintenance/snapshot?member={follower}",
            server.url
        ))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(response.status().as_u16(), 200);
    let length = response.content_length().unwrap();
    let revision: i64 = response.headers()["etcd-revision"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(response.headers()["etcd-member"], *follower);
    let file = response.bytes().await.unwrap();
    assert_eq!(file.len() as u64, length);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.db");
    std::fs::write(&path, &file).unwrap();
    let restored = common::restore::Restored::start(&path, dir.path()).await;
    let mut copy = Client::connect([restored.endpoint.as_str()], None)
        .await
        .unwrap();
    let all = Some(GetOptions::new().with_prefix());
    let kept = copy.get("app/", all.clone()).await.unwrap();
    let now = etcd.get("app/", all).await.unwrap();
    let pairs = |r: &etcd_client::GetResponse| -> Vec<(Vec<u8>, Vec<u8>, i64)> {
        let kvs = r.kvs().iter();
        kvs.map(|kv| (kv.key().to_vec(), kv.value().to_vec(), kv.mod_revision()))
            .collect()
    };
    assert_eq!(pairs(&kept), pairs(&now));
    assert_eq!(kept.header().unwrap().revision(), revision);
    println!("a snapshot of {length} bytes at revision {revision} restored with every key");

    // An unknown member is named as such, with the members there are.
    let (status, body) = server
        .api(
            Method::POST,
            "/api/v1/maintenance/defragment",
            None,
            Some(json!({ "members": ["nobody"] })),
        )
        .await;
    assert_eq!(status.as_u16(), 404, "{body}");
    assert_eq!(body["error"]["code"], "no_such_member", "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("m1"),
        "{body}"
    );
}

#[tokio::test]
async fn maintenance_takes_etcds_root_role() {
    let cluster = TestCluster::start(1);
    common::enable_etcd_auth(&cluster).await;
    let server = TestServer::start(&cluster);
    let alice = Some(("alice", "alice-pw"));
    let root = Some(("root", "root-pw"));
    let calls = [
        (
            Method::POST,
            "/api/v1/maintenance/recover",
            Some(json!({ "revision": 1 })),
        ),
        (
            Method::POST,
            "/api/v1/maintenance/compact",
            Some(json!({ "revision": 1 })),
        ),
        (
            Method::POST,
            "/api/v1/maintenance/defragment",
            Some(json!({ "members": ["m1"] })),
        ),
        (
            Method::POST,
            "/api/v1/maintenance/alarms/disarm",
            Some(json!({ "member": "m1", "alarm": "NOSPACE" })),
        ),
        (Method::GET, "/api/v1/maintenance/snapshot", None),
        (Method::GET, "/api/v1/maintenance/hashkv", None),
        // Membership changes take the same.
        (
            Method::POST,
            "/api/v1/members",
            Some(json!({ "peer_urls": ["http://127.0.0.1:1"] })),
        ),
        (Method::POST, "/api/v1/members/m1/leader", None),
        (Method::POST, "/api/v1/members/m1/promote", None),
        (Method::DELETE, "/api/v1/members/m1", None),
    ];
    for (method, path, body) in calls {
        let (status, answer) = server.api(method, path, alice, body).await;
        assert_eq!(status.as_u16(), 403, "{path}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("etcd's root role"), "{path}: {message}");
    }
    let (status, check) = server
        .api(Method::GET, "/api/v1/maintenance/hashkv", root, None)
        .await;
    assert_eq!(status.as_u16(), 200, "{check}");
    assert_eq!(check["consistent"], true, "{check}");
}

#[tokio::test]
async fn maintenance_takes_the_admin_role_of_the_users_file() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = common::sign_in::users_file(dir.path(), &[("ed", "editor"), ("ada", "admin")]);
    let audit = dir.path().join("audit.log");
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
            ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap()),
        ],
    );
    let path = "/api/v1/maintenance/hashkv";
    let (status, body) = server
        .api(Method::GET, path, Some(("ed", "ed-pw")), None)
        .await;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("admin"),
        "{body}"
    );
    let (status, body) = server
        .api(Method::GET, path, Some(("ada", "ada-pw")), None)
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let members = Some(json!({ "members": ["m1"] }));
    let response = common::server::http()
        .post(format!("{}/api/v1/maintenance/defragment", server.url))
        .basic_auth("ada", Some("ada-pw"))
        .json(&members)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("\"ok\":true"), "{text}");
    let log = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let defragmented = lines
        .iter()
        .find(|l| l["operation"] == "defragment" && l["member"] == "m1")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(defragmented["user"], "ada");
    assert_eq!(defragmented["outcome"], "ok");
    assert!(
        lines.iter().any(|l| l["operation"] == "consistency_check"),
        "{log}"
    );

    // An editor may not change the membership; the admin adds a learner and removes it, and
    // both are in the audit log under her name.
    let learner = json!({ "peer_urls": [TestCluster::free_peer_url()], "name": "spare" });
    let as_ed = Some(("ed", "ed-pw"));
    let (status, body) = server
        .api(
            Method::POST,
            "/api/v1/members",
            as_ed,
            Some(learner.clone()),
        )
        .await;
    assert_eq!(status.as_u16(), 403, "{body}");
    let as_ada = Some(("ada", "ada-pw"));
    let (status, added) = server
        .api(Method::POST, "/api/v1/members", as_ada, Some(learner))
        .await;
    assert_eq!(status.as_u16(), 201, "{added}");
    let id = added["join"]["id"].as_str().unwrap();
    let path = format!("/api/v1/members/{id}");
    let (status, removed) = server.api(Method::DELETE, &path, as_ada, None).await;
    assert_eq!(status.as_u16(), 200, "{removed}");
    let log = std::fs::read_to_string(&audit).unwrap();
    for operation in ["add_member", "remove_member"] {
        let done = log
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap());
        let done = done
            .filter(|l| l["operation"] == operation && l["user"] == "ada")
            .any(|l| l["outcome"] == "ok");
        assert!(done, "{operation} by ada: {log}");
    }

    // The page shows an editor the figures, and who may maintain instead of the buttons.
    let signed_in = common::sign_in::sign_in_form(&server, "ed", "ed-pw").await;
    let cookie = common::sign_in::session_cookie(&signed_in);
    let (status, html) = common::sign_in::with_cookie(&server, "/maintenance", &cookie).await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        html.contains("maintenance-refused") && html.contains("admin"),
        "{html}"
    );
    assert!(html.contains("maintenance-member"), "{html}");
    assert!(!html.contains("data-testid=\"recover\""), "{html}");
    assert!(!html.contains("Defragment…"), "{html}");
    let (status, html) = common::sign_in::with_cookie(&server, "/cluster", &cookie).await;
    assert_eq!(status.as_u16(), 200);
    assert!(html.contains("membership-refused"), "{html}");
    assert!(!html.contains("data-testid=\"add-member\""), "{html}");
    assert!(!html.contains("Make leader"), "{html}");
}

/// The page's HTML, as a browser without JavaScript gets it.
async fn page(server: &TestServer, path: &str) -> String {
    let response = common::server::http()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.text().await.unwrap()
}

/// Posts a form to a server function, as a browser without JavaScript does: it answers with a
/// redirect to the maintenance page.
async fn post_form(server: &TestServer, path: &str, form: &[(&str, &str)]) {
    let response = common::server::http()
        .post(format!("{}{path}", server.url))
        .header("origin", &server.url)
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/maintenance", server.url))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").cloned();
    let body = response.text().await.unwrap();
    assert!(matches!(status, 302 | 303), "{path}: {status} {body}");
    assert_eq!(location.unwrap(), "/maintenance");
}

#[tokio::test]
async fn the_maintenance_page_recovers_and_defragments_without_javascript() {
    use etcd_deck::server_fns::{DefragmentMembers, RecoverCluster};
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for i in 0..20 {
        etcd.put("app/k", format!("v{i}"), None).await.unwrap();
    }
    let html = page(&server, "/maintenance").await;
    assert!(
        html.contains("recovery-plan") && html.contains("m1"),
        "{html}"
    );
    assert!(html.contains("Compact the history to revision"), "{html}");
    let ended = |html: &str| html.contains("data-testid=\"run-report\"");

    post_form(&server, RecoverCluster::PATH, &[("revision", "21")]).await;
    let server_ref = &server;
    let done = eventually(Duration::from_secs(20), || async move {
        ended(&page(server_ref, "/maintenance").await)
    })
    .await;
    let html = page(&server, "/maintenance").await;
    assert!(done, "{html}");
    assert!(html.contains("data-ok=\"true\""), "{html}");
    assert!(
        html.contains("compacted the history to revision 21"),
        "{html}"
    );
    assert!(html.contains("defragmented member m1"), "{html}");
    let kept = etcd.get("app/k", None).await.unwrap();
    assert_eq!(kept.kvs()[0].value(), b"v19");

    let html = page(&server, "/maintenance?check=1").await;
    assert!(html.contains("data-consistent=\"true\""), "{html}");
    let html = page(&server, "/maintenance?do=defragment&member=m1").await;
    assert!(html.contains("confirm-defragment"), "{html}");
    post_form(&server, DefragmentMembers::PATH, &[("member", "m1")]).await;
    let done = eventually(Duration::from_secs(20), || {
        let server = &server;
        async move {
            let html = page(server, "/maintenance").await;
            html.contains("Defragmentation: done")
        }
    })
    .await;
    assert!(done);
}

/// A TCP proxy to `target` (`http://host:port`) that, once armed, flips one byte of what the
/// member sends, on the first connection that carries `after` bytes from it since.
async fn corrupting_proxy(target: &str, after: usize) -> (String, Arc<AtomicBool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let target = target.trim_start_matches("http://").to_string();
    let armed = Arc::new(AtomicBool::new(false));
    let flipped = Arc::new(AtomicBool::new(false));
    let arm = armed.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(member) = tokio::net::TcpStream::connect(&target).await else {
                continue;
            };
            let (armed, flipped) = (armed.clone(), flipped.clone());
            tokio::spawn(async move {
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_member, mut to_member) = member.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_client, &mut to_member).await;
                });
                let (mut buffer, mut seen) = (vec![0u8; 64 * 1024], 0usize);
                loop {
                    let n = match from_member.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if armed.load(Ordering::Relaxed) && !flipped.load(Ordering::Relaxed) {
                        if seen + n > after {
                            buffer[after.saturating_sub(seen).min(n - 1)] ^= 0x20;
                            flipped.store(true, Ordering::Relaxed);
                        }
                        seen += n;
                    }
                    if to_client.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (url, arm)
}

#[tokio::test]
async fn a_snapshot_damaged_on_its_way_is_cut_short() {
    let cluster = TestCluster::start(1);
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    for i in 0..30 {
        etcd.put(
            format!("big/{i}"),
            vec![b'a' + (i % 26) as u8; 100_000],
            None,
        )
        .await
        .unwrap();
    }
    let (proxy, armed) = corrupting_proxy(&cluster.endpoints[0], 1_000_000).await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = TestServer::start_logging(
        &cluster,
        &[("ETCD_ENDPOINTS", proxy.as_str())],
        std::process::Stdio::from(log),
    );
    // Once its health check has found the member behind the proxy, maintenance goes that way.
    let found = eventually(Duration::from_secs(10), || async {
        let (_, overview) = server.api(Method::GET, "/api/v1/cluster", None, None).await;
        overview["endpoints"][0]["status"]["member_id"].is_string()
    })
    .await;
    let (_, overview) = server.api(Method::GET, "/api/v1/cluster", None, None).await;
    assert!(found, "{overview}");
    let whole = common::server::http()
        .get(format!("{}/api/v1/maintenance/snapshot", server.url))
        .send()
        .await
        .unwrap();
    let size = whole.content_length().unwrap();
    assert_eq!(
        whole.bytes().await.unwrap().len() as u64,
        size,
        "undamaged, it is whole"
    );

    armed.store(true, Ordering::Relaxed);
    let mut damaged = common::server::http()
        .get(format!("{}/api/v1/maintenance/snapshot", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(damaged.status().as_u16(), 200);
    let mut received = 0u64;
    let ended = loop {
        match damaged.chunk().await {
            Ok(Some(chunk)) => received += chunk.len() as u64,
            Ok(None) => break Ok(()),
            Err(err) => break Err(err),
        }
    };
    assert!(ended.is_err(), "the download fails rather than ends");
    assert!(
        received < size,
        "cut short: {received} of {size} bytes, the last ones never sent"
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("do not match the SHA-256 etcd sent with them"),
        "cut short by the digest's check: {log}"
    );
    println!("a damaged snapshot was cut short after {received} of {size} bytes");
}
