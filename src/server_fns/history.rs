//! A key's history, the keyspace at a past revision, restoring and undeleting.

use crate::domain::{
    history::{KeyHistory, PastListing, PastVersion},
    AppError, Key, PageRequest, WriteReceipt,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller,
    crate::services::{keys, past},
    crate::urls::{notice::Notice, routes},
    leptos_axum::redirect,
};

/// The latest changes to a key etcd keeps, newest first; `None` when it keeps none.
#[server(prefix = "/fn")]
pub async fn get_key_history(key: Key) -> Result<Option<KeyHistory>, AppError> {
    with_caller(|caller| async move {
        match keys::history(&caller, &key, None).await {
            Ok(history) => Ok(Some(history)),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    })
    .await
}

/// A key as it was at `revision`, beside what it is now.
#[server(prefix = "/fn")]
pub async fn get_key_version(key: Key, revision: i64) -> Result<PastVersion, AppError> {
    with_caller(|caller| async move { past::version(&caller, &key, revision).await }).await
}

/// Writes back the value the key had at `revision`, unless it changed since it was shown at
/// `expected_mod_revision` (0: shown as deleted, so it must still be absent).
#[server(prefix = "/fn")]
pub async fn restore_version(
    key: Key,
    revision: i64,
    expected_mod_revision: i64,
) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let seen = (expected_mod_revision > 0).then_some(expected_mod_revision);
        let receipt = past::restore(&caller, &key, revision, seen).await?;
        let notice = Notice::Restored {
            from: revision,
            revision: receipt.revision,
        };
        redirect(&notice.add_to(&routes::key_history_url(&key)));
        Ok(receipt)
    })
    .await
}

/// The keys under a prefix as they were at the page's revision, each with what became of it
/// since, and the revisions etcd keeps.
#[server(prefix = "/fn")]
pub async fn list_past(page: PageRequest) -> Result<PastListing, AppError> {
    with_caller(|caller| async move { past::listing(&caller, &page).await }).await
}

/// Brings `keys` back as they were at `revision`, only creating; lands back on the keys under
/// `prefix` at that revision.
#[server(prefix = "/fn")]
pub async fn undelete_keys(
    prefix: Key,
    revision: i64,
    keys: Vec<Key>,
) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let receipt = past::undelete(&caller, revision, &keys).await?;
        let mut page = PageRequest::new(prefix, None, None);
        page.revision = Some(revision);
        let notice = Notice::Saved {
            revision: receipt.revision,
        };
        redirect(&notice.add_to(&routes::past_url(&page)));
        Ok(receipt)
    })
    .await
}
