//! The server functions the UI calls. Each one is thin: it reads the etcd handle from the request
//! context, calls the etcd adapter with domain types, and gives a failure its HTTP status.
//! Writes answer with a redirect to the page that shows their outcome, so forms behave the same
//! with and without JavaScript.

use crate::domain::{
    api_reference::ApiOperation, cluster::ClusterOverview, Connection, Key, KeyDetail, KeyListing,
    ValueFormat, WriteReceipt,
};
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::domain::{
        notice::Notice, paging::list_url, paging::DEFAULT_PAGE_SIZE, value::parse_value,
        PageRequest, PutCondition,
    },
    crate::etcd::Etcd,
    crate::server::{status::ErrorStatus, AppState},
    leptos_axum::redirect,
};

/// Whether etcd answers, for the connection banner.
#[server(prefix = "/fn")]
pub async fn etcd_connection() -> Result<Connection, AppError> {
    with_etcd(|etcd| async move { etcd.connection().await }).await
}

/// Members, endpoint health, leader and alarms, for the cluster page.
#[server(prefix = "/fn")]
pub async fn get_cluster() -> Result<ClusterOverview, AppError> {
    with_etcd(|etcd| async move { Ok(etcd.cluster_overview().await) }).await
}

/// The REST API's reference, from its OpenAPI document.
#[server(prefix = "/fn")]
pub async fn get_api_reference() -> Result<Vec<ApiOperation>, AppError> {
    Ok(crate::api::api_reference())
}

/// One page of the keys under `prefix`, after the cursor `after`.
#[server(prefix = "/fn")]
pub async fn list_keys(
    prefix: Key,
    after: Option<Key>,
    limit: Option<u32>,
) -> Result<KeyListing, AppError> {
    let page = PageRequest::new(prefix, after, limit);
    with_etcd(|etcd| async move { etcd.list(&page).await }).await
}

/// One key with its value.
#[server(prefix = "/fn")]
pub async fn get_key(key: Key) -> Result<KeyDetail, AppError> {
    with_etcd(|etcd| async move { etcd.get(&key).await }).await
}

/// Creates a key typed into the new-key form; an existing key is a conflict, not overwritten.
/// Lands back on the listing of `prefix`.
#[server(prefix = "/fn")]
pub async fn create_key(
    prefix: Key,
    key: String,
    value: String,
    format: ValueFormat,
) -> Result<WriteReceipt, AppError> {
    let key = Key::from(key.as_str());
    with_etcd(|etcd| async move {
        let value = parse_value(&value, format, false)?;
        let receipt = etcd.put(&key, value, PutCondition::Absent).await?;
        redirect(&Notice::Created(key).add_to(&list_url(&prefix, None, DEFAULT_PAGE_SIZE)));
        Ok(receipt)
    })
    .await
}

/// Saves an edited value, unless someone else wrote the key since it was read at
/// `expected_mod_revision`.
#[server(prefix = "/fn")]
pub async fn save_value(
    key: Key,
    value: String,
    format: ValueFormat,
    keep_crlf: bool,
    expected_mod_revision: i64,
) -> Result<WriteReceipt, AppError> {
    with_etcd(|etcd| async move {
        let value = parse_value(&value, format, keep_crlf)?;
        let condition = PutCondition::ModRevision(expected_mod_revision);
        let receipt = etcd.put(&key, value, condition).await?;
        let notice = Notice::Saved {
            revision: receipt.revision,
        };
        redirect(&notice.add_to(&key.page_url()));
        Ok(receipt)
    })
    .await
}

/// Deletes a key, landing on the listing of its parent prefix.
#[server(prefix = "/fn")]
pub async fn delete_key(key: Key) -> Result<WriteReceipt, AppError> {
    with_etcd(|etcd| async move {
        let deleted = etcd.delete(&key).await?;
        let listing = list_url(&key.parent_prefix(), None, DEFAULT_PAGE_SIZE);
        redirect(&Notice::Deleted(key).add_to(&listing));
        Ok(WriteReceipt {
            revision: deleted.revision,
        })
    })
    .await
}

/// Runs `operation` with the etcd handle, setting the response status when it fails.
#[cfg(feature = "ssr")]
async fn with_etcd<T, F, Fut>(operation: F) -> Result<T, AppError>
where
    F: FnOnce(Etcd) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let status = ErrorStatus::capture();
    let result = match AppState::from_context() {
        Ok(state) => operation(state.etcd).await,
        Err(err) => Err(err),
    };
    if let Err(err) = &result {
        status.set(err);
    }
    result
}
