//! The page a conflicting save lands on: what the edit started from, what is there now, and
//! what was typed, side by side; and three ways on. Plain links and forms, so it works without
//! JavaScript too.

use super::{diff_view, value_panel::read_save, EditStart, ServerForm, ValueEditor};
use crate::domain::{edit::DraftView, Key, Value, ValueFormat};
use crate::server_fns::SaveValue;
use crate::urls::routes::key_url;
use leptos::prelude::*;

/// Base, theirs and yours, with keep theirs, overwrite with yours (a compare-and-swap against
/// theirs, so a third writer is caught too) and merge by hand.
#[component]
pub fn ConflictView(
    key: Key,
    draft: DraftView,
    action: ServerAction<SaveValue>,
    drafted: RwSignal<Option<String>>,
) -> impl IntoView {
    let theirs_revision = draft.theirs_mod_revision();
    let base_revision = draft.draft.base;
    let now = match &draft.theirs {
        Some(_) => format!(
            "It is now at revision {theirs_revision}: someone wrote it after revision \
             {base_revision}, the one you started from. etcd keeps no author or time, only the \
             revision."
        ),
        None => {
            format!("It has been deleted since revision {base_revision}, the one you started from.")
        }
    };
    let base_text = draft.base.as_ref().map(shown_text).unwrap_or_else(|| {
        "(not available: etcd has compacted that revision, or the key did not exist)".to_string()
    });
    let theirs_text = draft
        .theirs
        .as_ref()
        .map(|theirs| shown_text(&theirs.value))
        .unwrap_or_else(|| "(deleted)".to_string());
    let yours = draft.draft.clone();
    let merged = draft.merged.clone();
    let merge_note = match &merged {
        Some(merged) if merged.conflicts => {
            "Both changed some of the same lines: they are marked between <<<<<<< ours (yours) \
             and >>>>>>> theirs (what is there now). Keep what should stay, then save."
        }
        Some(_) => "Your changes and theirs touch different lines: they are merged below. Check, then save.",
        None => "The values are not all text, so they could not be merged line by line: yours is below.",
    };
    let merge_start = EditStart::resumed(
        key.clone(),
        &yours,
        merged.map_or_else(|| yours.text.clone(), |merged| merged.text),
        theirs_revision,
    );
    let diffs = [
        (
            "What changed from your start to now",
            draft.theirs_diff.clone(),
        ),
        ("What you changed", draft.yours_diff.clone()),
    ]
    .into_iter()
    .filter_map(|(title, diff)| {
        diff.map(|diff| {
            view! {
                <div>
                    <h3>{title}</h3>
                    {diff_view(diff)}
                </div>
            }
        })
    })
    .collect_view();
    view! {
        <section class="panel panel-warn" data-testid="conflict" role="alert">
            <h2>"Not saved: the key changed while you were editing it"</h2>
            <p>{now} " Nothing you typed is lost: choose how to go on."</p>
            <div class="three-way">
                <div>
                    <h3>{format!("What you started from (revision {base_revision})")}</h3>
                    <pre class="value" data-testid="conflict-base">{base_text}</pre>
                </div>
                <div>
                    <h3>{format!("What is there now (revision {theirs_revision})")}</h3>
                    <pre class="value" data-testid="conflict-theirs">{theirs_text}</pre>
                </div>
                <div>
                    <h3>"What you typed"</h3>
                    <pre class="value" data-testid="conflict-yours">{yours.text.clone()}</pre>
                </div>
            </div>
            <div class="three-way diffs">{diffs}</div>
            <div class="choices">
                <a class="button" href=key_url(&key) data-testid="keep-theirs">
                    "Keep theirs (drop what you typed)"
                </a>
                <ServerForm action read=read_save(drafted)>
                    <input type="hidden" name="key" value=key.to_segment() />
                    <input type="hidden" name="value" value=yours.text.clone() />
                    <input type="hidden" name="format" value=yours.format.as_str() />
                    <input type="hidden" name="keep_crlf" value=yours.keep_crlf.to_string() />
                    <input type="hidden" name="expected_mod_revision" value=theirs_revision />
                    <button type="submit" class="danger" data-testid="overwrite"
                        disabled=move || action.pending().get()>
                        "Overwrite with yours"
                    </button>
                    {format!(" Only if it is still at revision {theirs_revision}: another change is caught too.")}
                </ServerForm>
            </div>
        </section>
        <p class="summary" data-testid="merge-note">{merge_note}</p>
        <ValueEditor start=merge_start action drafted heading="Merge by hand" submit="Save the merge" />
    }
}

/// A value as the conflict page shows it: text, or hex when it is not UTF-8.
fn shown_text(value: &Value) -> String {
    let (text, format) = value.view().editable();
    match format {
        ValueFormat::Hex => format!("(hex) {text}"),
        _ => text,
    }
}
