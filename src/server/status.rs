//! Gives every response the HTTP status of the error it carries, in two places: page renders
//! (through Leptos' `ResponseOptions`) and server function calls (through a middleware).

use crate::error::AppError;
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use leptos::{prelude::use_context, server_fn::error::FromServerFnError};
use leptos_axum::ResponseOptions;
use leptos_router::location::RequestUrl;

/// The largest error body the middleware reads back.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// The status setter of the page being rendered, captured before any `.await`. It does nothing
/// outside a page render: server function calls get their status from [`server_fn_status`].
pub struct ErrorStatus {
    response: Option<ResponseOptions>,
}

impl ErrorStatus {
    pub fn capture() -> Self {
        let rendering_a_page = use_context::<RequestUrl>().is_some();
        ErrorStatus {
            response: use_context::<ResponseOptions>().filter(|_| rendering_a_page),
        }
    }

    pub fn set(&self, err: &AppError) {
        if let Some(response) = &self.response {
            response.set_status(status_of(err));
        }
    }
}

/// Sets the status of the page being rendered to that of `err`.
pub fn set_error_status(err: &AppError) {
    ErrorStatus::capture().set(err);
}

/// Middleware: Leptos answers every failed server function with 500; this gives the response
/// the status of the [`AppError`] in its body (400 for bad arguments, 404, 503…). Redirects of
/// plain form posts, which carry the error in their URL instead, are left alone.
pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts.status = status_of(&AppError::de(bytes.clone()));
    Response::from_parts(parts, Body::from(bytes))
}

fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
