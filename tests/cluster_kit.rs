//! The cluster kit grows and shrinks: `cluster/join` starts members that join a running
//! 1-member cluster (a learner, a voter, or one added beforehand through etcd), the other scripts
//! stop, start, kill and list them with the base members, and `cluster/leave` removes them.
//!
//! The tests that hold etcd clients run on a multi-threaded runtime: the cluster is stopped when
//! it is dropped, which blocks the thread, and etcd 3.5 waits ~10 s for clients that cannot answer
//! its graceful shutdown while their only runtime thread is blocked.

mod common;

use common::{eventually, TestCluster};
use etcd_client::{Client, Member, MemberAddOptions};
use std::net::TcpStream;
use std::time::Duration;

/// The member etcd lists under `name`, if any.
async fn member_named(etcd: &mut Client, name: &str) -> Option<Member> {
    let list = etcd.member_list().await.expect("the member list");
    list.members().iter().find(|m| m.name() == name).cloned()
}

/// Whether something listens at a client URL's address.
fn listening(url: &str) -> bool {
    let address = url.trim_start_matches("http://");
    TcpStream::connect(address).is_ok()
}

/// The line of the kit's status table about `name`, if there is one.
fn status_row(cluster: &TestCluster, name: &str) -> Option<String> {
    let table = cluster.status();
    let row = table
        .lines()
        .find(|line| line.split_whitespace().next() == Some(name));
    row.map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_learner_joins_is_promoted_and_leaves() {
    let cluster = TestCluster::start(1);
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();

    let url = cluster.join("j1", true);
    let j1 = member_named(&mut etcd, "j1").await.expect("j1 is a member");
    assert!(j1.is_learner(), "{j1:?}");
    assert_eq!(j1.client_urls(), std::slice::from_ref(&url));
    let mut at_j1 = Client::connect([&url], None).await.unwrap();
    let status = at_j1
        .status()
        .await
        .expect("the learner answers its status");
    assert_eq!(status.header().unwrap().member_id(), j1.id());
    assert!(status.is_learner());
    let row = status_row(&cluster, "j1").expect("the kit lists j1");
    assert!(row.contains(" up ") && row.contains(" learner "), "{row}");

    let id = j1.id();
    let promoted = eventually(Duration::from_secs(20), || {
        let mut etcd = etcd.clone();
        async move { etcd.member_promote(id).await.is_ok() }
    })
    .await;
    assert!(promoted, "j1 is promoted once it has caught up");
    let j1 = member_named(&mut etcd, "j1").await.expect("j1 is a member");
    assert!(!j1.is_learner(), "{j1:?}");
    etcd.put("kit/written", "on m1", None).await.unwrap();
    let read = at_j1.get("kit/written", None).await.expect("a voter reads");
    assert_eq!(read.kvs()[0].value(), b"on m1");

    cluster.leave("j1");
    assert!(member_named(&mut etcd, "j1").await.is_none());
    assert_eq!(etcd.member_list().await.unwrap().members().len(), 1);
    assert!(!listening(&url), "j1's process is stopped");
    assert_eq!(status_row(&cluster, "j1"), None);
    // Its data and record are gone: the name can join again, from scratch.
    let again = cluster.join("j1", true);
    let j1 = member_named(&mut etcd, "j1")
        .await
        .expect("j1 joined again");
    assert!(j1.is_learner() && listening(&again), "{j1:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_added_through_etcd_starts_with_join_at() {
    let cluster = TestCluster::start(1);
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let peer = TestCluster::free_peer_url();
    let learner = Some(MemberAddOptions::new().with_is_learner());
    let added = etcd.member_add([peer.as_str()], learner).await.unwrap();
    let id = added.member().expect("the member added").id();

    let table = cluster.status();
    let waiting = table
        .lines()
        .find(|line| line.contains("added, not started"));
    let waiting = waiting.unwrap_or_else(|| panic!("no unstarted member in:\n{table}"));
    assert!(
        waiting.contains(&peer) && waiting.contains(" learner "),
        "{waiting}"
    );
    assert!(waiting.contains(&format!("{id:016x}")), "{waiting}");

    let url = cluster.join_at("j2", &peer);
    let j2 = member_named(&mut etcd, "j2").await.expect("j2 is a member");
    assert_eq!(j2.id(), id, "j2 is the member added, not a new one");
    assert!(j2.is_learner());
    assert_eq!(j2.peer_urls(), std::slice::from_ref(&peer));
    let mut at_j2 = Client::connect([&url], None).await.unwrap();
    let status = at_j2.status().await.expect("j2 answers its status");
    assert_eq!(status.header().unwrap().member_id(), id);
    let table = cluster.status();
    assert!(!table.contains("added, not started"), "{table}");
    let row = status_row(&cluster, "j2").expect("the kit lists j2");
    assert!(row.contains(" learner ") && row.contains(&url), "{row}");

    let refused = cluster.try_run("join", &["j3", "--peer-url", &peer]);
    let refused = refused.expect_err("a started member's peer URL is refused");
    assert!(
        refused.contains("already has a started member"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_joined_member_stops_starts_and_is_killed_with_the_cluster() {
    let cluster = TestCluster::start(1);
    let url = cluster.join("j3", false);
    let endpoints = cluster.try_run("endpoints", &[]).unwrap();
    assert!(endpoints.split(',').any(|e| e == url), "{endpoints}");
    let mut at_j3 = Client::connect([&url], None).await.unwrap();
    at_j3.put("kit/before", "down", None).await.unwrap();

    cluster.stop();
    assert!(!listening(&url) && !listening(&cluster.endpoints[0]));
    cluster.resume();
    // With two voters, this read needs both members back.
    let mut at_j3 = Client::connect([&url], None).await.unwrap();
    let read = at_j3.get("kit/before", None).await.expect("j3 is back");
    assert_eq!(read.kvs()[0].value(), b"down");

    let j3 = member_named(&mut at_j3, "j3")
        .await
        .expect("j3 is a member")
        .id();
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let moved = eventually(Duration::from_secs(10), || {
        let (mut etcd, mut at_j3) = (etcd.clone(), at_j3.clone());
        async move {
            let _ = etcd.move_leader(j3).await;
            let status = at_j3.status().await;
            status.is_ok_and(|s| s.leader() == j3)
        }
    })
    .await;
    assert!(moved, "j3 leads");
    assert_eq!(cluster.kill("leader"), "j3");
    assert!(!listening(&url));
    cluster.restart("j3");
    let mut at_j3 = Client::connect([&url], None).await.unwrap();
    let read = at_j3.get("kit/before", None).await.expect("j3 is back");
    assert_eq!(read.kvs()[0].value(), b"down");
    etcd.put("kit/after", "restart", None).await.unwrap();
}

#[tokio::test]
async fn the_kit_refuses_what_it_cannot_do() {
    let cluster = TestCluster::start(1);
    let refusals = [
        ("join", vec!["m1"], "names the base member m1"),
        ("join", vec!["bad/name"], "invalid member name"),
        (
            "join",
            vec!["j4", "--peer-url", "http://10.0.0.1:2380"],
            "--peer-url must be",
        ),
        ("leave", vec!["m1"], "base member"),
        ("leave", vec!["nobody"], "no member named 'nobody'"),
    ];
    for (script, args, said) in refusals {
        let refused = cluster.try_run(script, &args).expect_err(said);
        assert!(
            refused.contains(said),
            "cluster/{script} {args:?}: {refused}"
        );
    }

    cluster.join("l1", true);
    let refused = cluster.try_run("join", &["l1"]).expect_err("l1 twice");
    assert!(refused.contains("has joined already"), "{refused}");
    let refused = cluster.try_run("join", &["l2", "--learner"]);
    let refused = refused.expect_err("etcd takes one learner at a time");
    assert!(refused.contains("too many learner members"), "{refused}");
    assert_eq!(status_row(&cluster, "l2"), None, "nothing is left of l2");
}

/// What `pid_exiting` (cluster/lib.sh) answers, under the kit's own `set -euo pipefail`, about
/// PID 4242 in a process directory `proc` laid out by the test; a script the function ends says so.
fn pid_exiting_in(proc: &std::path::Path) -> String {
    let lib = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cluster/lib.sh");
    let script = r#"set -euo pipefail; source "$1"; PROC=$2
        if pid_exiting 4242; then echo exiting; else echo gone; fi"#;
    let out = std::process::Command::new("bash")
        .args(["-c", script, "bash"])
        .arg(lib)
        .arg(proc)
        .output()
        .expect("bash runs");
    let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() {
        said
    } else {
        format!("the script ended ({})", out.status)
    }
}

/// A thread of an exiting member can vanish between the listing of its threads and the reading
/// of its state. Seen in the end-to-end suite: `cluster/down` then ended at once, silently and
/// with status 1, leaving the leader running (bash 5.2 ends a `set -e` script when `$(<FILE)`
/// cannot open FILE, `|| continue` or not).
#[test]
fn a_thread_gone_while_its_member_exits_does_not_end_the_kit() {
    let proc = tempfile::tempdir().unwrap();
    let tasks = proc.path().join("4242/task");
    for thread in ["100", "200"] {
        std::fs::create_dir_all(tasks.join(thread)).unwrap();
    }
    // An emptied command line: the process is exiting. Thread 100 is gone (its entry is still
    // listed, its state no longer opens); thread 200 is still running.
    std::fs::write(proc.path().join("4242/cmdline"), "").unwrap();
    std::os::unix::fs::symlink(proc.path().join("gone"), tasks.join("100/stat")).unwrap();
    std::fs::write(tasks.join("200/stat"), "200 (etcd) S 1 200 200 0 -1\n").unwrap();
    assert_eq!(pid_exiting_in(proc.path()), "exiting");

    // Once its last thread is a zombie, the member has closed its files.
    std::fs::write(tasks.join("200/stat"), "200 (etcd) Z 1 200 200 0 -1\n").unwrap();
    assert_eq!(pid_exiting_in(proc.path()), "gone");
}
