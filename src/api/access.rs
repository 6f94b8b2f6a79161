//! The access endpoints: etcd's users and roles, changed (etcd's root role or etcd-deck's admin,
//! each change audited), and who may read or write a key or prefix. See
//! [`crate::services::access_admin`].

use super::error::Answer;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::model::{
    AccessDone, AccessQuery, AccessView, AuthenticationBody, Effective, ErrorBody, Name,
    NewRoleBody, NewUserBody, PasswordBody, Permission, RangeBody, RoleGrants, UserRoles, WhoMay,
    WhoQuery,
};
use crate::domain::grants::AccessChange;
use crate::services::access_admin;
use crate::services::caller::Caller;
use axum::http::StatusCode;
use axum::Json;

/// etcd's users with their roles, its roles with their permissions, whether authentication is
/// on, and whether the caller may change them.
#[utoipa::path(get, path = "/api/v1/auth", tag = "access",
    responses(
        (status = 200, description = "Users, roles and authentication", body = AccessView),
        (status = 403, description = "etcd shows its users to its root role only", body = ErrorBody),
    ))]
pub async fn overview(caller: Caller) -> Answer<Json<AccessView>> {
    Ok(Json(access_admin::view(&caller).await?))
}

/// One user and the roles they hold.
#[utoipa::path(get, path = "/api/v1/auth/users/{user}", tag = "access",
    params(("user" = inline(Name), Path, description = "The etcd user")),
    responses(
        (status = 200, description = "The user", body = UserRoles),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn user(caller: Caller, ApiPath(user): ApiPath<String>) -> Answer<Json<UserRoles>> {
    Ok(Json(access_admin::user(&caller, &user).await?))
}

/// One role and its permissions.
#[utoipa::path(get, path = "/api/v1/auth/roles/{role}", tag = "access",
    params(("role" = inline(Name), Path, description = "The etcd role")),
    responses(
        (status = 200, description = "The role", body = RoleGrants),
        (status = 404, description = "No such role", body = ErrorBody),
    ))]
pub async fn role(caller: Caller, ApiPath(role): ApiPath<String>) -> Answer<Json<RoleGrants>> {
    Ok(Json(access_admin::role(&caller, &role).await?))
}

/// Adds a user, with a password or without one (a client certificate naming them signs them
/// in).
#[utoipa::path(post, path = "/api/v1/auth/users", tag = "access",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Added", body = AccessDone),
        (status = 409, description = "A user of that name exists", body = ErrorBody),
    ))]
pub async fn add_user(
    caller: Caller,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Answer<(StatusCode, Json<AccessDone>)> {
    let change = AccessChange::AddUser {
        name: body.name,
        password: body.password,
    };
    Ok((StatusCode::CREATED, done(&caller, change).await?))
}

/// Deletes a user; the user root stays while authentication is on.
#[utoipa::path(delete, path = "/api/v1/auth/users/{user}", tag = "access",
    params(("user" = inline(Name), Path, description = "The etcd user")),
    responses(
        (status = 200, description = "Deleted", body = AccessDone),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The user root, while authentication is on", body = ErrorBody),
    ))]
pub async fn delete_user(
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Answer<Json<AccessDone>> {
    done(&caller, AccessChange::DeleteUser { name }).await
}

/// Changes a user's password.
#[utoipa::path(put, path = "/api/v1/auth/users/{user}/password", tag = "access",
    params(("user" = inline(Name), Path, description = "The etcd user")),
    request_body = PasswordBody,
    responses(
        (status = 200, description = "Changed", body = AccessDone),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn change_password(
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Answer<Json<AccessDone>> {
    let change = AccessChange::ChangePassword {
        name,
        password: body.password,
    };
    done(&caller, change).await
}

/// Grants a role to a user.
#[utoipa::path(put, path = "/api/v1/auth/users/{user}/roles/{role}", tag = "access",
    params(
        ("user" = inline(Name), Path, description = "The etcd user"),
        ("role" = inline(Name), Path, description = "The etcd role"),
    ),
    responses(
        (status = 200, description = "Granted", body = AccessDone),
        (status = 404, description = "No such user or role", body = ErrorBody),
        (status = 409, description = "etcd refused it", body = ErrorBody),
    ))]
pub async fn grant_role(
    caller: Caller,
    ApiPath((user, role)): ApiPath<(String, String)>,
) -> Answer<Json<AccessDone>> {
    done(&caller, AccessChange::GrantRole { user, role }).await
}

/// Revokes a role from a user; root keeps the root role while authentication is on.
#[utoipa::path(delete, path = "/api/v1/auth/users/{user}/roles/{role}", tag = "access",
    params(
        ("user" = inline(Name), Path, description = "The etcd user"),
        ("role" = inline(Name), Path, description = "The etcd role"),
    ),
    responses(
        (status = 200, description = "Revoked", body = AccessDone),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The user does not hold it, or it is root's root role while authentication is on", body = ErrorBody),
    ))]
