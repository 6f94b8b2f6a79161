//! Changing the membership of a real 3-member cluster through etcd-deck's REST API: a learner
//! added, started by the kit and promoted once caught up; a failed member replaced; a removal
//! refused when it would cost the quorum; the leadership moved; and where a key lives.

mod common;

use common::{app::TestApp, eventually, TestCluster};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a new member is given to start and catch up.
const CATCH_UP: Duration = Duration::from_secs(30);

async fn members(app: &TestApp) -> Vec<Value> {
    let (status, _, view) = app.api("GET", "/api/v1/members", None, &[]).await;
    assert_eq!(status, 200, "{view}");
    view["members"].as_array().cloned().unwrap_or_default()
}

fn named<'a>(members: &'a [Value], name: &str) -> Option<&'a Value> {
    members
        .iter()
        .find(|m| m["name"] == name || m["id"] == name)
}

/// Waits until the member `name` reports itself a learner that etcd would promote.
async fn caught_up(app: &TestApp, id: &str) -> bool {
    eventually(CATCH_UP, || async {
        let members = members(app).await;
        let (Some(learner), Some(leader)) = (
            named(&members, id),
            members.iter().find(|m| m["role"] == "leader"),
        ) else {
            return false;
        };
        let applied = learner["applied_index"].as_u64().unwrap_or_default();
        let committed = leader["commit_index"].as_u64().unwrap_or(u64::MAX);
        learner["error"].is_null() && applied * 10 >= committed * 9
    })
    .await
}

