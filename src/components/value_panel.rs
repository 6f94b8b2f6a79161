//! A key's value in the form that edits it.

use super::new_key_form::FormatSelect;
use super::server_form::{FormFields, ServerForm};
use crate::domain::{
    edit::Draft,
    format::{Format, ValueShown},
    Key, KeyDetail, ValueFormat,
};
use crate::server_fns::SaveValue;
use leptos::prelude::*;

/// What an editor starts from: the text, how it is read back, and the mod revision a save must
/// find the key at (0: the key must not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditStart {
    pub key: Key,
    pub text: String,
    pub format: ValueFormat,
    pub keep_crlf: bool,
    pub base: i64,
}

impl EditStart {
    /// An edit of the value `detail` holds, in the format `shown` found it in.
    pub fn of(detail: &KeyDetail, shown: &ValueShown) -> EditStart {
        let view = detail.value.view();
        let (text, format) = view.editable();
        let format = match (format, shown.edit_format()) {
            (ValueFormat::Text, Some(Format::Json)) => ValueFormat::Json,
            (ValueFormat::Text, Some(Format::Yaml)) => ValueFormat::Yaml,
            (ValueFormat::Text, Some(Format::Toml)) => ValueFormat::Toml,
            (format, _) => format,
        };
        EditStart {
            key: detail.summary.key.clone(),
            text,
            format,
            keep_crlf: view.uses_crlf(),
            base: detail.summary.mod_revision,
        }
    }

    /// An edit resumed from a draft a failed save kept, against the key at `base`.
    pub fn resumed(key: Key, draft: &Draft, text: String, base: i64) -> EditStart {
        EditStart {
            key,
            text,
            format: draft.format,
            keep_crlf: draft.keep_crlf,
            base,
        }
    }
}

/// Edits a value: line numbers, Tab to indent, "Format" for JSON and YAML, and a format that
/// the save checks. The save fails, losing nothing, if someone else wrote the key since `start`
/// was read: what was typed is kept as a draft under the id the browser drew (`drafted`), and
/// the page goes on to that draft.
#[component]
pub fn ValueEditor(
    start: EditStart,
    action: ServerAction<SaveValue>,
    drafted: RwSignal<Option<String>>,
    #[prop(into)] heading: String,
    #[prop(into)] submit: String,
) -> impl IntoView {
    let EditStart {
        key,
        text,
        format,
        keep_crlf,
        base,
    } = start;
    let gutter = NodeRef::<leptos::html::Pre>::new();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let select = NodeRef::<leptos::html::Select>::new();
    let lines = RwSignal::new(line_count(&text));
    let rows = lines.get_untracked().clamp(6, 30);
    let message = RwSignal::new(None::<String>);
    // Shown once hydrated: formatting asks the server.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let read = read_save(drafted);
    // The format chosen: Format is offered for JSON and YAML only, which it can lay out.
    let chosen = RwSignal::new(format);
    let choose = move |_| {
        if let Some(format) = select
            .get_untracked()
            .and_then(|s| ValueFormat::parse(&s.value()))
        {
            chosen.set(format);
        }
    };
    let formattable = move || matches!(chosen.get(), ValueFormat::Json | ValueFormat::Yaml);
    let format_button = move || {
        (hydrated.get() && formattable()).then(|| {
            view! {
                <button type="button" class="secondary"
                    on:click=move |_| editor::format(area, select, lines, message)
                    data-testid="format-value">
                    "Format"
                </button>
            }
        })
    };
    view! {
        <section class="panel needs-write">
            <h2>{heading}</h2>
            <ServerForm action read>
                <input type="hidden" name="key" value=key.to_segment() />
                <input type="hidden" name="expected_mod_revision" value=base />
                <input type="hidden" name="keep_crlf" value=keep_crlf.to_string() />
                <div class="editor">
                    <pre class="gutter" aria-hidden="true" node_ref=gutter>
                        {move || numbers(lines.get())}
                    </pre>
                    <textarea
                        name="value"
                        rows=rows
                        wrap="off"
                        spellcheck="false"
                        aria-label="Value"
                        data-testid="value-input"
                        node_ref=area
                        on:input=move |_| editor::count_lines(area, lines)
                        on:scroll=move |_| editor::follow_scroll(area, gutter)
                        on:keydown=move |event| editor::key(event, area, lines)
                    >
                        {textarea_content(text)}
                    </textarea>
                </div>
                <p class="summary">
                    "Tab indents and Shift+Tab outdents the lines chosen; Esc, then Tab, leaves the editor."
                </p>
                <div class="actions">
                    <span on:change=choose>
                        <FormatSelect selected=format node_ref=select />
                    </span>
                    {format_button}
                    <button type="submit" disabled=move || action.pending().get() data-testid="save-value">
                        {submit}
                    </button>
                </div>
                <p class="field-error" role="status" data-testid="format-message">
                    {move || message.get()}
                </p>
            </ServerForm>
        </section>
    }
}

/// Reads a value form into the save it asks for, under a draft id drawn in the browser and kept
/// in `drafted`, so that a failed save can go on to its draft.
pub(super) fn read_save(
    drafted: RwSignal<Option<String>>,
) -> impl Fn(&FormFields) -> Option<SaveValue> + 'static {
    move |fields| {
        let draft = new_draft_id();
        drafted.set(Some(draft.clone()));
        let read = crate::read_form!(SaveValue {
            key, value, format, keep_crlf, expected_mod_revision; draft: draft.clone()
        });
        read(fields)
    }
}

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

