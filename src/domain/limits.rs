//! What etcd accepts in one request, checked before anything is sent.

use crate::domain::AppError;

/// etcd's default `--max-request-bytes`: the largest request a member accepts.
pub const MAX_REQUEST_BYTES: usize = 1536 * 1024;

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
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
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
    }
}
