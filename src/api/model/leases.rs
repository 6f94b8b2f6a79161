//! Leases.

use super::*;
use crate::domain::lease::{lease_hex, Lease};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// A lease id in hexadecimal, for a key on a lease.
pub fn lease_id(lease: i64) -> Option<String> {
    (lease != 0).then(|| lease_hex(lease))
}

/// A lease.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct LeaseBody {
    /// Its id, hexadecimal (as etcdctl writes it).
    pub id: String,
    /// Seconds left before it expires and its keys are deleted.
    pub ttl: i64,
    /// The seconds it was granted, and is renewed to by a keep-alive.
    pub granted_ttl: i64,
    /// How many keys are attached, of those the user may read.
    pub key_count: u64,
    /// The keys attached, in key order (the first 1000), of those the user may read.
    pub keys: Vec<String>,
    pub key_encoding: Encoding,
    /// Keys the user may not read are attached too (or may be): not named, not counted, and
    /// deleted with the lease all the same.
    pub keys_hidden: bool,
}

impl LeaseBody {
    pub fn new(lease: &Lease, encoding: Encoding) -> Self {
        // Keys are all written one way: base64 when any of them must be.
        let binary = lease
            .keys
            .iter()
            .any(|key| std::str::from_utf8(key.as_bytes()).is_err());
        let encoding = if binary { Encoding::Base64 } else { encoding };
        LeaseBody {
            id: lease_hex(lease.id),
            ttl: lease.ttl,
            granted_ttl: lease.granted_ttl,
            key_count: lease.key_count,
            keys: lease
                .keys
                .iter()
                .map(|key| encoding.encode(key.as_bytes()).0)
                .collect(),
            key_encoding: encoding,
            keys_hidden: lease.keys_hidden,
        }
    }
}

/// Answer of `GET /api/v1/leases`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct LeasesBody {
    /// In id order, the first 1000.
    pub leases: Vec<LeaseBody>,
    /// How many leases there are.
    pub total: u64,
}

/// Body of `POST /api/v1/leases`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct GrantBody {
    /// Seconds it lives without a keep-alive: 1 to a year.
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 31536000))]
    pub ttl: i64,
}

/// Answer of `POST /api/v1/leases`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct GrantedLease {
    /// Its id, hexadecimal.
    pub id: String,
    pub ttl: i64,
    pub revision: i64,
}
