//! "N keys changed since this listing": a listing read at a revision follows the changes under
//! its prefix from there on (`/api/v1/watch`), marks the rows of the keys (and folders) that
//! changed as they change, and offers to read it again. Only the hydrated page follows; the page
//! as served says nothing, and a plain reload reads anew.

use crate::domain::Key;
use leptos::prelude::*;
use std::collections::HashSet;

/// Distinct keys counted at most: past that, the note says "or more".
const MAX_COUNTED: usize = 10_000;

/// What the watch has told since the listing's revision.
#[derive(Debug, Clone, Default)]
struct Since {
    keys: HashSet<Vec<u8>>,
    /// etcd compacted changes away before they could be followed: from and to which revision.
    gap: Option<(i64, i64)>,
    /// The server stopped following for this page, which fell too far behind.
    resync: bool,
}

impl Since {
    fn note(&self) -> Option<String> {
        if self.resync {
            return Some("Too many changes came at once to follow them here.".into());
        }
        let gap = self.gap.map(|(from, to)| {
            format!(" Some changes between revisions {from} and {to} were compacted away.")
        });
        let count = self.keys.len();
        let more = if count >= MAX_COUNTED { " or more" } else { "" };
        let changed = match count {
            0 if gap.is_none() => return None,
            0 => String::new(),
            1 => "1 key changed since this listing was read.".into(),
            n => format!("{n}{more} keys changed since this listing was read."),
        };
        Some(changed + gap.as_deref().unwrap_or_default())
    }
}

/// How the page reads its listing again when asked to (by the listing's URL): the link's own
/// navigation would not, when the URL is the page's own.
#[derive(Clone, Copy)]
pub struct Reread(pub Callback<String>);

/// Follows the changes under `prefix` after `revision`, marking the rows they touch (a key's
/// own row, or with a `delimiter` the row of the folder it is in), and when there are some,
/// says how many keys changed, with a link (`refresh`) to the listing read now.
pub fn changes_since(
    prefix: Key,
    delimiter: Option<Key>,
    revision: i64,
    refresh: String,
) -> impl IntoView {
    let reread = use_context::<Reread>();
    let since = RwSignal::new(Since::default());
    #[cfg(feature = "hydrate")]
    follow_listing(prefix, delimiter, revision, since);
    #[cfg(not(feature = "hydrate"))]
    let _ = (prefix, delimiter, revision);
    move || {
        since.with(Since::note).map(|note| {
            view! {
                <p class="banner banner-info" role="status" data-testid="changes-since">
                    {note}
                    " "
                    <a
                        href=refresh.clone()
                        on:click={
                            let refresh = refresh.clone();
                            move |event| {
                                if let Some(Reread(reread)) = reread {
                                    event.prevent_default();
                                    reread.run(refresh.clone());
                                }
                            }
                        }
                    >
                        "Read it again"
                    </a>
                </p>
            }
        })
    }
}

/// The name a row of a listing carries, to be found by the changes that touch it.
pub fn row_mark(key: &Key) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
}

#[cfg(feature = "hydrate")]
fn follow_listing(prefix: Key, delimiter: Option<Key>, revision: i64, since: RwSignal<Since>) {
    use super::follow::{follow, Followed};
    use crate::domain::watch::{Change, ChangeKind};

    let start = prefix.as_bytes().len();
    follow(
        prefix,
        Some(revision),
        false,
        move |followed| match followed {
            Followed::Change(Change {
                kind,
                key,
                revision,
                version,
                ..
            }) => {
                let key = key.as_bytes().to_vec();
                // The row the change shows on: the key's own, or its folder's.
                let folder = delimiter.as_ref().and_then(|delimiter| {
                    let rest = key.get(start..)?;
                    let at = rest
                        .windows(delimiter.as_bytes().len())
                        .position(|window| window == delimiter.as_bytes())?;
                    Some(key[..start + at + delimiter.as_bytes().len()].to_vec())
                });
                match &folder {
                    Some(folder) => mark_row(folder, "changed", None),
                    None => {
                        let state = match kind {
                            ChangeKind::Put => "changed",
                            ChangeKind::Delete => "deleted",
                        };
                        mark_row(&key, state, Some((version, revision)));
                    }
                }
                since.update(|since| {
                    if since.keys.len() < MAX_COUNTED {
                        since.keys.insert(key);
                    }
                });
            }
            Followed::Gap { from, to } => since.update(|since| {
                let from = since.gap.map_or(from, |(from, _)| from);
                since.gap = Some((from, to));
            }),
            Followed::Ended { resync } => since.update(|since| since.resync = resync),
        },
    );
}

/// Marks the row of `key` (if the page shows it) as `state`, with its version and mod revision
/// now.
#[cfg(feature = "hydrate")]
fn mark_row(key: &[u8], state: &str, now: Option<(i64, i64)>) {
    let selector = format!("tr[data-key=\"{}\"]", row_mark(&Key::new(key)));
    let Ok(Some(row)) = document().query_selector(&selector) else {
        return;
    };
    let _ = row.set_attribute("data-live", state);
    if let Some((version, revision)) = now {
        for (column, text) in [("version", version), ("modified", revision)] {
            if let Ok(Some(cell)) = row.query_selector(&format!("td[data-column={column}]")) {
                cell.set_text_content(Some(&text.to_string()));
            }
        }
    }
}
