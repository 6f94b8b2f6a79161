//! The state every request can reach.

use crate::domain::api_reference::ApiReference;
use crate::etcd::Etcd;
use axum::extract::FromRef;
use leptos::prelude::*;

/// Shared by axum handlers (through `State`) and, piece by piece, by server functions and page
/// renders (through Leptos' context; see [`AppState::provide`]).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub etcd: Etcd,
    /// The REST API's reference, for the page that shows it.
    pub api_reference: ApiReference,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, etcd: Etcd) -> Self {
        AppState {
            leptos_options,
            etcd,
            api_reference: ApiReference(crate::api::api_reference()),
        }
    }

    /// Puts what server functions and pages may use into the context of one request.
    pub fn provide(&self) {
        provide_context(self.etcd.clone());
        provide_context(self.api_reference.clone());
    }
}
