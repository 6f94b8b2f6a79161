//! Gives responses the HTTP status of the error they carry.

use crate::error::AppError;
use axum::http::{header::ACCEPT, request::Parts, Method, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Where the status of the current response is set, captured before any `.await`.
pub struct ErrorStatus {
    response: Option<ResponseOptions>,
}

impl ErrorStatus {
    /// Captures the current response. A plain HTML form post (no JavaScript) is left alone:
    /// Leptos answers it with a redirect back to the form's page, carrying the error in the URL,
    /// and that page then renders with the error's status.
    pub fn capture() -> Self {
        let plain_form_post = use_context::<Parts>().is_some_and(|parts| {
            parts.method == Method::POST
                && parts
                    .headers
                    .get(ACCEPT)
                    .and_then(|accept| accept.to_str().ok())
                    .is_some_and(|accept| accept.contains("text/html"))
        });
        ErrorStatus {
            response: use_context::<ResponseOptions>().filter(|_| !plain_form_post),
        }
    }

    pub fn set(&self, err: &AppError) {
        if let Some(response) = &self.response {
            let status =
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response.set_status(status);
        }
    }
}

/// Sets the status of the response being rendered to that of `err`.
pub fn set_error_status(err: &AppError) {
    ErrorStatus::capture().set(err);
}
