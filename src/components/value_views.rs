//! A key's value as its page shows it: what was found in it, and three views to choose from
//! (pretty, raw, hex), each a link, so they work without JavaScript too.

use crate::domain::{
    format::{hex_dump, KubernetesObject, Pretty, Token, Tone, ValueShown, View, PRETTY_LINES},
    limits::human_bytes,
    value::escape_bytes,
    Value,
};
use crate::urls::with_param;
use leptos::{either::EitherOf3, prelude::*};
use leptos_router::hooks::use_location;
use std::sync::Arc;

/// The value, what it holds, and the view chosen with `?view=`.
#[component]
pub fn ValueViews(value: Value, shown: ValueShown) -> impl IntoView {
    let location = use_location();
    let offered: Vec<View> = View::ALL
        .into_iter()
        .filter(|view| *view != View::Pretty || shown.has_pretty())
        .collect();
    let has_pretty = shown.has_pretty();
    let first = if has_pretty {
        View::Pretty
    } else if std::str::from_utf8(value.as_bytes()).is_ok() {
        View::Raw
    } else {
        View::Hex
    };
    let chosen = Memo::new(move |_| {
        location.search.with(|search| {
            crate::urls::query_param(search, "view")
                .and_then(|view| View::parse(&view))
                .filter(|view| *view != View::Pretty || has_pretty)
                .unwrap_or(first)
        })
    });
    let label = describe(&value, &shown);
    let (value, shown) = (Arc::new(value), Arc::new(shown));
    let tabs = offered
        .into_iter()
        .map(|view| {
            let href = move || {
                location
                    .search
                    .with(|search| with_param(search, "view", Some(view.as_str()), &[]))
            };
            let current = move || (chosen.get() == view).then_some("page");
            view! {
                <a href=href aria-current=current data-testid=format!("view-{}", view.as_str())>
                    {view_name(view)}
                </a>
            }
        })
        .collect_view();
    let body = move || match chosen.get() {
        View::Pretty => EitherOf3::A(pretty_view(&shown)),
        View::Raw => EitherOf3::B(view! {
            <pre class="value" data-testid="value">{raw_text(&value)}</pre>
        }),
        View::Hex => EitherOf3::C(view! {
            <pre class="value hex" data-testid="value-hex">{hex_dump(value.as_bytes())}</pre>
        }),
    };
    view! {
        <section class="panel">
            <h2>"Value"</h2>
            <p class="value-encoding" data-testid="value-encoding">{label}</p>
            <nav class="tabs" aria-label="Views of the value">{tabs}</nav>
            {body}
        </section>
    }
}

fn view_name(view: View) -> &'static str {
    match view {
        View::Pretty => "Pretty",
        View::Raw => "Raw",
        View::Hex => "Hex",
    }
}

fn describe(value: &Value, shown: &ValueShown) -> String {
    let size = human_bytes(value.as_bytes().len() as u64);
    let mut label = format!("{}, {size}", shown.describe());
    if let Some(unwrapped) = shown.unwrapped_len {
        label.push_str(&format!(" ({} unwrapped)", human_bytes(unwrapped as u64)));
    }
    label
}

/// The value as text: UTF-8 as it is, any other byte as `\xNN`.
fn raw_text(value: &Value) -> String {
    match std::str::from_utf8(value.as_bytes()) {
        Ok(text) => text.to_string(),
        Err(_) => escape_bytes(value.as_bytes()),
    }
}

fn pretty_view(shown: &ValueShown) -> impl IntoView {
    let cut = shown.pretty_cut.map(|total| {
        view! {
            <p class="summary" data-testid="pretty-cut">
                {format!(
                    "The pretty view stops after {PRETTY_LINES} of its {total} lines; the raw view has all of the value."
                )}
            </p>
        }
    });
    let unwrapped = shown.unwrapped.clone().map(|text| {
        view! { <pre class="value" data-testid="value-unwrapped">{text}</pre> }
    });
    let kubernetes = shown.kubernetes.clone().map(kubernetes_view);
    view! {
        {kubernetes}
        {unwrapped}
        {(!shown.pretty.is_empty()).then(|| view! {
            <div class="pretty" data-testid="value-pretty">{items(shown.pretty.clone())}</div>
        })}
        {cut}
    }
}

/// Lines, and blocks that fold (`<details>`, so folding needs no JavaScript).
fn items(lines: Vec<Pretty>) -> AnyView {
    lines
        .into_iter()
        .map(|item| match item {
            Pretty::Line(line) => view! { <div class="ln">{tokens(line)}</div> }.into_any(),
            Pretty::Block { head, body, tail } => {
                let tail =
                    (!tail.is_empty()).then(|| view! { <div class="ln">{tokens(tail)}</div> });
                view! {
                    <details open>
                        <summary>{tokens(head)}</summary>
                        <div class="nest">{items(body)}</div>
                        {tail}
                    </details>
                }
                .into_any()
            }
        })
        .collect_view()
        .into_any()
}

fn tokens(tokens: Vec<Token>) -> impl IntoView {
    tokens
        .into_iter()
        .map(|Token(tone, text)| view! { <span class=tone_class(tone)>{text}</span> })
        .collect_view()
}

/// The CSS class a token of each tone gets.
fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Punct => "t-p",
        Tone::Key => "t-k",
        Tone::Str => "t-s",
        Tone::Number => "t-n",
        Tone::Literal => "t-l",
        Tone::Comment => "t-c",
        Tone::Tag => "t-t",
        Tone::Attr => "t-a",
        Tone::Text => "t-x",
    }
}

fn kubernetes_view(object: KubernetesObject) -> impl IntoView {
    let labels = object
        .labels
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rest = format!(
        "The object itself: {} of protobuf (no schema here), shown as hex.",
        human_bytes(object.raw_len as u64)
    );
    let rows = [
        ("apiVersion", object.api_version),
        ("kind", object.kind),
        ("namespace", object.namespace),
        ("name", object.name),
        ("uid", object.uid),
        ("resourceVersion", object.resource_version),
        ("labels", labels),
    ]
    .into_iter()
    .map(|(name, value)| view! { <dt>{name}</dt><dd>{value}</dd> })
    .collect_view();
    view! {
        <dl class="meta" data-testid="kubernetes">{rows}</dl>
        <p class="summary">{rest}</p>
        <pre class="value hex">{hex_dump(&object.raw_head)}</pre>
    }
}
