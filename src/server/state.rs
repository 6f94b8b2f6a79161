//! The state every request can reach: Leptos' options and the etcd handle.

use crate::error::AppError;
use crate::etcd::Etcd;
use axum::extract::FromRef;
use leptos::prelude::*;

/// Shared by axum handlers (through `State`) and server functions (through context).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub etcd: Etcd,
}

impl AppState {
    /// The state as provided to server functions and page renders.
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| AppError::Internal {
            message: "server state is missing from the request context".into(),
        })
    }
}
