//! A form that calls a server function. Without JavaScript it is a plain form post to the server
//! function, which answers with a redirect to the page that shows the outcome; once hydrated,
//! submitting dispatches the server action instead, without a reload.
//!
//! Leptos' `ActionForm` does the same by deserializing the form's fields with serde into the
//! server function's arguments; reading the few fields by hand keeps that deserializer out of
//! the browser's bundle.

use leptos::{
    html,
    prelude::*,
    server_fn::{client::Client, codec::PostUrl, Http, ServerFn},
};
use web_sys::{FormData, HtmlFormElement};

/// The fields of a submitted form.
pub struct FormFields(FormData);

impl FormFields {
    /// The text of the field `name`, if the form has it.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).as_string()
    }
}

/// A `<form>` posting to `action`'s server function, with `read` turning its fields into the
/// function's arguments. When `read` answers `None`, the browser submits the form itself.
#[component]
pub fn ServerForm<S, O, F>(
    action: ServerAction<S>,
    read: F,
    #[prop(optional)] node_ref: Option<NodeRef<html::Form>>,
    /// The form's id, for fields elsewhere in the page that belong to it (`form="id"`).
    #[prop(optional)]
    id: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    S: ServerFn<Protocol = Http<PostUrl, O>> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    S::Client: Client<S::Error>,
    F: Fn(&FormFields) -> Option<S> + 'static,
{
    let submit = move |event: leptos::ev::SubmitEvent| {
        let form: HtmlFormElement = event_target(&event);
        let Ok(data) = FormData::new_with_form(&form) else {
            return;
        };
        if let Some(arguments) = read(&FormFields(data)) {
            event.prevent_default();
            action.dispatch(arguments);
        }
    };
    let node_ref = node_ref.unwrap_or_default();
    view! {
        <form id=id method="post" action=S::url() on:submit=submit node_ref=node_ref>
            {children()}
        </form>
    }
}
