//! Extractors whose rejection is an [`AppError`], so a handler never matches a rejection itself
//! and every malformed request is answered in the API's own error format.

use crate::domain::AppError;
use crate::services::caller::Caller;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;

/// A JSON request body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// The query string, read into `T`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// The path's parameters, read into `T`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// The person the request acts for, as the sign-in layer found them.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, AppError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| AppError::Unauthenticated {
                message: "sign in to use etcd-deck".into(),
            })
    }
}
