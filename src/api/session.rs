//! Signing in over the API: a bearer token for clients that would rather not send a password
//! with every request, and who the credentials a request carries belong to.

use super::error::Answer;
use super::extract::ApiJson;
use super::model::ErrorBody;
use crate::domain::access::{Role, Viewer};
use crate::domain::AppError;
use crate::services::{access::Access, caller::Caller, session::Session};
use axum::{
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, StatusCode},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, sync::Arc};
use utoipa::ToSchema;

/// A user name and password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInBody {
    pub user: String,
    pub password: String,
}

/// A bearer token, to send as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenBody {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token ends, or sooner if unused for the idle time.
    pub expires_in: u64,
    pub user: String,
}

/// Who the request's credentials belong to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WhoBody {
    /// None when nobody needs to sign in and nobody did.
    pub user: Option<String>,
    /// The etcd-deck role of a users-file user; etcd users' roles are etcd's.
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// Why writes are refused, when etcd-deck itself refuses them.
    pub read_only: Option<String>,
}

/// Checks a user name and password and answers a bearer token for them.
#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body = SignInBody,
    responses(
        (status = 201, description = "Signed in", body = TokenBody),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn create_session(
    State(access): State<Arc<Access>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<SignInBody>,
) -> Answer<(StatusCode, Json<TokenBody>)> {
    let client = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    let (_, subject) = access.sign_in(&body.user, &body.password, client).await?;
    let token = access.sessions.seal(&Session::new(subject));
    Ok((
        StatusCode::CREATED,
        Json(TokenBody {
            token,
            token_type: "Bearer".into(),
            expires_in: access.sessions.max.as_secs(),
            user: body.user,
        }),
    ))
}

/// Who the request's credentials (basic, bearer or session cookie) belong to.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "The signed-in user", body = WhoBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn who(caller: Caller) -> Json<WhoBody> {
    let Viewer {
        name,
        role,
        read_only,
    } = caller.viewer();
    Json(WhoBody {
        user: name,
        role,
        read_only,
    })
}

/// Ends the session of the bearer token the request carries: this process refuses the token
/// from now on. (Another replica sharing the session key honours it until it idles out.)
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    params(("Authorization" = String, Header, pattern = "^[Bb]earer .+$",
        description = "`Bearer <token>`: the token `POST /api/v1/session` answered")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No bearer token, or one that is not valid", body = ErrorBody),
    ))]
pub async fn end_session(
    State(access): State<Arc<Access>>,
    _caller: Caller,
    headers: HeaderMap,
) -> Answer<StatusCode> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| AppError::Unauthenticated {
            message: "this request carries no bearer token to end (a browser signs out with \
                      POST /auth/sign-out)"
                .into(),
        })?;
    access.sessions.sign_out(token);
    Ok(StatusCode::NO_CONTENT)
}
