//! Signing in and out, and finding who each request acts for.
//!
//! Browsers keep a sealed session (see [`crate::services::session`]) in an `HttpOnly`,
//! `SameSite=Lax` cookie, `Secure` when etcd-deck is reached over HTTPS; API clients send HTTP
//! basic credentials or the bearer token `POST /api/v1/session` issued. [`authenticate`] turns
//! either into the request's [`Caller`], or turns the request away: pages to the sign-in page,
//! the API and server functions with 401.
//!
//! [`Caller`]: crate::services::caller::Caller

use super::AppState;
use crate::domain::AppError;
use crate::services::session::{now, Session};
use crate::urls::routes::{METRICS, SIGN_IN, SIGN_IN_POST, SIGN_OUT_POST};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The cookie that carries a browser's session.
pub const SESSION_COOKIE: &str = "etcd_deck_session";
/// A session's cookie is sealed anew, with the time it was last used, at most this often.
const REFRESH_AFTER_SECS: u64 = 60;

/// Why a request to a path anyone may reach has no caller: its credentials were wrong, or
/// refused unchecked (too many attempts), or it had none where sign-in is on.
#[derive(Clone)]
pub struct NotSignedIn(pub AppError);

/// How a request says who it is.
enum Presented {
    Basic { name: String, password: String },
    Bearer(String),
    Cookie(String),
    Nothing,
}

/// Middleware: puts the request's [`Caller`] into its extensions, or answers it if it needs one
/// and has none.
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = client_address(&request);
    let access = &state.access;
    let mut refreshed = None;
    let presented = presented(request.headers());
    let had_session = matches!(presented, Presented::Cookie(_));
    let caller = match presented {
        Presented::Basic { name, password } => access
            .sign_in(&name, &password, client)
            .await
            .map(|(caller, _)| caller),
        Presented::Bearer(token) => match access.sessions.open(&token) {
            Ok(session) => access.resume(&session.subject, client).await,
            Err(err) => Err(err),
        },
        Presented::Cookie(token) => match access.sessions.open(&token) {
            Ok(session) => {
                let caller = access.resume(&session.subject, client).await;
                if caller.is_ok() && now().saturating_sub(session.seen) >= REFRESH_AFTER_SECS {
                    let session = Session {
                        seen: now(),
                        ..session
                    };
                    refreshed = Some(session_cookie(&state, &access.sessions.seal(&session)));
                }
                caller
            }
            // An ended session where nobody needs one is nobody.
            Err(_) if !access.sign_in_required() => access.anonymous(client),
            Err(err) => Err(err),
        },
        Presented::Nothing => access.anonymous(client),
    };
    match caller {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            let mut response = next.run(request).await;
            if let Some(cookie) = refreshed {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(err) if is_public(request.uri().path()) => {
            request.extensions_mut().insert(NotSignedIn(err));
            next.run(request).await
        }
        Err(err) => turn_away(&request, err, had_session),
    }
}

/// Paths anyone may reach: signing in, the files the pages load, the probes, the API document;
/// and the metrics, which decide themselves (a client on this machine needs no sign-in).
fn is_public(path: &str) -> bool {
    path == SIGN_IN
        || path == SIGN_IN_POST
        || path == SIGN_OUT_POST
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/healthz"
        || path == "/readyz"
        || path == "/api/v1/session"
        || path == "/api/v1/openapi.json"
        || path == METRICS
        // The sign-in page says when etcd is down.
        || path.starts_with("/fn/etcd_connection")
}

