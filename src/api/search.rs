//! `GET /api/v1/search`: the keys under a prefix that match a query, streamed as found.

use super::error::Answer;
use super::extract::ApiQuery;
use super::model::{
    decode_cursor, encode_cursor, limit_within, positive_revision, Encoding, ErrorBody, KeyEntry,
    SearchCounts, SearchDoneLine, SearchMatch, SearchProgressLine, SearchQuery,
};
use crate::domain::search::{search_limit, SearchMode, SearchRequest, MAX_SEARCH_LIMIT};
use crate::domain::{AppError, Key};
use crate::services::{caller::Caller, search, search::SearchEvent};
use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Serialize;
use std::convert::Infallible;

/// The media type of a search's answer: one JSON document per line.
pub const NDJSON: &str = "application/x-ndjson";

/// Searches the keys under `prefix`, all at one revision, and answers one line per match as it
/// is found, then a last line with `"done": true` and the counts (or `"error"`, when etcd
/// failed midway). Closing the connection stops the search.
#[utoipa::path(get, path = "/api/v1/search", tag = "keys", params(SearchQuery),
    responses(
        (status = 200, description = "One line per match (`SearchMatch`), a `SearchProgressLine` \
            after each window of keys read when asked, and a last `SearchDoneLine` \
            (or `ErrorBody`)", content_type = "application/x-ndjson", body = SearchMatch),
        (status = 400, description = "A bad query, mode, prefix, cursor or encoding", body = ErrorBody),
        (status = 403, description = "The prefix may not be read", body = ErrorBody),
        (status = 410, description = "The revision was compacted: start again without one", body = ErrorBody),
        (status = 429, description = "Too many searches are running", body = ErrorBody),
        (status = 503, description = "etcd is unavailable", body = ErrorBody),
    ))]
pub async fn search(caller: Caller, ApiQuery(query): ApiQuery<SearchQuery>) -> Answer<Response> {
    let (encoding, progress) = (query.encoding, query.progress);
    let request = search_request(query)?;
    let events = search::search(&caller, &request).await?.into_stream();
    let lines = events.filter_map(move |event| async move {
        line(event, encoding, progress).map(Ok::<_, Infallible>)
    });
    let mut response = Body::from_stream(lines).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    Ok(response)
}

/// The search a query asks for.
fn search_request(query: SearchQuery) -> Result<SearchRequest, AppError> {
    let encoding = query.encoding;
    let prefix = encoding.decode(query.prefix.as_deref().unwrap_or(""), "prefix")?;
    let mode = match query.mode.as_deref() {
        None => SearchMode::default(),
        Some(mode) => SearchMode::parse(mode).ok_or_else(|| {
            AppError::invalid(format!(
                "unknown mode {mode:?}: use substring, glob or regex"
            ))
        })?,
    };
    let mut request = SearchRequest::new(Key::new(prefix), query.q, mode);
    request.values = query.values;
    request.ignore_case = query.ignore_case;
    request.limit = search_limit(limit_within(query.limit, MAX_SEARCH_LIMIT)?);
    request.after = query.after.as_deref().map(decode_cursor).transpose()?;
    request.revision = positive_revision(query.revision)?;
    Ok(request)
}

/// The line an event is written as, if any.
fn line(event: SearchEvent, encoding: Encoding, progress: bool) -> Option<String> {
    match event {
        SearchEvent::Hit(hit) => json_line(&SearchMatch {
            entry: KeyEntry::new(&hit.summary, None, encoding),
            value_size: hit.value_size,
            in_value: hit.in_value,
        }),
        SearchEvent::Progress(counts) => progress
            .then(|| {
                json_line(&SearchProgressLine {
                    progress: SearchCounts::from(counts),
                })
            })
            .flatten(),
        SearchEvent::Done(done) => json_line(&SearchDoneLine {
            done: true,
            counts: SearchCounts::from(done.progress),
            next: done.next.as_ref().map(encode_cursor),
        }),
        SearchEvent::Failed(err) => json_line(&ErrorBody::from(&err)),
    }
}

fn json_line(body: &impl Serialize) -> Option<String> {
    let mut line = serde_json::to_string(body).ok()?;
    line.push('\n');
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urls::api::search_url;
    use axum::extract::Query;

    #[test]
    fn the_search_a_page_streams_is_the_search_it_asked_for() {
        let mut request = SearchRequest::new(
            Key::new(vec![b'a', b' ', 0xff, b'/']),
            "x y&z=%#".into(),
            SearchMode::Glob,
        );
        let asked = |request: &SearchRequest| {
            let url: axum::http::Uri = search_url(request).parse().unwrap();
            let Query(query) = Query::<SearchQuery>::try_from_uri(&url).unwrap();
            assert_eq!(query.encoding, Encoding::Base64);
            assert!(query.progress);
            search_request(query).unwrap()
        };
        assert_eq!(asked(&request), request);
        request.values = true;
        request.ignore_case = true;
        request.limit = 7;
        request.after = Some(Key::new(vec![b'a', 0xfe]));
        request.revision = Some(42);
        assert_eq!(asked(&request), request);
    }
}
