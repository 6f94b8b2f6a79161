//! The state every request can reach.

use super::forwarded::TrustedProxies;
use super::security::{PageNonce, SiteNames};
use crate::domain::api_reference::ApiReference;
use crate::etcd::Etcd;
use crate::services::access::{Access, AccessSettings};
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
    /// Who may sign in, and as whom requests act.
    pub access: Arc<Access>,
    /// Whether session cookies are only sent over HTTPS.
    pub secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub proxies: Arc<TrustedProxies>,
}

impl AppState {
    /// The state of a server that answers to the address in `leptos_options` and the loopback
    /// names, with nobody signing in; [`AppState::site`] and [`AppState::access`] can say
    /// otherwise.
    pub fn new(leptos_options: LeptosOptions, etcd: Etcd) -> Self {
        let site = SiteNames::local(leptos_options.site_addr);
        AppState {
            leptos_options,
            access: Arc::new(Access::new(etcd.clone(), AccessSettings::open())),
            etcd,
            api_reference: ApiReference(crate::api::api_reference().into()),
            site: Arc::new(site),
            secure_cookies: false,
            proxies: Arc::default(),
        }
    }

    /// Puts what server functions and pages may use into the context of one request; the
    /// caller comes with the request itself (see `super::sign_in`).
    pub fn provide(&self) {
        provide_context(self.api_reference.clone());
        provide_context(self.access.clone());
        // The nonce the page policy names (see `super::security::page_policy`), in place of the
        // one Leptos made for this render.
        let parts = use_context::<axum::http::request::Parts>();
        if let Some(nonce) = parts.and_then(|parts| parts.extensions.get::<PageNonce>().cloned()) {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    }
}
