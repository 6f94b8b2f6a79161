//! What keeps other sites out.
//!
//! A request must name one of this server's hosts, or a page on another site could reach it
//! through DNS rebinding. A request that may change something (any method but GET, HEAD and
//! OPTIONS; server functions are POSTs) must come from this server's own pages: browsers say
//! where a request comes from in `Origin`, else `Sec-Fetch-Site`, else `Referer`. A request with
//! none of the three is not from a browser page (a browser always sends `Origin` with a POST) and
//! is left to the credentials it carries. Every response tells the browser not to guess content
//! types, frame it or leak its address; pages get their own Content-Security-Policy, with a
//! nonce this layer mints for each request and hands the render (see [`PagePolicy`]).

use super::hook::Hook;
use crate::domain::AppError;
use axum::{
    extract::Request,
    http::{header, uri::Authority, HeaderMap, HeaderValue, Method, Uri},
    response::{IntoResponse, Response},
};
use std::{net::SocketAddr, sync::Arc};

/// The policy of responses that are not pages: nothing may run, load or frame them.
const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The nonce of the page a request may render. [`PagePolicy`] mints it and puts it into the
/// request; the render takes it for Leptos' inline scripts (see `AppState::provide`), and the
/// same layer gives the page its policy. So a page's policy never depends on the render reaching
/// the response's headers: left to the render, about 1 page load in 12 came without it in
/// Chromium, blocked by the non-page policy and dead.
#[derive(Debug, Clone)]
pub struct PageNonce(pub Arc<str>);

impl PageNonce {
    fn mint() -> Self {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        PageNonce(URL_SAFE_NO_PAD.encode(bytes).into())
    }

    /// The policy of a page rendered with this nonce: scripts only from this server or inline
    /// with the nonce, the wasm compiled, nothing framed, embedded, or posted elsewhere.
    fn policy(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&format!(
            "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            self.0
        ))
        .ok()
    }
}

/// Mints each request's [`PageNonce`] and gives an HTML answer (a page) the page policy with it.
#[derive(Clone)]
pub struct PagePolicy;

impl Hook for PagePolicy {
    type Carry = PageNonce;

    fn before(&self, request: &mut Request) -> Result<PageNonce, Response> {
        let nonce = PageNonce::mint();
        request.extensions_mut().insert(nonce.clone());
        Ok(nonce)
    }

    fn after(nonce: PageNonce, mut response: Response) -> Response {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        if let Some(policy) = nonce.policy().filter(|_| html) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        response
    }
}

/// The names this server answers to, and the origins of its own pages.
#[derive(Debug, Clone)]
pub struct SiteNames {
    /// Host names (lower case, without port) a request may name.
    hosts: Vec<String>,
    /// Origins (`https://deck.example`) its pages are served from behind a proxy.
    public_origins: Vec<String>,
}

impl SiteNames {
    /// The loopback names and the address served on, the hosts of `public_urls`, and
    /// `allowed_hosts`.
    pub fn new(
        addr: SocketAddr,
        public_urls: &[String],
        allowed_hosts: &[String],
    ) -> Result<Self, String> {
        let SiteNames {
            mut hosts,
            mut public_origins,
        } = SiteNames::local(addr);
        for url in public_urls {
            let uri: Uri = url
                .parse()
                .map_err(|err| format!("--public-url {url:?} is not a URL: {err}"))?;
            let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
                return Err(format!("--public-url {url:?} needs a scheme and a host"));
            };
            hosts.push(host_name(authority));
            public_origins.push(format!("{scheme}://{authority}").to_ascii_lowercase());
        }
        for host in allowed_hosts {
            // A port, if given, does not matter: proxies change it.
            let authority: Authority = host
                .trim()
                .parse()
                .map_err(|err| format!("--allowed-hosts {host:?} is not a host name: {err}"))?;
            hosts.push(host_name(&authority));
        }
        hosts.retain(|host| !host.is_empty());
        hosts.dedup();
        Ok(SiteNames {
            hosts,
            public_origins,
        })
    }

    /// The loopback names and the address served on.
    pub fn local(addr: SocketAddr) -> Self {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).into();
        if !addr.ip().is_unspecified() {
            hosts.push(addr.ip().to_string());
        }
        SiteNames {
            hosts,
            public_origins: Vec::new(),
        }
    }

    /// Refuses a request that names another host, or that may change something and comes from
    /// another site's page.
    pub fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), AppError> {
        let host = request_host(uri, headers);
        if let Some(host) = &host {
            if !self.hosts.contains(&host_name(host)) {
                return Err(forbidden(format!(
                    "this server does not answer to the host {host}; it answers to {} (add names \
                     with --public-url or --allowed-hosts)",
                    self.hosts.join(", ")
                )));
            }
        }
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
        let own = if let Some(origin) = text(header::ORIGIN) {
            self.is_own(origin, host.as_ref())
        } else if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
            matches!(site, "same-origin" | "none")
        } else if let Some(referer) = text(header::REFERER) {
            self.is_own(referer, host.as_ref())
        } else {
            true
        };
        if own {
            Ok(())
        } else {
            Err(forbidden(
                "this request came from another site's page, so it was refused and nothing was \
                 changed"
                    .into(),
            ))
        }
    }

    /// Whether a page at `url` is this server's own: the same scheme-less origin as the host
    /// the request names, one of the public URLs, or (with no host named) one of its hosts.
    fn is_own(&self, url: &str, host: Option<&Authority>) -> bool {
        let Ok(uri) = url.parse::<Uri>() else {
            return false;
        };
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return false;
        };
        let origin = format!("{scheme}://{authority}").to_ascii_lowercase();
        if self.public_origins.contains(&origin) {
            return true;
        }
        match host {
            Some(host) => authority.as_str().eq_ignore_ascii_case(host.as_str()),
            None => self.hosts.contains(&host_name(authority)),
        }
    }
}

