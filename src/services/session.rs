//! Sessions that any etcd-deck process sharing the session key can honour: everything a session
//! needs is sealed (AES-256-GCM) into the token the browser keeps in a cookie, or an API client
//! sends as a bearer token. The one state a process keeps is the ids of the sessions signed out
//! through it, until they would have ended anyway: a signed-out token is refused there at once.
//! Processes share no state, so another replica honours it until it idles out. Each process also
//! notes the sessions used through it, to say how many are in use (see [`SessionCodec::in_use`]).

use crate::domain::AppError;
use aes_gcm::{
    aead::{Aead, AeadCore, KeyInit, OsRng},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Who a session is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// An etcd user. The password is needed to authenticate again when etcd's token expires, on
    /// any process; it never leaves the sealed token.
    Etcd { name: String, password: String },
    /// A user of the users file, with the fingerprint of the password hash signed in with.
    Local { name: String, fingerprint: String },
}

impl Subject {
    pub fn name(&self) -> &str {
        match self {
            Subject::Etcd { name, .. } | Subject::Local { name, .. } => name,
        }
    }
}

/// A session: its id, who, when it began, and when it was last used (both in seconds since
/// 1970).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Random, and kept when the token is sealed anew: what signing out ends.
    pub id: String,
    pub subject: Subject,
    pub issued: u64,
    pub seen: u64,
}

impl Session {
    pub fn new(subject: Subject) -> Session {
        let now = now();
        Session {
            id: super::stash::new_id(),
            subject,
            issued: now,
            seen: now,
        }
    }
}

/// Seals and opens session tokens, and knows how long sessions last.
pub struct SessionCodec {
    cipher: Aes256Gcm,
    /// A session not used for this long has ended.
    pub idle: Duration,
    /// No session lasts longer than this.
    pub max: Duration,
    ledger: Mutex<Ledger>,
}

/// Sessions beyond this many noted in use, those that ended are dropped.
const MAX_NOTED: usize = 10_000;

/// What a process notes of sessions, by id; times in seconds since 1970.
#[derive(Default)]
struct Ledger {
    /// The sessions signed out here, with the time they end anyway.
    signed_out: HashMap<String, u64>,
    /// The sessions begun or used here, with when they were issued and last used.
    in_use: HashMap<String, (u64, u64)>,
}

impl SessionCodec {
    /// A codec with a key only this process knows: its sessions end when it stops.
    pub fn ephemeral(idle: Duration, max: Duration) -> SessionCodec {
        let key = Aes256Gcm::generate_key(&mut OsRng);
        SessionCodec {
            cipher: Aes256Gcm::new(&key),
            idle,
            max,
            ledger: Mutex::default(),
        }
    }

