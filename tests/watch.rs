//! Watching a prefix over the REST API against a real etcd: the changes after a revision as
//! server-sent events, resuming after the last event id, the changes made while watching,
//! etcd's compaction said as a gap, one etcd watch shared by every follower of a prefix, a
//! follower too far behind told to resync, every revision seen across a leader kill, and bad
//! requests refused with their status.

mod common;

use axum::body::{Body, BodyDataStream};
use axum::http::Request;
use common::{app::TestApp, compact_now, eventually, server::TestServer, TestCluster};
use etcd_client::{Client, GetOptions, Txn, TxnOp, WatchOptions};
use futures::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// One server-sent event: its name, id (if any) and data as JSON.
#[derive(Debug)]
struct Sent {
    event: String,
    id: Option<String>,
    data: Value,
}

/// Reads events off a stream as they come.
struct Events {
    body: BodyDataStream,
    buffer: String,
    /// The reconnection delay the stream asked for, in milliseconds.
    retry: Option<String>,
}

impl Events {
    async fn open(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> (u16, Option<Events>) {
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app.open(request.body(Body::empty()).unwrap()).await;
        let status = response.status().as_u16();
        if status != 200 {
            return (status, None);
        }
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let body = response.into_body().into_data_stream();
        let events = Events {
            body,
            buffer: String::new(),
            retry: None,
        };
        (status, Some(events))
    }

    /// The next event with data (comments and bare `retry:` lines skipped); `None` when the
    /// stream ended, or nothing came within 5 s.
    async fn next(&mut self) -> Option<Sent> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(&format!("{name}:")))
                        .map(|value| value.trim_start().to_string())
                };
                if let Some(retry) = field("retry") {
                    self.retry = Some(retry);
                }
                if let Some(data) = field("data") {
                    return Some(Sent {
                        event: field("event").unwrap_or_default(),
                        id: field("id"),
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.body.next()).await;
            match chunk {
                Ok(Some(Ok(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    async fn take(&mut self, count: usize) -> Vec<Sent> {
        let mut sent = Vec::new();
        while sent.len() < count {
            match self.next().await {
                Some(event) => sent.push(event),
                None => break,
            }
        }
        sent
    }
}

/// `(event, key, id)` of each event.
fn shown(sent: &[Sent]) -> Vec<(String, String, Option<String>)> {
    sent.iter()
        .map(|s| {
            let key = s.data["key"].as_str().unwrap_or_default().to_string();
            (s.event.clone(), key, s.id.clone())
        })
        .collect()
}

fn owned(rows: &[(&str, &str, Option<i64>)]) -> Vec<(String, String, Option<String>)> {
    rows.iter()
        .map(|(event, key, id)| {
            (
                event.to_string(),
                key.to_string(),
                id.map(|id| id.to_string()),
            )
        })
        .collect()
}

#[tokio::test]
async fn changes_after_a_revision_stream_as_events_and_resume_after_the_last_id() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let read = etcd.put("w/a", "1", None).await.unwrap();
    let listed = read.header().unwrap().revision();
    etcd.put("w/b", "22", None).await.unwrap();
    let both = [TxnOp::put("w/c", "333", None), TxnOp::put("w/d", "", None)];
    etcd.txn(Txn::new().and_then(both)).await.unwrap();
    etcd.put("x/elsewhere", "v", None).await.unwrap();
    etcd.delete("w/a", None).await.unwrap();

    let uri = format!("/api/v1/watch?prefix=w%2F&start_revision={}", listed + 1);
    let (status, events) = Events::open(&app, &uri, &[]).await;
    assert_eq!(status, 200);
    let mut events = events.unwrap();
    let sent = events.take(4).await;
    let (b, cd, a) = (listed + 1, listed + 2, listed + 4);
    assert_eq!(
        shown(&sent),
        owned(&[
            ("put", "w/b", Some(b)),
            ("put", "w/c", None),
            ("put", "w/d", Some(cd)),
            ("delete", "w/a", Some(a)),
        ]),
        "one id per revision, on its last change; nothing from outside the prefix"
    );
    assert_eq!(
        events.retry.as_deref(),
        Some("2000"),
        "browsers reconnect after 2 s"
    );
    assert_eq!(sent[0].data["value_size"], 2);
    assert_eq!(sent[0].data["version"], 1);
    assert_eq!(sent[3].data["version"], 0, "a delete leaves no version");

    // Changes made while watching come as they happen.
    etcd.put("w/live", "v", None).await.unwrap();
    let live = events.take(1).await;
    assert_eq!(shown(&live), owned(&[("put", "w/live", Some(listed + 5))]));
    drop(events);

    // A browser that reconnects sends the last id it saw: what follows it comes, nothing before.
    let last = b.to_string();
    let (status, events) = Events::open(&app, &uri, &[("last-event-id", &last)]).await;
    assert_eq!(status, 200);
    let resumed = events.unwrap().take(2).await;
    assert_eq!(
        shown(&resumed),
        owned(&[("put", "w/c", None), ("put", "w/d", Some(cd))])
    );

    // Keys that are not UTF-8, under a prefix given in base64.
    etcd.put(vec![b'w', b'/', 0xff], "v", None).await.unwrap();
    let uri = format!(
        "/api/v1/watch?encoding=base64&prefix=dy8%3D&start_revision={}",
        listed + 6
    );
    let (_, events) = Events::open(&app, &uri, &[]).await;
    let binary = events.unwrap().take(1).await;
    assert_eq!(binary[0].data["key"], "dy//");
    assert_eq!(binary[0].data["key_encoding"], "base64");
}

#[tokio::test]
async fn a_watch_asked_for_values_sends_the_start_of_each_value_and_of_the_one_before() {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let first = etcd.put("v/k", "one", None).await.unwrap();
    let start = first.header().unwrap().revision();
    etcd.put("v/k", "two", None).await.unwrap();
    etcd.put("v/k", vec![0xff; 3000], None).await.unwrap();
    etcd.delete("v/k", None).await.unwrap();

    let uri = format!("/api/v1/watch?prefix=v%2F&start_revision={start}&values=true");
    let (status, events) = Events::open(&app, &uri, &[]).await;
    assert_eq!(status, 200);
    let sent = events.unwrap().take(4).await;
    assert_eq!(sent.len(), 4, "{sent:?}");
    let text = |data: &str, size: u64| json!({"data": data, "encoding": "utf8", "size": size, "cut": false});
    assert_eq!(sent[0].data["value"], text("one", 3));
    assert!(sent[0].data.get("prev_value").is_none());
    assert_eq!(sent[1].data["value"], text("two", 3));
    assert_eq!(sent[1].data["prev_value"], text("one", 3));
    // Bytes that are no text come as base64, cut to their first 1 KiB.
    let cut = json!({"data": STANDARD.encode([0xff; 1024]), "encoding": "base64", "size": 3000, "cut": true});
    assert_eq!(sent[2].data["value"], cut);
    assert_eq!(sent[2].data["prev_value"], text("two", 3));
    assert_eq!(sent[3].event, "delete");
    assert!(sent[3].data.get("value").is_none());
    assert_eq!(sent[3].data["prev_value"], cut);

    // Without `values`, the same changes come without them.
    let uri = format!("/api/v1/watch?prefix=v%2F&start_revision={start}");
    let (_, events) = Events::open(&app, &uri, &[]).await;
    let sent = events.unwrap().take(2).await;
    assert!(sent[1].data.get("value").is_none() && sent[1].data.get("prev_value").is_none());
}

#[tokio::test]
async fn compaction_is_a_gap_event_and_the_stream_goes_on_and_bad_watches_are_refused() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let first = etcd.put("w/a", "1", None).await.unwrap();
    let listed = first.header().unwrap().revision();
    etcd.put("w/a", "2", None).await.unwrap();
    let compacted = compact_now(&mut etcd).await;

    let uri = format!("/api/v1/watch?prefix=w%2F&start_revision={listed}");
    let (status, events) = Events::open(&app, &uri, &[]).await;
    assert_eq!(status, 200);
    let mut events = events.unwrap();
    let gap = events.take(1).await;
    assert_eq!(gap[0].event, "compacted", "{gap:?}");
    assert_eq!(gap[0].data["from_revision"], listed);
    assert_eq!(gap[0].data["compact_revision"], compacted);
    let resume_at = (compacted - 1).to_string();
    assert_eq!(gap[0].id.as_deref(), Some(resume_at.as_str()));

    let after = etcd.put("w/b", "3", None).await.unwrap();
    let revision = after.header().unwrap().revision();
    let went_on = events.take(2).await;
    assert_eq!(
        shown(&went_on),
        owned(&[
            ("put", "w/a", Some(compacted)),
            ("put", "w/b", Some(revision))
        ]),
        "the stream goes on after the gap, from the revision etcd kept"
    );

    for bad in [
        "/api/v1/watch?start_revision=0",
        "/api/v1/watch?start_revision=x",
        "/api/v1/watch?encoding=base64&prefix=%%%",
    ] {
        let (status, _) = Events::open(&app, bad, &[]).await;
        assert_eq!(status, 400, "{bad}");
    }
}

/// The revisions of the `put` and `delete` events of `sent`, in order.
fn revisions(sent: &[Sent]) -> Vec<i64> {
    sent.iter()
        .filter(|s| s.event == "put" || s.event == "delete")
        .map(|s| s.data["revision"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn followers_of_a_prefix_share_one_etcd_watch_and_late_ones_catch_up() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let before = etcd.put("s/before", "0", None).await.unwrap();
    let before = before.header().unwrap().revision();
    assert_eq!(cluster.watchers().await, 0);

    let mut followers = Vec::new();
    for _ in 0..20 {
        let (status, events) = Events::open(&app, "/api/v1/watch?prefix=s%2F", &[]).await;
        assert_eq!(status, 200);
        followers.push(events.unwrap());
    }
    assert_eq!(cluster.watchers().await, 1, "20 followers, one etcd watch");
    let (_, other) = Events::open(&app, "/api/v1/watch?prefix=t%2F", &[]).await;
    assert_eq!(
        cluster.watchers().await,
        2,
        "another prefix has a watch of its own"
    );
    drop(other);

    let mut written = Vec::new();
    for i in 0..5 {
        let put = etcd.put(format!("s/{i}"), "v", None).await.unwrap();
        written.push(put.header().unwrap().revision());
    }
    for follower in &mut followers {
        assert_eq!(revisions(&follower.take(5).await), written);
    }

    // A follower asking for changes older than the shared watch saw gets them first, from a
    // watch of its own that closes once it has caught up.
    let shared = cluster.watchers().await;
    let uri = format!("/api/v1/watch?prefix=s%2F&start_revision={before}");
    let (_, late) = Events::open(&app, &uri, &[]).await;
    let mut late = late.unwrap();
    let mut expected = vec![before];
    expected.extend(&written);
    assert_eq!(revisions(&late.take(6).await), expected);
    let put = etcd.put("s/live", "v", None).await.unwrap();
    let live = put.header().unwrap().revision();
    assert_eq!(revisions(&late.take(1).await), vec![live]);
    assert!(
        eventually(Duration::from_secs(5), || async {
            cluster.watchers().await == shared
        })
        .await,
        "the late follower's own watch closes once it has caught up"
    );
}

#[tokio::test]
async fn a_follower_too_far_behind_is_told_to_resync_and_dropped() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let (_, stalled) = Events::open(&app, "/api/v1/watch?prefix=r%2F", &[]).await;
    let (_, mut keeping_up) = Events::open(&app, "/api/v1/watch?prefix=r%2F", &[]).await;
    let (mut stalled, keeping_up) = (stalled.unwrap(), keeping_up.take().unwrap());

    // More changes than the server holds for a follower, while one follower reads none.
    let reader = tokio::spawn(async move {
        let mut keeping_up = keeping_up;
        let mut seen = 0;
        while seen < 10_000 {
            let Some(event) = keeping_up.next().await else {
                break;
            };
            assert_eq!(event.event, "put", "{event:?}");
            seen += 1;
        }
        seen
    });
    let mut last = 0;
    for batch in 0..100 {
        let puts: Vec<TxnOp> = (0..100)
            .map(|i| TxnOp::put(format!("r/{batch}/{i}"), "v", None))
            .collect();
        let txn = etcd.txn(Txn::new().and_then(puts)).await.unwrap();
        last = txn.header().unwrap().revision();
    }
    assert_eq!(
        reader.await.unwrap(),
        10_000,
        "a follower keeping up sees every change"
    );

    let first = stalled.next().await.expect("an event");
    assert_eq!(first.event, "resync", "{first:?}");
    assert_eq!(first.data["limit"], 8192);
    assert!(first.data["revision"].as_i64().unwrap() < last);
    assert!(stalled.next().await.is_none(), "then the stream ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_every_revision_once_in_order_across_a_leader_kill() {
    let cluster = TestCluster::start(3);
    let app = std::sync::Arc::new(TestApp::start(&cluster).await);
    let (status, events) = Events::open(&app, "/api/v1/watch?prefix=k%2F", &[]).await;
    assert_eq!(status, 200);
    let mut events = events.unwrap();
    let watching = cluster
        .watching_member()
        .await
        .expect("a member serves the watch");

    // The follower reads as changes come, until nothing has come for 5 s.
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            assert_eq!(event.event, "put", "{event:?}");
            seen.push((event.data["revision"].as_i64().unwrap(), Instant::now()));
        }
        seen
    });
    // A writer through etcd-deck, which goes on on the members left; during an election a
    // write may fail, or succeed unacknowledged: what etcd holds afterwards decides what the
    // follower must have seen.
    let writer = {
        let app = app.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let mut acknowledged = Vec::new();
            for i in 0.. {
                if started.elapsed() > Duration::from_secs(10) {
                    break;
                }
                let uri = format!("/api/v1/keys/k%2F{i:05}");
                let (status, _, body) =
                    app.api("PUT", &uri, Some(json!({"value": "v"})), &[]).await;
                if status == 200 {
                    acknowledged.push((body["revision"].as_i64().unwrap(), Instant::now()));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            acknowledged
        })
    };
    // The leader dies; then, back with a quorum, the member that served the shared watch
    // (when it was not the leader) dies too, so the watch breaks and resumes elsewhere.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let leader = cluster.kill("leader");
    let leader_killed = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.restart(&leader);
    let mut kills = vec![(format!("{leader} (the leader)"), leader_killed)];
    if watching != leader {
        tokio::time::sleep(Duration::from_secs(2)).await;
        cluster.kill(&watching);
        kills.push((format!("{watching} (serving the watch)"), Instant::now()));
    }
    let acknowledged = writer.await.unwrap();
    let seen = reader.await.unwrap();
    cluster.resume();

    // What etcd holds: every change under k/ in its history, read by a watch of its own.
    let mut etcd = Client::connect(&cluster.endpoints, None).await.unwrap();
    let now = etcd
        .get("k/", None)
        .await
        .unwrap()
        .header()
        .unwrap()
        .revision();
    let options = WatchOptions::new().with_prefix().with_start_revision(1);
    let mut history = etcd.watch("k/", Some(options)).await.unwrap();
    let mut expected = Vec::new();
    let read = Duration::from_secs(5);
    while let Ok(Ok(Some(batch))) = tokio::time::timeout(read, history.message()).await {
        let events = batch.events().iter().filter_map(|e| e.kv());
        expected.extend(events.map(|kv| kv.mod_revision()));
        if expected.last().is_some_and(|last| *last >= now) {
            break;
        }
    }
    let revisions: Vec<i64> = seen.iter().map(|(revision, _)| *revision).collect();
    assert_eq!(revisions, expected, "every revision, once, in order");
    // Each key was written once: no write was retried after it had been applied.
    let options = GetOptions::new().with_prefix().with_keys_only();
    let stored = etcd.get("k/", Some(options)).await.unwrap();
    let twice: Vec<_> = stored
        .kvs()
        .iter()
        .filter(|kv| kv.version() > 1)
        .map(|kv| kv.key_str().unwrap_or("").to_string())
        .collect();
    println!("keys written twice: {twice:?}");

    let delivered: std::collections::HashMap<i64, Instant> = seen.into_iter().collect();
    let delays: Vec<(Duration, Instant)> = acknowledged
        .iter()
        .map(|(revision, at)| (delivered[revision].saturating_duration_since(*at), *at))
        .collect();
    for (killed, at) in &kills {
        let worst = delays
            .iter()
            .filter(|(_, acked)| *acked >= *at)
            .map(|(delay, _)| *delay)
            .max()
            .unwrap_or_default();
        let first_acked = acknowledged.iter().find(|(_, acked)| *acked >= *at);
        let back = first_acked.map(|(_, acked)| acked.duration_since(*at));
        println!(
            "killed {killed}: writes acknowledged again after {back:?}; \
             the slowest delivery after it took {worst:?} from the acknowledgement"
        );
    }
    println!(
        "{} changes followed across the kills, none lost or repeated",
        revisions.len()
    );
}

#[tokio::test]
async fn stopping_the_server_ends_open_streams_at_once() {
    let cluster = TestCluster::start(1);
    let mut server = TestServer::start(&cluster);
    let url = format!("{}/api/v1/watch?prefix=z%2F", server.url);
    let mut stream = reqwest::get(url).await.unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap();
    assert!(first.is_some(), "the stream opened");

    let took = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(took < Duration::from_secs(5), "stopping took {took:?}");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended");
}
