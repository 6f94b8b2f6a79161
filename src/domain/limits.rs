//! What etcd accepts in one request, checked before anything is sent.

use crate::domain::AppError;

/// etcd's default `--max-request-bytes`: the largest request a member accepts.
pub const MAX_REQUEST_BYTES: usize = 1536 * 1024;

/// etcd's default `--max-txn-ops`: the most operations one transaction may hold.
pub const MAX_TXN_OPS: usize = 128;

/// Room left in a request for everything but the key and value (framing, revision fields).
const REQUEST_OVERHEAD: usize = 512;

/// Checks that a key names something: etcd has no empty key.
pub fn check_key(key: &[u8]) -> Result<(), AppError> {
    if key.is_empty() {
        return Err(AppError::invalid("the key must not be empty"));
    }
    Ok(())
}

/// Checks a key and value against what etcd accepts, before sending them.
pub fn check_put(key: &[u8], value: &[u8]) -> Result<(), AppError> {
    check_key(key)?;
    let size = key.len() + value.len();
    if size + REQUEST_OVERHEAD > MAX_REQUEST_BYTES {
        return Err(AppError::TooLarge {
            message: format!(
                "key and value are {} together; etcd accepts at most {} per request",
                human_bytes(size as u64),
                human_bytes((MAX_REQUEST_BYTES - REQUEST_OVERHEAD) as u64)
            ),
        });
    }
    Ok(())
}

/// A byte count as people read it: `512 B`, `1.5 KiB`, `2.0 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let (mut unit, mut scale) = (0, 1024u128);
    while u128::from(bytes) / scale >= 1024 && unit + 1 < UNITS.len() {
        unit += 1;
        scale *= 1024;
    }
    format!("{} {}", tenths(u128::from(bytes) * 10, scale), UNITS[unit])
}

/// `numerator / denominator` to one decimal place, rounded, where `numerator` is ten times the
/// number: integer arithmetic, so that the browser's bundle carries no float formatting.
pub fn tenths(numerator: u128, denominator: u128) -> String {
    let tenths = (numerator + denominator / 2) / denominator.max(1);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_keys_are_invalid_and_oversized_puts_too_large() {
        assert_eq!(check_key(b"").unwrap_err().status(), 400);
        assert_eq!(check_put(b"", b"v").unwrap_err().status(), 400);
        assert_eq!(
            check_put(b"k", &vec![0; MAX_REQUEST_BYTES])
                .unwrap_err()
                .status(),
            413
        );
        assert_eq!(
            check_put(&vec![b'k'; MAX_REQUEST_BYTES], b"")
                .unwrap_err()
                .status(),
            413
        );
        assert!(check_put(b"k", &vec![0; MAX_REQUEST_BYTES - 1024]).is_ok());
        assert!(check_put(b"k", b"").is_ok());
    }

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(human_bytes(1024 * 1024 - 1), "1024.0 KiB");
        assert_eq!(human_bytes(1_500_000_000), "1.4 GiB");
        assert_eq!(human_bytes(u64::MAX), "16777216.0 TiB");
        assert_eq!(tenths(10 * 12_345, 1000), "12.3");
    }
}
