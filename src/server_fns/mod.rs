//! The server functions the UI calls. Each one is thin: it takes the etcd handle from the request
//! context, calls a service with domain types, and gives a failure its HTTP status (see
//! [`glue`]). Writes answer with a redirect to the page that shows their outcome, so forms
//! behave the same with and without JavaScript.

pub mod glue;

use crate::domain::{
    api_reference::ApiOperation,
    cluster::ClusterOverview,
    copy_plan::CopyPlan,
    edit::{DraftView, SaveOutcome},
    format::{KeyPeek, ShownKey},
    history::{KeyHistory, PastListing, PastVersion},
    lease::Leases,
    search::{SearchRequest, SearchResults},
    transfer::{BulkPreview, BulkReport, ImportReport, Selection},
    tree::{LevelRequest, TreeLevel},
    AppError, Connection, Key, KeyListing, PageRequest, ValueFormat, WriteReceipt,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::domain::edit::Draft,
    crate::domain::lease::{parse_lease_id, Expiry},
    crate::domain::{
        api_reference::ApiReference,
        notice::Notice,
        routes::{self, prefix_url},
        value::parse_value,
        PutCondition,
    },
    crate::services::{access::Access, bulk, cluster, copy_plan, keys, leases, past, values},
    glue::{caller, from_context, with_caller},
    leptos_axum::redirect,
};

/// Whether etcd answers, for the connection banner; asked by nobody in particular before
/// anyone signs in, so the sign-in page can say that etcd is down.
#[server(prefix = "/fn")]
pub async fn etcd_connection() -> Result<Connection, AppError> {
    if caller().is_none() {
        let access = from_context::<std::sync::Arc<Access>>()?;
        return cluster::reachable(&access).await;
    }
    with_caller(|caller| async move { cluster::connection(&caller).await }).await
}

/// Members, endpoint health, leader and alarms, for the cluster page.
#[server(prefix = "/fn")]
pub async fn get_cluster() -> Result<ClusterOverview, AppError> {
    with_caller(|caller| async move { Ok(cluster::overview(&caller).await) }).await
}

/// The REST API's reference, from its OpenAPI document.
#[server(prefix = "/fn")]
pub async fn get_api_reference() -> Result<Vec<ApiOperation>, AppError> {
    from_context::<ApiReference>().map(|reference| reference.0.to_vec())
}

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
            Err(err) => {
                glue::redirect_with_error::<SaveValue>(&routes::draft_url(&key, &draft_id), err)
            }
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

/// The cluster's leases, with their times to live and keys.
#[server(prefix = "/fn")]
pub async fn list_leases() -> Result<Leases, AppError> {
    with_caller(|caller| async move { leases::list(&caller).await }).await
}

/// Grants a lease of `ttl` seconds.
#[server(prefix = "/fn")]
pub async fn grant_lease(ttl: i64) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let (_, receipt) = leases::grant(&caller, ttl).await?;
        redirect(&routes::leases_url());
        Ok(receipt)
    })
    .await
}

/// Renews a lease (`id`, hexadecimal) once.
#[server(prefix = "/fn")]
pub async fn keep_lease_alive(id: String) -> Result<i64, AppError> {
    with_caller(|caller| async move {
        let lease = leases::keep_alive(&caller, parse_lease_id(&id)?).await?;
        redirect(&routes::leases_url());
        Ok(lease.ttl)
    })
    .await
}

/// Revokes a lease (`id`, hexadecimal), deleting its keys.
#[server(prefix = "/fn")]
pub async fn revoke_lease(id: String) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let receipt = leases::revoke(&caller, parse_lease_id(&id)?).await?;
        redirect(&routes::leases_url());
        Ok(receipt)
    })
    .await
}

/// What a selection of keys (or every key under a prefix) holds, for the bulk page.
#[server(prefix = "/fn")]
pub async fn preview_selection(selection: Selection) -> Result<BulkPreview, AppError> {
    with_caller(|caller| async move { bulk::preview(&caller, &selection).await }).await
}

