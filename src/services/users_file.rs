//! Changes of the users file, from the access page or `etcd-deck user`: each one reads the file,
//! changes one user's line and writes the file back whole, as a new file renamed over the old,
//! under a lock beside it (`<file>.lock`). Two changes at once (two processes, the page and the
//! CLI) never lose each other's line, a sign-in reading the file meanwhile finds the old file
//! or the new one, never part of one, and comments and blank lines stay as they were. The
//! running servers read the file again when it changes ([`super::users::UsersFile::get`]).

use super::users::check_user_name;
use crate::domain::access::{LocalAccount, Role};
use crate::domain::grants::Secret;
use crate::domain::AppError;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHasher, SaltString},
    Argon2,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// One change of the users file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalChange {
    /// Adds `name`, or gives them `role` and, when given, a new password (a new user needs one).
    Set {
        name: String,
        role: Role,
        password: Option<Secret>,
    },
    Remove {
        name: String,
    },
}

impl LocalChange {
    pub fn name(&self) -> &str {
        match self {
            LocalChange::Set { name, .. } | LocalChange::Remove { name } => name,
        }
    }
}

/// The users the file holds, with their roles, in the file's order.
pub fn list(path: &Path) -> Result<Vec<LocalAccount>, AppError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        AppError::internal(format!(
            "cannot read the users file {}: {err}",
            path.display()
        ))
    })?;
    Ok(text.lines().filter_map(account).map(|(a, _)| a).collect())
}

/// Makes `change`, and answers what was done in a sentence. Refused: a new user without a
/// password, removing a user the file does not hold, and leaving the file without an admin
/// when it had one (nobody could manage it from the page again).
pub fn apply(path: &Path, change: &LocalChange) -> Result<String, AppError> {
    check_user_name(change.name()).map_err(AppError::invalid)?;
    // Hashing is slow on purpose: done before the lock is taken.
    let hash = match change {
        LocalChange::Set {
            password: Some(password),
            ..
        } => Some(hash(&password.0).map_err(AppError::invalid)?),
        _ => None,
    };
    let _lock = lock(path).map_err(AppError::internal)?;
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => {
            return Err(AppError::internal(format!(
                "cannot read {}: {err}",
                path.display()
            )))
        }
    };
    let admins = |text: &str| {
        text.lines()
            .filter_map(account)
            .filter(|(a, _)| a.role == Role::Admin)
            .count()
    };
    let (new, done) = changed(&old, change, hash.as_deref())?;
    if admins(&old) > 0 && admins(&new) == 0 {
        return Err(AppError::Unsafe {
            message: format!(
                "{} is the last admin of the users file: give another user the admin role first, \
             or nobody could manage the file from etcd-deck again",
                change.name()
            ),
        });
    }
    write_private(path, &new)
        .map_err(|err| AppError::internal(format!("cannot write {}: {err}", path.display())))?;
    Ok(done)
}

/// The file's text after `change`, and what was done.
fn changed(
    old: &str,
    change: &LocalChange,
    hash: Option<&str>,
) -> Result<(String, String), AppError> {
    let name = change.name();
    let held = |line: &&str| account(line).is_some_and(|(a, _)| a.name == name);
    let existing = old.lines().find(held).and_then(account);
    let mut lines: Vec<String> = Vec::new();
    let done = match (change, existing) {
        (LocalChange::Remove { .. }, None) => {
            return Err(AppError::NoSuchName {
                owner: "the users file".into(),
                what: "user".into(),
                name: name.into(),
            })
        }
        (LocalChange::Remove { .. }, Some(_)) => {
            lines.extend(old.lines().filter(|line| !held(line)).map(str::to_string));
            format!("Removed {name} from the users file.")
        }
        (LocalChange::Set { role, .. }, None) => {
            let hash = hash
                .ok_or_else(|| AppError::invalid(format!("{name} is new: give them a password")))?;
            lines.extend(old.lines().map(str::to_string));
            lines.push(format!("{name}:{}:{hash}", role.as_str()));
            format!("Added {name} as a {}.", role.as_str())
        }
        (LocalChange::Set { role, .. }, Some((_, old_hash))) => {
            let hash = hash.unwrap_or(old_hash);
            let line = format!("{name}:{}:{hash}", role.as_str());
            lines.extend(old.lines().map(|l| {
                if held(&l) {
                    line.clone()
                } else {
                    l.to_string()
                }
            }));
            match hash == old_hash {
                true => format!("{name} is now a {}.", role.as_str()),
                false => format!("{name} is now a {}, with the new password.", role.as_str()),
            }
        }
    };
    Ok((lines.join("\n") + "\n", done))
}

