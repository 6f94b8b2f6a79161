//! The key endpoints of the REST API. Each handler reads its input through extractors that
//! answer bad input with an [`AppError`], calls one service and writes its answer.

use super::extract::{ApiJson, ApiQuery};
use super::model::{
    decode_cursor, encode_cursor, limit_within, positive_revision, AppendBody, AppendResult,
    DeletePrefixQuery, Encoding, ErrorBody, KeyEntry, KeyHistoryBody, KeyPage, KeyQuery,
    KeyReadQuery, KeyValueBody, ListQuery, PutBody, RestoreBody, UndeleteBody, WriteResult,
};
use crate::domain::history::MAX_HISTORY;
use crate::domain::paging::MAX_PAGE_SIZE;
use crate::domain::transfer::BulkReport;
use crate::domain::{lease::Expiry, AppError, Key, PageRequest, PutCondition, Value};
use crate::services::{bulk, caller::Caller, keys, past};
use axum::{
    extract::{FromRequestParts, OriginalUri},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, Uri},
    response::{IntoResponse, Response},
    Json,
};
use percent_encoding::percent_decode_str;

/// Where single-key paths start; the rest of the path is the key.
pub const KEYS_PATH: &str = "/api/v1/keys/";
/// The suffix of the append endpoint's path.
const APPEND_SUFFIX: &str = "/append";
/// The suffix of the history endpoint's path.
const HISTORY_SUFFIX: &str = "/history";
/// The suffix of the locate endpoint's path.
const LOCATE_SUFFIX: &str = "/locate";

use super::error::Answer;

/// One page of keys under a prefix, keys only unless `values=true`.
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys", params(ListQuery),
    responses(
        (status = 200, description = "One page of keys", body = KeyPage),
        (status = 400, description = "A bad prefix, cursor or encoding", body = ErrorBody),
        (status = 410, description = "The revision was compacted: start again without one", body = ErrorBody),
        (status = 503, description = "etcd is unavailable", body = ErrorBody),
    ))]
pub async fn list_keys(
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Answer<Json<KeyPage>> {
    let prefix = query
        .encoding
        .decode(query.prefix.as_deref().unwrap_or(""), "prefix")?;
    let after = query.after.as_deref().map(decode_cursor).transpose()?;
    let limit = limit_within(query.limit, MAX_PAGE_SIZE)?;
    let mut page = PageRequest::new(Key::new(prefix), after, limit);
    page.values = query.values;
    page.revision = positive_revision(query.revision)?;
    let listing = keys::list(&caller, &page).await?;
    let now = match (query.compare_now, page.revision) {
        (true, Some(_)) => Some(past::since(&caller, &listing.keys).await?),
        (true, None) => return Err(AppError::invalid("compare_now needs a past revision")),
        (false, _) => None,
    };
    let keys = listing.keys.iter().enumerate().map(|(i, summary)| {
        let mut entry = KeyEntry::new(
            summary,
            summary.value.as_ref().map(Value::as_bytes),
            query.encoding,
        );
        entry.now = now.as_ref().and_then(|now| now.get(i).copied());
        entry
    });
    Ok(Json(KeyPage {
        keys: keys.collect(),
        more: listing.next.is_some(),
        next: listing.next.as_ref().map(encode_cursor),
        revision: listing.revision,
        count: listing.total,
        stale: listing.source.stale,
    }))
}

/// A key with its value and metadata (with `revision=`, as it was then); with `raw=true`, the
/// value's bytes alone, as a download. The `ETag` is its mod revision, for `If-Match`. A path ending in `/history` asks for the key's history instead, one ending in `/locate`
/// where it lives (a key that itself ends so is written with its last `/` as `%2F`).
#[utoipa::path(get, path = "/api/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "The key: the rest of the path, percent-encoded (or base64 with encoding=base64)"), KeyQuery, KeyReadQuery),
    responses(
        (status = 200, description = "The key; with `raw=true`, its value's bytes alone", content(
            (KeyValueBody = "application/json"), (Vec<u8> = "application/octet-stream"))),
        (status = 404, description = "No such key (at that revision)", body = ErrorBody),
        (status = 410, description = "etcd has compacted that revision", body = ErrorBody),
    ))]