/// Answers a request that needs a caller and has none; `had_session` says a session cookie came
/// with it, which has ended.
fn turn_away(request: &Request, err: AppError, had_session: bool) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return err.into_response();
    }
    let wants_page = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if path.starts_with("/fn/") && !wants_page {
        // A server function called by the hydrated app: its error, in its encoding.
        use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
        let mut response = (err.status(), err.ser()).into_response();
        response
            .headers_mut()
            .insert(SERVER_FN_ERROR_HEADER, HeaderValue::from_static("true"));
        return response;
    }
    let back = if path.starts_with("/fn/") {
        // A form posted without JavaScript: back to the page it was on, after signing in.
        request
            .headers()
            .get(header::REFERER)
            .and_then(|referer| referer.to_str().ok())
            .and_then(|referer| referer.parse::<axum::http::Uri>().ok())
            .and_then(|uri| uri.path_and_query().map(|p| p.to_string()))
            .unwrap_or_else(|| "/".into())
    } else {
        request
            .uri()
            .path_and_query()
            .map_or_else(|| "/".into(), |p| p.to_string())
    };
    let mut query = url_query(&[("next", &back)]);
    if had_session {
        query.push_str("&expired=1");
    }
    Redirect::to(&format!("{SIGN_IN}?{query}")).into_response()
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct SignInForm {
    user: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /auth/sign-in`: checks the name and password; on success, sets the session cookie and
/// goes on to the page the person came for; otherwise back to the form, with what went wrong.
pub async fn sign_in(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<SignInForm>,
) -> Response {
    let client = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    let next = safe_next(&form.next);
    match state
        .access
        .sign_in(&form.user, &form.password, client)
        .await
    {
        Ok((_, subject)) => {
            let token = state.access.sessions.seal(&Session::new(subject));
            let mut response = Redirect::to(next).into_response();
            let cookie = session_cookie(&state, &token);
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(err) => {
            // Not the name typed: people type their password into it by mistake.
            tracing::info!(client = ?client, "sign-in refused: {err}");
            let query = url_query(&[
                ("error", err.code().as_str()),
                ("user", &form.user),
                ("next", next),
            ]);
            Redirect::to(&format!("{SIGN_IN}?{query}")).into_response()
        }
    }
}

/// `POST /auth/sign-out`: ends the session (this process refuses it from now on) and forgets
/// the cookie.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Presented::Cookie(token) | Presented::Bearer(token) = presented(&headers) {
        state.access.sessions.sign_out(&token);
    }
    let mut response = Redirect::to(&format!("{SIGN_IN}?signed_out=1")).into_response();
    let cookie = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The `Set-Cookie` value that carries a session for as long as sessions last.
fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let max_age = state.access.sessions.max.as_secs() as i64;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The credentials a request carries, if any: `Authorization` first, then the cookie.
fn presented(headers: &HeaderMap) -> Presented {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    {
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some((name, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                return Presented::Basic {
                    name: name.into(),
                    password: password.into(),
                };
            }
            // Malformed basic credentials are wrong credentials, not none.
            return Presented::Basic {
                name: String::new(),
                password: String::new(),
            };
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            return Presented::Bearer(rest.trim().to_string());
        }
    }
    let cookies = headers.get_all(header::COOKIE).iter();
    let text = cookies.filter_map(|value| value.to_str().ok());
    for cookie in text.flat_map(Cookie::split_parse).flatten() {
        if cookie.name() == SESSION_COOKIE && !cookie.value().is_empty() {
            return Presented::Cookie(cookie.value().to_string());
        }
    }
    Presented::Nothing
}

/// The address of the client on the other end of the connection.
fn client_address(request: &Request) -> Option<IpAddr> {
    let connect = request.extensions().get::<ConnectInfo<SocketAddr>>();
    connect.map(|ConnectInfo(addr)| addr.ip())
}

/// Where to go after signing in: a path on this server, never another site.
fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and line breaks from a URL (`/\t/evil.example` is `//evil.example`):
    // an address with any control character is not taken.
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control);
    if local {
        next
    } else {
        "/"
    }
}

fn url_query(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let pairs = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, NON_ALPHANUMERIC)));
    pairs.collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_only_this_server_is_a_destination() {
        assert_eq!(safe_next("/key/app%2Fa?x=1"), "/key/app%2Fa?x=1");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\t/evil.example/"), "/");
        assert_eq!(safe_next("/\n/evil.example/"), "/");
        assert_eq!(safe_next("/?prefix=a b"), "/?prefix=a b");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next(""), "/");
    }

    #[test]
    fn credentials_are_read_from_authorization_then_the_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; etcd_deck_session=tok"),
        );
        assert!(matches!(presented(&headers), Presented::Cookie(t) if t == "tok"));
        let basic = format!("Basic {}", STANDARD.encode("alice:pa:ss"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&basic).unwrap(),
        );
        assert!(matches!(
            presented(&headers),
            Presented::Basic { name, password } if name == "alice" && password == "pa:ss"
        ));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer xyz"),
        );
        assert!(matches!(presented(&headers), Presented::Bearer(t) if t == "xyz"));
        assert!(matches!(presented(&HeaderMap::new()), Presented::Nothing));
    }
}