    /// A codec with the key in `path`, made (readable by its owner only) when the file does not
    /// exist yet. Processes given the same file honour each other's sessions.
    pub fn from_key_file(path: &Path, idle: Duration, max: Duration) -> Result<Self, String> {
        let secret = match std::fs::read(path) {
            Ok(secret) => secret,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let secret = URL_SAFE_NO_PAD.encode(Aes256Gcm::generate_key(&mut OsRng));
                create_private(path, secret.as_bytes())
                    .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
                secret.into_bytes()
            }
            Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
        };
        if secret.trim_ascii().len() < 32 {
            return Err(format!(
                "the session key in {} is too short: it needs at least 32 characters",
                path.display()
            ));
        }
        let key: [u8; 32] = Sha256::digest(secret.trim_ascii()).into();
        Ok(SessionCodec {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
            idle,
            max,
            ledger: Mutex::default(),
        })
    }

    /// The sealed token of `session`, which is in use from now on.
    pub fn seal(&self, session: &Session) -> String {
        self.note_used(&mut self.ledger(), session, session.seen);
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut plain = serde_json::to_vec(session).unwrap_or_default();
        // Padded with spaces (which JSON ignores) to a multiple of the block, so that a
        // token's length says nothing of the password sealed in it.
        plain.resize(plain.len().div_ceil(PAD_TO) * PAD_TO, b' ');
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_slice())
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The session sealed in `token`, if this codec's key sealed it and it has not ended.
    pub fn open(&self, token: &str) -> Result<Session, AppError> {
        let ended = |why: &str| AppError::Unauthenticated {
            message: format!("{why}: sign in again"),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| ended("the session token is malformed"))?;
        if bytes.len() < 12 {
            return Err(ended("the session token is malformed"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| ended("the session is not one this server issued"))?;
        let session: Session =
            serde_json::from_slice(&plain).map_err(|_| ended("the session token is malformed"))?;
        let now = now();
        if now.saturating_sub(session.issued) > self.max.as_secs() {
            return Err(ended("the session has ended"));
        }
        if now.saturating_sub(session.seen) > self.idle.as_secs() {
            return Err(ended("the session ended after being idle"));
        }
        let mut ledger = self.ledger();
        if ledger.signed_out.contains_key(&session.id) {
            return Err(ended("this session was signed out"));
        }
        self.note_used(&mut ledger, &session, now);
        Ok(session)
    }

    /// Ends the session sealed in `token`, if it is one: it is refused from now on.
    pub fn sign_out(&self, token: &str) {
        let Ok(session) = self.open(token) else {
            return;
        };
        let ends = session.issued + self.max.as_secs();
        let mut ledger = self.ledger();
        let now = now();
        ledger.signed_out.retain(|_, ends| *ends >= now);
        ledger.in_use.remove(&session.id);
        ledger.signed_out.insert(session.id, ends);
    }

    /// How many sessions are in use through this process: begun or used here, not signed out,
    /// not idle for longer than [`SessionCodec::idle`] nor older than [`SessionCodec::max`].
    pub fn in_use(&self) -> usize {
        let mut ledger = self.ledger();
        self.forget_ended(&mut ledger, now());
        ledger.in_use.len()
    }

    /// Notes that `session` was used at `at`.
    fn note_used(&self, ledger: &mut Ledger, session: &Session, at: u64) {
        match ledger.in_use.get_mut(&session.id) {
            Some(used) => used.1 = at,
            None => {
                if ledger.in_use.len() >= MAX_NOTED {
                    self.forget_ended(ledger, at);
                }
                ledger
                    .in_use
                    .insert(session.id.clone(), (session.issued, at));
            }
        }
    }

    fn forget_ended(&self, ledger: &mut Ledger, now: u64) {
        let (idle, max) = (self.idle.as_secs(), self.max.as_secs());
        ledger.in_use.retain(|_, (issued, seen)| {
            now.saturating_sub(*seen) <= idle && now.saturating_sub(*issued) <= max
        });
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A sealed session's text is padded to a multiple of this many bytes.
const PAD_TO: usize = 256;

/// Seconds since 1970.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn alice() -> Session {
        Session::new(Subject::Etcd {
            name: "alice".into(),
            password: "secret".into(),
        })
    }

    #[test]
    fn a_token_opens_only_with_its_key_and_hides_the_password() {
        let codec = SessionCodec::ephemeral(HOUR, HOUR);
        let session = alice();
        let token = codec.seal(&session);
        assert!(!token.contains("secret") && !token.contains("alice"));
        assert_eq!(codec.open(&token).unwrap(), session);
        let other = SessionCodec::ephemeral(HOUR, HOUR);
        assert_eq!(other.open(&token).unwrap_err().status().as_u16(), 401);
        let mut tampered = token.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(codec.open(&tampered).is_err());
        assert!(codec.open("").is_err());
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let codec = SessionCodec::ephemeral(Duration::from_secs(60), HOUR);
        let mut idle = alice();
        idle.seen -= 61;
        assert!(codec.open(&codec.seal(&idle)).is_err());
        let mut old = alice();
        old.issued -= 3601;
        assert!(codec.open(&codec.seal(&old)).is_err());
    }

    #[test]
    fn a_tokens_length_says_nothing_of_the_password() {
        let codec = SessionCodec::ephemeral(HOUR, HOUR);
        let with = |password: &str| {
            codec.seal(&Session::new(Subject::Etcd {
                name: "alice".into(),
                password: password.into(),
            }))
        };
        let (short, long) = (with("a"), with(&"a".repeat(100)));
        assert_eq!(short.len(), long.len());
        assert!(codec.open(&long).is_ok());
    }

    #[test]
    fn a_signed_out_session_is_refused_however_it_was_sealed_since() {
        let codec = SessionCodec::ephemeral(HOUR, HOUR);
        let session = alice();
        let (token, resealed) = (codec.seal(&session), codec.seal(&session));
        let other = codec.seal(&alice());
        codec.sign_out(&token);
        assert!(codec.open(&token).is_err());
        assert!(
            codec.open(&resealed).is_err(),
            "the same session sealed anew"
        );
        assert!(
            codec.open(&other).is_ok(),
            "another session of the same user"
        );
    }

    #[test]
    fn sessions_are_in_use_from_sign_in_until_sign_out_or_idle() {
        let codec = SessionCodec::ephemeral(Duration::from_secs(60), HOUR);
        assert_eq!(codec.in_use(), 0);
        let token = codec.seal(&alice());
        let other = codec.seal(&alice());
        assert_eq!(codec.in_use(), 2);
        codec.open(&token).unwrap();
        assert_eq!(
            codec.in_use(),
            2,
            "a session used again is the same session"
        );
        codec.sign_out(&token);
        assert_eq!(codec.in_use(), 1);
        let mut idle = alice();
        idle.seen -= 61;
        codec.seal(&idle);
        assert_eq!(codec.in_use(), 1, "an idle session is not in use");
        codec.sign_out(&other);
        assert_eq!(codec.in_use(), 0);
    }

    #[test]
    fn processes_with_one_key_file_share_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.key");
        let first = SessionCodec::from_key_file(&path, HOUR, HOUR).unwrap();
        let second = SessionCodec::from_key_file(&path, HOUR, HOUR).unwrap();
        let session = alice();
        assert_eq!(second.open(&first.seal(&session)).unwrap(), session);
        std::fs::write(dir.path().join("short"), "abc").unwrap();
        assert!(SessionCodec::from_key_file(&dir.path().join("short"), HOUR, HOUR).is_err());
    }
}
