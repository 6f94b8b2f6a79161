//! A key's value on its page: what it holds (detected and laid out), saved from the editor with
//! nothing lost when the save fails, and the three versions a conflicting save is resolved from.

use super::{caller::Caller, keys};
use crate::domain::{
    diff::diff_values,
    edit::{valid_draft_id, Draft, DraftView, Merged, SaveOutcome},
    format::{self, KeyPeek, ShownKey},
    lease::Expiry,
    value::parse_value,
    AppError, Key, PutCondition, ValueFormat,
};

/// One key, its lease's time left, and what its value holds.
pub async fn show(caller: &Caller, key: &Key) -> Result<ShownKey, AppError> {
    let detail = keys::get_with_lease(caller, key).await?;
    let shown = format::show(detail.value.as_bytes());
    Ok(ShownKey { detail, shown })
}

/// One key with the start of its value, to show beside a list.
pub async fn peek(caller: &Caller, key: &Key) -> Result<KeyPeek, AppError> {
    Ok(KeyPeek::of(&show(caller, key).await?))
}

/// Saves what was typed if the draft's key is still at its base revision, keeping its lease.
/// A value that is already what was typed is not written again. When the save fails for any
/// reason, the draft is kept under `draft_id` for its page to offer again (and, on a conflict,
/// to merge from), and the failure is answered.
pub async fn save(caller: &Caller, draft: Draft, draft_id: &str) -> Result<SaveOutcome, AppError> {
    if !valid_draft_id(draft_id) {
        return Err(AppError::invalid("the draft id must be 32 hex digits"));
    }
    let saved = write(caller, &draft).await;
    if saved.is_err() {
        if let Ok(bytes) = serde_json::to_vec(&draft) {
            caller.stash_as(draft_id, bytes);
        }
    }
    saved
}

async fn write(caller: &Caller, draft: &Draft) -> Result<SaveOutcome, AppError> {
    let key = &draft.key;
    let value = parse_value(&draft.text, draft.format, draft.keep_crlf)?;
    if draft.base != 0 {
        if let Ok(now) = keys::get(caller, key).await {
            if now.summary.mod_revision == draft.base && now.value.as_bytes() == value {
                return Ok(SaveOutcome::Unchanged);
            }
        }
    }
    let condition = PutCondition::ModRevision(draft.base);
    let receipt = keys::put(caller, key, value, condition, Expiry::Keep).await?;
    Ok(SaveOutcome::Written {
        revision: receipt.revision,
    })
}

/// The draft kept under `id`, with the key as it is now, the value the edit began from, and the
/// three merged as a starting point.
pub async fn draft(caller: &Caller, key: &Key, id: &str) -> Result<DraftView, AppError> {
    let draft: Draft = caller
        .stashed(id)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|draft: &Draft| draft.key == *key)
        .ok_or_else(|| {
            AppError::invalid(
                "no draft of this key is kept under that id (what a failed save held is kept for \
                 15 minutes, for whoever typed it)",
            )
        })?;
    let theirs = match keys::get(caller, key).await {
        Ok(detail) => Some(detail),
        Err(AppError::NotFound { .. }) => None,
        Err(err) => return Err(err),
    };
    let base = match draft.base {
        0 => None,
        base => keys::get_at(caller, key, base)
            .await
            .ok()
            .map(|detail| detail.value),
    };
    let base_bytes = base.as_ref().map(|value| value.as_bytes());
    let theirs_bytes = theirs.as_ref().map(|theirs| theirs.value.as_bytes());
    let merged = merge(base_bytes, theirs_bytes, &draft);
    let yours = parse_value(&draft.text, draft.format, draft.keep_crlf)
        .or_else(|_| parse_value(&draft.text, ValueFormat::Text, draft.keep_crlf))
        .ok();
    let diff = |new: Option<&[u8]>| Some(diff_values(base_bytes?, new?));
    Ok(DraftView {
        theirs_diff: diff(theirs_bytes),
        yours_diff: diff(yours.as_deref()),
        draft,
        theirs,
        base,
        merged,
    })
}

/// Base, theirs and yours merged line by line, when all three are text.
fn merge(base: Option<&[u8]>, theirs: Option<&[u8]>, draft: &Draft) -> Option<Merged> {
    let text = |bytes: &[u8]| std::str::from_utf8(bytes).ok().map(str::to_string);
    let base = text(base.unwrap_or_default())?;
    let theirs = text(theirs?)?;
    let yours = match draft.format {
        ValueFormat::Hex => return None,
        _ => draft.text.replace("\r\n", "\n"),
    };
    // Merged as lines each ending in a newline: a value without a final newline would otherwise
    // have its last line glued to the conflict markers (`…}||||||| original`). The merge ends
    // as what was typed ends.
    let ended = |text: String| {
        if text.is_empty() || text.ends_with('\n') {
            text
        } else {
            text + "\n"
        }
    };
    let typed_newline = yours.is_empty() || yours.ends_with('\n');
    let (text, conflicts) = match diffy::merge(&ended(base), &ended(yours), &ended(theirs)) {
        Ok(text) => (text, false),
        Err(text) => (text, true),
    };
    let text = if typed_newline {
        text
    } else {
        text.strip_suffix('\n').map(str::to_string).unwrap_or(text)
    };
    Some(Merged { text, conflicts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Draft {
        Draft {
            key: Key::from("k"),
            text: text.into(),
            format: ValueFormat::Text,
            keep_crlf: false,
            base: 1,
        }
    }

    #[test]
    fn markers_stand_on_lines_of_their_own_without_a_final_newline() {
        let merged = merge(
            Some(b"{\"v\": 1}"),
            Some(b"{\"v\": 2}"),
            &typed("{\"v\": 3}"),
        )
        .unwrap();
        assert!(merged.conflicts);
        for line in merged.text.lines().filter(|line| line.contains('{')) {
            assert!(
                line.starts_with('{') && line.ends_with('}'),
                "{}",
                merged.text
            );
        }
        assert!(!merged.text.ends_with('\n'), "{:?}", merged.text);
    }

    #[test]
    fn a_clean_merge_ends_as_what_was_typed_ends() {
        let clean = merge(Some(b"a\nb\nc"), Some(b"A\nb\nc"), &typed("a\nb\nC")).unwrap();
        assert_eq!((clean.text.as_str(), clean.conflicts), ("A\nb\nC", false));
        let clean = merge(Some(b"a\nb\nc\n"), Some(b"A\nb\nc\n"), &typed("a\nb\nC\n")).unwrap();
        assert_eq!(clean.text, "A\nb\nC\n");
    }
}
