//! etcd's users, roles and permissions: the answers are the domain's own types; here are the
//! requests that change them and the queries that ask who may do what.

use super::Encoding;
use crate::domain::grants::{Action, Secret, Target};
use crate::domain::{AppError, Key};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

pub use crate::domain::grants::{
    AccessView, Coverage, Effective, GrantedBy, KeyRange, Permission, Permits, RoleGrants,
    UserCoverage, UserRoles, Verdict, WhoMay,
};

/// A user's or role's name: 1 to 128 bytes, no control characters, no space at either end.
#[cfg(feature = "ssr")]
#[derive(ToSchema)]
#[schema(
    pattern = r"^[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]{0,126}[^\s\x00-\x1f\x7f-\x9f])?$"
)]
#[allow(dead_code)] // only its schema is used
pub struct Name(String);

/// Body of `POST /api/v1/auth/users`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    #[cfg_attr(feature = "ssr", schema(inline, value_type = Name))]
    pub name: String,
    /// The password; none for a user who signs in only with a client certificate naming them.
    #[cfg_attr(
        feature = "ssr",
        schema(value_type = Option<String>, min_length = 1, max_length = 72)
    )]
    pub password: Option<Secret>,
}

/// Body of `PUT /api/v1/auth/users/{user}/password`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    #[cfg_attr(
        feature = "ssr",
        schema(value_type = String, min_length = 1, max_length = 72)
    )]
    pub password: Secret,
}

/// Body of `POST /api/v1/auth/roles`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRoleBody {
    #[cfg_attr(feature = "ssr", schema(inline, value_type = Name))]
    pub name: String,
}

/// Body of `POST /api/v1/auth/roles/{role}/permissions/revoke`: the range, exactly as it was
/// granted.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RangeBody {
    pub range: KeyRange,
}

/// Body of `PUT /api/v1/auth/enabled`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthenticationBody {
    pub enabled: bool,
}

/// What a change did, in a sentence.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AccessDone {
    pub done: String,
}

/// `GET /api/v1/auth/access`: a user, and the key or prefix asked about.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct AccessQuery {
    /// The etcd user.
    #[cfg_attr(feature = "ssr", param(inline, value_type = Name, required = true))]
    pub user: String,
    /// One key (give it or `prefix`).
    pub key: Option<String>,
    /// Every key under this prefix; empty: every key.
    pub prefix: Option<String>,
    /// How `key` and `prefix` are written.
    #[serde(default)]
    pub encoding: Encoding,
}

impl AccessQuery {
    pub fn target(&self) -> Result<Target, AppError> {
        target(&self.key, &self.prefix, self.encoding)
    }
}

/// `GET /api/v1/auth/who`: the key or prefix, and reading or writing (the default).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct WhoQuery {
    /// One key (give it or `prefix`).
    pub key: Option<String>,
    /// Every key under this prefix; empty: every key.
    pub prefix: Option<String>,
    /// How `key` and `prefix` are written.
    #[serde(default)]
    pub encoding: Encoding,
    /// Who may read, or who may write (the default).
    #[serde(default = "writing")]
    pub action: Action,
}

impl WhoQuery {
    pub fn target(&self) -> Result<Target, AppError> {
        target(&self.key, &self.prefix, self.encoding)
    }
}

fn writing() -> Action {
    Action::Write
}

/// A key or a prefix, as a query names it: exactly one of the two.
fn target(
    key: &Option<String>,
    prefix: &Option<String>,
    encoding: Encoding,
) -> Result<Target, AppError> {
    let decode = |text: &str, what| encoding.decode(text, what).map(Key::new);
    match (key, prefix) {
        (Some(key), None) => Ok(Target::Key {
            key: decode(key, "key")?,
        }),
        (None, Some(prefix)) => Ok(Target::Prefix {
            prefix: decode(prefix, "prefix")?,
        }),
        _ => Err(AppError::invalid("give either key or prefix")),
    }
}
