//! Success notices and error panels.

use crate::domain::AppError;
use crate::urls::{notice::Notice, routes::key_url};
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_location;

/// An error in full: what happened, etcd's message, and what to do about it.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    view! {
        <section class="panel panel-error" role="alert" data-testid="error">
            <h2>{error.title()} " (" {error.status().as_u16()} ")"</h2>
            <p class="message">{error.to_string()}</p>
            {error.hint().map(|hint| view! { <p class="hint">{hint}</p> })}
        </section>
    }
}

/// The error of the last submission of a form, if it failed.
///
/// After a form posted without JavaScript fails, the page is rendered again with the error; that
/// render gets the error's HTTP status.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            #[cfg(feature = "ssr")]
            crate::server_fns::glue::set_error_status(&error);
            view! { <ErrorPanel error /> }
        })
    }
}

/// The success message a write left in the URL it landed on, unless the page's last submission
/// failed (then the error is what the page shows).
pub fn use_notice(failed: Signal<Option<AppError>>) -> Signal<Option<Notice>> {
    let search = use_location().search;
    Signal::derive(move || {
        failed
            .with(Option::is_none)
            .then(|| search.with(|search| Notice::from_query(search)))
            .flatten()
    })
}

/// The success message a write left in the URL. A key it names is a link, or code once deleted.
#[component]
pub fn NoticeBar(#[prop(into)] notice: Signal<Option<Notice>>) -> impl IntoView {
    move || {
        notice.get().map(|notice| {
            let (before, key, after) = match notice {
                Notice::Created(key) => ("Created key ", Some(Either::Left(key)), ".".to_string()),
                Notice::Deleted(key) => ("Deleted key ", Some(Either::Right(key)), ".".to_string()),
                Notice::Saved { revision } => ("", None, format!("Saved at revision {revision}.")),
                Notice::Unchanged => (
                    "",
                    None,
                    "Nothing to save: the value is already what was typed, so nothing was written."
                        .to_string(),
                ),
                Notice::Restored { from, revision } => (
                    "",
                    None,
                    format!("Restored the version of revision {from}, at revision {revision}."),
                ),
            };
            let key = key.map(|key| match key {
                Either::Left(key) => {
                    Either::Left(view! { <a href=key_url(&key)>{key.display()}</a> })
                }
                Either::Right(key) => Either::Right(view! { <code>{key.display()}</code> }),
            });
            view! {
                <p class="banner banner-ok" role="status" data-testid="notice">
                    {before} {key} {after}
                </p>
            }
        })
    }
}
