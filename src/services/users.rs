//! The users file: etcd-deck's own users, for an etcd without authentication.
//!
//! One user per line, `name:role:argon2-hash`, where the role is `viewer`, `editor` or `admin`;
//! blank lines and lines starting with `#` are ignored. `etcd-deck user add` and the access page
//! change it ([`super::users_file`]). The file
//! is read again whenever it changes, so removing a line ends that user's sessions.

use crate::domain::access::Role;
use argon2::{
    password_hash::{self, rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::SystemTime;

/// One user of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalUser {
    pub role: Role,
    /// The password's argon2 hash, in PHC string form.
    hash: String,
}

impl LocalUser {
    /// Whether `password` is this user's. Slow on purpose (argon2): call it off the async
    /// threads. The argon2 memory (19 MiB with the default parameters) is taken from a few
    /// buffers kept for it, not allocated anew: the allocator did not give freed ones back, so
    /// every check grew the process by their size.
    pub fn verify(&self, password: &str) -> bool {
        let Ok(hash) = PasswordHash::new(&self.hash) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
            return false;
        };
        let algorithm = Algorithm::try_from(hash.algorithm).unwrap_or_default();
        let version = hash
            .version
            .map_or(Ok(Version::default()), Version::try_from);
        let (Ok(version), Ok(params)) = (version, Params::try_from(&hash)) else {
            return false;
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let blocks = params.block_count();
        let argon2 = Argon2::new(algorithm, version, params);
        let mut memory = MEMORY.take(blocks);
        let output = Output::init_with(expected.len(), |out| {
            argon2
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt,
                    out,
                    &mut memory[..blocks],
                )
                .map_err(|_| password_hash::Error::Password)
        });
        MEMORY.give_back(memory);
        // `Output`'s comparison takes the same time wherever the first difference is.
        output.is_ok_and(|output| output == expected)
    }

    /// A user no password is known for: checking a name the file does not hold against it
    /// takes as long as checking a wrong password, so the time to refuse tells no names.
    pub fn unknown() -> &'static LocalUser {
        static UNKNOWN: OnceLock<LocalUser> = OnceLock::new();
        UNKNOWN.get_or_init(|| {
            let unguessable = SaltString::generate(&mut OsRng);
            let salt = SaltString::generate(&mut OsRng);
            let hash = Argon2::default()
                .hash_password(unguessable.as_str().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .unwrap_or_default();
            LocalUser {
                role: Role::Viewer,
                hash,
            }
        })
    }

    /// A short digest of the password hash: a session carries it, so that changing the
    /// password ends the sessions made with the old one.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.hash.as_bytes())[..12])
    }
}

/// The users file, as last read.
pub struct UsersFile {
    path: PathBuf,
    read: RwLock<(Option<SystemTime>, HashMap<String, LocalUser>)>,
}

impl UsersFile {
    /// Reads the file; a missing or malformed file is an error naming the line.
    pub fn load(path: &Path) -> Result<UsersFile, String> {
        let (modified, users) = read(path)?;
        Ok(UsersFile {
            path: path.to_path_buf(),
            read: RwLock::new((modified, users)),
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The user called `name`, from the file as it is now. If the file became unreadable, the
    /// last good reading is kept (and the problem logged).
    pub fn get(&self, name: &str) -> Option<LocalUser> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|meta| meta.modified())
            .ok();
        let stale = self
            .read
            .read()
            .map(|read| read.0 != modified)
            .unwrap_or(true);
        if stale {
            match read(&self.path) {
                Ok(fresh) => {
                    if let Ok(mut slot) = self.read.write() {
                        *slot = fresh;
                    }
                }
                Err(err) => tracing::error!("keeping the users file as last read: {err}"),
            }
        }
        let read = self.read.read().unwrap_or_else(|p| p.into_inner());
        read.1.get(name).cloned()
    }
}

/// argon2's working memory, kept between checks. [`super::attempts::Attempts`] lets only a few
/// run at once, so only a few buffers are ever made.
static MEMORY: BlockBuffers = BlockBuffers(Mutex::new(Vec::new()));

struct BlockBuffers(Mutex<Vec<Vec<Block>>>);

impl BlockBuffers {
    /// A buffer of at least `blocks` blocks.
    fn take(&self, blocks: usize) -> Vec<Block> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match kept {
            Some(buffer) if buffer.len() >= blocks => buffer,
            _ => vec![Block::default(); blocks],
        }
    }

    fn give_back(&self, buffer: Vec<Block>) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(buffer);
    }
}

/// A user name must fit the file: not empty, no `:` and no whitespace.
pub fn check_user_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains(':') || name.chars().any(char::is_whitespace) {
        return Err(format!(
            "the user name {name:?} must not be empty or contain ':' or whitespace"
        ));
    }
    Ok(())
}

/// Adds `name` with `role` and `password` to the users file at `path` (creating it, readable by
/// its owner only), or replaces that user's line (see [`super::users_file`]).
pub fn add_user(path: &Path, name: &str, role: Role, password: &str) -> Result<(), String> {
    if password.is_empty() {
        return Err("the password must not be empty".into());
    }
    let change = super::users_file::LocalChange::Set {
        name: name.to_string(),
        role,
        password: Some(crate::domain::grants::Secret(password.to_string())),
    };
    super::users_file::apply(path, &change)
        .map(drop)
        .map_err(|err| err.to_string())
}

type Reading = (Option<SystemTime>, HashMap<String, LocalUser>);

fn read(path: &Path) -> Result<Reading, String> {
    let modified = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok();
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the users file {}: {err}", path.display()))?;
    let mut users = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{}", path.display(), number + 1);
        let mut fields = line.splitn(3, ':');
        let (Some(name), Some(role), Some(hash)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("{}: expected name:role:hash", at()));
        };
        let role = Role::parse(role)
            .ok_or_else(|| format!("{}: unknown role {role:?} (viewer, editor or admin)", at()))?;
        PasswordHash::new(hash).map_err(|err| format!("{}: not an argon2 hash: {err}", at()))?;
        users.insert(
            name.to_string(),
            LocalUser {
                role,
                hash: hash.to_string(),
            },
        );
    }
    Ok((modified, users))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_users_sign_in_with_their_password_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        add_user(&path, "alice", Role::Editor, "correct horse").unwrap();
        add_user(&path, "bob", Role::Viewer, "battery").unwrap();
        let users = UsersFile::load(&path).unwrap();
        let alice = users.get("alice").unwrap();
        assert_eq!(alice.role, Role::Editor);
        assert!(alice.verify("correct horse"));
        assert!(!alice.verify("correct horse "));
        assert!(users.get("carol").is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("correct horse"), "only the hash is stored");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");

        // Replacing a user changes the fingerprint its sessions carry; the file is read again.
        let before = alice.fingerprint();
        std::thread::sleep(std::time::Duration::from_millis(20));
        add_user(&path, "alice", Role::Admin, "new").unwrap();
        let alice = users.get("alice").unwrap();
        assert_eq!(alice.role, Role::Admin);
        assert_ne!(alice.fingerprint(), before);
        assert_eq!(users.get("bob").unwrap().role, Role::Viewer);
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        std::fs::write(&path, "# team\n\nalice:root:$argon2id$x\n").unwrap();
        let err = UsersFile::load(&path).err().unwrap();
        assert!(err.contains(":3: unknown role"), "{err}");
        assert!(check_user_name("a b").is_err());
        assert!(check_user_name("a:b").is_err());
        assert!(add_user(&path, "alice", Role::Admin, "").is_err());
    }
}
