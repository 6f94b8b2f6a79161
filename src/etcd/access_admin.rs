//! etcd's own users and roles, read and changed as this handle's user: etcd lets only its
//! `root` role do it once authentication is on, and anyone before.
//!
//! Each change is one request; whether it may be retried elsewhere is the pool's business, as
//! for a write (a user added twice is refused the second time, never added twice).

use super::error::Op;
use super::pool::Retry;
use super::Etcd;
use crate::domain::grants::{KeyRange, Permission, Permits, RoleGrants, UserRoles};
use crate::domain::AppError;
use etcd_client::{Client, PermissionType, RoleRevokePermissionOptions, UserAddOptions};
use futures::{stream, StreamExt, TryStreamExt};

/// How many users or roles are read at once.
const AT_ONCE: usize = 8;

/// etcd's users and roles, and whether it checks them.
#[derive(Debug, Clone)]
pub struct Directory {
    pub auth_enabled: bool,
    pub users: Vec<UserRoles>,
    pub roles: Vec<RoleGrants>,
}

impl Etcd {
    /// Every user with their roles and every role with its permissions, in name order, and
    /// whether authentication is on.
    pub async fn directory(&self) -> Result<Directory, AppError> {
        let (user_names, role_names) = futures::try_join!(self.user_names(), self.role_names())?;
        let users = stream::iter(user_names)
            .map(|name| async move { still_there(self.etcd_user(&name).await) })
            .buffered(AT_ONCE)
            .try_collect::<Vec<_>>();
        let roles = stream::iter(role_names)
            .map(|name| async move { still_there(self.etcd_role(&name).await) })
            .buffered(AT_ONCE)
            .try_collect::<Vec<_>>();
        let (users, roles, auth_enabled) =
            futures::try_join!(users, roles, self.authentication_enabled())?;
        Ok(Directory {
            auth_enabled,
            users: users.into_iter().flatten().collect(),
            roles: roles.into_iter().flatten().collect(),
        })
    }

