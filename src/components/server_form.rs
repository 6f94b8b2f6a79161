//! A form that calls a server function. Without JavaScript it is a plain form post to the server
//! function, which answers with a redirect to the page that shows the outcome; once hydrated,
//! submitting dispatches the server action instead, without a reload.
//!
//! Leptos' `ActionForm` does the same by deserializing the form's fields with serde into the
//! server function's arguments; [`read_form!`](crate::read_form) reads them by their types
//! ([`FormValue`]) instead, which keeps that deserializer out of the browser's bundle, and takes
//! each field's name from the argument's, so the two cannot drift apart.

use crate::domain::{Key, ValueFormat};
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

    /// The texts of the fields `name[0]`, `name[1]`…, in the order of their indexes (some may
    /// be missing: unticked boxes are not sent).
    pub fn indexed(&self, name: &str) -> Vec<String> {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let start = format!("{name}[");
            let entries = js_sys::try_iter(&self.0)
                .ok()
                .flatten()
                .into_iter()
                .flatten();
            let mut found: Vec<(usize, String)> = entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let entry: js_sys::Array = entry.dyn_into().ok()?;
                    let field = entry.get(0).as_string()?;
                    let index = field
                        .strip_prefix(&start)?
                        .strip_suffix(']')?
                        .parse()
                        .ok()?;
                    Some((index, entry.get(1).as_string()?))
                })
                .collect();
            found.sort_by_key(|(index, _)| *index);
            found.into_iter().map(|(_, text)| text).collect()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            Vec::new()
        }
    }
}

/// A server function's argument as its form's field `name` carries it, the way the server reads
/// it back; `None` when the field is missing or does not read as one.
pub trait FormValue: Sized {
    fn read(fields: &FormFields, name: &str) -> Option<Self>;
}

impl FormValue for String {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        fields.text(name)
    }
}

impl FormValue for i64 {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        fields.text(name)?.parse().ok()
    }
}

/// `true` or `false`, from a hidden field.
impl FormValue for bool {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        Some(fields.text(name)? == "true")
    }
}

/// A checkbox: sent only when ticked.
impl FormValue for Option<bool> {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        Some(fields.text(name).map(|_| true))
    }
}

/// A key, as its URL segment.
impl FormValue for Key {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        Some(Key::from_segment(&fields.text(name)?))
    }
}

/// Keys, one field `name[i]` each; none at all is an empty list.
impl FormValue for Vec<Key> {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        let segments = fields.indexed(name);
        Some(
            segments
                .iter()
                .map(|segment| Key::from_segment(segment))
                .collect(),
        )
    }
}

impl FormValue for ValueFormat {
    fn read(fields: &FormFields, name: &str) -> Option<Self> {
        ValueFormat::parse(&fields.text(name)?)
    }
}

/// A reader of a server function's arguments (or any struct's fields) from its form, for
/// [`ServerForm`]: `read_form!(GrantLease { ttl })` reads the field `ttl` as the argument's type
/// reads ([`FormValue`]); `read_form!(SaveValue { key, value; draft: id })` also gives `draft`.
/// A renamed argument no longer compiles here.
#[macro_export]
macro_rules! read_form {
    ($shape:ident { $($field:ident),* $(,)? $(; $($given:ident : $value:expr),* $(,)?)? }) => {
        |fields: &$crate::components::FormFields| -> Option<$shape> {
            Some($shape {
                $($field: $crate::components::FormValue::read(fields, stringify!($field))?,)*
                $($($given: $value,)*)?
            })
        }
    };
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