pub async fn get_key(
    caller: Caller,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyReadQuery>,
) -> Answer<Response> {
    limit_within(query.limit, MAX_HISTORY)?;
    if path.history {
        return history(caller, path, query).await;
    }
    if path.locate {
        return Ok(super::members::locate(caller, path).await?.into_response());
    }
    let detail = match positive_revision(query.revision)? {
        Some(revision) => keys::get_at(&caller, &path.key, revision).await?,
        None => keys::get(&caller, &path.key).await?,
    };
    let etag = detail.summary.mod_revision;
    if query.raw == Some(true) {
        let disposition = format!(
            "attachment; filename=\"{}\"",
            detail.summary.key.file_name()
        );
        let headers = [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ];
        return Ok(with_etag((headers, detail.value.0), etag));
    }
    Ok(with_etag(
        Json(KeyValueBody::new(&detail, path.encoding)),
        etag,
    ))
}

/// The changes to a key etcd still keeps, newest first: each write with the version it made
/// (read its value with `GET /api/v1/keys/{key}?revision=`), each delete, and where etcd's
/// history starts.
#[utoipa::path(get, path = "/api/v1/keys/{key}/history", tag = "keys",
    params(("key" = String, Path, description = "The key, as for GET /api/v1/keys/{key}"), KeyQuery, KeyReadQuery),
    responses(
        (status = 200, description = "The key's history", body = KeyHistoryBody),
        (status = 404, description = "etcd keeps no change to this key", body = ErrorBody),
    ))]
pub async fn history(caller: Caller, path: KeyPath, query: KeyReadQuery) -> Answer<Response> {
    positive_revision(query.revision)?;
    let limit = limit_within(query.limit, MAX_HISTORY)?;
    let history = keys::history(&caller, &path.key, limit).await?;
    Ok(Json(KeyHistoryBody::new(&history, path.encoding)).into_response())
}

/// Whether a key exists: 200 or 404, without a body.
#[utoipa::path(head, path = "/api/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "The key"), KeyQuery),
    responses((status = 200, description = "The key exists"), (status = 404, description = "No such key")))]
pub async fn has_key(caller: Caller, path: Answer<KeyPath>) -> Response {
    let found = async { keys::get(&caller, &path?.key).await };
    match found.await {
        Ok(detail) => with_etag((), detail.summary.mod_revision),
        Err(err) => err.status().into_response(),
    }
}

/// Writes a value. `If-Match: <mod_revision>` writes only if the key is still at that revision;
/// `If-None-Match: *` only if it does not exist. The check and the write are one transaction.
#[utoipa::path(put, path = "/api/v1/keys/{key}", tag = "keys", request_body = PutBody,
    params(("key" = String, Path, description = "The key"), KeyQuery,
        ("If-Match" = Option<i64>, Header, description = "Write only if the key's mod revision is this"),
        ("If-None-Match" = Option<String>, Header, pattern = r"^\*$", description = "`*`: write only if the key does not exist")),
    responses(
        (status = 200, description = "Written", body = WriteResult),
        (status = 400, description = "Bad key, value, encoding, lease or JSON", body = ErrorBody),
        (status = 404, description = "The lease named does not exist (or, with `keep_lease`, the key)", body = ErrorBody),
        (status = 412, description = "The key is not as the precondition says", body = ErrorBody),
        (status = 413, description = "Over etcd's 1.5 MiB request limit", body = ErrorBody),
        (status = 504, description = "Sent, but etcd did not confirm it: check the key", body = ErrorBody),
    ))]
pub async fn put_key(
    caller: Caller,
    path: KeyPath,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PutBody>,
) -> Answer<Response> {
    let value = path.encoding.decode(&body.value, "value")?;
    let condition = precondition(&headers)?;
    let expiry = Expiry::from_fields(body.ttl, body.lease.as_deref(), body.keep_lease)?;
    // Boxed: the write's future is 16 KB, and held inline it is copied again as axum builds and
    // boxes the handler's future (benches/callgrind.sh: 243,000 instructions per PUT inline,
    // 207,000 boxed).
    let written = Box::pin(keys::put(&caller, &path.key, value, condition, expiry)).await?;
    let answer = Json(WriteResult {
        revision: written.revision,
    });
    Ok(with_etag(answer, written.revision))
}

/// Deletes a key and answers what it held (read and delete in one request).
#[utoipa::path(delete, path = "/api/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "The key"), KeyQuery),
    responses(
        (status = 200, description = "The deleted key and value", body = KeyValueBody),
        (status = 404, description = "No such key", body = ErrorBody),
    ))]
pub async fn pop_key(caller: Caller, path: KeyPath) -> Answer<Json<KeyValueBody>> {
    let deleted = keys::delete(&caller, &path.key).await?;
    Ok(Json(KeyValueBody::new(&deleted, path.encoding)))
}

