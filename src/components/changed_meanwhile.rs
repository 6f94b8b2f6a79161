//! A warning on a key's page when someone else writes or deletes the key while it is open, so
//! that an edit in progress learns of it before it is saved (and refused).

use crate::domain::{limits::human_bytes, watch::ChangeKind, Key};
use crate::urls::routes::key_version_url;
use leptos::prelude::*;

/// The last change to the key made since the page read it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Changed {
    kind: ChangeKind,
    revision: i64,
    version: i64,
    value_size: u64,
}

/// Follows `key` after `read_at`, the revision its page was read at; when someone changes it,
/// says so, with a link comparing the version shown (`mod_revision`) with the value now. Only
/// the hydrated page follows.
#[component]
pub fn ChangedMeanwhile(key: Key, read_at: i64, mod_revision: i64) -> impl IntoView {
    let changed = RwSignal::new(None::<Changed>);
    #[cfg(feature = "hydrate")]
    {
        use super::follow::{follow, Followed};
        use crate::domain::watch::Change;
        let exact = key.clone();
        follow(key.clone(), Some(read_at), false, move |followed| {
            if let Followed::Change(Change {
                kind,
                key,
                revision,
                version,
                value_size,
                ..
            }) = followed
            {
                if key == exact {
                    changed.set(Some(Changed {
                        kind,
                        revision,
                        version,
                        value_size,
                    }));
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = read_at;
    let compare = key_version_url(&key, mod_revision);
    move || {
        changed.get().map(|changed| {
            let what = match changed.kind {
                ChangeKind::Put => format!(
                    "This key was changed by someone else at revision {} (now version {}, {}). \
                     Saving what is shown here would be refused.",
                    changed.revision,
                    changed.version,
                    human_bytes(changed.value_size)
                ),
                ChangeKind::Delete => format!(
                    "This key was deleted by someone else at revision {}.",
                    changed.revision
                ),
            };
            view! {
                <p class="banner banner-warn" role="alert" data-testid="changed-meanwhile">
                    {what}
                    " "
                    <a href=compare.clone()>"See what changed"</a>
                </p>
            }
        })
    }
}
