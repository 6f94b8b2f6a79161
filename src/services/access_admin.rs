//! etcd's users, roles and authentication, administered: the access page's and the REST API's
//! one way to read them, ask who may do what, and change them.
//!
//! Reading goes as the caller: etcd shows its users and roles to its root role only once
//! authentication is on (and a user their own roles). Changing them is for etcd's root role
//! or etcd-deck's admin (like maintenance: [`Caller::may_maintain`]); each change is checked
//! first, refused where it would lock everyone out, and audited.

use super::audit::WriteAttempt;
use super::caller::Caller;
use super::users_file::{self, LocalChange};
use crate::domain::access::{LocalUsers, Operation};
use crate::domain::grants::{
    check_name, effective, enable_refusal, who_may_view, AccessChange, AccessView, Action,
    Effective, RoleGrants, Target, UserRoles, WhoMay, ROOT,
};
use crate::domain::AppError;
use futures::future::try_join_all;

/// etcd's users and roles, whether authentication is on, and whether the caller may change
/// them.
pub async fn view(caller: &Caller) -> Result<AccessView, AppError> {
    let directory = caller.etcd.directory().await?;
    let refused = caller
        .may_maintain(Operation::RoleAdd)
        .await
        .err()
        .map(|err| err.to_string());
    Ok(AccessView {
        enable_refusal: enable_refusal(&directory.users),
        auth_enabled: directory.auth_enabled,
        users: directory.users,
        roles: directory.roles,
        refused,
    })
}

/// What `user` may do with `target`, from their roles as etcd answers them.
pub async fn access_of(caller: &Caller, user: &str, target: Target) -> Result<Effective, AppError> {
    check_name("user", user).map_err(AppError::invalid)?;
    check_target(&target)?;
    let user = caller.etcd.etcd_user(user).await?;
    let (roles, auth_enabled) = futures::try_join!(
        try_join_all(
            user.roles
                .iter()
                .filter(|role| *role != ROOT)
                .map(|role| caller.etcd.etcd_role(role))
        ),
        caller.etcd.authentication_enabled()
    )?;
    Ok(effective(&user, &roles, &target, auth_enabled))
}

/// Every user who may do `action` with `target`, and the roles that reach into it.
pub async fn who_may(caller: &Caller, target: Target, action: Action) -> Result<WhoMay, AppError> {
    check_target(&target)?;
    let directory = caller.etcd.directory().await?;
    Ok(who_may_view(
        &directory.users,
        &directory.roles,
        &target,
        directory.auth_enabled,
        action,
    ))
}

fn check_target(target: &Target) -> Result<(), AppError> {
    match target {
        Target::Key { key } if key.is_empty() => Err(AppError::invalid("name the key")),
        _ => Ok(()),
    }
}

