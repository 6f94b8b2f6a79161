//! Appending an item to a value that holds a JSON array.

use crate::domain::AppError;

/// The value after appending `item` to the JSON array in `current` (an absent value is an empty
/// array), and the array's new length.
pub fn append_to_array(
    current: Option<&[u8]>,
    item: serde_json::Value,
) -> Result<(Vec<u8>, usize), AppError> {
    let mut items: Vec<serde_json::Value> = match current {
        None => Vec::new(),
        Some(bytes) => serde_json::from_slice(bytes).map_err(|_| AppError::Conflict {
            message: "the value is not a JSON array, so nothing can be appended to it".into(),
        })?,
    };
    items.push(item);
    let length = items.len();
    let bytes = serde_json::to_vec(&items).map_err(|err| AppError::Internal {
        message: format!("could not encode the array: {err}"),
    })?;
    Ok((bytes, length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appending_to_nothing_starts_an_array() {
        let (bytes, length) = append_to_array(None, json!("a")).unwrap();
        assert_eq!(bytes, br#"["a"]"#);
        assert_eq!(length, 1);
    }

    #[test]
    fn appending_keeps_what_was_there() {
        let (bytes, length) = append_to_array(Some(br#"[1,{"b":2}]"#), json!([3])).unwrap();
        assert_eq!(bytes, br#"[1,{"b":2},[3]]"#);
        assert_eq!(length, 3);
    }

    #[test]
    fn a_value_that_is_not_an_array_is_a_conflict() {
        for current in [&b"{}"[..], b"plain text", b"\xff"] {
            assert_eq!(
                append_to_array(Some(current), json!(1))
                    .unwrap_err()
                    .status(),
                409
            );
        }
    }
}