/// Deletes the keys under a prefix that existed at `revision` (a preview's) and are unchanged
/// since; `confirm` must repeat the prefix. When nothing under it was written after
/// `revision`, this is one DeleteRange; else a key created or changed since is left, and
/// reported under `changed`.
#[utoipa::path(delete, path = "/api/v1/keys", tag = "keys", params(DeletePrefixQuery),
    responses(
        (status = 200, description = "What was deleted (`done`), and what was left", body = BulkReport),
        (status = 400, description = "Empty prefix, or `confirm` differs", body = ErrorBody),
        (status = 410, description = "etcd has compacted that revision", body = ErrorBody),
    ))]
pub async fn delete_prefix(
    caller: Caller,
    ApiQuery(query): ApiQuery<DeletePrefixQuery>,
) -> Answer<Json<BulkReport>> {
    let prefix = Key::new(query.encoding.decode(&query.prefix, "prefix")?);
    let confirm = Key::new(query.encoding.decode(&query.confirm, "confirm")?);
    let revision = positive_revision(query.revision)?;
    Ok(Json(
        bulk::delete_prefix(&caller, &prefix, &confirm, revision).await?,
    ))
}

/// Appends a JSON value to the JSON array stored at the key, creating it, atomically.
#[utoipa::path(post, path = "/api/v1/keys/{key}/append", tag = "keys", request_body = AppendBody,
    params(("key" = String, Path, description = "The key"), KeyQuery),
    responses(
        (status = 200, description = "Appended", body = AppendResult),
        (status = 409, description = "The value is not a JSON array", body = ErrorBody),
    ))]
pub async fn append(
    caller: Caller,
    path: KeyPath,
    ApiJson(body): ApiJson<AppendBody>,
) -> Answer<Json<AppendResult>> {
    let (receipt, length) = keys::append(&caller, &path.key, body.value).await?;
    Ok(Json(AppendResult {
        revision: receipt.revision,
        length,
    }))
}

/// Writes back the value a key had at a past revision, if the key is still as the client saw
/// it (`mod_revision`; absent when left out): a change it has not seen is a 412, not
/// overwritten.
#[utoipa::path(post, path = "/api/v1/restore", tag = "keys", request_body = RestoreBody, params(KeyQuery),
    responses(
        (status = 200, description = "Written", body = WriteResult),
        (status = 404, description = "The key did not exist at that revision", body = ErrorBody),
        (status = 410, description = "etcd has compacted that revision", body = ErrorBody),
        (status = 412, description = "The key changed since the client saw it", body = ErrorBody),
    ))]
pub async fn restore(
    caller: Caller,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(body): ApiJson<RestoreBody>,
) -> Answer<Json<WriteResult>> {
    let key = Key::new(query.encoding.decode(&body.key, "key")?);
    let written = past::restore(&caller, &key, body.revision, body.mod_revision).await?;
    Ok(Json(WriteResult {
        revision: written.revision,
    }))
}

/// Brings deleted keys back as they were at a past revision, in one transaction that only
/// creates: when any of them exists again, nothing is written (412, naming them). Keys come
/// back without their leases.
#[utoipa::path(post, path = "/api/v1/undelete", tag = "keys", request_body = UndeleteBody, params(KeyQuery),
    responses(
        (status = 200, description = "Written", body = WriteResult),
        (status = 404, description = "A key did not exist at that revision", body = ErrorBody),
        (status = 410, description = "etcd has compacted that revision", body = ErrorBody),
        (status = 412, description = "Some keys exist again: nothing was written", body = ErrorBody),
    ))]
pub async fn undelete(
    caller: Caller,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(body): ApiJson<UndeleteBody>,
) -> Answer<Json<WriteResult>> {
    let keys = body
        .keys
        .iter()
        .map(|key| Ok(Key::new(query.encoding.decode(key, "key")?)))
        .collect::<Answer<Vec<Key>>>()?;
    let written = past::undelete(&caller, body.revision, &keys).await?;
    Ok(Json(WriteResult {
        revision: written.revision,
    }))
}