/// What copying or moving a selection to the prefix `to` would do, read now: nothing is written.
#[server(prefix = "/fn")]
pub async fn plan_copy(selection: Selection, to: Key) -> Result<CopyPlan, AppError> {
    with_caller(|caller| async move { copy_plan::plan(&caller, &selection, &to).await }).await
}

/// Deletes a selection, each key only if unchanged since the selection's revision: the keys
/// picked (whose count `confirm` must repeat), or every key under the prefix (which `confirm`
/// must repeat). Lands back on the bulk page, which says what was done.
#[server(prefix = "/fn")]
pub async fn delete_selection(
    prefix: Key,
    revision: i64,
    all: bool,
    // An empty list is not sent at all in a form's encoding.
    #[server(default)] keys: Vec<Key>,
    confirm: String,
) -> Result<BulkReport, AppError> {
    with_caller(|caller| async move {
        let report = if all {
            let confirm = Key::from(confirm.as_str());
            bulk::delete_prefix(&caller, &prefix, &confirm, Some(revision)).await?
        } else {
            if confirm.trim() != keys.len().to_string() {
                return Err(AppError::invalid(format!(
                    "confirm the delete: tick \"Yes, delete these {} keys\"",
                    keys.len()
                )));
            }
            bulk::delete_keys(&caller, &keys, revision).await?
        };
        let selection = Selection {
            prefix,
            revision,
            all,
            keys,
        };
        redirect(&format!("{}&{}", selection.url(), report.query("deleted")));
        Ok(report)
    })
    .await
}

/// Copies (or, with `remove`, moves) a selection to the prefix `to`: the keys picked, or every
/// key under the prefix; a key that exists at the target is left unless `overwrite`.
#[server(prefix = "/fn")]
#[allow(clippy::too_many_arguments)]
pub async fn copy_selection(
    prefix: Key,
    revision: i64,
    all: bool,
    // An empty list is not sent at all in a form's encoding.
    #[server(default)] keys: Vec<Key>,
    to: String,
    overwrite: Option<bool>,
    remove: bool,
) -> Result<BulkReport, AppError> {
    // A checkbox left unticked is not sent at all.
    let overwrite = overwrite.unwrap_or(false);
    with_caller(|caller| async move {
        let to = Key::from(to.as_str());
        let report = if all {
            let request = bulk::CopyRequest {
                from: prefix.clone(),
                to: to.clone(),
                prefix: true,
                overwrite,
            };
            bulk::copy(&caller, &request, remove).await?
        } else {
            bulk::copy_keys(&caller, &keys, &prefix, &to, overwrite, remove).await?
        };
        let outcome = if remove { "moved" } else { "copied" };
        let selection = Selection {
            prefix,
            revision,
            all,
            keys,
        };
        redirect(&format!("{}&{}", selection.url(), report.query(outcome)));
        Ok(report)
    })
    .await
}

/// Text pasted for an import that did not parse, kept for its sender to fix; none once it is no
/// longer kept.
#[server(prefix = "/fn")]
pub async fn pasted_text(upload: String) -> Result<Option<String>, AppError> {
    with_caller(|caller| async move { Ok(bulk::pasted_text(&caller, &upload)) }).await
}

/// What importing an uploaded file would do, now.
#[server(prefix = "/fn")]
pub async fn preview_import(upload: String) -> Result<ImportReport, AppError> {
    with_caller(|caller| async move { bulk::import_upload(&caller, &upload, true, None).await })
        .await
}

/// Imports an uploaded file, each key only if nobody wrote it after `revision` (the dry run's);
/// lands back on the import page with what was done.
#[server(prefix = "/fn")]
pub async fn apply_import(upload: String, revision: i64) -> Result<ImportReport, AppError> {
    with_caller(|caller| async move {
        let report = bulk::import_upload(&caller, &upload, false, Some(revision)).await?;
        redirect(&format!(
            "/{}?upload={upload}&{}",
            routes::BULK_SEGMENT,
            report.query()
        ));
        Ok(report)
    })
    .await
}