    async fn user_names(&self) -> Result<Vec<String>, AppError> {
        let (list, _) = self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.user_list().await
            })
            .await
            .map_err(self.refused(Op::new("list etcd's users")))?;
        let mut names = list.users().to_vec();
        names.sort();
        Ok(names)
    }

    async fn role_names(&self) -> Result<Vec<String>, AppError> {
        let (list, _) = self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.role_list().await
            })
            .await
            .map_err(self.refused(Op::new("list etcd's roles")))?;
        let mut names = list.roles().to_vec();
        names.sort();
        Ok(names)
    }

    /// One etcd user and their roles.
    pub async fn etcd_user(&self, name: &str) -> Result<UserRoles, AppError> {
        let op = Op::new(format!("read the etcd user {name}")).user(name);
        let (user, _) = self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.user_get(name).await
            })
            .await
            .map_err(self.refused(op))?;
        let mut roles = user.roles().to_vec();
        roles.sort();
        Ok(UserRoles {
            name: name.to_string(),
            roles,
        })
    }

    /// One etcd role and its permissions.
    pub async fn etcd_role(&self, name: &str) -> Result<RoleGrants, AppError> {
        let op = Op::new(format!("read the etcd role {name}")).role(name);
        let (role, _) = self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.role_get(name).await
            })
            .await
            .map_err(self.refused(op))?;
        let permissions = role
            .permissions()
            .iter()
            .map(|permission| Permission {
                permits: match PermissionType::try_from(permission.get_type()) {
                    Ok(PermissionType::Read) => Permits::Read,
                    Ok(PermissionType::Write) => Permits::Write,
                    _ => Permits::ReadWrite,
                },
                range: KeyRange::from_etcd(permission.key(), permission.range_end()),
            })
            .collect();
        Ok(RoleGrants {
            name: name.to_string(),
            permissions,
        })
    }

    /// Adds a user with `password`, or with none: such a user signs in only with a client
    /// certificate naming them.
    pub async fn add_etcd_user(&self, name: &str, password: Option<&str>) -> Result<(), AppError> {
        let op = Op::new(format!("add the etcd user {name}")).user(name);
        let password = password.unwrap_or_default();
        let no_password = password.is_empty();
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            let options = no_password.then(|| UserAddOptions::new().with_no_pwd());
            client.user_add(name, password, options).await
        })
        .await
    }

    pub async fn delete_etcd_user(&self, name: &str) -> Result<(), AppError> {
        let op = Op::new(format!("delete the etcd user {name}")).user(name);
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            client.user_delete(name).await
        })
        .await
    }

    pub async fn change_etcd_password(&self, name: &str, password: &str) -> Result<(), AppError> {
        let op = Op::new(format!("change the password of the etcd user {name}")).user(name);
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            client.user_change_password(name, password).await
        })
        .await
    }

    pub async fn grant_etcd_role(&self, user: &str, role: &str) -> Result<(), AppError> {
        let op = Op::new(format!("grant the role {role} to {user}"))
            .user(user)
            .role(role);
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            client.user_grant_role(user, role).await
        })
        .await
    }

    pub async fn revoke_etcd_role(&self, user: &str, role: &str) -> Result<(), AppError> {
        let op = Op::new(format!("revoke the role {role} from {user}"))
            .user(user)
            .role(role);
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            client.user_revoke_role(user, role).await
        })
        .await
    }

    pub async fn add_etcd_role(&self, name: &str) -> Result<(), AppError> {
        let op = Op::new(format!("add the etcd role {name}")).role(name);
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            client.role_add(name).await
        })
        .await
    }

    pub async fn delete_etcd_role(&self, name: &str) -> Result<(), AppError> {
        let op = Op::new(format!("delete the etcd role {name}")).role(name);
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            client.role_delete(name).await
        })
        .await
    }

    /// Lets `role` do what `permission` says with its range.
    pub async fn grant_permission(
        &self,
        role: &str,
        permission: &Permission,
    ) -> Result<(), AppError> {
        let op = Op::new(format!(
            "grant {} of {} to the role {role}",
            permission.permits.word(),
            permission.range.describe()
        ))
        .role(role);
        let (key, range_end) = permission.range.to_etcd();
        let kind = match permission.permits {
            Permits::Read => PermissionType::Read,
            Permits::Write => PermissionType::Write,
            Permits::ReadWrite => PermissionType::Readwrite,
        };
        self.change(op, |client: &Client| {
            let mut client = client.clone();
            let granted =
                etcd_client::Permission::new(kind, key.clone()).with_range_end(range_end.clone());
            async move { client.role_grant_permission(role, granted).await }
        })
        .await
    }

    /// Takes the permission on `range` away from `role`.
    pub async fn revoke_permission(&self, role: &str, range: &KeyRange) -> Result<(), AppError> {
        let op = Op::new(format!(
            "revoke the permission on {} from the role {role}",
            range.describe()
        ))
        .role(role);
        let (key, range_end) = range.to_etcd();
        self.change(op, |client: &Client| {
            let mut client = client.clone();
            let options = RoleRevokePermissionOptions::new().with_range_end(range_end.clone());
            let key = key.clone();
            async move {
                client
                    .role_revoke_permission(role, key, Some(options))
                    .await
            }
        })
        .await
    }

    /// Turns etcd's authentication on or off.
    pub async fn set_authentication(&self, on: bool) -> Result<(), AppError> {
        let op = Op::new(match on {
            true => "turn authentication on",
            false => "turn authentication off",
        });
        self.change(op, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            match on {
                true => client.auth_enable().await.map(|_| ()),
                false => client.auth_disable().await.map(|_| ()),
            }
        })
        .await
    }

    /// Runs one change of users or roles: retried elsewhere only when surely not applied.
    async fn change<'a, T, F, Fut>(&'a self, op: Op, request: F) -> Result<(), AppError>
    where
        T: super::calls::Reply,
        F: Fn(&'a Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let retry = Retry::Write { key: op.subject() };
        self.run(retry, request)
            .await
            .map(|_| ())
            .map_err(self.refused(op))
    }
}

/// A user or role read after it was listed, or `None` once deleted in between (someone else's
/// change): the directory is then as it was just after that deletion.
fn still_there<T>(read: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match read {
        Ok(found) => Ok(Some(found)),
        Err(AppError::NoSuchName { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}