/// Refuses what [`SiteNames::check`] refuses.
impl Hook for SiteNames {
    type Carry = ();

    fn before(&self, request: &mut Request) -> Result<(), Response> {
        self.check(request.method(), request.uri(), request.headers())
            .map_err(|err| {
                let path = request.uri().path();
                tracing::warn!(method = %request.method(), path, "refused: {err}");
                err.into_response()
            })
    }
}

/// Gives a response the safety headers it lacks; applied outside everything else, so refusals
/// and the answers to panics get them too. Of any body, so that it runs as a plain map of the
/// response (`tower::util::MapResponseLayer`), with no future or clone of its own.
pub fn with_safety_headers<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::CONTENT_SECURITY_POLICY, NON_PAGE_POLICY);
    response
}

/// The host a request names: its `Host` header, or the authority of an absolute URI.
fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<Authority> {
    match headers.get(header::HOST) {
        Some(value) => value.to_str().ok()?.parse().ok(),
        None => uri.authority().cloned(),
    }
}

/// The host name of an authority, lower case, without port or IPv6 brackets.
fn host_name(authority: &Authority) -> String {
    let host = authority.host().to_ascii_lowercase();
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_string()
}

fn forbidden(message: String) -> AppError {
    AppError::Forbidden { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> SiteNames {
        let addr = "0.0.0.0:3000".parse().unwrap();
        let public = ["https://deck.example".to_string()];
        let allowed = [
            "ops.internal".into(),
            "Tools.Internal:8443".into(),
            "[fd00::1]".into(),
        ];
        SiteNames::new(addr, &public, &allowed).unwrap()
    }

    fn check(method: Method, headers: &[(&str, &str)]) -> Result<(), AppError> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        names().check(&method, &Uri::from_static("/fn/create_key"), &map)
    }

    #[test]
    fn only_this_servers_host_names_are_answered() {
        assert!(check(Method::GET, &[("host", "127.0.0.1:3000")]).is_ok());
        assert!(check(Method::GET, &[("host", "LOCALHOST:3000")]).is_ok());
        assert!(check(Method::GET, &[("host", "[::1]:3000")]).is_ok());
        assert!(check(Method::GET, &[("host", "deck.example")]).is_ok());
        assert!(check(Method::GET, &[("host", "ops.internal:8080")]).is_ok());
        assert!(check(Method::GET, &[("host", "tools.internal")]).is_ok());
        assert!(check(Method::GET, &[("host", "[fd00::1]:3000")]).is_ok());
        assert!(check(Method::GET, &[]).is_ok(), "no host: not a browser");
        let rebinding = check(Method::GET, &[("host", "attacker.example:3000")]);
        assert_eq!(rebinding.unwrap_err().status().as_u16(), 403);
    }

    #[test]
    fn writes_come_from_this_servers_own_pages() {
        let host = ("host", "127.0.0.1:3000");
        let ok = |headers: &[(&str, &str)]| check(Method::POST, headers).is_ok();
        assert!(ok(&[host, ("origin", "http://127.0.0.1:3000")]));
        assert!(
            ok(&[host, ("origin", "https://deck.example")]),
            "a proxy rewrote Host"
        );
        assert!(ok(&[
            ("host", "deck.example"),
            ("origin", "https://deck.example")
        ]));
        assert!(ok(&[host, ("sec-fetch-site", "same-origin")]));
        assert!(ok(&[host, ("referer", "http://127.0.0.1:3000/key/a")]));
        assert!(ok(&[host]), "no origin at all: not from a browser page");
        assert!(!ok(&[host, ("origin", "http://evil.example")]));
        assert!(
            !ok(&[host, ("origin", "http://127.0.0.1:8000")]),
            "another port"
        );
        assert!(!ok(&[host, ("origin", "null")]));
        assert!(!ok(&[host, ("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[host, ("sec-fetch-site", "same-site")]));
        assert!(!ok(&[host, ("referer", "http://evil.example/page")]));
        assert!(!ok(&[("origin", "http://evil.example")]), "no host named");
        assert!(ok(&[("origin", "http://localhost:3000")]));
    }

    #[test]
    fn a_public_url_must_be_a_url() {
        let addr = "127.0.0.1:3000".parse().unwrap();
        assert!(SiteNames::new(addr, &["deck.example".into()], &[]).is_err());
        assert!(SiteNames::new(addr, &[], &["deck example".into()]).is_err());
    }
}
