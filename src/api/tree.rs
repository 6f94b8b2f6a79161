//! `GET /api/v1/tree`: one level of the key tree.

use super::error::Answer;
use super::extract::ApiQuery;
use super::model::{
    decode_cursor, encode_cursor, limit_within, positive_revision, ErrorBody, TreeEntryBody,
    TreePage, TreeQuery,
};
use crate::domain::{paging::MAX_PAGE_SIZE, tree::LevelRequest, tree::DEFAULT_DELIMITER, Key};
use crate::services::{caller::Caller, keys};
use axum::Json;

/// One page of the level under `prefix`: its folders (each with its key count) and its keys, in
/// key order.
#[utoipa::path(get, path = "/api/v1/tree", tag = "keys", params(TreeQuery),
    responses(
        (status = 200, description = "One page of the level", body = TreePage),
        (status = 400, description = "A bad prefix, delimiter, cursor or encoding", body = ErrorBody),
        (status = 410, description = "The revision was compacted: start again without one", body = ErrorBody),
        (status = 503, description = "etcd is unavailable", body = ErrorBody),
    ))]
pub async fn tree(caller: Caller, ApiQuery(query): ApiQuery<TreeQuery>) -> Answer<Json<TreePage>> {
    let encoding = query.encoding;
    let prefix = encoding.decode(query.prefix.as_deref().unwrap_or(""), "prefix")?;
    let delimiter = encoding.decode(
        query.delimiter.as_deref().unwrap_or(DEFAULT_DELIMITER),
        "delimiter",
    )?;
    let after = query.after.as_deref().map(decode_cursor).transpose()?;
    let limit = limit_within(query.limit, MAX_PAGE_SIZE)?;
    let mut request = LevelRequest::new(Key::new(prefix), Key::new(delimiter), after, limit);
    request.revision = positive_revision(query.revision)?;
    let level = keys::level(&caller, &request).await?;
    Ok(Json(TreePage {
        entries: level
            .entries
            .iter()
            .map(|entry| TreeEntryBody::new(entry, encoding))
            .collect(),
        more: level.next.is_some(),
        next: level.next.as_ref().map(encode_cursor),
        revision: level.revision,
        total: level.total,
    }))
}
