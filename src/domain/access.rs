//! Who is using etcd-deck and what they may do, as the pages and the API show it.

use serde::{Deserialize, Serialize};

/// An etcd-deck role, for people signed in from a users file. People signed in as etcd users
/// have no etcd-deck role: etcd's own roles decide for them.
/// Roles are ordered: each may do what the ones before it may. What each may change is
/// [`Operation::role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads keys and the cluster.
    Viewer,
    /// Also creates, changes and deletes keys it names, and leases.
    Editor,
    /// Also deletes or moves away whole prefixes.
    Admin,
}

/// A user of etcd-deck's users file, as the access page lists them (never their hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalAccount {
    pub name: String,
    pub role: Role,
}

/// The users file's users, for its admins, or why the viewer may not manage them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalUsers {
    pub users: Vec<LocalAccount>,
    pub refused: Option<String>,
}

/// A change etcd-deck makes, as the audit log names it and [`Operation::role`] allows it.
/// Reading anything takes the viewer role. An operation that removes every key under a prefix
/// takes the admin role; one that writes or removes keys named one by one (at most a
/// selection), the editor role. The README's table of roles is this table, and a test holds
/// the two together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Writes a key that must not exist.
    Create,
    /// Writes a key.
    Put,
    /// Adds to a key's value (a list, a map, a line).
    Append,
    /// Deletes one key.
    Delete,
    /// Puts a key on a lease.
    LeaseAttach,
    /// Takes a key off its lease.
    LeaseDetach,
    /// Grants a lease.
    LeaseGrant,
    /// Revokes a lease, and with it its keys.
    LeaseRevoke,
    /// Renews a lease once.
    LeaseKeepAlive,
    /// Writes a past version of a key back.
    Restore,
    /// Writes deleted keys back as they were.
    Undelete,
    /// Copies one key.
    Copy,
    /// Moves one key.
    Move,
    /// Copies keys picked one by one.
    CopySelection,
    /// Moves keys picked one by one.
    MoveSelection,
    /// Deletes keys picked one by one.
    DeleteSelection,
    /// Copies every key under a prefix.
    CopyPrefix,
    /// Writes the keys of an export file.
    Import,
    /// Moves every key under a prefix away.
    MovePrefix,
    /// Deletes every key under a prefix.
    DeletePrefix,
    /// Compacts etcd's history: every older version of every key is dropped.
    Compact,
    /// Defragments one member, which blocks it meanwhile.
    Defragment,
    /// Disarms one member's alarm.
    Disarm,
    /// Takes a snapshot of one member's whole database.
    Snapshot,
    /// Compares the members' hashes of their keys.
    ConsistencyCheck,
    /// Recovers a full database: compact, defragment each member, disarm, test.
    Recover,
    /// Adds a member to the cluster (a learner, or a voting member).
    AddMember,
    /// Promotes a learner to a voting member.
    PromoteMember,
    /// Removes a member from the cluster.
    RemoveMember,
    /// Hands the leadership to another member.
    MoveLeader,
    /// Adds an etcd user.
    UserAdd,
    /// Deletes an etcd user.
    UserDelete,
    /// Changes an etcd user's password.
    UserPassword,
    /// Grants an etcd role to an etcd user.
    UserGrantRole,
    /// Revokes an etcd role from an etcd user.
    UserRevokeRole,
    /// Adds an etcd role.
    RoleAdd,
    /// Deletes an etcd role.
    RoleDelete,
    /// Lets an etcd role read or write a range of keys.
    RoleGrantPermission,
    /// Takes a range of keys away from an etcd role.
    RoleRevokePermission,
    /// Turns etcd's authentication on.
    AuthEnable,
    /// Turns etcd's authentication off.
    AuthDisable,
    /// Adds a user to etcd-deck's users file.
    LocalUserAdd,
    /// Removes a user from etcd-deck's users file.
    LocalUserRemove,
    /// Changes the etcd-deck role of a user of the users file.
    LocalUserRole,
    /// Changes the password of a user of the users file.
    LocalUserPassword,
}

impl Operation {
    pub const ALL: [Operation; 45] = [
        Operation::Create,
        Operation::Put,
        Operation::Append,
        Operation::Delete,
        Operation::LeaseAttach,
        Operation::LeaseDetach,
        Operation::LeaseGrant,
        Operation::LeaseRevoke,
        Operation::LeaseKeepAlive,
        Operation::Restore,
        Operation::Undelete,
        Operation::Copy,
        Operation::Move,
        Operation::CopySelection,
        Operation::MoveSelection,
        Operation::DeleteSelection,
        Operation::CopyPrefix,
        Operation::Import,
        Operation::MovePrefix,
        Operation::DeletePrefix,
        Operation::Compact,
        Operation::Defragment,
        Operation::Disarm,
        Operation::Snapshot,
        Operation::ConsistencyCheck,
        Operation::Recover,
        Operation::AddMember,
        Operation::PromoteMember,
        Operation::RemoveMember,
        Operation::MoveLeader,
        Operation::UserAdd,
        Operation::UserDelete,
        Operation::UserPassword,
        Operation::UserGrantRole,
        Operation::UserRevokeRole,
        Operation::RoleAdd,
        Operation::RoleDelete,
        Operation::RoleGrantPermission,
        Operation::RoleRevokePermission,
        Operation::AuthEnable,
        Operation::AuthDisable,
        Operation::LocalUserAdd,
        Operation::LocalUserRemove,
        Operation::LocalUserRole,
        Operation::LocalUserPassword,
    ];

