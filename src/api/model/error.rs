//! The error every failure answers.

use crate::domain::ErrorCode;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// Every error: `{"error": {"code", "message"}}`, with the HTTP status of its code.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ErrorDetail {
    /// What kind of error it is; each code has one HTTP status.
    pub code: ErrorCode,
    pub message: String,
    /// For `precondition_failed` and `already_exists`: the key's mod revision now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_mod_revision: Option<i64>,
}
