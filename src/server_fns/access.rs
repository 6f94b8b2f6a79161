//! etcd's users, roles and authentication from the access page: what they are, what a user may
//! do with a key or prefix and who may, and each change, for etcd's root role or etcd-deck's
//! admin. A change answers with a redirect to the access page, which says what was done.

// A change's form carries one field per argument (see `ChangeFields`); the `server` macro's
// own function has no place for an `allow`.
#![allow(clippy::too_many_arguments)]

use crate::domain::{
    access::LocalUsers,
    grants::{AccessView, Effective, WhoMay},
    AppError,
};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller,
    crate::domain::access::Role,
    crate::domain::grants::{form_action, form_target, AccessChange, ChangeFields, Secret},
    crate::services::{access_admin, users_file::LocalChange},
    crate::urls::routes::{access_done_url, access_local_url},
    leptos_axum::redirect,
};

/// etcd's users and roles, whether authentication is on, and whether this person may change
/// them.
#[server(prefix = "/fn")]
pub async fn get_access() -> Result<AccessView, AppError> {
    with_caller(|caller| async move { access_admin::view(&caller).await }).await
}

/// What `user` may do with the key (`kind` `key`) or under the prefix (`kind` `prefix`) `key`.
#[server(prefix = "/fn")]
pub async fn check_access(user: String, kind: String, key: String) -> Result<Effective, AppError> {
    let target = form_target(&kind, &key).map_err(AppError::invalid)?;
    with_caller(|caller| async move { access_admin::access_of(&caller, &user, target).await }).await
}

/// Who may `action` (`read` or `write`) the key or prefix `key`.
#[server(prefix = "/fn")]
pub async fn who_may_access(action: String, kind: String, key: String) -> Result<WhoMay, AppError> {
    let action = form_action(&action).map_err(AppError::invalid)?;
    let target = form_target(&kind, &key).map_err(AppError::invalid)?;
    with_caller(|caller| async move { access_admin::who_may(&caller, target, action).await }).await
}

/// Makes the change the fields describe (see [`ChangeFields`]), confirmed by `confirm`: the
/// name typed again where it cannot be undone.
#[server(prefix = "/fn")]
pub async fn change_access(
    change: String,
    user: String,
    role: String,
    permits: String,
    kind: String,
    key: String,
    to: String,
    confirm: String,
) -> Result<(), AppError> {
    let fields = ChangeFields {
        change,
        user,
        role,
        permits,
        kind,
        key,
        to,
    };
    let change = fields.parse().map_err(AppError::invalid)?;
    if let Some(name) = change.typed_confirmation() {
        if confirm.trim() != name {
            return Err(AppError::invalid(format!(
                "type the name, {name}, to confirm: nothing was done"
            )));
        }
    }
    made(change).await
}

/// Adds the etcd user `name` with `password` (typed twice), or without one when `no_password`
/// is ticked: they then sign in with a client certificate only.
#[server(prefix = "/fn")]
pub async fn add_access_user(
    name: String,
    password: String,
    again: String,
    no_password: Option<bool>,
) -> Result<(), AppError> {
    let password = match no_password {
        Some(true) => None,
        _ => Some(typed_twice(password, again)?),
    };
    made(AccessChange::AddUser {
        name: name.trim().to_string(),
        password,
    })
    .await
}

/// Changes the password of the etcd user `name` (typed twice).
#[server(prefix = "/fn")]
pub async fn set_access_password(
    name: String,
    password: String,
    again: String,
) -> Result<(), AppError> {
    let password = typed_twice(password, again)?;
    made(AccessChange::ChangePassword { name, password }).await
}

#[cfg(feature = "ssr")]
fn typed_twice(password: String, again: String) -> Result<Secret, AppError> {
    if password != again {
        return Err(AppError::invalid(
            "the two passwords differ: nothing was done",
        ));
    }
    Ok(Secret(password))
}

/// Makes `change`, then sends the page to what it changed, saying what was done.
#[cfg(feature = "ssr")]
async fn made(change: AccessChange) -> Result<(), AppError> {
    with_caller(|caller| async move {
        access_admin::change(&caller, change.clone()).await?;
        redirect(&access_done_url(&change));
        Ok(())
    })
    .await
}

/// etcd-deck's users file's users, for its admins; none where sign-in is etcd's own.
#[server(prefix = "/fn")]
pub async fn get_local_users() -> Result<Option<LocalUsers>, AppError> {
    with_caller(|caller| async move { access_admin::local_users(&caller).await }).await
}

/// Adds `name` to the users file with `role` and `password` (typed twice), or gives them
/// `role` and, unless left empty, the new password.
#[server(prefix = "/fn")]
pub async fn set_local_user(
    name: String,
    role: String,
    password: String,
    again: String,
) -> Result<(), AppError> {
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::invalid("choose the role: viewer, editor or admin"))?;
    let password = match password.is_empty() && again.is_empty() {
        true => None,
        false => Some(typed_twice(password, again)?),
    };
    let name = name.trim().to_string();
    local(LocalChange::Set {
        name,
        role,
        password,
    })
    .await
}

/// Removes `name` from the users file, once typed again as `confirm`.
#[server(prefix = "/fn")]
pub async fn remove_local_user(name: String, confirm: String) -> Result<(), AppError> {
    if confirm.trim() != name {
        return Err(AppError::invalid(format!(
            "type the name, {name}, to confirm: nothing was done"
        )));
    }
    local(LocalChange::Remove { name }).await
}

/// Changes the users file, then sends the page to its list.
#[cfg(feature = "ssr")]
async fn local(change: LocalChange) -> Result<(), AppError> {
    with_caller(|caller| async move {
        access_admin::change_local(&caller, change).await?;
        redirect(&access_local_url(None));
        Ok(())
    })
    .await
}
