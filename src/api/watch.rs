//! `GET /api/v1/watch`: the changes under a prefix as server-sent events.

use super::error::Answer;
use super::extract::ApiQuery;
use super::model::{
    lease_id, positive_revision, Encoding, ErrorBody, WatchChange, WatchCompacted, WatchQuery,
    WatchResync, WatchValue,
};
use crate::domain::{
    watch::{Change, ChangeKind, Snippet, Watched, FOLLOW_LIMIT},
    AppError, Key,
};
use crate::services::{caller::Caller, watch};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{stream, StreamExt};
use std::convert::Infallible;
use std::time::Duration;

/// How long a browser waits before it reconnects, after the stream broke.
const RECONNECT: Duration = Duration::from_secs(2);

/// Streams the changes under `prefix` as `text/event-stream`: a `put` or `delete` event per
/// change (`WatchChange`) whose id is its revision (on the last change of a transaction), a
/// `compacted` event (`WatchCompacted`) when etcd compacted changes away before they were sent,
/// a `resync` event (`WatchResync`) when the client fell too far behind, and a `failed` event
/// (`ErrorBody`) when etcd refused the watch. After `resync` or `failed` the stream ends.
#[utoipa::path(get, path = "/api/v1/watch", tag = "keys", params(WatchQuery),
    responses(
        (status = 200, description = "Server-sent events: `put` and `delete` (`WatchChange`), \
            `compacted` (`WatchCompacted`), `resync` (`WatchResync`), `failed` (`ErrorBody`)",
            content_type = "text/event-stream", body = WatchEventData),
        (status = 400, description = "A bad prefix, revision or encoding", body = ErrorBody),
        (status = 403, description = "The prefix may not be read", body = ErrorBody),
        (status = 503, description = "etcd is unavailable", body = ErrorBody),
    ))]
pub async fn watch(
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<WatchQuery>,
) -> Answer<Response> {
    let encoding = query.encoding;
    let prefix = Key::new(encoding.decode(query.prefix.as_deref().unwrap_or(""), "prefix")?);
    let resumed = headers
        .get("last-event-id")
        .and_then(|id| id.to_str().ok())
        .and_then(|id| id.trim().parse::<i64>().ok())
        .map(|id| id.saturating_add(1));
    let start = resumed.or(positive_revision(query.start_revision)?);
    let values = query.values == Some(true);
    let watched = watch::watch(&caller, &prefix, start, values).await?;
    // First, how long a browser waits before it reconnects after the stream broke.
    let reconnect = stream::once(async { Event::default().retry(RECONNECT) });
    let events = reconnect
        .chain(watched.flat_map(move |watched| stream::iter(events(watched, encoding))))
        .map(Ok::<_, Infallible>);
    let sse = Sse::new(events).keep_alive(KeepAlive::default());
    Ok(([("cache-control", "no-store")], sse).into_response())
}

/// The data of a watch's events, for the document: one of these, as the event's name says.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // never built: it only describes the events
enum WatchEventData {
    Change(WatchChange),
    Compacted(WatchCompacted),
    Resync(WatchResync),
    Failed(ErrorBody),
}

/// The events one step of a watch is sent as.
fn events(watched: Result<Watched, AppError>, encoding: Encoding) -> Vec<Event> {
    match watched {
        Ok(Watched::Changes(changes)) => {
            let last_of_revision = |i: usize| {
                changes
                    .get(i + 1)
                    .is_none_or(|next| next.revision != changes[i].revision)
            };
            changes
                .iter()
                .enumerate()
                .map(|(i, change)| {
                    let event = change_event(change, encoding);
                    if last_of_revision(i) {
                        event.id(change.revision.to_string())
                    } else {
                        event
                    }
                })
                .collect()
        }
        Ok(Watched::Gap {
            from_revision,
            compact_revision,
        }) => {
            let gap = WatchCompacted {
                from_revision,
                compact_revision,
            };
            let resume_at = (compact_revision - 1).to_string();
            vec![json_event("compacted", &gap).id(resume_at)]
        }
        Ok(Watched::Resync { revision }) => {
            let limit = FOLLOW_LIMIT as u64;
            vec![json_event("resync", &WatchResync { revision, limit })]
        }
        Err(err) => vec![json_event("failed", &ErrorBody::from(&err))],
    }
}

fn change_event(change: &Change, encoding: Encoding) -> Event {
    let (key, key_encoding) = encoding.encode(change.key.as_bytes());
    let name = match change.kind {
        ChangeKind::Put => "put",
        ChangeKind::Delete => "delete",
    };
    json_event(
        name,
        &WatchChange {
            key,
            key_encoding,
            revision: change.revision,
            version: change.version,
            value_size: change.value_size,
            lease: change.lease,
            lease_id: lease_id(change.lease),
            value: change
                .value
                .as_ref()
                .map(|value| watch_value(value, encoding)),
            prev_value: change
                .previous
                .as_ref()
                .map(|prev| watch_value(prev, encoding)),
        },
    )
}

fn watch_value(snippet: &Snippet, encoding: Encoding) -> WatchValue {
    let (data, encoding) = encoding.encode(&snippet.bytes);
    WatchValue {
        data,
        encoding,
        size: snippet.size,
        cut: snippet.cut(),
    }
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    let data = serde_json::to_string(data).unwrap_or_default();
    Event::default().event(name).data(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_a_page_follows_is_the_watch_it_asked_for() {
        use crate::urls::api::{readable_watch_url, watch_url};
        use axum::extract::Query;
        let read = |url: String| {
            let uri: axum::http::Uri = url.parse().unwrap();
            let Query(query) = Query::<WatchQuery>::try_from_uri(&uri).unwrap();
            let prefix = query.prefix.as_deref().unwrap_or("");
            let prefix = query.encoding.decode(prefix, "prefix").unwrap();
            (prefix, query.start_revision, query.values == Some(true))
        };
        let prefix = Key::new(vec![b'a', b' ', 0xff, b'&', b'/']);
        assert_eq!(
            read(watch_url(&prefix, Some(9), true)),
            (prefix.as_bytes().to_vec(), Some(9), true)
        );
        assert_eq!(
            read(watch_url(&prefix, None, false)),
            (prefix.as_bytes().to_vec(), None, false)
        );
        assert_eq!(read(readable_watch_url(&prefix)).0, prefix.as_bytes());
        let text = Key::from("a b/&?#ü");
        assert!(
            readable_watch_url(&text).contains("prefix=a%20b"),
            "{}",
            readable_watch_url(&text)
        );
        assert_eq!(read(readable_watch_url(&text)).0, text.as_bytes());
    }
}
