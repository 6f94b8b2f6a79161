//! A key's value: shown read-only, and in the form that edits it.

use super::new_key_form::FormatSelect;
use super::server_form::{FormFields, ServerForm};
use crate::domain::{
    limits::human_bytes, value::pretty_hex, Key, KeyDetail, ValueFormat, ValueView,
};
use crate::server_fns::SaveValue;
use leptos::prelude::*;

/// The value as text, or as hex with a label when it is not UTF-8.
#[component]
pub fn ValuePanel(value: ValueView) -> impl IntoView {
    let size = human_bytes(value.byte_len() as u64);
    let (label, shown) = match &value {
        ValueView::Text(text) => (format!("UTF-8 text, {size}"), text.clone()),
        ValueView::Binary { hex } => (
            format!("Binary (not valid UTF-8), {size}, shown as hex"),
            pretty_hex(hex),
        ),
    };
    view! {
        <section class="panel">
            <h2>"Value"</h2>
            <p class="value-encoding" data-testid="value-encoding">
                {label}
            </p>
            <pre class="value" data-testid="value">
                {shown}
            </pre>
        </section>
    }
}

/// Edits the value. The save fails with a conflict, losing nothing, if someone else wrote the key
/// since it was read.
#[component]
pub fn ValueEditor(detail: KeyDetail, action: ServerAction<SaveValue>) -> impl IntoView {
    let value = detail.value.view();
    let (text, format) = value.editable();
    view! {
        <section class="panel needs-write">
            <h2>"Edit"</h2>
            <ServerForm action read=read_edit>
                <input type="hidden" name="key" value=detail.summary.key.to_segment() />
                <input
                    type="hidden"
                    name="expected_mod_revision"
                    value=detail.summary.mod_revision
                />
                <input
                    type="hidden"
                    name="keep_crlf"
                    value=value.uses_crlf().to_string()
                />
                <label>
                    "Value" <textarea name="value" rows="10" data-testid="value-input">
                        {textarea_content(text)}
                    </textarea>
                </label>
                <FormatSelect selected=format />
                <button type="submit" disabled=move || action.pending().get()>
                    "Save"
                </button>
            </ServerForm>
        </section>
    }
}

fn read_edit(fields: &FormFields) -> Option<SaveValue> {
    Some(SaveValue {
        key: Key::from_segment(&fields.text("key")?),
        value: fields.text("value")?,
        format: ValueFormat::parse(&fields.text("format")?)?,
        keep_crlf: fields.text("keep_crlf")?.parse().ok()?,
        expected_mod_revision: fields.text("expected_mod_revision")?.parse().ok()?,
    })
}

/// Text for a `<textarea>`. An HTML parser drops the first line break after `<textarea>`, so the
/// server-rendered HTML starts with one extra; built in the browser, the text is kept as it is.
fn textarea_content(text: String) -> String {
    if cfg!(feature = "ssr") {
        format!("\n{text}")
    } else {
        text
    }
}