fn numbers(lines: usize) -> String {
    (1..=lines.max(1))
        .map(|line| line.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// 32 hex digits drawn in the browser, for the id of a save's draft (on the server, the server
/// function draws one).
fn new_draft_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        (0..4)
            .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32))
            .collect()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// What the editor does in the browser.
mod editor {
    use super::*;
    use leptos::html::{Pre, Select, Textarea};

    pub fn count_lines(area: NodeRef<Textarea>, lines: RwSignal<usize>) {
        if let Some(area) = area.get_untracked() {
            lines.set(line_count(&area.value()));
        }
    }

    pub fn follow_scroll(area: NodeRef<Textarea>, gutter: NodeRef<Pre>) {
        if let (Some(area), Some(gutter)) = (area.get_untracked(), gutter.get_untracked()) {
            gutter.set_scroll_top(area.scroll_top());
        }
    }

    thread_local! {
        /// Esc was pressed: the next Tab leaves the editor instead of indenting.
        static LEAVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Tab and Shift+Tab indent and outdent the chosen lines; Enter keeps the line's indent.
    pub fn key(event: leptos::ev::KeyboardEvent, area: NodeRef<Textarea>, lines: RwSignal<usize>) {
        let key = event.key();
        if key == "Escape" {
            LEAVING.with(|leaving| leaving.set(true));
            return;
        }
        if LEAVING.with(|leaving| leaving.replace(false)) && key == "Tab" {
            return;
        }
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let Some(area) = area.get_untracked() else {
            return;
        };
        let text = area.value();
        let (start, end) = (
            utf16_to_byte(&text, area.selection_start().ok().flatten().unwrap_or(0)),
            utf16_to_byte(&text, area.selection_end().ok().flatten().unwrap_or(0)),
        );
        let edit = match key.as_str() {
            "Tab" => indent(&text, start, end, event.shift_key()),
            "Enter" if !event.shift_key() => {
                let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
                let indent: String = text[line_start..start]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                if indent.is_empty() {
                    return;
                }
                Some((start, end, format!("\n{indent}"), false))
            }
            _ => None,
        };
        let Some((from, to, replacement, select)) = edit else {
            return;
        };
        event.prevent_default();
        let (from16, to16) = (byte_to_utf16(&text, from), byte_to_utf16(&text, to));
        let mode = if select { "select" } else { "end" };
        let _ = area.set_range_text_with_start_and_end_and_mode(&replacement, from16, to16, mode);
        lines.set(line_count(&area.value()));
    }

    /// The replacement that indents (or outdents) the lines from byte `start` to `end`: a bare
    /// cursor gets two spaces; a selection has each of its lines moved, and stays selected.
    fn indent(
        text: &str,
        start: usize,
        end: usize,
        out: bool,
    ) -> Option<(usize, usize, String, bool)> {
        if start == end && !out {
            return Some((start, end, "  ".to_string(), false));
        }
        let from = text[..start].rfind('\n').map_or(0, |at| at + 1);
        let to = text[end..].find('\n').map_or(text.len(), |at| end + at);
        let moved: Vec<String> = text[from..to]
            .split('\n')
            .map(|line| {
                if out {
                    let strip = line.len() - line.trim_start_matches(' ').len();
                    line[strip.min(2)..].to_string()
                } else {
                    format!("  {line}")
                }
            })
            .collect();
        Some((from, to, moved.join("\n"), true))
    }

    fn utf16_to_byte(text: &str, units: u32) -> usize {
        let mut counted = 0u32;
        for (at, c) in text.char_indices() {
            if counted >= units {
                return at;
            }
            counted += c.len_utf16() as u32;
        }
        text.len()
    }

    fn byte_to_utf16(text: &str, at: usize) -> u32 {
        text[..at].encode_utf16().count() as u32
    }

    /// Asks the server to lay the text out again in the chosen format.
    pub fn format(
        area: NodeRef<Textarea>,
        select: NodeRef<Select>,
        lines: RwSignal<usize>,
        message: RwSignal<Option<String>>,
    ) {
        let (Some(area), Some(select)) = (area.get_untracked(), select.get_untracked()) else {
            return;
        };
        let Some(format) = ValueFormat::parse(&select.value()) else {
            return;
        };
        let text = area.value();
        leptos::task::spawn_local(async move {
            match crate::server_fns::format_value(text, format).await {
                Ok(pretty) => {
                    area.set_value(&pretty);
                    lines.set(line_count(&pretty));
                    message.set(None);
                }
                Err(err) => message.set(Some(err.to_string())),
            }
        });
    }
}

/// Text for a `<textarea>`. Leptos writes a textarea's text into the HTML as it is, so on the
/// server it is escaped here: a value holding `</textarea>` would otherwise end the element and
/// put the rest into the page as markup. An HTML parser also drops the first line break after
/// `<textarea>`, so the server-rendered HTML starts with one extra. Built in the browser, the
/// text is a text node, kept as it is.
pub fn textarea_content(text: String) -> String {
    if cfg!(feature = "ssr") {
        let mut html = String::with_capacity(text.len() + 1);
        html.push('\n');
        for c in text.chars() {
            match c {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                c => html.push(c),
            }
        }
        html
    } else {
        text
    }
}
