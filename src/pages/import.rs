//! Importing, on the bulk page (`/bulk`, "Import" in the top bar): send an export (or a flat JSON object), see what it would do
//! (a dry run: nothing is written), then apply it; keys someone wrote after the dry run are left
//! alone and reported. The upload is a plain form post, so all of it works without JavaScript.

use crate::components::{page_data, textarea_content, ActionError, Loaded, PageView, ServerForm};
use crate::domain::transfer::{ImportReport, Tally};
use crate::server_fns::{pasted_text, preview_import, ApplyImport};
use crate::urls::{query_param, routes::IMPORT_UPLOAD};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub(super) fn ImportPage() -> impl IntoView {
    let location = use_location();
    let text = move |name: &'static str| {
        location
            .search
            .with(|search| query_param(search, name).and_then(|v| String::from_utf8(v).ok()))
    };
    let upload = Memo::new(move |_| text("upload"));
    let apply = ServerAction::<ApplyImport>::new();
    let report = page_data(
        move || (upload.get(), apply.version().get()),
        |(upload, _)| async move {
            match upload {
                Some(upload) => preview_import(upload).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let error = Signal::derive(move || apply.value().get().and_then(Result::err));
    let applied =
        move || {
            apply
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| location.search.with(|search| ImportReport::from_query(search)))
            .map(|report| {
                view! {
                    <section class="banner banner-ok" role="status" data-testid="import-applied">
                        <p>"Imported."</p>
                        {report_list(&report, true)}
                    </section>
                }
            })
        };
    let refused = move || {
        text("error").map(|message| {
            view! { <p class="banner banner-warn" role="alert" data-testid="import-error">{message}</p> }
        })
    };

    // Once applied, the dry run shows what is left; it offers no second apply, which would
    // write over the keys the import left alone because someone wrote them meanwhile.
    let was_applied = move || {
        apply.value().with(|value| matches!(value, Some(Ok(_))))
            || location
                .search
                .with(|search| ImportReport::from_query(search).is_some())
    };
    // Text pasted before that did not parse, given back to fix (once the server kept it).
    let pasted = page_data(
        move || text("pasted"),
        |id| async move {
            match id {
                Some(id) => pasted_text(id).await,
                None => Ok(None),
            }
        },
    );
    let paste_box = move |text: Option<String>| {
        view! {
            <textarea id="import-text" name="text" rows="6" spellcheck="false" data-testid="import-text">
                {textarea_content(text.unwrap_or_default())}
            </textarea>
        }
    };
    let show_report = move |report: Option<ImportReport>| {
        let applied = was_applied();
        report.map(|report| dry_run_view(report, upload.get_untracked(), apply, applied))
    };

    PageView(view! {
        <Title text="Import" />
        <h1>"Import"</h1>
        {refused}
        <ActionError error />
        {applied}
        <Loaded
            resource=report
            loading="Comparing the file with etcd…"
            show=show_report
        />
        <section class="panel needs-write">
            <h2>"Send a file"</h2>
            <p>
                "An export of etcd-deck (a header line, then a JSON line per key), or one JSON \
                 object of keys and values. Nothing is written until you apply it."
            </p>
            <form method="post" action=IMPORT_UPLOAD enctype="multipart/form-data" data-testid="import-form">
                <label>"File " <input type="file" name="file" accept=".ndjson,.jsonl,.json,application/json" /></label>
                <label for="import-text">"…or paste it"</label>
                <Loaded resource=pasted loading="" show=paste_box />
                <button type="submit">"Check it (dry run)"</button>
            </form>
        </section>
    })
}

fn dry_run_view(
    report: ImportReport,
    upload: Option<String>,
    apply: ServerAction<ApplyImport>,
    applied: bool,
) -> impl IntoView {
    let writes = report.create.count + report.update.count;
    let left = (applied && writes > 0).then(|| {
        let again = format!(
            "/{}?upload={}",
            crate::urls::routes::BULK_SEGMENT,
            upload.clone().unwrap_or_default()
        );
        view! {
            <p data-testid="import-left">
                {format!(
                    "{} the file still differs from: written by someone else after the dry run, so the import left them alone. ",
                    crate::components::count(writes, "key", "keys")
                )}
                <a href=again rel="external">"Check the file again"</a>
                " to write over them."
            </p>
        }
    });
    let form = (writes > 0 && !applied).then(|| {
        let label = format!(
            "Apply: write {}",
            crate::components::count(writes, "key", "keys")
        );
        view! {
            <ServerForm action=apply read=crate::read_form!(ApplyImport { upload, revision })>
                <input type="hidden" name="upload" value=upload.unwrap_or_default() />
                <input type="hidden" name="revision" value=report.revision />
                <button type="submit" disabled=move || apply.pending().get()>{label}</button>
                " Keys written by anyone after revision " {report.revision}
                " are left as they are, and reported."
            </ServerForm>
        }
    });
    view! {
        <section class="panel" data-testid="import-report">
            <h2>"What it would do"</h2>
            <p>
                {format!(
                    "{} keys in the file, compared with etcd at revision {} (dry run: nothing was written).",
                    report.total, report.revision
                )}
            </p>
            {report_list(&report, false)}
            {left}
            {form}
        </section>
    }
}

/// The counts of an import report; `applied` says whether it was written or is a dry run.
fn report_list(report: &ImportReport, applied: bool) -> impl IntoView {
    let line = |tally: &Tally, one: &str, many: &str| {
        let examples = match tally.examples.as_slice() {
            [] => String::new(),
            keys => format!(": {}", keys.join(", ")),
        };
        let what = if tally.count == 1 { one } else { many };
        view! { <li>{format!("{} {what}{examples}", tally.count)}</li> }
    };
    let (was, were) = if applied {
        ("was", "were")
    } else {
        ("would be", "would be")
    };
    view! {
        <ul class="import-counts">
            {line(&report.create, &format!("{was} created"), &format!("{were} created"))}
            {line(&report.update, &format!("{was} updated"), &format!("{were} updated"))}
            {line(&report.unchanged, "holds that value already", "hold that value already")}
            {line(&report.conflict, "left alone: written since, or named twice", "left alone: written since, or named twice")}
        </ul>
    }
}
