//! The bulk page at `/bulk`: the keys picked on a listing (or every key under its prefix), as
//! they were at the listing's revision, and what can be done to them all: export, copy or move
//! to another prefix, delete. Every write leaves a key written after that revision alone, and
//! says so. Without a selection, it is the import page (see [`super::import`]).

use super::bulk_copy::CopyForm;
use crate::components::{count, page_data, ActionError, KeyName, Loaded, PageView, ServerForm};
use crate::domain::{
    limits::human_bytes,
    transfer::{BulkOutcome, BulkPreview, BulkReport, Selection, Tally},
    AppError, Key, PageRequest,
};
use crate::server_fns::{preview_selection, CopySelection, DeleteSelection};
use crate::urls::routes::{key_url, list_url};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
fn BulkPage() -> impl IntoView {
    let location = use_location();
    let selection =
        Memo::new(move |_| location.search.with(|search| Selection::from_query(search)));
    let delete = ServerAction::<DeleteSelection>::new();
    let copy = ServerAction::<CopySelection>::new();
    let preview = page_data(
        move || {
            (
                selection.get(),
                delete.version().get(),
                copy.version().get(),
            )
        },
        |(selection, _, _)| async move {
            // Leaving the page for a listing changes the address before the page goes: nothing
            // is picked there, and nothing is asked of the server.
            if !selection.all && selection.keys.is_empty() {
                return Err(AppError::invalid("no keys are picked"));
            }
            preview_selection(selection).await
        },
    );
    let error = Signal::derive(move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| copy.value().get().and_then(Result::err))
    });
    // Whether the last copy form sent was a move, and where to: the action forgets its input
    // once answered.
    let moving = RwSignal::new(false);
    let target = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = copy.input().get() {
            moving.set(input.remove);
            target.set(Some(input.to));
        }
    });
    // What the last write did: in full from the action, or its counts from the URL (a form
    // posted without JavaScript lands back here).
    let last = move || {
        let latest = |value: Option<Result<BulkReport, _>>, outcome| {
            value.and_then(Result::ok).map(|report| (outcome, report))
        };
        latest(delete.value().get(), BulkOutcome::Deleted)
            .or_else(|| latest(copy.value().get(), BulkOutcome::of_copy(moving.get())))
            .or_else(|| {
                location
                    .search
                    .with(|search| BulkReport::from_query(search))
            })
    };
    // Once keys are deleted or moved away, the selection is history: the page says what was
    // done and where to go, instead of listing the keys as if they were there.
    let finished =
        move || last().is_some_and(|(outcome, report)| outcome.removes() && report.done.count > 0);
    let next_steps = move || {
        let selection = selection.get();
        let back = list_url(&PageRequest::new(selection.prefix.clone(), None, None));
        let target = target.get().map(|to| {
            let url = list_url(&PageRequest::new(Key::from(to.as_str()), None, None));
            view! { " " <a href=url>{format!("See {to}")}</a> }
        });
        view! {
            <p data-testid="bulk-next">
                <a href=back>"Back to the keys under " {selection.prefix.display()}</a>
                {target}
            </p>
        }
    };

    PageView(view! {
        <Title text="Many keys at once" />
        <h1>"Many keys at once"</h1>
        <ActionError error />
        {move || last().map(|(outcome, report)| report_view(outcome, report))}
        <Show when=move || !finished() fallback=next_steps>
            <Loaded
                resource=preview
                loading="Reading the keys…"
                show=move |preview| selection_view(selection.get_untracked(), preview, delete, copy)
            />
        </Show>
    })
}

