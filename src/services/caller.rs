//! The person a request acts for: the etcd handle it acts through, what etcd-deck itself allows
//! them (read-only mode, users-file roles, [`Operation::role`]), where they came
//! from, and the audit log every write attempt of theirs goes to.

use super::audit::{AuditEntry, AuditLog, WriteAttempt};
use crate::domain::access::{Operation, Role, Viewer};
use crate::domain::{AppError, KeyDetail, WriteReceipt};
use crate::etcd::Etcd;
use std::future::Future;
use std::net::IpAddr;

/// The person a request acts for.
#[derive(Clone)]
pub struct Caller {
    /// The etcd handle the request acts through: the signed-in etcd user's own, or the shared
    /// one.
    pub etcd: Etcd,
    pub(super) name: Option<String>,
    pub(super) role: Option<Role>,
    /// Why this caller may not write, when etcd-deck itself forbids it.
    pub(super) read_only: Option<String>,
    pub(super) client: Option<IpAddr>,
    pub(super) audit: AuditLog,
    pub(super) stash: super::stash::Stash,
    /// The maintenance run under way, or the last one.
    pub(super) runs: super::maintenance::Runs,
    /// Whether etcd requires its users to sign in, as this server last found: set when an
    /// administrator turns etcd's authentication on or off through it.
    pub(super) etcd_requires_sign_in: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// etcd-deck's users file, where people sign in from one.
    pub(super) users_file: Option<std::path::PathBuf>,
}

impl Caller {
    /// Keeps an upload of this caller's until a later request asks for it by the id answered.
    pub fn stash(&self, bytes: Vec<u8>) -> String {
        self.stash.put(self.name(), bytes)
    }

    /// Keeps what this caller sent under an id they chose (see [`super::stash::Stash::put_as`]).
    pub fn stash_as(&self, id: &str, bytes: Vec<u8>) {
        self.stash.put_as(self.name(), id, bytes)
    }

    /// An upload this caller stashed, while it is kept.
    pub fn stashed(&self, id: &str) -> Option<std::sync::Arc<Vec<u8>>> {
        self.stash.get(self.name(), id)
    }

    /// The signed-in user's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The caller as a page shows it.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            name: self.name.clone(),
            role: self.role,
            read_only: self.read_only.clone(),
        }
    }

    /// Runs a write if etcd-deck allows it to this caller (the users-file role it takes is the
    /// operation's, in [`Operation::role`]), and writes the attempt and its outcome
    /// to the audit log before answering.
    pub async fn write<T: Written>(
        &self,
        attempt: WriteAttempt,
        work: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let result = match self.may(attempt.operation) {
            Ok(()) => work.await,
            Err(err) => Err(err),
        };
        self.audit(&attempt, result.as_ref().map(Written::revision));
        result
    }

    /// Whether etcd-deck lets this caller do `operation` (etcd may still refuse): asked also
    /// before reading a large upload, so that who cannot import sends nothing.
    pub fn may(&self, operation: Operation) -> Result<(), AppError> {
        let needs = operation.role();
        if let Some(reason) = &self.read_only {
            return Err(AppError::PermissionDenied {
                message: reason.clone(),
            });
        }
        match self.role {
            Some(role) if role < needs => Err(AppError::PermissionDenied {
                message: format!(
                    "{} has the {} role; this takes the {} role",
                    self.name().unwrap_or_default(),
                    role.as_str(),
                    needs.as_str()
                ),
            }),
            _ => Ok(()),
        }
    }
}

impl Caller {
    /// Whether this caller may maintain the cluster (`operation` is one of
    /// [`Operation::is_maintenance`]): etcd-deck's admin role, or, for people signed in as etcd
    /// users, etcd's `root` role, which is asked of etcd before anything is done. Unpatched
    /// etcd versions answer maintenance calls to any user, so etcd-deck does not leave it to
    /// them.
    pub async fn may_maintain(&self, operation: Operation) -> Result<(), AppError> {
        self.may(operation)?;
        self.maintains().await
    }

    /// Whether this caller may read etcd-deck's own metrics: whoever maintains the cluster
    /// (see [`Caller::may_maintain`]), in read-only mode too, since reading them changes
    /// nothing.
    pub async fn may_read_metrics(&self) -> Result<(), AppError> {
        self.maintains().await
    }

    /// Whether this caller is one who maintains the cluster, whatever they mean to do:
    /// etcd-deck's admin, etcd's `root` role, or nobody where nobody signs in.
    async fn maintains(&self) -> Result<(), AppError> {
        match self.role {
            Some(role) if role < Role::Admin => {
                return Err(AppError::PermissionDenied {
                    message: format!(
                        "{} has the {} role; this takes the admin role",
                        self.name().unwrap_or_default(),
                        role.as_str(),
                    ),
                })
            }
            Some(_) => return Ok(()),
            None => {}
        }
        let Some(roles) = self.etcd.own_roles().await? else {
            // Nobody signed in: etcd-deck's own rule (loopback, or insecure on purpose) lets
            // them, unless etcd has turned authentication on since.
            if self.etcd.authentication_enabled().await? {
                return Err(AppError::Unauthenticated {
                    message: "etcd requires authentication: sign in as a user with etcd's root \
                              role to maintain the cluster"
                        .into(),
                });
            }
            return Ok(());
        };
        if roles.iter().any(|role| role == "root") {
            return Ok(());
        }
        let name = self.etcd.user().unwrap_or_default();
        Err(AppError::PermissionDenied {
            message: format!(
                "maintaining the cluster takes etcd's root role; the etcd user {name} has {}",
                match roles.is_empty() {
                    true => "no role".to_string(),
                    false => format!("the roles {}", roles.join(", ")),
                }
            ),
        })
    }

    /// Writes one line to the audit log: `attempt`, and how it ended.
    pub fn audit(&self, attempt: &WriteAttempt, outcome: Result<Option<i64>, &AppError>) {
        let entry = AuditEntry::new(attempt, self.name(), self.client, outcome);
        self.audit.record(&entry);
    }
}

/// What a write answers, as far as the audit log is concerned: the revision it made.
pub trait Written {
    fn revision(&self) -> Option<i64>;
}

impl Written for WriteReceipt {
    fn revision(&self) -> Option<i64> {
        Some(self.revision)
    }
}

impl Written for KeyDetail {
    fn revision(&self) -> Option<i64> {
        Some(self.revision)
    }
}

impl<T> Written for (WriteReceipt, T) {
    fn revision(&self) -> Option<i64> {
        Some(self.0.revision)
    }
}

impl Written for (i64, WriteReceipt) {
    fn revision(&self) -> Option<i64> {
        Some(self.1.revision)
    }
}