/// The key a single-key request names, and how its path, values and answer are encoded.
pub struct KeyPath {
    pub key: Key,
    pub encoding: Encoding,
    /// A GET whose path ends in `/history`: the key's history is asked for.
    pub history: bool,
    /// A GET whose path ends in `/locate`: where the key lives is asked for.
    pub locate: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for KeyPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Answer<Self> {
        let ApiQuery(query) = ApiQuery::<KeyQuery>::from_request_parts(parts, state).await?;
        let uri = match parts.extensions.get::<OriginalUri>() {
            Some(OriginalUri(uri)) => uri.clone(),
            None => parts.uri.clone(),
        };
        // POST exists only as `/api/v1/keys/{key}/append`; a GET may end in `/history` or
        // `/locate`.
        let get = parts.method == Method::GET;
        let history = get && uri.path().ends_with(HISTORY_SUFFIX);
        let locate = get && uri.path().ends_with(LOCATE_SUFFIX);
        let suffix = match parts.method {
            Method::POST => Some(APPEND_SUFFIX),
            _ if history => Some(HISTORY_SUFFIX),
            _ if locate => Some(LOCATE_SUFFIX),
            _ => None,
        };
        let key = key_from_path(&uri, suffix, query.encoding)?;
        Ok(KeyPath {
            key,
            encoding: query.encoding,
            history,
            locate,
        })
    }
}

/// The key named by the rest of the path: percent-decoded bytes, or base64.
fn key_from_path(uri: &Uri, suffix: Option<&str>, encoding: Encoding) -> Answer<Key> {
    let rest = uri.path().strip_prefix(KEYS_PATH).unwrap_or_default();
    let rest = match suffix {
        Some(suffix) => rest
            .strip_suffix(suffix)
            .ok_or_else(|| AppError::NoSuchEndpoint {
                message: format!("POST is only for paths ending with {suffix}"),
            })?,
        None => rest,
    };
    let raw: Vec<u8> = percent_decode_str(rest).collect();
    let bytes = match encoding {
        Encoding::Utf8 => raw,
        Encoding::Base64 => {
            let text = String::from_utf8(raw)
                .map_err(|_| AppError::invalid("the key is not valid base64"))?;
            encoding.decode(&text, "key")?
        }
    };
    Ok(Key::new(bytes))
}

/// The write condition the `If-Match` / `If-None-Match` headers ask for.
fn precondition(headers: &HeaderMap) -> Answer<PutCondition> {
    let header = |name| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("").trim().to_string())
    };
    match (header(header::IF_MATCH), header(header::IF_NONE_MATCH)) {
        (None, None) => Ok(PutCondition::Always),
        (None, Some(star)) if star == "*" => Ok(PutCondition::Absent),
        (None, Some(_)) => Err(AppError::invalid("If-None-Match supports only `*`")),
        (Some(revision), None) => revision
            .trim_matches('"')
            .parse()
            .map(PutCondition::ModRevision)
            .map_err(|_| AppError::invalid("If-Match must be a mod revision, like 42")),
        (Some(_), Some(_)) => Err(AppError::invalid("use If-Match or If-None-Match, not both")),
    }
}

fn with_etag(answer: impl IntoResponse, revision: i64) -> Response {
    let mut response = answer.into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{revision}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> Uri {
        path.parse().unwrap()
    }

    #[test]
    fn the_key_is_the_rest_of_the_path() {
        let key = key_from_path(
            &uri("/api/v1/keys/a/b%20c%3F%23%25/%C3%BC"),
            None,
            Encoding::Utf8,
        );
        assert_eq!(key.unwrap(), Key::from("a/b c?#%/ü"));
        let key = key_from_path(&uri("/api/v1/keys/%FF%00"), None, Encoding::Utf8);
        assert_eq!(key.unwrap(), Key::new(vec![0xff, 0]));
        let key = key_from_path(&uri("/api/v1/keys/_w8"), None, Encoding::Base64);
        assert_eq!(key.unwrap(), Key::new(vec![0xff, 0x0f]));
        let key = key_from_path(
            &uri("/api/v1/keys/q/append"),
            Some(APPEND_SUFFIX),
            Encoding::Utf8,
        );
        assert_eq!(key.unwrap(), Key::from("q"));
    }

    #[test]
    fn preconditions_come_from_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(precondition(&headers).unwrap(), PutCondition::Always);
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"7\""));
        assert_eq!(
            precondition(&headers).unwrap(),
            PutCondition::ModRevision(7)
        );
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(precondition(&headers).is_err());
        headers.remove(header::IF_MATCH);
        assert_eq!(precondition(&headers).unwrap(), PutCondition::Absent);
        headers.insert(header::IF_MATCH, HeaderValue::from_static("soon"));
        headers.remove(header::IF_NONE_MATCH);
        assert_eq!(precondition(&headers).unwrap_err().status().as_u16(), 400);
    }
}
