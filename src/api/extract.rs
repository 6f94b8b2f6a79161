//! Extractors whose rejection is an [`AppError`], so a handler never matches a rejection itself
//! and every malformed request is answered in the API's own error format.

use crate::domain::AppError;
use axum::extract::{FromRequest, FromRequestParts};

/// A JSON request body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// The query string, read into `T`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);
