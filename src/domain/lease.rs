//! etcd leases: a time to live that keys can be attached to; when it runs out, or is revoked,
//! its keys are deleted.

use super::{AppError, Key};
use serde::{Deserialize, Serialize};

/// The most keys of a lease listed; the count is always whole.
pub const MAX_LEASE_KEYS: usize = 1000;

/// The most leases a listing reads the details of.
pub const MAX_LEASES: usize = 1000;

/// One lease, as etcd tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: i64,
    /// Seconds left before it expires.
    pub ttl: i64,
    /// The seconds it was granted (and is renewed to by a keep-alive).
    pub granted_ttl: i64,
    /// How many keys are attached.
    pub key_count: u64,
    /// The keys attached, in key order, up to [`MAX_LEASE_KEYS`].
    pub keys: Vec<Key>,
}

/// The leases of the cluster, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leases {
    /// Up to [`MAX_LEASES`], in id order.
    pub leases: Vec<Lease>,
    /// How many leases there are.
    pub total: u64,
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
}
