//! Errors as the REST API answers them: `{"error": {"code", "message"}}` with their HTTP status.

use super::model::{ErrorBody, ErrorDetail};
use crate::error::AppError;
use axum::{
    extract::rejection::{JsonRejection, QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

impl AppError {
    /// The machine-readable name of the error in API responses.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "not_found",
            AppError::PreconditionFailed { .. } => "precondition_failed",
            AppError::Conflict { .. } => "conflict",
            AppError::InvalidInput { .. } => "invalid_input",
            AppError::TooLarge { .. } => "too_large",
            AppError::EtcdUnavailable { .. } => "etcd_unavailable",
            AppError::NoQuorum { .. } => "no_quorum",
            AppError::OutcomeUnknown { .. } => "outcome_unknown",
            AppError::Etcd { .. } => "etcd_error",
            AppError::Internal { .. } => "internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let current_mod_revision = match &self {
            AppError::PreconditionFailed {
                current_mod_revision,
                ..
            } => *current_mod_revision,
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                current_mod_revision,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge {
                message: "the request body is too large".into(),
            };
        }
        AppError::invalid(format!(
            "the request body is not valid: {}",
            rejection.body_text()
        ))
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::invalid(format!("the query is not valid: {}", rejection.body_text()))
    }
}

/// The answer to any path under `/api/v1` that names no endpoint.
pub async fn no_such_endpoint() -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: "no_such_endpoint".into(),
            message: "there is no API endpoint at this path; see /api/v1/openapi.json".into(),
            current_mod_revision: None,
        },
    };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}
