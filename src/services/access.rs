//! Who may use etcd-deck, and as whom each request acts.
//!
//! [`Access`] is made once at start. For each request it gives a [`Caller`]: the etcd handle
//! the request acts through (the signed-in etcd user's own, so etcd's roles decide), what
//! etcd-deck itself allows (read-only mode, users-file roles), and where the request came from,
//! for the audit log. Checking a password is slow (argon2) or a round trip (etcd's
//! Authenticate), so credentials once checked are remembered by a salted digest, never in clear,
//! while they are used and their user's password has not changed.

use super::attempts::Attempts;
use super::audit::AuditLog;
use super::caller::Caller;
use super::session::{SessionCodec, Subject};
use super::users::{LocalUser, UsersFile};
use crate::domain::access::{Role, SignInMethod};
use crate::domain::AppError;
use crate::etcd::Etcd;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Beyond this many remembered credentials, the stale ones are dropped.
const MAX_REMEMBERED: usize = 10_000;

/// What etcd-deck allows, besides what etcd allows.
pub struct AccessSettings {
    pub method: SignInMethod,
    pub users: Option<UsersFile>,
    pub read_only: bool,
    pub audit: AuditLog,
    pub sessions: SessionCodec,
}

impl AccessSettings {
    /// Nobody signs in, everyone may write, nothing is audited.
    pub fn open() -> AccessSettings {
        AccessSettings {
            method: SignInMethod::None,
            users: None,
            read_only: false,
            audit: AuditLog::default(),
            sessions: SessionCodec::ephemeral(DEFAULT_IDLE, DEFAULT_MAX),
        }
    }
}

/// How long an unused session lasts, unless configured.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(60 * 60);
/// How long any session lasts, unless configured.
pub const DEFAULT_MAX: Duration = Duration::from_secs(12 * 60 * 60);

/// How people sign in here, and the credentials already checked.
pub struct Access {
    etcd: Etcd,
    method: SignInMethod,
    users: Option<UsersFile>,
    read_only: bool,
    audit: AuditLog,
    pub sessions: SessionCodec,
    /// etcd answered that it requires authentication, so nobody acts anonymously.
    etcd_requires_sign_in: Arc<AtomicBool>,
    salt: [u8; 32],
    /// Uploads kept between a dry run and its apply.
    stash: super::stash::Stash,
    runs: super::maintenance::Runs,
    checked: Mutex<HashMap<[u8; 32], Checked>>,
    attempts: Attempts,
}

/// Credentials checked before, by the digest of name and password, and when last used.
struct Checked {
    known: Known,
    at: Instant,
}

/// Who a right name and password are.
#[derive(Clone)]
enum Known {
    /// An etcd user, with their own handle.
    Etcd(Etcd),
    /// A users-file user, as the file said when the password was checked.
    Local(LocalUser),
}

impl Access {
    pub fn new(etcd: Etcd, settings: AccessSettings) -> Access {
        let mut salt = [0; 32];
        rand::rng().fill_bytes(&mut salt);
        Access {
            etcd,
            method: settings.method,
            users: settings.users,
            read_only: settings.read_only,
            audit: settings.audit,
            sessions: settings.sessions,
            etcd_requires_sign_in: Arc::new(AtomicBool::new(false)),
            salt,
            stash: Default::default(),
            runs: Default::default(),
            checked: Mutex::new(HashMap::new()),
            attempts: Attempts::default(),
        }
    }

    /// How people sign in: as set at start, or as etcd users once etcd turned out to require it.
    pub fn method(&self) -> SignInMethod {
        match self.method {
            SignInMethod::None if self.etcd_requires_sign_in.load(Ordering::Relaxed) => {
                SignInMethod::Etcd
            }
            method => method,
        }
    }

    /// Whether every request needs a signed-in user.
    pub fn sign_in_required(&self) -> bool {
        self.method() != SignInMethod::None
    }

    /// Asks etcd, as nobody, whether it requires authentication; answers whether it does, or
    /// the error that kept etcd from saying.
    pub async fn detect_etcd_authentication(&self) -> Result<bool, AppError> {
        match self.etcd.authentication_enabled().await {
            Ok(false) => Ok(false),
            Ok(true) => {
                self.etcd_requires_sign_in.store(true, Ordering::Relaxed);
                Ok(true)
            }
            Err(err) => Err(err),
        }
    }

    /// The caller of a request without credentials, where that is allowed.
    pub fn anonymous(&self, client: Option<IpAddr>) -> Result<Caller, AppError> {
        if self.sign_in_required() {
            return Err(AppError::Unauthenticated {
                message: "sign in to use etcd-deck".into(),
            });
        }
        Ok(self.caller(self.etcd.clone(), None, None, client))
    }

    /// Checks a name and password typed into the sign-in form or sent with HTTP basic
    /// authentication. Each attempt is counted per user and client address before it is
    /// checked, and too many are refused (see [`Attempts`]).
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<(Caller, Subject), AppError> {
        let digest = self.digest(name, password);
        if let Some(known) = self.remembered(&digest, name) {
            return Ok(self.with_known(name, password, known, client));
        }
        let attempt = self.attempts.begin(name, client)?;
        let checked = match self.attempts.turn().await {
            Ok(_turn) => self.check(name, password).await,
            Err(err) => Err(err),
        };
        match checked {
            Ok(known) => {
                attempt.give_back();
                self.remember(digest, known.clone());
                Ok(self.with_known(name, password, known, client))
            }
            // A wrong password keeps its attempt counted; anything else was no guess.
            Err(err @ AppError::Unauthenticated { .. }) => {
                attempt.failed();
                Err(err)
            }
            Err(err) => {
                attempt.give_back();
                Err(err)
            }
        }
    }

