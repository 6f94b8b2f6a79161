//! A change of users, roles or authentication as the access page carries it: the query of its
//! confirmation (`/access?do=grant_permission&role=app&permits=readwrite&kind=prefix&key=/app/`),
//! the hidden fields of the form that confirms it, and the query of the page it lands on after
//! (`done=` instead of `do=`). Keys here are text; other bytes go through the REST API.
//!
//! A change with a password never travels this way: a password is posted once, from its own form.

use super::{AccessChange, Action, KeyRange, Permission, Permits, Target};
use crate::domain::key::{percent_encode_bytes, Key};

/// The fields of a change, all text, empty where the change has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeFields {
    /// What it does: `grant_role`, `delete_user`… as in [`AccessChange`]'s tags; `auth_on`
    /// and `auth_off` for authentication.
    pub change: String,
    pub user: String,
    pub role: String,
    /// `read`, `write` or `readwrite`, for a permission granted.
    pub permits: String,
    /// How a range is given (see [`form_range`]).
    pub kind: String,
    pub key: String,
    pub to: String,
}

impl ChangeFields {
    /// The fields' names, in the order of [`ChangeFields::values`].
    pub const NAMES: [&'static str; 7] = ["change", "user", "role", "permits", "kind", "key", "to"];

    pub fn values(&self) -> [&str; 7] {
        [
            &self.change,
            &self.user,
            &self.role,
            &self.permits,
            &self.kind,
            &self.key,
            &self.to,
        ]
    }

    /// Reads them with `field`, which answers a field's text by its name (a missing one is
    /// empty).
    pub fn read(field: impl Fn(&str) -> Option<String>) -> ChangeFields {
        let text = |name| field(name).unwrap_or_default();
        ChangeFields {
            change: text("change"),
            user: text("user"),
            role: text("role"),
            permits: text("permits"),
            kind: text("kind"),
            key: text("key"),
            to: text("to"),
        }
    }

    /// The change they describe, or why they describe none.
    pub fn parse(&self) -> Result<AccessChange, String> {
        let user = || self.user.clone();
        let role = || self.role.clone();
        let change = match self.change.as_str() {
            "delete_user" => AccessChange::DeleteUser { name: user() },
            "grant_role" => AccessChange::GrantRole {
                user: user(),
                role: role(),
            },
            "revoke_role" => AccessChange::RevokeRole {
                user: user(),
                role: role(),
            },
            "add_role" => AccessChange::AddRole { name: role() },
            "delete_role" => AccessChange::DeleteRole { name: role() },
            "grant_permission" => AccessChange::GrantPermission {
                role: role(),
                permission: Permission {
                    permits: Permits::parse(&self.permits)
                        .ok_or("Choose read, write or readwrite.")?,
                    range: form_range(&self.kind, &self.key, &self.to)?,
                },
            },
            "revoke_permission" => AccessChange::RevokePermission {
                role: role(),
                range: form_range(&self.kind, &self.key, &self.to)?,
            },
            "auth_on" => AccessChange::Authentication { on: true },
            "auth_off" => AccessChange::Authentication { on: false },
            other => return Err(format!("{other:?} is no change the access page makes.")),
        };
        change.check()?;
        Ok(change)
    }

    /// What was done, for the page a change lands on (`add_user` and `change_password` are
    /// known here, though they carry no password: the page they land on says they were done).
    pub fn done(&self) -> Option<String> {
        let change = match self.change.as_str() {
            "add_user" => AccessChange::AddUser {
                name: self.user.clone(),
                password: None,
            },
            "change_password" => AccessChange::ChangePassword {
                name: self.user.clone(),
                password: super::Secret(String::new()),
            },
            _ => self.parse().ok()?,
        };
        Some(change.done())
    }

    /// The fields of `change`, never its password; `None` where its keys are not text.
    pub fn of(change: &AccessChange) -> Option<ChangeFields> {
        let named = |change: &str, user: &str, role: &str| ChangeFields {
            change: change.into(),
            user: user.into(),
            role: role.into(),
            ..ChangeFields::default()
        };
        let with_range = |mut fields: ChangeFields, range: &KeyRange| {
            let (kind, key, to) = form_fields(range)?;
            (fields.kind, fields.key, fields.to) = (kind.into(), key, to);
            Some(fields)
        };
        Some(match change {
            AccessChange::AddUser { name, .. } => named("add_user", name, ""),
            AccessChange::ChangePassword { name, .. } => named("change_password", name, ""),
            AccessChange::DeleteUser { name } => named("delete_user", name, ""),
            AccessChange::GrantRole { user, role } => named("grant_role", user, role),
            AccessChange::RevokeRole { user, role } => named("revoke_role", user, role),
            AccessChange::AddRole { name } => named("add_role", "", name),
            AccessChange::DeleteRole { name } => named("delete_role", "", name),
            AccessChange::GrantPermission { role, permission } => {
                let mut fields = named("grant_permission", "", role);
                fields.permits = permission.permits.word().into();
                with_range(fields, &permission.range)?
            }
            AccessChange::RevokePermission { role, range } => {
                with_range(named("revoke_permission", "", role), range)?
            }
            AccessChange::Authentication { on: true } => named("auth_on", "", ""),
            AccessChange::Authentication { on: false } => named("auth_off", "", ""),
        })
    }

    /// The query that carries them, `field` naming the change (`do` to confirm it, `done` once
    /// done); empty fields are left out.
    pub fn query(&self, field: &str) -> String {
        let encode = |text: &str| percent_encode_bytes(text.as_bytes());
        let mut query = format!("{field}={}", encode(&self.change));
        for (name, value) in Self::NAMES.iter().zip(self.values()).skip(1) {
            if !value.is_empty() {
                query.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        query
    }
}

/// The range a form gives as `kind` and its keys: `everything`; `prefix`, `key` or `from_key`
/// with `key`; `range` from `key` up to `to`.
pub fn form_range(kind: &str, key: &str, to: &str) -> Result<KeyRange, String> {
    let key = || Key::new(key.as_bytes().to_vec());
    Ok(match kind {
        "everything" => KeyRange::Everything,
        "prefix" if key().is_empty() => KeyRange::Everything,
        "prefix" => KeyRange::Prefix { prefix: key() },
        "key" => KeyRange::Key { key: key() },
        "from_key" => KeyRange::FromKey { from: key() },
        "range" => KeyRange::Range {
            from: key(),
            to: Key::new(to.as_bytes().to_vec()),
        },
        _ => return Err(
            "Choose what the range is: a prefix, one key, from a key on, a range, or everything."
                .into(),
        ),
    })
}

/// A range as a form's `kind`, `key` and `to`; `None` when its keys are not text.
pub fn form_fields(range: &KeyRange) -> Option<(&'static str, String, String)> {
    let text = |key: &Key| String::from_utf8(key.as_bytes().to_vec()).ok();
    Some(match range {
        KeyRange::Everything => ("everything", String::new(), String::new()),
        KeyRange::Prefix { prefix } => ("prefix", text(prefix)?, String::new()),
        KeyRange::Key { key } => ("key", text(key)?, String::new()),
        KeyRange::FromKey { from } => ("from_key", text(from)?, String::new()),
        KeyRange::Range { from, to } => ("range", text(from)?, text(to)?),
    })
}

/// What the access page is asked about as a form gives it: `kind` `key` or `prefix`, and the
/// key. An empty prefix is every key.
pub fn form_target(kind: &str, key: &str) -> Result<Target, String> {
    let key = Key::new(key.as_bytes().to_vec());
    match kind {
        "key" if key.is_empty() => Err("Name the key.".into()),
        "key" => Ok(Target::Key { key }),
        "prefix" => Ok(Target::Prefix { prefix: key }),
        _ => Err("Ask about one key or a prefix.".into()),
    }
}

/// `read` or `write`, as a form gives it.
pub fn form_action(word: &str) -> Result<Action, String> {
    match word {
        "read" => Ok(Action::Read),
        "write" => Ok(Action::Write),
        _ => Err("Ask who may read or who may write.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    fn key(text: &str) -> Key {
        Key::new(text.as_bytes())
    }

    #[test]
    fn a_change_goes_through_its_form_and_back() {
        let changes = [
            AccessChange::DeleteUser {
                name: "ü <b>".into(),
            },
            AccessChange::GrantRole {
                user: "a b".into(),
                role: "r&x=1".into(),
            },
            AccessChange::RevokeRole {
                user: "u".into(),
                role: "r".into(),
            },
            AccessChange::AddRole { name: "r#1".into() },
            AccessChange::DeleteRole {
                name: "r%2F".into(),
            },
            AccessChange::GrantPermission {
                role: "r".into(),
                permission: Permission {
                    permits: Permits::Write,
                    range: KeyRange::Range {
                        from: key("/a?b"),
                        to: key("/c d"),
                    },
                },
            },
            AccessChange::RevokePermission {
                role: "r".into(),
                range: KeyRange::Prefix {
                    prefix: key("/app/"),
                },
            },
            AccessChange::RevokePermission {
                role: "r".into(),
                range: KeyRange::Everything,
            },
            AccessChange::Authentication { on: true },
            AccessChange::Authentication { on: false },
        ];
        for change in changes {
            let fields = ChangeFields::of(&change).unwrap();
            assert_eq!(fields.parse(), Ok(change.clone()));
            // Through its URL too, as the confirmation reads it.
            let query = fields.query("do");
            let text = |name: &str| {
                crate::urls::query_param(&query, name).map(|b| String::from_utf8(b).unwrap())
            };
            let read = ChangeFields {
                change: text("do").unwrap(),
                ..ChangeFields::read(text)
            };
            assert_eq!(read.parse(), Ok(change.clone()), "{query}");
            assert_eq!(read.done(), Some(change.done()));
        }
    }

    #[test]
    fn a_form_never_carries_a_password_nor_makes_a_user() {
        let change = AccessChange::ChangePassword {
            name: "u".into(),
            password: Secret("secret".into()),
        };
        let fields = ChangeFields::of(&change).unwrap();
        assert!(!fields.query("done").contains("secret"));
        assert_eq!(fields.done().as_deref(), Some("Changed the password of u."));
        // A password change or a new user is posted from its own form, never confirmed by URL.
        assert!(fields.parse().is_err());
        let made = ChangeFields {
            change: "add_user".into(),
            user: "u".into(),
            ..ChangeFields::default()
        };
        assert!(made.parse().is_err());
        // Keys that are not text are for the REST API.
        let binary = AccessChange::RevokePermission {
            role: "r".into(),
            range: KeyRange::Key {
                key: Key::new(vec![0xff]),
            },
        };
        assert_eq!(ChangeFields::of(&binary), None);
    }

    #[test]
    fn forms_refuse_what_they_cannot_mean() {
        let fields = |change: &str, kind: &str, key: &str| ChangeFields {
            change: change.into(),
            role: "r".into(),
            permits: "readwrite".into(),
            kind: kind.into(),
            key: key.into(),
            ..ChangeFields::default()
        };
        assert!(fields("grant_permission", "nonsense", "/a")
            .parse()
            .is_err());
        assert!(fields("grant_permission", "key", "").parse().is_err());
        assert!(fields("revoke_permission", "range", "/b").parse().is_err());
        assert!(fields("drop_everything", "key", "/a").parse().is_err());
        assert_eq!(
            fields("grant_permission", "prefix", "").parse(),
            Ok(AccessChange::GrantPermission {
                role: "r".into(),
                permission: Permission {
                    permits: Permits::ReadWrite,
                    range: KeyRange::Everything
                }
            })
        );
        assert!(form_target("key", "").is_err());
        assert_eq!(
            form_target("prefix", ""),
            Ok(Target::Prefix {
                prefix: Key::default()
            })
        );
        assert!(form_action("delete").is_err());
    }
}
