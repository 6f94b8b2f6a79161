//! Watching a prefix over the REST API against a real etcd: the changes after a revision as
//! server-sent events, resuming after the last event id, the changes made while watching,
//! etcd's compaction said as an event, and bad requests refused with their status.

mod common;

use axum::body::{Body, BodyDataStream};
use axum::http::Request;
use common::{app::TestApp, compact_now, TestCluster};
use etcd_client::{Client, Txn, TxnOp};
use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

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
async fn compaction_is_an_event_and_bad_watches_are_refused() {
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
    let sent = events.take(1).await;
    assert_eq!(sent[0].event, "compacted", "{sent:?}");
    assert_eq!(sent[0].data["compact_revision"], compacted);
    assert!(events.next().await.is_none(), "the stream ends after it");

    for bad in [
        "/api/v1/watch?start_revision=0",
        "/api/v1/watch?start_revision=x",
        "/api/v1/watch?encoding=base64&prefix=%%%",
    ] {
        let (status, _) = Events::open(&app, bad, &[]).await;
        assert_eq!(status, 400, "{bad}");
    }
}
