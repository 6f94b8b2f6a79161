//! Changes of etcd's users, roles and authentication: what each will do, said before it is
//! done, and the checks made before etcd is asked.

use super::{check_name, KeyRange, Permission, Permits, RoleGrants, UserRoles};
use serde::{Deserialize, Serialize};

/// A password on its way to etcd or the users file: never printed, logged or shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One change of etcd's users, roles or authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AccessChange {
    /// A user with a password, or without one (they sign in with a client certificate only).
    AddUser {
        name: String,
        password: Option<Secret>,
    },
    DeleteUser {
        name: String,
    },
    ChangePassword {
        name: String,
        password: Secret,
    },
    GrantRole {
        user: String,
        role: String,
    },
    RevokeRole {
        user: String,
        role: String,
    },
    AddRole {
        name: String,
    },
    DeleteRole {
        name: String,
    },
    GrantPermission {
        role: String,
        permission: Permission,
    },
    RevokePermission {
        role: String,
        range: KeyRange,
    },
    /// Turns authentication on or off.
    Authentication {
        on: bool,
    },
}

impl AccessChange {
    /// What it will do, said before it is done.
    pub fn describe(&self) -> String {
        match self {
            AccessChange::AddUser { name, password } => match password {
                Some(_) => format!("Add the user {name}, with the password given."),
                None => format!(
                    "Add the user {name} without a password: they sign in only with a client \
                     certificate whose common name is {name}."
                ),
            },
            AccessChange::DeleteUser { name } => format!(
                "Delete the user {name}. Their sessions end at etcd's next check; a user added \
                 again under that name has no roles."
            ),
            AccessChange::ChangePassword { name, .. } => {
                format!("Change the password of {name}; the old one stops working.")
            }
            AccessChange::GrantRole { user, role } => format!("Grant the role {role} to {user}."),
            AccessChange::RevokeRole { user, role } => {
                format!("Revoke the role {role} from {user}: they lose what it grants.")
            }
            AccessChange::AddRole { name } => {
                format!("Add the role {name}, which grants nothing until given permissions.")
            }
            AccessChange::DeleteRole { name } => {
                format!("Delete the role {name}: every user holding it loses what it grants.")
            }
            AccessChange::GrantPermission { role, permission } => format!(
                "Let the role {role} {} {}.",
                match permission.permits {
                    Permits::Read => "read",
                    Permits::Write => "write",
                    Permits::ReadWrite => "read and write",
                },
                permission.range.describe()
            ),
            AccessChange::RevokePermission { role, range } => {
                format!("Take {} away from the role {role}.", range.describe())
            }
            AccessChange::Authentication { on: true } => "Turn authentication on: from then \
                on everyone must sign in as an etcd user, and etcd's roles decide what each may \
                read and write. Only users holding the root role may change users and roles."
                .into(),
            AccessChange::Authentication { on: false } => "Turn authentication off: from then \
                on anyone who reaches etcd may read and write every key, and change users and \
                roles, without signing in."
                .into(),
        }
    }

    /// What was done, once it is.
    pub fn done(&self) -> String {
        match self {
            AccessChange::AddUser { name, .. } => format!("Added the user {name}."),
            AccessChange::DeleteUser { name } => format!("Deleted the user {name}."),
            AccessChange::ChangePassword { name, .. } => {
                format!("Changed the password of {name}.")
            }
            AccessChange::GrantRole { user, role } => format!("Granted the role {role} to {user}."),
            AccessChange::RevokeRole { user, role } => {
                format!("Revoked the role {role} from {user}.")
            }
            AccessChange::AddRole { name } => format!("Added the role {name}."),
            AccessChange::DeleteRole { name } => format!("Deleted the role {name}."),
            AccessChange::GrantPermission { role, permission } => format!(
                "The role {role} may now {} {}.",
                permission.permits.word(),
                permission.range.describe()
            ),
            AccessChange::RevokePermission { role, range } => {
                format!("Took {} away from the role {role}.", range.describe())
            }
            AccessChange::Authentication { on: true } => "Authentication is on.".into(),
            AccessChange::Authentication { on: false } => "Authentication is off.".into(),
        }
    }