    /// How many sign-ins named a wrong user or password, and how many were refused unchecked
    /// (too many attempts, or too many at once), since the process started.
    pub fn sign_in_tally(&self) -> (u64, u64) {
        (self.attempts.failed(), self.attempts.throttled())
    }

    /// The caller of a session this server (or another sharing its session key) issued.
    pub async fn resume(
        &self,
        subject: &Subject,
        client: Option<IpAddr>,
    ) -> Result<Caller, AppError> {
        match subject {
            Subject::Etcd { name, password } => self
                .sign_in(name, password, client)
                .await
                .map(|(caller, _)| caller),
            Subject::Local { name, fingerprint } => {
                let user = self.local_user(name)?;
                if &user.fingerprint() != fingerprint {
                    return Err(AppError::Unauthenticated {
                        message: "the password was changed since this session began: sign in \
                                  again"
                            .into(),
                    });
                }
                Ok(self.caller(self.etcd.clone(), Some(name), Some(user.role), client))
            }
        }
    }

    /// The slow check of a name and password: argon2 against the users file, or etcd's
    /// Authenticate. A name the users file does not hold is checked against a made-up hash, so
    /// that it takes as long to refuse as a wrong password.
    async fn check(&self, name: &str, password: &str) -> Result<Known, AppError> {
        let Some(users) = &self.users else {
            return self.etcd.as_user(name, password).await.map(Known::Etcd);
        };
        let user = users.get(name);
        let password = password.to_string();
        let verified = tokio::task::spawn_blocking(move || match user {
            Some(user) => user.verify(&password).then_some(user),
            None => {
                LocalUser::unknown().verify(&password);
                None
            }
        });
        match verified.await {
            Ok(Some(user)) => Ok(Known::Local(user)),
            _ => Err(wrong_password()),
        }
    }

    fn local_user(&self, name: &str) -> Result<LocalUser, AppError> {
        self.users
            .as_ref()
            .and_then(|users| users.get(name))
            .ok_or_else(wrong_password)
    }

    /// The caller for credentials found right, and the subject of a session for them.
    fn with_known(
        &self,
        name: &str,
        password: &str,
        known: Known,
        client: Option<IpAddr>,
    ) -> (Caller, Subject) {
        match known {
            Known::Etcd(etcd) => {
                let subject = Subject::Etcd {
                    name: name.into(),
                    password: password.into(),
                };
                (self.caller(etcd, Some(name), None, client), subject)
            }
            Known::Local(user) => {
                let subject = Subject::Local {
                    name: name.into(),
                    fingerprint: user.fingerprint(),
                };
                let caller = self.caller(self.etcd.clone(), Some(name), Some(user.role), client);
                (caller, subject)
            }
        }
    }

    fn caller(
        &self,
        etcd: Etcd,
        name: Option<&str>,
        role: Option<Role>,
        client: Option<IpAddr>,
    ) -> Caller {
        let read_only = if self.read_only {
            Some("etcd-deck runs read-only (--read-only): nothing can be changed through it".into())
        } else if role == Some(Role::Viewer) {
            Some(format!(
                "{} has the viewer role, which cannot change keys",
                name.unwrap_or_default()
            ))
        } else {
            None
        };
        Caller {
            etcd,
            name: name.map(str::to_string),
            role,
            read_only,
            client,
            audit: self.audit.clone(),
            stash: self.stash.clone(),
            runs: self.runs.clone(),
            etcd_requires_sign_in: self.etcd_requires_sign_in.clone(),
            users_file: self.users.as_ref().map(|users| users.path().to_path_buf()),
        }
    }

    fn digest(&self, name: &str, password: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.salt);
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name);
        hasher.update(password);
        hasher.finalize().into()
    }

    /// Credentials checked lately, while the users file still holds that user with the same
    /// password: `etcd-deck user add` with a new password ends the old one at once.
    fn remembered(&self, digest: &[u8; 32], name: &str) -> Option<Known> {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let entry = checked.get_mut(digest)?;
        let still = match &entry.known {
            _ if entry.at.elapsed() > self.sessions.idle => None,
            Known::Etcd(etcd) => Some(Known::Etcd(etcd.clone())),
            Known::Local(then) => self
                .local_user(name)
                .ok()
                .filter(|now| now.fingerprint() == then.fingerprint())
                .map(Known::Local),
        };
        match still {
            Some(_) => entry.at = Instant::now(),
            None => drop(checked.remove(digest)),
        }
        still
    }

    fn remember(&self, digest: [u8; 32], known: Known) {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        if checked.len() >= MAX_REMEMBERED {
            let idle = self.sessions.idle;
            checked.retain(|_, entry| entry.at.elapsed() <= idle);
        }
        let at = Instant::now();
        checked.insert(digest, Checked { known, at });
    }
}

fn wrong_password() -> AppError {
    AppError::Unauthenticated {
        message: "wrong user name or password".into(),
    }
}
