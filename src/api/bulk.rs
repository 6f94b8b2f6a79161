//! Many keys at once: `GET /api/v1/export`, `POST /api/v1/import`, `POST /api/v1/copy` and
//! `POST /api/v1/move`. (`DELETE /api/v1/keys`, the pinned delete of a prefix, is with the
//! other key routes.)

use super::error::Answer;
use super::extract::{ApiJson, ApiQuery};
use super::model::{
    decode_cursor, positive_revision, CopyBody, Encoding, ErrorBody, ExportQuery, ImportQuery,
};
use super::NDJSON;
use crate::domain::{
    transfer::{parse_import, BulkReport, ImportReport},
    AppError, Key,
};
use crate::services::{bulk, caller::Caller};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;

/// The most an import may send: etcd-deck reads the whole file before it writes anything.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// Every key under `prefix` at one revision, streamed: a header line (`format`, `version`,
/// `prefix`, `revision`, `time`), then one line per key in key order, its key and value as
/// UTF-8 text, or base64 with `key_encoding` / `value_encoding` when not UTF-8, and
/// `lease_ttl` when on a lease. An error from etcd part-way cuts the response short.
#[utoipa::path(get, path = "/api/v1/export", tag = "bulk", params(ExportQuery),
    responses(
        (status = 200, description = "A header line, then one line per key", content_type = "application/x-ndjson", body = crate::domain::transfer::ExportLine),
        (status = 403, description = "The prefix may not be read", body = ErrorBody),
        (status = 410, description = "etcd has compacted that revision", body = ErrorBody),
    ))]
pub async fn export(caller: Caller, ApiQuery(query): ApiQuery<ExportQuery>) -> Answer<Response> {
    let prefix = Key::new(
        query
            .encoding
            .decode(query.prefix.as_deref().unwrap_or(""), "prefix")?,
    );
    let revision = positive_revision(query.revision)?;
    let export = match query.keys.as_deref() {
        None => bulk::export(&caller, &prefix, revision).await?,
        Some(keys) => {
            let keys = keys
                .split(',')
                .filter(|key| !key.is_empty())
                .map(decode_cursor)
                .collect::<Result<Vec<_>, _>>()?;
            bulk::export_keys(&caller, &prefix, &keys, revision).await?
        }
    };
    let name = format!("etcd-export-{}.ndjson", export.header.revision);
    let chunks = export
        .into_stream()
        .map(|chunk| chunk.map_err(|err| std::io::Error::other(err.to_string())));
    let mut response = Body::from_stream(chunks).into_response();
    response.extensions_mut().insert(super::Download::Export);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// Imports an export (or one flat JSON object of keys and values). `dry_run=true` (the
/// default) writes nothing and reports what would be created, updated, left unchanged or left
/// as a conflict, at the revision it read; `dry_run=false&revision=R` writes, in transactions
/// of at most 128 keys, each key only if nobody wrote it after R (the dry run's revision).
#[utoipa::path(post, path = "/api/v1/import", tag = "bulk", params(ImportQuery),
    request_body(description = "An export, or a flat JSON object of keys and their values",
        content((String = "application/x-ndjson"), (std::collections::HashMap<String, String> = "application/json"))),
    responses(
        (status = 200, description = "What was (or would be) done", body = ImportReport),
        (status = 400, description = "A bad line (named), key or value; nothing was written", body = ErrorBody),
        (status = 410, description = "etcd has compacted the revision", body = ErrorBody),
        (status = 413, description = "Over 256 MiB", body = ErrorBody),
    ))]
pub async fn import(
    caller: Caller,
    ApiQuery(query): ApiQuery<ImportQuery>,
    request: Request,
) -> Answer<Json<ImportReport>> {
    let revision = positive_revision(query.revision)?;
    // Who may not import, or comes while another import runs, sends nothing.
    let _turn = bulk::import_turn(&caller).await?;
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge {
                message: format!("an import may send at most {} MiB", MAX_IMPORT_BYTES >> 20),
            },
            _ => AppError::invalid(format!(
                "the import did not arrive whole ({})",
                rejection.body_text()
            )),
        })?;
    let file = parse_import(&body)?;
    drop(body);
    let dry_run = query.dry_run.unwrap_or(true);
    Ok(Json(bulk::import(&caller, file, dry_run, revision).await?))
}

/// Copies a key, or every key under a prefix (`"prefix": true`), to `to`, keeping leases. A
/// target that exists is left and reported (for one key: 412) unless `"overwrite": true`.
#[utoipa::path(post, path = "/api/v1/copy", tag = "bulk", request_body = CopyBody, params(super::model::KeyQuery),
    responses(
        (status = 200, description = "What was copied, and what was left", body = BulkReport),
        (status = 404, description = "The key does not exist", body = ErrorBody),
        (status = 412, description = "The target key exists", body = ErrorBody),
    ))]
pub async fn copy(
    caller: Caller,
    ApiQuery(query): ApiQuery<super::model::KeyQuery>,
    ApiJson(body): ApiJson<CopyBody>,
) -> Answer<Json<BulkReport>> {
    let request = body.request(query.encoding)?;
    Ok(Json(bulk::copy(&caller, &request, false).await?))
}

/// Moves a key, or every key under a prefix: each source key is deleted in the transaction that
/// writes its copy, and only if it is unchanged since it was read, so a key changed meanwhile
/// stays where it is (and is reported).
#[utoipa::path(post, path = "/api/v1/move", tag = "bulk", request_body = CopyBody, params(super::model::KeyQuery),
    responses(
        (status = 200, description = "What was moved, and what was left", body = BulkReport),
        (status = 404, description = "The key does not exist", body = ErrorBody),
        (status = 412, description = "The target key exists", body = ErrorBody),
    ))]
pub async fn move_keys(
    caller: Caller,
    ApiQuery(query): ApiQuery<super::model::KeyQuery>,
    ApiJson(body): ApiJson<CopyBody>,
) -> Answer<Json<BulkReport>> {
    let request = body.request(query.encoding)?;
    Ok(Json(bulk::copy(&caller, &request, true).await?))
}

impl CopyBody {
    fn request(self, encoding: Encoding) -> Result<bulk::CopyRequest, AppError> {
        Ok(bulk::CopyRequest {
            from: Key::new(encoding.decode(&self.from, "from")?),
            to: Key::new(encoding.decode(&self.to, "to")?),
            prefix: self.prefix,
            overwrite: self.overwrite,
        })
    }
}
