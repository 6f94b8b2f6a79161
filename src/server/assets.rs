//! How long browsers may keep what they are sent.
//!
//! The release build names its wasm, JS and CSS by their content's hash, so those never change
//! under their name and are cached for good. Pages and API answers show etcd's data as it is now
//! and may hold secrets, so they are never stored.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// Where the built wasm, JS and CSS are served from.
const PKG_PATH: &str = "/pkg/";

/// Whether the files under `/pkg/` carry their content's hash in their names.
#[derive(Debug, Clone, Copy)]
pub struct HashedAssets(pub bool);

/// Whether the release build left its list of hashed names (`hash.txt`) beside this binary;
/// Leptos reads the names from there.
pub fn hash_file_beside_binary(hash_file: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)))
        .is_some_and(|path| path.exists())
}

/// Middleware: gives every response without one a `Cache-Control` header.
pub async fn cache_control(
    State(HashedAssets(hashed)): State<HashedAssets>,
    request: Request,
    next: Next,
) -> Response {
    let is_asset = request.uri().path().starts_with(PKG_PATH);
    let is_static = is_asset || request.uri().path() == "/favicon.svg";
    let mut response = next.run(request).await;
    let policy = if is_asset && hashed && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else if is_static {
        "no-cache"
    } else {
        "no-store"
    };
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(policy));
    response
}
