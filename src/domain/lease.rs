//! etcd leases: a time to live that keys can be attached to; when it runs out, or is revoked,
//! its keys are deleted.

use super::{AppError, Key};
use serde::{Deserialize, Serialize};

/// The most keys of a lease listed; the count is always whole.
pub const MAX_LEASE_KEYS: usize = 1000;

/// The most leases a listing reads the details of.
pub const MAX_LEASES: usize = 1000;
/// The longest lease granted here, for a lease of its own or a key's: a year.
pub const MAX_TTL: i64 = 365 * 24 * 60 * 60;

/// One lease, as etcd tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: i64,
    /// Seconds left before it expires.
    pub ttl: i64,
    /// The seconds it was granted (and is renewed to by a keep-alive).
    pub granted_ttl: i64,
    /// How many keys are attached, of those the user may read.
    pub key_count: u64,
    /// The keys attached, in key order, up to [`MAX_LEASE_KEYS`], of those the user may read.
    pub keys: Vec<Key>,
    /// Keys the user may not read are attached too (or may be: etcd would not say): they are
    /// neither named nor counted, and go with the lease all the same.
    pub keys_hidden: bool,
}

/// The leases of the cluster, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leases {
    /// Up to [`MAX_LEASES`], in id order.
    pub leases: Vec<Lease>,
    /// How many leases there are.
    pub total: u64,
}

/// What a write does about the key's lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Expiry {
    /// No lease: a key that had one is detached from it (etcd's plain put).
    #[default]
    Never,
    /// The lease the key has now, or none if it has none; the key must exist.
    Keep,
    /// A new lease of this many seconds.
    NewLease(i64),
    /// An existing lease, by id.
    Lease(i64),
}

impl Expiry {
    /// From a write's fields: a `ttl` for a new lease, the hex id of an existing `lease`, or
    /// `keep` for the key's own; at most one of them.
    pub fn from_fields(
        ttl: Option<i64>,
        lease: Option<&str>,
        keep: bool,
    ) -> Result<Self, AppError> {
        let expiry = match (ttl, lease, keep) {
            (None, None, false) => Expiry::Never,
            (Some(ttl), None, false) => Expiry::NewLease(ttl),
            (None, Some(lease), false) => Expiry::Lease(parse_lease_id(lease)?),
            (None, None, true) => Expiry::Keep,
            _ => {
                return Err(AppError::invalid(
                    "give at most one of ttl, lease and keep_lease",
                ))
            }
        };
        expiry.check()?;
        Ok(expiry)
    }

    /// A new lease's time to live must be from 1 second to [`MAX_TTL`].
    pub fn check(self) -> Result<(), AppError> {
        match self {
            Expiry::NewLease(ttl) if !(1..=MAX_TTL).contains(&ttl) => Err(AppError::invalid(
                format!("the ttl must be from 1 to {MAX_TTL} seconds"),
            )),
            _ => Ok(()),
        }
    }

    /// For the audit log: which lease, if one is named.
    pub fn describe(self) -> Option<String> {
        match self {
            Expiry::Never => None,
            Expiry::Keep => Some("kept".into()),
            Expiry::NewLease(ttl) => Some(format!("new, ttl={ttl}")),
            Expiry::Lease(id) => Some(lease_hex(id)),
        }
    }
}

/// Seconds left on a lease, in words: "42 s", "3 min 5 s", "2 h 10 min", "expired".
/// Seconds left at which a lease is shown as about to expire.
pub const EXPIRING_SECS: i64 = 10;

/// Whether a lease with `seconds` left is about to expire (and not already gone).
pub fn expiring(seconds: i64) -> bool {
    (1..=EXPIRING_SECS).contains(&seconds)
}

pub fn time_left(seconds: i64) -> String {
    match seconds {
        ..=0 => "expired".into(),
        1..=59 => format!("{seconds} s"),
        60..=3599 => match seconds % 60 {
            0 => format!("{} min", seconds / 60),
            s => format!("{} min {s} s", seconds / 60),
        },
        _ => match (seconds % 3600) / 60 {
            0 => format!("{} h", seconds / 3600),
            m => format!("{} h {m} min", seconds / 3600),
        },
    }
}

/// A lease id as etcd's tools write it: hexadecimal.
pub fn lease_hex(id: i64) -> String {
    format!("{id:x}")
}

/// A lease id written in hexadecimal, as etcd's tools write it.
pub fn parse_lease_id(text: &str) -> Result<i64, AppError> {
    let bad = || {
        AppError::invalid(format!(
            "{text:?} is not a lease id (hexadecimal, like 694d7d3f0f9e8c0a)"
        ))
    };
    let id = u64::from_str_radix(text.trim(), 16).map_err(|_| bad())?;
    i64::try_from(id).ok().filter(|id| *id > 0).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_ids_are_written_in_hex() {
        assert_eq!(lease_hex(0x694d_7d3f_0f9e_8c0a), "694d7d3f0f9e8c0a");
        assert_eq!(
            parse_lease_id("694d7d3f0f9e8c0a").unwrap(),
            0x694d_7d3f_0f9e_8c0a
        );
        for bad in ["", "0", "xyz", "-1", "ffffffffffffffff"] {
            assert_eq!(
                parse_lease_id(bad).unwrap_err().status().as_u16(),
                400,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_write_names_at_most_one_lease() {
        assert_eq!(
            Expiry::from_fields(None, None, false).unwrap(),
            Expiry::Never
        );
        assert_eq!(
            Expiry::from_fields(Some(30), None, false).unwrap(),
            Expiry::NewLease(30)
        );
        assert_eq!(
            Expiry::from_fields(None, Some("ab"), false).unwrap(),
            Expiry::Lease(0xab)
        );
        assert_eq!(Expiry::from_fields(None, None, true).unwrap(), Expiry::Keep);
        for (ttl, lease, keep) in [
            (Some(30), Some("ab"), false),
            (Some(30), None, true),
            (None, Some("ab"), true),
            (Some(0), None, false),
            (None, Some("zz"), false),
        ] {
            let err = Expiry::from_fields(ttl, lease, keep).unwrap_err();
            assert_eq!(err.status().as_u16(), 400, "{ttl:?} {lease:?} {keep}");
        }
    }

    #[test]
    fn time_left_reads_as_words() {
        assert_eq!(time_left(-1), "expired");
        assert_eq!(time_left(0), "expired");
        assert_eq!(time_left(42), "42 s");
        assert_eq!(time_left(60), "1 min");
        assert_eq!(time_left(185), "3 min 5 s");
        assert_eq!(time_left(7200), "2 h");
        assert_eq!(time_left(7800), "2 h 10 min");
    }
}