pub async fn revoke_role(
    caller: Caller,
    ApiPath((user, role)): ApiPath<(String, String)>,
) -> Answer<Json<AccessDone>> {
    done(&caller, AccessChange::RevokeRole { user, role }).await
}

/// Adds a role, which grants nothing until given permissions.
#[utoipa::path(post, path = "/api/v1/auth/roles", tag = "access",
    request_body = NewRoleBody,
    responses(
        (status = 201, description = "Added", body = AccessDone),
        (status = 409, description = "A role of that name exists", body = ErrorBody),
    ))]
pub async fn add_role(
    caller: Caller,
    ApiJson(body): ApiJson<NewRoleBody>,
) -> Answer<(StatusCode, Json<AccessDone>)> {
    let change = AccessChange::AddRole { name: body.name };
    Ok((StatusCode::CREATED, done(&caller, change).await?))
}

/// Deletes a role: every user holding it loses what it grants.
#[utoipa::path(delete, path = "/api/v1/auth/roles/{role}", tag = "access",
    params(("role" = inline(Name), Path, description = "The etcd role")),
    responses(
        (status = 200, description = "Deleted", body = AccessDone),
        (status = 404, description = "No such role", body = ErrorBody),
        (status = 409, description = "The root role, while authentication is on", body = ErrorBody),
    ))]
pub async fn delete_role(
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> Answer<Json<AccessDone>> {
    done(&caller, AccessChange::DeleteRole { name }).await
}

/// Lets a role read, write, or both, a key, a prefix, a range, every key from one on, or every
/// key.
#[utoipa::path(post, path = "/api/v1/auth/roles/{role}/permissions", tag = "access",
    params(("role" = inline(Name), Path, description = "The etcd role")),
    request_body = Permission,
    responses(
        (status = 200, description = "Granted", body = AccessDone),
        (status = 404, description = "No such role", body = ErrorBody),
        (status = 409, description = "etcd refused the range", body = ErrorBody),
    ))]
pub async fn grant_permission(
    caller: Caller,
    ApiPath(role): ApiPath<String>,
    ApiJson(permission): ApiJson<Permission>,
) -> Answer<Json<AccessDone>> {
    done(&caller, AccessChange::GrantPermission { role, permission }).await
}

/// Takes a permission away from a role: the range as it was granted.
#[utoipa::path(post, path = "/api/v1/auth/roles/{role}/permissions/revoke", tag = "access",
    params(("role" = inline(Name), Path, description = "The etcd role")),
    request_body = RangeBody,
    responses(
        (status = 200, description = "Revoked", body = AccessDone),
        (status = 404, description = "No such role", body = ErrorBody),
        (status = 409, description = "The role has no permission on exactly that range", body = ErrorBody),
    ))]
pub async fn revoke_permission(
    caller: Caller,
    ApiPath(role): ApiPath<String>,
    ApiJson(body): ApiJson<RangeBody>,
) -> Answer<Json<AccessDone>> {
    let change = AccessChange::RevokePermission {
        role,
        range: body.range,
    };
    done(&caller, change).await
}

/// Turns etcd's authentication on (refused unless a user root holds the root role) or off.
#[utoipa::path(put, path = "/api/v1/auth/enabled", tag = "access",
    request_body = AuthenticationBody,
    responses(
        (status = 200, description = "Done", body = AccessDone),
        (status = 409, description = "No user root holding the root role", body = ErrorBody),
    ))]
pub async fn authentication(
    caller: Caller,
    ApiJson(body): ApiJson<AuthenticationBody>,
) -> Answer<Json<AccessDone>> {
    done(&caller, AccessChange::Authentication { on: body.enabled }).await
}

/// What a user may do with a key or under a prefix: reading and writing, each allowed, allowed
/// in part or not, and which role's permission allows it.
#[utoipa::path(get, path = "/api/v1/auth/access", tag = "access",
    params(AccessQuery),
    responses(
        (status = 200, description = "What the user may do", body = Effective),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn access(
    caller: Caller,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> Answer<Json<Effective>> {
    let target = query.target()?;
    Ok(Json(
        access_admin::access_of(&caller, &query.user, target).await?,
    ))
}

/// Every user who may read (or write) a key or under a prefix, and the roles that reach into
/// it.
#[utoipa::path(get, path = "/api/v1/auth/who", tag = "access",
    params(WhoQuery),
    responses((status = 200, description = "Who may", body = WhoMay)))]
pub async fn who(caller: Caller, ApiQuery(query): ApiQuery<WhoQuery>) -> Answer<Json<WhoMay>> {
    let target = query.target()?;
    Ok(Json(
        access_admin::who_may(&caller, target, query.action).await?,
    ))
}

async fn done(caller: &Caller, change: AccessChange) -> Answer<Json<AccessDone>> {
    let done = access_admin::change(caller, change).await?;
    Ok(Json(AccessDone { done }))
}