    /// Its name in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Put => "put",
            Operation::Append => "append",
            Operation::Delete => "delete",
            Operation::LeaseAttach => "lease_attach",
            Operation::LeaseDetach => "lease_detach",
            Operation::LeaseGrant => "lease_grant",
            Operation::LeaseRevoke => "lease_revoke",
            Operation::LeaseKeepAlive => "lease_keep_alive",
            Operation::Restore => "restore",
            Operation::Undelete => "undelete",
            Operation::Copy => "copy",
            Operation::Move => "move",
            Operation::CopySelection => "copy_selection",
            Operation::MoveSelection => "move_selection",
            Operation::DeleteSelection => "delete_selection",
            Operation::CopyPrefix => "copy_prefix",
            Operation::Import => "import",
            Operation::MovePrefix => "move_prefix",
            Operation::DeletePrefix => "delete_prefix",
            Operation::Compact => "compact",
            Operation::Defragment => "defragment",
            Operation::Disarm => "disarm",
            Operation::Snapshot => "snapshot",
            Operation::ConsistencyCheck => "consistency_check",
            Operation::Recover => "recover",
            Operation::AddMember => "add_member",
            Operation::PromoteMember => "promote_member",
            Operation::RemoveMember => "remove_member",
            Operation::MoveLeader => "move_leader",
            Operation::UserAdd => "user_add",
            Operation::UserDelete => "user_delete",
            Operation::UserPassword => "user_password",
            Operation::UserGrantRole => "user_grant_role",
            Operation::UserRevokeRole => "user_revoke_role",
            Operation::RoleAdd => "role_add",
            Operation::RoleDelete => "role_delete",
            Operation::RoleGrantPermission => "role_grant_permission",
            Operation::RoleRevokePermission => "role_revoke_permission",
            Operation::AuthEnable => "auth_enable",
            Operation::AuthDisable => "auth_disable",
            Operation::LocalUserAdd => "local_user_add",
            Operation::LocalUserRemove => "local_user_remove",
            Operation::LocalUserRole => "local_user_role",
            Operation::LocalUserPassword => "local_user_password",
        }
    }

    /// The role it takes.
    pub fn role(self) -> Role {
        match self {
            Operation::MovePrefix | Operation::DeletePrefix => Role::Admin,
            operation if operation.is_maintenance() || operation.is_administration() => Role::Admin,
            _ => Role::Editor,
        }
    }

    /// Whether it maintains the cluster rather than its keys: for etcd's root role or
    /// etcd-deck's admin only.
    pub fn is_maintenance(self) -> bool {
        matches!(
            self,
            Operation::Compact
                | Operation::Defragment
                | Operation::Disarm
                | Operation::Snapshot
                | Operation::ConsistencyCheck
                | Operation::Recover
                | Operation::AddMember
                | Operation::PromoteMember
                | Operation::RemoveMember
                | Operation::MoveLeader
        )
    }

    /// Whether it changes who may do what: etcd's users, roles and authentication, or
    /// etcd-deck's users file. For etcd's root role or etcd-deck's admin only, like maintenance.
    pub fn is_administration(self) -> bool {
        matches!(
            self,
            Operation::UserAdd
                | Operation::UserDelete
                | Operation::UserPassword
                | Operation::UserGrantRole
                | Operation::UserRevokeRole
                | Operation::RoleAdd
                | Operation::RoleDelete
                | Operation::RoleGrantPermission
                | Operation::RoleRevokePermission
                | Operation::AuthEnable
                | Operation::AuthDisable
                | Operation::LocalUserAdd
                | Operation::LocalUserRemove
                | Operation::LocalUserRole
                | Operation::LocalUserPassword
        )
    }
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// How people sign in to this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// Nobody signs in (loopback only, unless insecure on purpose); if etcd requires
    /// authentication, people sign in as etcd users all the same.
    None,
    /// With etcd user names and passwords; etcd's roles decide.
    Etcd,
    /// With the users file's names and passwords; its roles decide.
    UsersFile,
}

impl SignInMethod {
    /// The method as the page's `data-sign-in` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::None => "none",
            SignInMethod::Etcd => "etcd",
            SignInMethod::UsersFile => "users_file",
        }
    }
}

/// The person a page is shown to: what the top bar says, and which controls a page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Viewer {
    /// The signed-in user's name; none when nobody is signed in.
    pub name: Option<String>,
    /// The etcd-deck role, for users from a users file.
    pub role: Option<Role>,
    /// Why this person may not write, when they may not: read-only mode or a viewer role.
    /// etcd's own roles are only known when etcd is asked.
    pub read_only: Option<String>,
}

impl Viewer {
    pub fn may_write(&self) -> bool {
        self.read_only.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_written_as_they_are_named() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

#[cfg(test)]
mod reach_tests {
    use super::*;

    /// The README's table of what each role may do, as (operation, role) rows.
    fn readme_table() -> Vec<(String, String)> {
        let readme = include_str!("../../README.md");
        let (_, table) = readme
            .split_once("| Operation | Role |")
            .expect("the README has the table of roles");
        table
            .lines()
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                (cells[1].trim_matches('`').to_string(), cells[2].to_string())
            })
            .collect()
    }

    #[test]
    fn the_readmes_table_of_roles_is_the_one_the_code_uses() {
        let code: Vec<(String, String)> = Operation::ALL
            .iter()
            .map(|operation| {
                let role = operation.role().as_str();
                (operation.as_str().to_string(), role.to_string())
            })
            .collect();
        assert_eq!(readme_table(), code);
        for operation in Operation::ALL {
            let named = serde_json::to_value(operation).unwrap();
            assert_eq!(named, operation.as_str(), "serde and the audit log agree");
        }
    }
}
