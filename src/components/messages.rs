//! Success notices and error panels.

use crate::domain::{notice::Notice, routes::key_url, AppError, Key};
use leptos::{either::EitherOf5, prelude::*};
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

/// The success message a write left in the URL.
#[component]
pub fn NoticeBar(#[prop(into)] notice: Signal<Option<Notice>>) -> impl IntoView {
    let link = |key: Key| view! { <a href=key_url(&key)>{key.display()}</a> };
    move || {
        notice.get().map(|notice| {
            let text = match notice {
                Notice::Created(key) => EitherOf5::A(view! { "Created key " {link(key)} "." }),
                Notice::Saved { revision } => {
                    EitherOf5::B(view! { "Saved at revision " {revision} "." })
                }
                Notice::Deleted(key) => {
                    EitherOf5::C(view! { "Deleted key " <code>{key.display()}</code> "." })
                }
                Notice::Unchanged => EitherOf5::E(view! {
                    "Nothing to save: the value is already what was typed, so nothing was written."
                }),
                Notice::Restored { from, revision } => EitherOf5::D(view! {
                    "Restored the version of revision " {from} ", at revision " {revision} "."
                }),
            };
            view! {
                <p class="banner banner-ok" role="status" data-testid="notice">
                    {text}
                </p>
            }
        })
    }
}