/// A user's line, read as the server reads it: the account and its hash; `None` for a
/// comment, a blank line or a line the server would refuse.
fn account(line: &str) -> Option<(LocalAccount, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.splitn(3, ':');
    let (name, role, hash) = (fields.next()?, fields.next()?, fields.next()?);
    let account = LocalAccount {
        name: name.to_string(),
        role: Role::parse(role)?,
    };
    Some((account, hash))
}

fn hash(password: &str) -> Result<String, String> {
    if password.is_empty() {
        return Err("the password must not be empty".into());
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| format!("could not hash the password: {err}"))
}

/// The lock beside the file, held until dropped (the file itself is replaced by each change,
/// so it cannot carry the lock).
fn lock(path: &Path) -> Result<std::fs::File, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let at = sibling(path, ".lock");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&at)
        .map_err(|err| format!("cannot open the lock {}: {err}", at.display()))?;
    file.lock()
        .map_err(|err| format!("cannot lock {}: {err}", at.display()))?;
    Ok(file)
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes `text` to `path` through a new file beside it, named for this process and write,
/// readable by its owner only, then renamed over `path`.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let write = WRITES.fetch_add(1, Ordering::Relaxed);
    let temporary = sibling(path, &format!(".{}.{write}.tmp", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, role: Role, password: Option<&str>) -> LocalChange {
        LocalChange::Set {
            name: name.into(),
            role,
            password: password.map(|p| Secret(p.into())),
        }
    }

    #[test]
    fn changes_keep_the_other_lines_and_the_last_admin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        std::fs::write(&path, "# the team\n\n").unwrap();
        apply(&path, &set("ada", Role::Admin, Some("pw-a"))).unwrap();
        apply(&path, &set("bob", Role::Viewer, Some("pw-b"))).unwrap();
        let done = apply(&path, &set("bob", Role::Editor, None)).unwrap();
        assert_eq!(done, "bob is now a editor.");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# the team\n\nada:admin:$argon2"),
            "{text}"
        );
        let users = super::super::users::UsersFile::load(&path).unwrap();
        assert!(
            users.get("bob").unwrap().verify("pw-b"),
            "the password kept"
        );
        assert_eq!(users.get("bob").unwrap().role, Role::Editor);

        // The last admin stays, removed or demoted; with another admin, either goes.
        let last = apply(&path, &LocalChange::Remove { name: "ada".into() }).unwrap_err();
        assert!(last.to_string().contains("last admin"), "{last}");
        assert!(apply(&path, &set("ada", Role::Viewer, None)).is_err());
        let new = apply(&path, &set("cy", Role::Admin, None)).unwrap_err();
        assert!(new.to_string().contains("password"), "{new}");
        apply(&path, &set("bob", Role::Admin, None)).unwrap();
        apply(&path, &LocalChange::Remove { name: "ada".into() }).unwrap();
        let names: Vec<String> = list(&path).unwrap().into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["bob"]);
        assert!(apply(&path, &LocalChange::Remove { name: "ada".into() }).is_err());
        // Nothing is left beside the file but its lock.
        let mut files: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        assert_eq!(files, ["users", "users.lock"]);
    }

    #[test]
    fn changes_at_once_lose_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        apply(&path, &set("root", Role::Admin, Some("pw"))).unwrap();
        std::thread::scope(|scope| {
            for n in 0..8 {
                let path = &path;
                scope.spawn(move || {
                    apply(path, &set(&format!("u{n}"), Role::Viewer, Some("pw"))).unwrap();
                });
            }
        });
        assert_eq!(list(&path).unwrap().len(), 9);
    }
}
