//! The form that creates a key under the prefix being browsed.

use super::server_form::ServerForm;
use crate::domain::{Key, ValueFormat};
use crate::server_fns::CreateKey;
use leptos::{html, prelude::*};

/// Creates a key; it refuses to overwrite one that exists. The form clears itself on success.
#[component]
pub fn NewKeyForm(
    action: ServerAction<CreateKey>,
    #[prop(into)] prefix: Signal<Key>,
) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (action.value().get(), form.get()) {
            form.reset();
        }
    });

    // Closed until asked for; open again when a create failed, with what was typed.
    let failed = move || action.value().get().is_some_and(|result| result.is_err());
    view! {
        <details class="panel new-key needs-write" open=failed>
            <summary>"New key…"</summary>
            <ServerForm action read=crate::read_form!(CreateKey { prefix, key, value, format }) node_ref=form>
                <input type="hidden" name="prefix" value=move || prefix.get().to_segment() />
                <label>
                    "Key"
                    <input
                        type="text"
                        name="key"
                        required
                        placeholder="/app/config/feature-x"
                        value=move || prefix.get().display()
                    />
                </label>
                <label>
                    "Value"
                    <textarea name="value" rows="4"></textarea>
                </label>
                <FormatSelect selected=ValueFormat::Text />
                <button type="submit" disabled=move || action.pending().get()>
                    "Create"
                </button>
            </ServerForm>
        </details>
    }
}

/// Chooses how the value field is read: as text (checked as JSON, YAML or TOML, or not at
/// all) or as hex digits.
#[component]
pub fn FormatSelect(
    selected: ValueFormat,
    #[prop(optional)] node_ref: Option<NodeRef<leptos::html::Select>>,
) -> impl IntoView {
    let option = move |format: ValueFormat, label: &'static str| {
        view! {
            <option value=format.as_str() selected=selected == format>
                {label}
            </option>
        }
    };
    view! {
        <label>
            "Value format"
            <select name="format" node_ref=node_ref.unwrap_or_default() data-testid="value-format">
                {option(ValueFormat::Text, "Plain text (UTF-8)")}
                {option(ValueFormat::Json, "JSON (checked)")}
                {option(ValueFormat::Yaml, "YAML (checked)")}
                {option(ValueFormat::Toml, "TOML (checked)")}
                {option(ValueFormat::Hex, "Hex bytes")}
            </select>
        </label>
    }
}
