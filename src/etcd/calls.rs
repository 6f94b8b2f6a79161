//! The requests etcd-deck makes of etcd, counted for its own metrics (`GET /metrics`, see
//! the server's telemetry): each one by the kind of etcd call and how it ended, and how long
//! it took, retries on other members included.
//!
//! The kind of a call is read off the type of etcd's reply ([`Reply`]): a `GetResponse` answers
//! a Range, a `PutResponse` a Put. So every request the pool runs is counted where it passes
//! ([`super::pool::Pool::run`], `Etcd::read_stale` and `Etcd::at_member_within`), without each
//! caller naming it again, and the label is one of a few fixed words, never a key. The
//! background health check is not counted: it would drown the requests people made.

use super::error::Refusal;
use crate::domain::AppError;
use etcd_client::{
    AlarmResponse, CompactionResponse, DefragmentResponse, DeleteResponse, GetResponse,
    HashKvResponse, LeaseGrantResponse, LeaseKeepAliveResponse, LeaseLeasesResponse,
    LeaseRevokeResponse, LeaseTimeToLiveResponse, MemberAddResponse, MemberListResponse,
    MemberPromoteResponse, MemberRemoveResponse, MoveLeaderResponse, PutResponse, RoleAddResponse,
    RoleDeleteResponse, RoleGetResponse, RoleGrantPermissionResponse, RoleListResponse,
    RoleRevokePermissionResponse, StatusResponse, TxnResponse, UserAddResponse,
    UserChangePasswordResponse, UserDeleteResponse, UserGetResponse, UserGrantRoleResponse,
    UserListResponse, UserRevokeRoleResponse, WatchStream,
};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{counter::Counter, family::Family, histogram::Histogram};
use std::time::Instant;

/// The upper bounds (seconds) of the latency buckets: etcd answers most requests within
/// milliseconds, and nothing waits for it longer than the request timeout (a few seconds), but
/// a defragmentation.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// What kind of etcd call a request was: the label `operation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Reading keys: one, a page, a count.
    Range,
    Put,
    Delete,
    Txn,
    Compact,
    /// Granting, reading, renewing, revoking leases.
    Lease,
    /// Opening a watch.
    Watch,
    /// Listing, adding, promoting, removing members, and moving the leadership.
    Member,
    /// A member's status.
    Status,
    /// Defragmenting, alarms, hashes.
    Maintenance,
    /// Starting a snapshot.
    Snapshot,
    /// Signing in as an etcd user; reading and changing users and roles.
    Auth,
}

impl Call {
    pub fn as_str(self) -> &'static str {
        match self {
            Call::Range => "range",
            Call::Put => "put",
            Call::Delete => "delete",
            Call::Txn => "txn",
            Call::Compact => "compact",
            Call::Lease => "lease",
            Call::Watch => "watch",
            Call::Member => "member",
            Call::Status => "status",
            Call::Maintenance => "maintenance",
            Call::Snapshot => "snapshot",
            Call::Auth => "auth",
        }
    }
}

/// etcd's reply to one kind of call.
pub trait Reply {
    const CALL: Call;
}

macro_rules! replies {
    ($($reply:ty => $call:ident),* $(,)?) => {
        $(impl Reply for $reply {
            const CALL: Call = Call::$call;
        })*
    };
}