fn selection_view(
    selection: Selection,
    preview: BulkPreview,
    delete: ServerAction<DeleteSelection>,
    copy: ServerAction<CopySelection>,
) -> impl IntoView {
    let under = if selection.prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        selection.prefix.display()
    };
    let summary = if selection.all {
        format!(
            "Every key under {under}: {} keys at revision {}.",
            preview.total, preview.revision
        )
    } else {
        format!(
            "{} keys picked under {under}, as they were at revision {}.",
            preview.total, preview.revision
        )
    };
    let missing = (!preview.missing.is_empty()).then(|| {
        let keys = preview
            .missing
            .iter()
            .map(Key::display)
            .collect::<Vec<_>>()
            .join(", ");
        view! { <p class="banner banner-warn">"Not there at that revision: " {keys}</p> }
    });
    let shown = preview.keys.len() as i64;
    let more = (selection.all && preview.total > shown)
        .then(|| format!("…and {} more.", preview.total - shown));
    let rows = preview
        .keys
        .into_iter()
        .map(|key| {
            view! {
                <tr>
                    <td class="key">
                        <a href=key_url(&key.key)><KeyName key=key.key.clone() /></a>
                    </td>
                    <td class="num">{key.version}</td>
                    <td class="num">{key.mod_revision}</td>
                    <td class="num">{key.value_size.map(human_bytes)}</td>
                </tr>
            }
        })
        .collect_view();
    // The selection as the forms send it, pinned to the revision just read.
    let pinned = Selection {
        revision: preview.revision,
        ..selection.clone()
    };
    let back = list_url(&PageRequest::new(selection.prefix.clone(), None, None));
    view! {
        <p class="summary" data-testid="bulk-summary">{summary}</p>
        {missing}
        <table class="keys" data-testid="bulk-keys">
            <thead>
                <tr>
                    <th>"Key"</th>
                    <th class="num">"Version"</th>
                    <th class="num">"Mod revision"</th>
                    <th class="num">"Size"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p>{more} " " <a href=back>"Back to the keys"</a></p>
        <section class="panel">
            <h2>"Export"</h2>
            <p>
                <a class="button" href=pinned.export_url() download="" data-testid="bulk-export">
                    "Download as JSON lines"
                </a>
                " Every key and value byte for byte, read at revision " {preview.revision}
                "; the import page reads it back."
            </p>
        </section>
        <CopyForm selection=pinned.clone() action=copy />
        <DeleteForm selection=pinned total=preview.total action=delete />
    }
}

/// The hidden fields that name a selection in a form.
pub(super) fn selection_fields(selection: &Selection) -> impl IntoView {
    let keys = selection
        .keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            view! { <input type="hidden" name=format!("keys[{i}]") value=key.to_segment() /> }
        })
        .collect_view();
    view! {
        <input type="hidden" name="prefix" value=selection.prefix.to_segment() />
        <input type="hidden" name="revision" value=selection.revision />
        <input type="hidden" name="all" value=selection.all.to_string() />
        {keys}
    }
}

#[component]
fn DeleteForm(
    selection: Selection,
    total: i64,
    action: ServerAction<DeleteSelection>,
) -> impl IntoView {
    let fields = selection_fields(&selection);
    // Deleting a whole prefix asks for it to be typed; picked keys are listed above.
    let confirm = if selection.all {
        let prompt = format!("Type {} to confirm ", selection.prefix.display());
        view! {
            <label>
                {prompt}
                <input name="confirm" required autocomplete="off" data-testid="bulk-confirm" />
            </label>
        }
        .into_any()
    } else {
        // The count, ticked: a step between choosing and deleting, as a single key has.
        view! {
            <label>
                <input type="checkbox" name="confirm" value=total.to_string() required data-testid="bulk-confirm" />
                {format!(" Yes, delete these {total} keys")}
            </label>
        }
        .into_any()
    };
    let label = format!("Delete these {total} keys");
    view! {
        <section class="panel danger-zone needs-write">
            <h2>"Delete"</h2>
            <p>
                "Deletes exactly the keys shown, as they were at revision " {selection.revision}
                ": a key created or changed since is left, and reported."
            </p>
            <ServerForm action read=crate::read_form!(DeleteSelection { prefix, revision, all, keys, confirm })>
                {fields}
                {confirm}
                <button type="submit" class="danger" disabled=move || action.pending().get()>
                    {label}
                </button>
            </ServerForm>
        </section>
    }
}

/// What a bulk write did, in words.
fn report_view(outcome: BulkOutcome, report: BulkReport) -> impl IntoView {
    let line = |tally: &Tally, what: &str| {
        (tally.count > 0).then(|| {
            let examples = match tally.examples.as_slice() {
                [] => String::new(),
                keys => format!(" ({})", keys.join(", ")),
            };
            view! { <li>{format!("{} {what}{examples}", tally.count)}</li> }
        })
    };
    view! {
        <section class="banner banner-ok" role="status" data-testid="bulk-report">
            <p>{format!("{} {}.", count(report.done.count, "key", "keys"), outcome.as_str())}</p>
            <ul>
                {line(&report.changed, "left: written after the revision shown")}
                {line(&report.exists, "left: the target exists")}
                {line(&report.gone, "gone already")}
            </ul>
        </section>
    }
}

lazy_page!(
    /// The bulk page: what to do with a selection of keys, or (with none) an import.
    BulkRoute => bulk_or_import()
);

fn bulk_or_import() -> AnyView {
    let picked = use_location().search.with_untracked(|search| {
        ["prefix=", "key=", "all="]
            .iter()
            .any(|field| search.contains(field))
    });
    if picked {
        view! { <BulkPage /> }.into_any()
    } else {
        view! { <super::import::ImportPage /> }.into_any()
    }
}
