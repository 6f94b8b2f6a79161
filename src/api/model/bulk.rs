//! Many keys at once: pinned prefix deletes, export, import, copy and move.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use {
    super::*,
    utoipa::{IntoParams, ToSchema},
};

/// Query of `DELETE /api/v1/keys`.
#[cfg(feature = "ssr")]
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeletePrefixQuery {
    /// Delete every key starting with this; must not be empty.
    #[param(min_length = 1)]
    pub prefix: String,
    /// Must repeat `prefix` exactly, as a guard against deleting the wrong range.
    #[param(min_length = 1)]
    pub confirm: String,
    /// Delete only the keys that existed at this revision (a preview's) and are unchanged
    /// since; a key written after it is left and reported. Without it, the keys as they are.
    #[param(minimum = 1)]
    pub revision: Option<i64>,
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of `GET /api/v1/export`.
#[cfg(feature = "ssr")]
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Export the keys starting with this (all keys, without it).
    pub prefix: Option<String>,
    /// Read every key at this revision (now, without it).
    #[param(minimum = 1)]
    pub revision: Option<i64>,
    /// Only these keys (under `prefix`), each in base64url without padding, separated by
    /// commas; at least one, at most 1000.
    #[param(pattern = r"^[A-Za-z0-9_+/=,-]*[A-Za-z0-9_+/=-][A-Za-z0-9_+/=,-]*$")]
    pub keys: Option<String>,
    /// How `prefix` is written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of `POST /api/v1/import`.
#[cfg(feature = "ssr")]
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Only report what the import would do (the default); `false` writes.
    pub dry_run: Option<bool>,
    /// Write only keys nobody wrote after this revision (the dry run's).
    #[param(minimum = 1)]
    pub revision: Option<i64>,
}

/// Body of `POST /api/v1/copy` and `POST /api/v1/move`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct CopyBody {
    /// The key, or the prefix with `prefix`, written as the `encoding` query parameter says.
    #[cfg_attr(feature = "ssr", schema(min_length = 1))]
    pub from: String,
    /// Where it goes: the new key, or the prefix that replaces `from`.
    #[cfg_attr(feature = "ssr", schema(min_length = 1))]
    pub to: String,
    /// Every key under `from`, not the one key.
    #[serde(default)]
    pub prefix: bool,
    /// Write over keys that exist at the target (else they are left and reported).
    #[serde(default)]
    pub overwrite: bool,
}