replies! {
    GetResponse => Range,
    PutResponse => Put,
    DeleteResponse => Delete,
    TxnResponse => Txn,
    CompactionResponse => Compact,
    LeaseGrantResponse => Lease,
    LeaseRevokeResponse => Lease,
    LeaseTimeToLiveResponse => Lease,
    LeaseLeasesResponse => Lease,
    Option<LeaseKeepAliveResponse> => Lease,
    WatchStream => Watch,
    MemberListResponse => Member,
    MemberAddResponse => Member,
    MemberRemoveResponse => Member,
    MemberPromoteResponse => Member,
    MoveLeaderResponse => Member,
    StatusResponse => Status,
    AlarmResponse => Maintenance,
    DefragmentResponse => Maintenance,
    HashKvResponse => Maintenance,
    UserGetResponse => Auth,
    UserListResponse => Auth,
    UserAddResponse => Auth,
    UserDeleteResponse => Auth,
    UserChangePasswordResponse => Auth,
    UserGrantRoleResponse => Auth,
    UserRevokeRoleResponse => Auth,
    RoleGetResponse => Auth,
    RoleListResponse => Auth,
    RoleAddResponse => Auth,
    RoleDeleteResponse => Auth,
    RoleGrantPermissionResponse => Auth,
    RoleRevokePermissionResponse => Auth,
    // Connecting as a user, which authenticates, and nothing more.
    () => Auth,
}

/// A reply checked before the request was made (that the member is the one meant) is still
/// the reply of that request.
impl<T: Reply> Reply for Result<T, AppError> {
    const CALL: Call = T::CALL;
}

/// The labels of a request counted: its kind, and `ok` or the kind of error it ended with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct CallLabels {
    pub operation: &'static str,
    pub outcome: &'static str,
}

/// The label of a request's latency: its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct CallKind {
    pub operation: &'static str,
}

/// The requests made of etcd through one pool, and their latency. Clones share the counts.
#[derive(Debug, Clone)]
pub struct EtcdCalls {
    pub requests: Family<CallLabels, Counter>,
    pub seconds: Family<CallKind, Histogram, fn() -> Histogram>,
}

impl Default for EtcdCalls {
    fn default() -> Self {
        EtcdCalls {
            requests: Family::default(),
            seconds: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
        }
    }
}

impl EtcdCalls {
    /// Counts a request of kind `call` begun at `started` that ended as `outcome` (`ok` or an
    /// error code).
    pub(super) fn record(&self, call: Call, started: Instant, outcome: &'static str) {
        let operation = call.as_str();
        let labels = CallLabels { operation, outcome };
        self.requests.get_or_create(&labels).inc();
        let seconds = started.elapsed().as_secs_f64();
        self.seconds
            .get_or_create(&CallKind { operation })
            .observe(seconds);
    }

    /// Counts a request the pool ran, as it answered.
    pub(super) fn ran<T: Reply, U>(&self, started: Instant, answer: &Result<U, Refusal>) {
        let outcome = match answer {
            Ok(_) => "ok",
            Err(refusal) => refusal_code(refusal),
        };
        self.record(T::CALL, started, outcome);
    }
}

/// The error code a refusal is told as (see `AppError::code`).
fn refusal_code(refusal: &Refusal) -> &'static str {
    use crate::domain::ErrorCode;
    let code = match refusal {
        Refusal::Compacted => ErrorCode::Compacted,
        Refusal::LeaseNotFound => ErrorCode::LeaseNotFound,
        Refusal::KeyNotFound => ErrorCode::NotFound,
        Refusal::Denied => ErrorCode::PermissionDenied,
        Refusal::NoSuchUser | Refusal::NoSuchRole => ErrorCode::NoSuchName,
        Refusal::Told(err) => err.code(),
    };
    code.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_kind_and_outcome() {
        let calls = EtcdCalls::default();
        let started = Instant::now();
        calls.ran::<GetResponse, ()>(started, &Ok(()));
        calls.ran::<GetResponse, ()>(started, &Err(Refusal::Compacted));
        calls.ran::<Result<PutResponse, AppError>, ()>(started, &Ok(()));
        let count = |operation, outcome| {
            let labels = CallLabels { operation, outcome };
            calls.requests.get(&labels).map(|counter| counter.get())
        };
        assert_eq!(count("range", "ok"), Some(1));
        assert_eq!(count("range", "compacted"), Some(1));
        assert_eq!(count("put", "ok"), Some(1));
        assert_eq!(count("put", "compacted"), None);
    }
}
