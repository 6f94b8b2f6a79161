//! Success notices and error panels.

use crate::domain::{notice::Notice, Key};
use crate::error::AppError;
use leptos::prelude::*;

/// An error in full: what happened, etcd's message, and what to do about it.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    view! {
        <section class="panel panel-error" role="alert" data-testid="error">
            <h2>{error.title()} " (" {error.status()} ")"</h2>
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
            crate::server::status::set_error_status(&error);
            view! { <ErrorPanel error /> }
        })
    }
}

/// The success message a write left in the URL.
#[component]
pub fn NoticeBar(#[prop(into)] notice: Signal<Option<Notice>>) -> impl IntoView {
    let link = |key: Key| view! { <a href=key.page_url()>{key.display()}</a> };
    move || {
        notice.get().map(|notice| {
            let text = match notice {
                Notice::Created(key) => view! { "Created key " {link(key)} "." }.into_any(),
                Notice::Saved { revision } => {
                    view! { "Saved at revision " {revision} "." }.into_any()
                }
                Notice::Deleted(key) => {
                    view! { "Deleted key " <code>{key.display()}</code> "." }.into_any()
                }
            };
            view! {
                <p class="banner banner-ok" role="status" data-testid="notice">
                    {text}
                </p>
            }
        })
    }
}
