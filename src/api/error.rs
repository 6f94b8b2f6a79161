//! Errors as the REST API answers them: `{"error": {"code", "message"}}` with the status their
//! code has (see [`crate::domain::error`]).

use super::model::{ErrorBody, ErrorDetail};
use crate::domain::AppError;
use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

/// What a handler answers: its response, or the error in the API's format.
pub type Answer<T> = Result<T, AppError>;

impl From<&AppError> for ErrorBody {
    fn from(err: &AppError) -> Self {
        let current_mod_revision = match err {
            AppError::PreconditionFailed {
                current_mod_revision,
                ..
            }
            | AppError::AlreadyExists {
                current_mod_revision,
                ..
            } => *current_mod_revision,
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: err.code(),
                message: err.to_string(),
                current_mod_revision,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody::from(&self);
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            // Where sign-in is on, the API takes HTTP basic credentials, as `curl -u` sends them.
            AppError::Unauthenticated { .. } => {
                let challenge = r#"Basic realm="etcd-deck", charset="UTF-8""#;
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
            AppError::TooManyAttempts {
                retry_after_secs, ..
            }
            | AppError::Busy {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
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

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::invalid(format!("the path is not valid: {}", rejection.body_text()))
    }
}

/// The answer to any path under `/api/v1` that names no endpoint.
pub async fn no_such_endpoint() -> AppError {
    AppError::NoSuchEndpoint {
        message: "there is no API endpoint at this path; see /api/v1/openapi.json".into(),
    }
}
