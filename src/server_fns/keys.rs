//! Listing, reading, creating, editing, leasing and deleting keys.

use crate::domain::{
    edit::{DraftView, SaveOutcome},
    format::{KeyPeek, ShownKey},
    search::{SearchRequest, SearchResults},
    tree::{LevelRequest, TreeLevel},
    AppError, Key, KeyListing, PageRequest, ValueFormat, WriteReceipt,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller,
    crate::domain::edit::Draft,
    crate::domain::lease::Expiry,
    crate::domain::{value::parse_value, PutCondition},
    crate::services::{keys, values},
    crate::urls::{
        notice::Notice,
        routes::{self, prefix_url},
    },
    leptos_axum::redirect,
};

/// One page of the keys under `prefix`, after the cursor `after`, at `revision` (that of the
/// listing's first page); a listing whose revision etcd compacted starts again at the current one.
#[server(prefix = "/fn")]
pub async fn list_keys(page: PageRequest) -> Result<KeyListing, AppError> {
    with_caller(|caller| async move { keys::list_or_restart(&caller, &page).await }).await
}

/// One page of a level of the key tree; a level whose revision etcd compacted starts again.
#[server(prefix = "/fn")]
pub async fn get_level(level: LevelRequest) -> Result<TreeLevel, AppError> {
    with_caller(|caller| async move { keys::level_or_restart(&caller, &level).await }).await
}

/// The first matches of a search (the page without JavaScript, and the page's first load; the
/// hydrated page streams from the REST API instead).
#[server(prefix = "/fn")]
pub async fn search_keys(search: SearchRequest) -> Result<SearchResults, AppError> {
    with_caller(|caller| async move { crate::services::search::collect(&caller, &search).await })
        .await
}

/// One key with its value, and what the value holds.
#[server(prefix = "/fn")]
pub async fn get_key(key: Key) -> Result<ShownKey, AppError> {
    with_caller(|caller| async move { values::show(&caller, &key).await }).await
}

/// One key with the start of its value, shown beside the list it is in.
#[server(prefix = "/fn")]
pub async fn peek_key(key: Key) -> Result<KeyPeek, AppError> {
    with_caller(|caller| async move { values::peek(&caller, &key).await }).await
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
    with_caller(|caller| async move {
        let value = parse_value(&value, format, false)?;
        let receipt = keys::put(&caller, &key, value, PutCondition::Absent, Expiry::Never).await?;
        redirect(&Notice::Created(key).add_to(&prefix_url(&prefix)));
        Ok(receipt)
    })
    .await
}

/// Saves an edited value, unless someone else wrote the key since it was read at
/// `expected_mod_revision`; a value that is already what was typed is not written. When the save
/// fails, what was typed is kept under `draft` (drawn by the browser, or here for a form posted
/// without JavaScript) and the answer lands on the key's page with that draft: in the editor
/// again, or beside what is there now when someone else wrote the key meanwhile.
#[server(prefix = "/fn")]
pub async fn save_value(
    key: Key,
    value: String,
    format: ValueFormat,
    keep_crlf: bool,
    expected_mod_revision: i64,
    #[server(default)] draft: String,
) -> Result<SaveOutcome, AppError> {
    with_caller(|caller| async move {
        let draft_id = match draft.as_str() {
            "" => crate::services::stash::new_id(),
            _ => draft,
        };
        let typed = Draft {
            key: key.clone(),
            text: value,
            format,
            keep_crlf,
            base: expected_mod_revision,
        };
        let saved = values::save(&caller, typed, &draft_id).await;
        match &saved {
            Ok(SaveOutcome::Written { revision }) => {
                landed_saved(
                    &key,
                    WriteReceipt {
                        revision: *revision,
                    },
                );
            }
            Ok(SaveOutcome::Unchanged) => {
                redirect(&Notice::Unchanged.add_to(&routes::key_url(&key)))
            }
            Err(err) => super::glue::redirect_with_error::<SaveValue>(
                &routes::draft_url(&key, &draft_id),
                err,
            ),
        }
        saved
    })
    .await
}

/// A draft kept from a failed save of `key`'s value, with the key now and as the edit began.
#[server(prefix = "/fn")]
pub async fn get_draft(key: Key, draft: String) -> Result<DraftView, AppError> {
    with_caller(|caller| async move { values::draft(&caller, &key, &draft).await }).await
}

/// `text` laid out again in `format` (JSON or YAML), for the editor's "Format" button.
#[server(prefix = "/fn")]
pub async fn format_value(text: String, format: ValueFormat) -> Result<String, AppError> {
    crate::domain::format::reformat(&text, format)
}

/// Puts a key on the lease `lease` (hexadecimal), or on a new lease of `ttl` seconds, or takes
/// it off its lease when both are empty, keeping its value, unless someone wrote the key since
/// it was read at `expected_mod_revision`.
#[server(prefix = "/fn")]
pub async fn set_key_lease(
    key: Key,
    lease: String,
    ttl: String,
    expected_mod_revision: i64,
) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let ttl = match ttl.trim() {
            "" => None,
            ttl => Some(ttl.parse::<i64>().map_err(|_| {
                AppError::invalid(format!("{ttl:?} is not a whole number of seconds"))
            })?),
        };
        let lease = Some(lease.trim()).filter(|lease| !lease.is_empty());
        let expiry = Expiry::from_fields(ttl, lease, false)?;
        let receipt = keys::set_lease(&caller, &key, expiry, expected_mod_revision).await?;
        Ok(landed_saved(&key, receipt))
    })
    .await
}

/// Lands on the key's page, saying it was saved at the receipt's revision.
#[cfg(feature = "ssr")]
fn landed_saved(key: &Key, receipt: WriteReceipt) -> WriteReceipt {
    let notice = Notice::Saved {
        revision: receipt.revision,
    };
    redirect(&notice.add_to(&routes::key_url(key)));
    receipt
}

/// Deletes a key, landing on the listing of its parent prefix.
#[server(prefix = "/fn")]
pub async fn delete_key(key: Key) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let deleted = keys::delete(&caller, &key).await?;
        let listing = prefix_url(&key.parent_prefix());
        redirect(&Notice::Deleted(key).add_to(&listing));
        Ok(WriteReceipt {
            revision: deleted.revision,
        })
    })
    .await
}