    /// The name to type to confirm it, for a change that cannot be undone as it was (a deleted
    /// user's password is gone; a deleted role's permissions too).
    pub fn typed_confirmation(&self) -> Option<&str> {
        match self {
            AccessChange::DeleteUser { name } | AccessChange::DeleteRole { name } => Some(name),
            _ => None,
        }
    }

    /// The user or role it changes, for the audit log.
    pub fn subject(&self) -> Option<String> {
        match self {
            AccessChange::AddUser { name, .. }
            | AccessChange::DeleteUser { name }
            | AccessChange::ChangePassword { name, .. } => Some(format!("user {name}")),
            AccessChange::GrantRole { user, role } | AccessChange::RevokeRole { user, role } => {
                Some(format!("user {user} role {role}"))
            }
            AccessChange::AddRole { name } | AccessChange::DeleteRole { name } => {
                Some(format!("role {name}"))
            }
            AccessChange::GrantPermission { role, .. }
            | AccessChange::RevokePermission { role, .. } => Some(format!("role {role}")),
            AccessChange::Authentication { .. } => None,
        }
    }

    /// Checks the names and ranges it carries, before anything is asked of etcd.
    pub fn check(&self) -> Result<(), String> {
        match self {
            AccessChange::AddUser { name, password } => {
                check_name("user", name)?;
                match password {
                    Some(Secret(password)) if password.is_empty() => Err(
                        "A password cannot be empty; add the user without one for a client \
                         certificate only."
                            .into(),
                    ),
                    Some(Secret(password)) => check_password(password),
                    None => Ok(()),
                }
            }
            AccessChange::ChangePassword { name, password } => {
                check_name("user", name)?;
                if password.0.is_empty() {
                    return Err("A password cannot be empty.".into());
                }
                check_password(&password.0)
            }
            AccessChange::DeleteUser { name } => check_name("user", name),
            AccessChange::AddRole { name } | AccessChange::DeleteRole { name } => {
                check_name("role", name)
            }
            AccessChange::GrantRole { user, role } | AccessChange::RevokeRole { user, role } => {
                check_name("user", user)?;
                check_name("role", role)
            }
            AccessChange::GrantPermission { role, permission } => {
                check_name("role", role)?;
                check_range(&permission.range)
            }
            AccessChange::RevokePermission { role, range } => {
                check_name("role", role)?;
                check_range(range)
            }
            AccessChange::Authentication { .. } => Ok(()),
        }
    }
}

/// The most bytes of a password etcd keeps: it hashes passwords with bcrypt, which etcd 3.5
/// refuses past 72 bytes and older versions cut there silently.
pub const MAX_PASSWORD_BYTES: usize = 72;

fn check_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "A password is at most {MAX_PASSWORD_BYTES} bytes: etcd hashes it with bcrypt, \
             which takes no more."
        ));
    }
    Ok(())
}

/// A range etcd can store: its keys within etcd's key size, and not empty.
fn check_range(range: &KeyRange) -> Result<(), String> {
    const MAX_KEY: usize = 1536 * 1024;
    let (key, end) = range.to_etcd();
    if key.len() > MAX_KEY || end.len() > MAX_KEY {
        return Err("A range's keys are at most 1.5 MiB.".into());
    }
    match range {
        KeyRange::Key { key } if key.is_empty() => Err("Name the key.".into()),
        KeyRange::FromKey { from } if from.is_empty() => Err("Name the first key.".into()),
        KeyRange::Range { from, .. } if from.is_empty() => Err("Name the first key.".into()),
        KeyRange::Range { to, .. } if to.is_empty() => Err(
            "Name the key the range ends before (or choose every key from the first on).".into(),
        ),
        KeyRange::Range { .. } if range.is_empty() => {
            Err("The range is empty: its end must come after its start.".into())
        }
        _ => Ok(()),
    }
}

/// etcd's users and roles as the access page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessView {
    pub auth_enabled: bool,
    pub users: Vec<UserRoles>,
    pub roles: Vec<RoleGrants>,
    /// Why the viewer may not change them, when they may not.
    pub refused: Option<String>,
    /// Why authentication cannot be turned on now.
    pub enable_refusal: Option<String>,
}
