//! The state every request can reach.

use super::config::Config;
use super::forwarded::TrustedProxies;
use super::security::{PageNonce, SiteNames};
use super::telemetry::Telemetry;
use crate::domain::api_reference::ApiReference;
use crate::etcd::Etcd;
use crate::services::access::Access;
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
    /// etcd-deck's own metrics.
    pub telemetry: Arc<Telemetry>,
}

impl AppState {
    /// The state of the server `config` describes, on `etcd`: every part of it from the
    /// configuration, in one place.
    pub async fn from_config(config: &Config, etcd: Etcd) -> Result<Self, String> {
        let leptos_options = config.leptos_options().map_err(|err| err.to_string())?;
        let addr = leptos_options.site_addr;
        let access = Arc::new(config.access(etcd.clone(), addr).await?);
        Ok(AppState {
            telemetry: Arc::new(Telemetry::new(&etcd, access.clone())),
            access,
            site: Arc::new(config.site_names(addr)?),
            secure_cookies: config.secure_cookies(),
            proxies: Arc::new(TrustedProxies::new(&config.trusted_proxies)),
            api_reference: api_reference(),
            leptos_options,
            etcd,
        })
    }

    /// The state of a server on loopback at `leptos_options`' address, behind no proxy and over
    /// plain HTTP, where `access` says who may sign in: what tests and tools serve.
    pub fn local(leptos_options: LeptosOptions, etcd: Etcd, access: Access) -> Self {
        let access = Arc::new(access);
        AppState {
            site: Arc::new(SiteNames::local(leptos_options.site_addr)),
            telemetry: Arc::new(Telemetry::new(&etcd, access.clone())),
            access,
            secure_cookies: false,
            proxies: Arc::default(),
            api_reference: api_reference(),
            leptos_options,
            etcd,
        }
    }

    /// Puts what server functions and pages may use into the context of one request; the
    /// caller comes with the request itself (see `super::sign_in`).
    pub fn provide(&self) {
        provide_context(self.api_reference.clone());
        provide_context(self.access.clone());
        // The nonce the page policy names (see `super::security::PagePolicy`), in place of the
        // one Leptos made for this render.
        let parts = use_context::<axum::http::request::Parts>();
        if let Some(nonce) = parts.and_then(|parts| parts.extensions.get::<PageNonce>().cloned()) {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    }
}

fn api_reference() -> ApiReference {
    ApiReference(crate::api::api_reference().into())
}
