//! Who is using etcd-deck and what they may do, as the pages and the API show it.

use serde::{Deserialize, Serialize};

/// An etcd-deck role, for people signed in from a users file. People signed in as etcd users
/// have no etcd-deck role: etcd's own roles decide for them.
/// Roles are ordered: each may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads keys and the cluster.
    Viewer,
    /// Also creates, changes and deletes single keys.
    Editor,
    /// Also deletes whole prefixes.
    Admin,
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
