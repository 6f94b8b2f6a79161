//! Many keys at once: previews, copy plans, deleting, copying and moving selections, imports.

use crate::domain::{
    copy_plan::CopyPlan,
    transfer::{BulkPreview, BulkReport, ImportReport, Selection},
    AppError, Key,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller,
    crate::domain::transfer::BulkOutcome,
    crate::services::{bulk, copy_plan},
    crate::urls::routes,
    leptos_axum::redirect,
};

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
        Ok(landing(&selection, report, BulkOutcome::Deleted))
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
        let selection = Selection {
            prefix,
            revision,
            all,
            keys,
        };
        Ok(landing(&selection, report, BulkOutcome::of_copy(remove)))
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

/// What a many-key write answers: its report, and (for a form posted without JavaScript) the
/// bulk page of `selection` saying what was done.
#[cfg(feature = "ssr")]
fn landing(selection: &Selection, report: BulkReport, outcome: BulkOutcome) -> BulkReport {
    redirect(&format!("{}&{}", selection.url(), report.query(outcome)));
    report
}
