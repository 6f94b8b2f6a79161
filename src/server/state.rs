//! The state every request can reach.

use super::security::SiteNames;
use crate::domain::api_reference::ApiReference;
use crate::etcd::Etcd;
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::Arc;

/// Shared by axum handlers (through `State`) and, piece by piece, by server functions and page
/// renders (through Leptos' context; see [`AppState::provide`]).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub etcd: Etcd,
    /// The REST API's reference, for the page that shows it.
    pub api_reference: ApiReference,
    /// The names this server answers to.
    pub site: Arc<SiteNames>,
}

impl AppState {
    /// The state of a server that answers to the address in `leptos_options` and the loopback
    /// names; [`AppState::site`] can name more.
    pub fn new(leptos_options: LeptosOptions, etcd: Etcd) -> Self {
        let site = SiteNames::local(leptos_options.site_addr);
        AppState {
            leptos_options,
            etcd,
            api_reference: ApiReference(crate::api::api_reference()),
            site: Arc::new(site),
        }
    }

    /// Puts what server functions and pages may use into the context of one request.
    pub fn provide(&self) {
        provide_context(self.etcd.clone());
        provide_context(self.api_reference.clone());
    }
}