/// Makes one change, once etcd-deck allows it to the caller and nothing in it would lock
/// everyone out; answers what was done, in a sentence.
pub async fn change(caller: &Caller, change: AccessChange) -> Result<String, AppError> {
    let operation = operation(&change);
    let attempt = WriteAttempt {
        subject: change.subject(),
        condition: condition(&change),
        ..WriteAttempt::of(operation)
    };
    // A refused attempt is audited as a failed one is.
    let done = async {
        caller.may_maintain(operation).await?;
        change.check().map_err(AppError::invalid)?;
        refuse_lockout(caller, &change).await?;
        apply(caller, &change).await
    }
    .await;
    caller.audit(&attempt, done.as_ref().map(|_| None));
    done?;
    if let AccessChange::Authentication { on } = change {
        // Anonymous requests are refused from now on, or let through again.
        caller
            .etcd_requires_sign_in
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(change.done())
}

/// The audit log's name of a change.
pub fn operation(change: &AccessChange) -> Operation {
    match change {
        AccessChange::AddUser { .. } => Operation::UserAdd,
        AccessChange::DeleteUser { .. } => Operation::UserDelete,
        AccessChange::ChangePassword { .. } => Operation::UserPassword,
        AccessChange::GrantRole { .. } => Operation::UserGrantRole,
        AccessChange::RevokeRole { .. } => Operation::UserRevokeRole,
        AccessChange::AddRole { .. } => Operation::RoleAdd,
        AccessChange::DeleteRole { .. } => Operation::RoleDelete,
        AccessChange::GrantPermission { .. } => Operation::RoleGrantPermission,
        AccessChange::RevokePermission { .. } => Operation::RoleRevokePermission,
        AccessChange::Authentication { on: true } => Operation::AuthEnable,
        AccessChange::Authentication { on: false } => Operation::AuthDisable,
    }
}

/// What the audit log says of a change besides its subject: the permission granted or
/// revoked. Never a password.
fn condition(change: &AccessChange) -> Option<String> {
    match change {
        AccessChange::GrantPermission { permission, .. } => Some(format!(
            "{} {}",
            permission.permits.word(),
            permission.range.describe()
        )),
        AccessChange::RevokePermission { range, .. } => Some(range.describe()),
        AccessChange::AddUser { password: None, .. } => Some("no password".into()),
        _ => None,
    }
}

/// Refuses what would leave nobody able to administer etcd: turning authentication on without
/// a root user holding the root role, or as a users-file user (etcd-deck then reaches etcd as
/// nobody), or taking root away while authentication is on (etcd refuses that too; saying why
/// first is kinder).
async fn refuse_lockout(caller: &Caller, change: &AccessChange) -> Result<(), AppError> {
    let unsafe_ = |message: String| Err(AppError::Unsafe { message });
    match change {
        AccessChange::Authentication { on: true } if caller.role.is_some() => unsafe_(
            "Signed in from etcd-deck's users file, you act on etcd as nobody: once \
             authentication is on, etcd-deck could read and change nothing, nor turn it off \
             again. Turn it on as etcd's user root."
                .into(),
        ),
        AccessChange::Authentication { on: true } => {
            let directory = caller.etcd.directory().await?;
            match enable_refusal(&directory.users) {
                Some(why) => unsafe_(why),
                None => Ok(()),
            }
        }
        AccessChange::DeleteUser { name } if name == ROOT => {
            if caller.etcd.authentication_enabled().await? {
                return unsafe_(
                    "While authentication is on, the user root stays: it is the one that can \
                     turn it off again. Turn authentication off first."
                        .into(),
                );
            }
            Ok(())
        }
        AccessChange::RevokeRole { user, role } if user == ROOT && role == ROOT => {
            if caller.etcd.authentication_enabled().await? {
                return unsafe_(
                    "While authentication is on, the user root keeps the root role. Turn \
                     authentication off first."
                        .into(),
                );
            }
            Ok(())
        }
        AccessChange::DeleteRole { name } if name == ROOT => {
            if caller.etcd.authentication_enabled().await? {
                return unsafe_(
                    "While authentication is on, the root role stays. Turn authentication off \
                     first."
                        .into(),
                );
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

async fn apply(caller: &Caller, change: &AccessChange) -> Result<(), AppError> {
    let etcd = &caller.etcd;
    match change {
        AccessChange::AddUser { name, password } => {
            let password = password.as_ref().map(|secret| secret.0.as_str());
            etcd.add_etcd_user(name, password).await
        }
        AccessChange::DeleteUser { name } => etcd.delete_etcd_user(name).await,
        AccessChange::ChangePassword { name, password } => {
            etcd.change_etcd_password(name, &password.0).await
        }
        AccessChange::GrantRole { user, role } => etcd.grant_etcd_role(user, role).await,
        AccessChange::RevokeRole { user, role } => etcd.revoke_etcd_role(user, role).await,
        AccessChange::AddRole { name } => etcd.add_etcd_role(name).await,
        AccessChange::DeleteRole { name } => etcd.delete_etcd_role(name).await,
        AccessChange::GrantPermission { role, permission } => {
            etcd.grant_permission(role, permission).await
        }
        AccessChange::RevokePermission { role, range } => etcd.revoke_permission(role, range).await,
        AccessChange::Authentication { on } => etcd.set_authentication(*on).await,
    }
}

/// A user, with the roles they hold.
pub async fn user(caller: &Caller, name: &str) -> Result<UserRoles, AppError> {
    check_name("user", name).map_err(AppError::invalid)?;
    caller.etcd.etcd_user(name).await
}

/// A role, with its permissions.
pub async fn role(caller: &Caller, name: &str) -> Result<RoleGrants, AppError> {
    check_name("role", name).map_err(AppError::invalid)?;
    caller.etcd.etcd_role(name).await
}

/// etcd-deck's users file's users, for its admins; `None` where nobody signs in from one.
pub async fn local_users(caller: &Caller) -> Result<Option<LocalUsers>, AppError> {
    let Some(path) = caller.users_file.clone() else {
        return Ok(None);
    };
    if let Err(refused) = local_admin(caller, Operation::LocalUserAdd) {
        return Ok(Some(LocalUsers {
            users: Vec::new(),
            refused: Some(refused.to_string()),
        }));
    }
    let users = blocking(move || users_file::list(&path)).await?;
    Ok(Some(LocalUsers {
        users,
        refused: None,
    }))
}

/// Changes one user of the users file, for its admins; audited, never with the password.
pub async fn change_local(caller: &Caller, change: LocalChange) -> Result<String, AppError> {
    let operation = match &change {
        LocalChange::Remove { .. } => Operation::LocalUserRemove,
        LocalChange::Set { password: None, .. } => Operation::LocalUserRole,
        LocalChange::Set { name, .. } => match &caller.users_file {
            Some(path) if !known(path, name).await => Operation::LocalUserAdd,
            _ => Operation::LocalUserPassword,
        },
    };
    let attempt = WriteAttempt {
        subject: Some(format!("local user {}", change.name())),
        condition: match &change {
            LocalChange::Set { role, .. } => Some(role.as_str().to_string()),
            LocalChange::Remove { .. } => None,
        },
        ..WriteAttempt::of(operation)
    };
    let done = async {
        local_admin(caller, operation)?;
        let path = caller.users_file.clone().ok_or_else(|| {
            AppError::invalid("etcd-deck has no users file here: sign-in is etcd's own")
        })?;
        blocking(move || users_file::apply(&path, &change)).await
    }
    .await;
    caller.audit(&attempt, done.as_ref().map(|_| None));
    done
}

/// The users file is its admins' to manage: a users-file user with the admin role.
fn local_admin(caller: &Caller, operation: Operation) -> Result<(), AppError> {
    caller.may(operation)?;
    match caller.role {
        Some(crate::domain::access::Role::Admin) => Ok(()),
        _ => Err(AppError::PermissionDenied {
            message: "etcd-deck's users file is managed by its admins, signed in from it".into(),
        }),
    }
}

async fn known(path: &std::path::Path, name: &str) -> bool {
    let (path, name) = (path.to_path_buf(), name.to_string());
    let users = blocking(move || users_file::list(&path)).await;
    users.is_ok_and(|users| users.iter().any(|user| user.name == name))
}

/// Runs file work (and argon2's slow hashing) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::internal(format!("the users file's change stopped: {err}")))?
}