async fn promote_when_caught_up(app: &TestApp, id: &str) -> Value {
    let started = std::time::Instant::now();
    assert!(
        caught_up(app, id).await,
        "{id} caught up within {CATCH_UP:?}"
    );
    let caught = started.elapsed();
    // etcd judges by its own view of the learner's log, a moment behind what the learner says.
    let mut last = Value::Null;
    for attempt in 1..=50 {
        let path = format!("/api/v1/members/{id}/promote");
        let (status, _, body) = app.api("POST", &path, None, &[]).await;
        if status == 200 {
            let promoted = started.elapsed();
            println!(
                "learner {id}: caught up {caught:.1?} after it started; promoted on attempt \
                 {attempt}, {promoted:.1?} after it started"
            );
            return body;
        }
        assert_eq!(body["error"]["code"], "unsafe", "{body}");
        last = body;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("never promoted: {last}");
}

#[tokio::test]
async fn a_learner_is_added_started_and_promoted_once_it_has_caught_up() {
    let cluster = TestCluster::start(3);
    let app = TestApp::start(&cluster).await;
    for _ in 0..50 {
        app.api("PUT", "/api/v1/keys/log", Some(json!({"value": "x"})), &[])
            .await;
    }

    // Bad input is refused before anything is asked of etcd.
    for body in [
        json!({ "peer_urls": [] }),
        json!({ "peer_urls": ["127.0.0.1:2380"] }),
        json!({ "peer_urls": ["http://h:1"], "name": "<b>" }),
    ] {
        let (status, _, answer) = app.api("POST", "/api/v1/members", Some(body), &[]).await;
        assert_eq!(status, 400, "{answer}");
    }

    let peer = TestCluster::free_peer_url();
    let body = json!({ "peer_urls": [peer], "name": "m4" });
    let (status, _, added) = app.api("POST", "/api/v1/members", Some(body), &[]).await;
    assert_eq!(status, 201, "{added}");
    let join = &added["join"];
    let id = join["id"].as_str().unwrap().to_string();
    assert_eq!(join["learner"], true, "a learner by default: {added}");
    let initial = join["initial_cluster"].as_str().unwrap();
    for name in ["m1=", "m2=", "m3=", &format!("m4={peer}")] {
        assert!(initial.contains(name), "{initial}");
    }
    assert!(join["command"]
        .as_str()
        .unwrap()
        .contains("--initial-cluster-state existing"));
    assert_eq!(join["kit"], format!("cluster/join m4 --peer-url {peer}"));
    let learner = named(added["members"].as_array().unwrap(), &id).cloned();
    assert_eq!(learner.unwrap()["role"], "learner", "{added}");

    // Too early: etcd refuses, and says why in words.
    let path = format!("/api/v1/members/{id}/promote");
    let (status, _, early) = app.api("POST", &path, None, &[]).await;
    assert_eq!(status, 409, "{early}");
    let message = early["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("has not caught up"), "{message}");
    // etcd 3.4 and 3.5 take one learner at a time.
    let other = json!({ "peer_urls": [TestCluster::free_peer_url()] });
    let (status, _, second) = app.api("POST", "/api/v1/members", Some(other), &[]).await;
    assert_eq!(status, 409, "{second}");
    assert!(second["error"]["message"]
        .as_str()
        .unwrap()
        .contains("one at a time"));

    let learner = cluster.join_at("m4", &peer);
    // Given the learner as an endpoint, etcd-deck writes through the other members: a learner
    // refuses writes, and its refusal is no write of unknown outcome.
    let mut endpoints = vec![learner];
    endpoints.extend(cluster.endpoints.iter().cloned());
    let through_learner = etcd_deck::etcd::Etcd::connect(etcd_deck::etcd::EtcdSettings {
        endpoints,
        connect_timeout: Duration::from_secs(1),
        request_timeout: common::REQUEST_TIMEOUT,
        health_interval: Duration::from_millis(500),
        tls: Default::default(),
        monitor: None,
        sampler: Default::default(),
        prometheus_url: None,
    })
    .await
    .unwrap();
    for i in 0..6 {
        let key = etcd_deck::domain::Key::from(format!("learner/{i}").as_str());
        let written = through_learner
            .put(
                &key,
                b"v".to_vec(),
                etcd_deck::domain::PutCondition::Always,
                Default::default(),
            )
            .await;
        assert!(written.is_ok(), "write {i}: {written:?}");
    }
    let promoted = promote_when_caught_up(&app, &id).await;
    assert!(
        promoted["done"]
            .as_str()
            .unwrap()
            .contains("m4 was promoted"),
        "{promoted}"
    );
    let members = members(&app).await;
    assert_eq!(members.len(), 4);
    assert_eq!(
        named(&members, "m4").unwrap()["role"],
        "voter",
        "{members:?}"
    );
    let (_, _, view) = app.api("GET", "/api/v1/members", None, &[]).await;
    assert!(!view["timeline"].as_array().unwrap().is_empty(), "{view}");
}

#[tokio::test]
async fn a_failed_member_is_replaced_and_a_removal_that_costs_the_quorum_is_refused() {
    let cluster = TestCluster::start(3);
    let app = TestApp::start(&cluster).await;
    let down = cluster.kill("m3");
    let seen_down = eventually(Duration::from_secs(10), || async {
        let members = members(&app).await;
        named(&members, &down).is_some_and(|m| !m["error"].is_null())
    })
    .await;
    assert!(seen_down, "{down} is seen down");

    // m3 down: removing m2 leaves m1 and m3, a quorum of 2 with one healthy.
    let (status, _, refused) = app.api("DELETE", "/api/v1/members/m2", None, &[]).await;
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("whose quorum is 2"), "{message}");
    assert!(
        message.contains("only 1 of them are healthy (m3 not)"),
        "{message}"
    );
    assert_eq!(members(&app).await.len(), 3, "nothing was removed");

    // The dead member goes first, then its replacement joins as a learner.
    let peer = TestCluster::free_peer_url();
    let body = json!({ "peer_urls": [peer], "name": "m3b", "learner": false });
    let (status, _, replaced) = app
        .api("POST", "/api/v1/members/m3/replace", Some(body), &[])
        .await;
    assert_eq!(status, 201, "{replaced}");
    let done = replaced["done"].as_str().unwrap();
    assert!(done.starts_with("m3 was removed"), "{done}");
    assert_eq!(
        replaced["join"]["learner"], true,
        "a replacement joins as a learner"
    );
    let id = replaced["join"]["id"].as_str().unwrap().to_string();
    cluster.join_at("m3b", &peer);
    promote_when_caught_up(&app, &id).await;
    let members = members(&app).await;
    let names: Vec<&str> = members.iter().filter_map(|m| m["name"].as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names.contains(&"m3b") && !names.contains(&"m3"),
        "{names:?}"
    );
    assert!(members.iter().all(|m| m["error"].is_null()), "{members:?}");
}

#[tokio::test]
async fn the_leadership_moves_and_a_key_is_located_on_every_member() {
    let cluster = TestCluster::start(3);
    let app = TestApp::start(&cluster).await;
    let all = members(&app).await;
    let leader = all.iter().find(|m| m["role"] == "leader").unwrap();
    let leader = leader["name"].as_str().unwrap().to_string();
    let follower = all.iter().find(|m| m["role"] == "voter").unwrap();
    let follower = follower["name"].as_str().unwrap().to_string();

    let path = format!("/api/v1/members/{follower}/leader");
    let (status, _, moved) = app.api("POST", &path, None, &[]).await;
    assert_eq!(status, 200, "{moved}");
    let done = moved["done"].as_str().unwrap();
    assert_eq!(
        done,
        format!("the leadership moved from {leader} to {follower}")
    );
    let now = members(&app).await;
    assert_eq!(named(&now, &follower).unwrap()["role"], "leader", "{now:?}");
    let (status, _, again) = app.api("POST", &path, None, &[]).await;
    assert_eq!(status, 409, "{again}");

    // A key, right after its write, is current on every member.
    let key = "where is/it%?#";
    let encoded = "where%20is/it%25%3F%23";
    let (status, _, put) = app
        .api(
            "PUT",
            &format!("/api/v1/keys/{encoded}"),
            Some(json!({"value": "v"})),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{put}");
    let locate = format!("/api/v1/keys/{encoded}/locate");
    let (status, _, here) = app.api("GET", &locate, None, &[]).await;
    assert_eq!(status, 200, "{here}");
    assert_eq!(here["key"], key);
    assert_eq!(here["mod_revision"], put["revision"], "{here}");
    assert_eq!(here["leader"], follower.as_str());
    let copies = here["members"].as_array().unwrap();
    assert_eq!(copies.len(), 3);
    assert!(copies.iter().all(|m| m["current"] == true), "{here}");

    // One member stopped, the key written again: it is unreachable, the others current.
    let stopped = cluster.kill(&leader);
    let seen_down = eventually(Duration::from_secs(10), || async {
        let members = members(&app).await;
        named(&members, &stopped).is_some_and(|m| !m["error"].is_null())
    })
    .await;
    assert!(seen_down, "{stopped} is seen down");
    // Sent before the health check noticed, a write may still go to the stopped member.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (status, _, put) = app
        .api(
            "PUT",
            &format!("/api/v1/keys/{encoded}"),
            Some(json!({"value": "w"})),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{put}");
    let (_, _, here) = app.api("GET", &locate, None, &[]).await;
    assert_eq!(here["mod_revision"], put["revision"], "{here}");
    for copy in here["members"].as_array().unwrap() {
        let expected = copy["name"] != stopped.as_str();
        assert_eq!(copy["reachable"], expected, "{copy}");
        assert_eq!(copy["current"], expected, "{copy}");
    }
    // A key that is not there is current nowhere it is not either.
    let (status, _, nowhere) = app.api("GET", "/api/v1/keys/none/locate", None, &[]).await;
    assert_eq!(status, 200, "{nowhere}");
    assert!(nowhere["mod_revision"].is_null(), "{nowhere}");

    // The leader goes only after handing on its leadership.
    cluster.restart(&stopped);
    let back = eventually(Duration::from_secs(15), || async {
        members(&app)
            .await
            .iter()
            .all(|m| m["error"].is_null() && m["has_leader"] == true)
    })
    .await;
    assert!(back, "{stopped} is back");
    let path = format!("/api/v1/members/{follower}");
    let (status, _, removed) = app.api("DELETE", &path, None, &[]).await;
    assert_eq!(status, 200, "{removed}");
    let done = removed["done"].as_str().unwrap();
    assert!(
        done.starts_with(&format!("the leadership moved from {follower} to ")),
        "{done}"
    );
    assert!(done.contains(&format!("{follower} was removed")), "{done}");
    let left = members(&app).await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().any(|m| m["role"] == "leader"), "{left:?}");
}

#[tokio::test]
async fn the_cluster_page_changes_members_without_javascript() {
    use etcd_deck::server_fns::{AddMember, PromoteMember, RemoveMember};
    use leptos::server_fn::ServerFn;
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let (status, html) = app.get("/cluster").await;
    assert_eq!(status, 200);
    assert!(html.contains("Raft and membership"), "{html}");
    assert_eq!(
        html.matches("data-testid=\"raft-row\"").count(),
        1,
        "{html}"
    );
    assert!(html.contains("data-testid=\"add-member\""), "{html}");

    // Added from the form: the page then says how to start it.
    let peer = TestCluster::free_peer_url();
    let form = format!("name=m2&peer_url={}", urlencoding(&peer));
    let (status, location, body) = app.post_form(AddMember::PATH, &form).await;
    assert!(matches!(status, 302 | 303), "{status} {body}");
    let location = location.unwrap();
    assert!(location.starts_with("/cluster?joined="), "{location}");
    let (_, html) = app.get(&location).await;
    assert!(html.contains("Not started yet"), "{html}");
    assert!(
        html.contains(&format!("cluster/join m2 --peer-url {peer}")),
        "{html}"
    );

    cluster.join_at("m2", &peer);
    let query = location.split_once('?').map_or("", |(_, query)| query);
    let id = etcd_deck::urls::query_param(query, "joined").unwrap();
    let id = String::from_utf8(id).unwrap();
    assert!(caught_up(&app, &id).await, "m2 caught up");
    let promoted = eventually(Duration::from_secs(10), || async {
        let (status, location, _) = app.post_form(PromoteMember::PATH, "member=m2").await;
        matches!(status, 302 | 303) && location.as_deref() == Some("/cluster")
    })
    .await;
    assert!(promoted, "promoted from the form");
    let (_, html) = app.get("/cluster?do=remove&member=m2").await;
    assert!(html.contains("Type m2 to confirm"), "{html}");

    // The name typed wrong: nothing is removed.
    let (status, _, _) = app
        .post_form(RemoveMember::PATH, "member=m2&confirm=m1")
        .await;
    assert!(status >= 300, "{status}");
    assert_eq!(members(&app).await.len(), 2);
    let (status, location, _) = app
        .post_form(RemoveMember::PATH, "member=m2&confirm=m2")
        .await;
    assert!(matches!(status, 302 | 303), "{status}");
    assert_eq!(location.as_deref(), Some("/cluster"));
    assert_eq!(members(&app).await.len(), 1);
    cluster.leave("m2");
}

fn urlencoding(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
