//! Keyboard shortcuts, on every page: `/` search, `j`/`k` move through the rows, `Enter` opens,
//! `Backspace` goes up a level, `?` lists the shortcuts. Keys typed into a field are the field's.

use leptos::prelude::*;

/// The shortcuts, as the `?` panel lists them.
const SHORTCUTS: [(&str, &str); 6] = [
    ("/", "search (under the prefix shown)"),
    ("j / k", "next / previous row"),
    ("Enter", "open the row"),
    ("Backspace", "up a level"),
    ("?", "show or hide this list"),
    ("Esc", "hide this list"),
];

/// The `?` panel, and the keys that drive the page (once hydrated).
#[component]
pub fn Shortcuts() -> impl IntoView {
    let shown = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            if handle_key(&event, shown) {
                event.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }
    let rows = SHORTCUTS
        .map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{what}</dd> })
        .collect_view();
    view! {
        <aside class="shortcuts" hidden=move || !shown.get() data-testid="shortcuts">
            <button type="button" class="link close" on:click=move |_| shown.set(false)>
                "Close"
            </button>
            <h2>"Keyboard shortcuts"</h2>
            <dl>{rows}</dl>
        </aside>
    }
}

/// Does what `event`'s key asks; answers whether it was a shortcut.
#[cfg(feature = "hydrate")]
fn handle_key(event: &web_sys::KeyboardEvent, shown: RwSignal<bool>) -> bool {
    use wasm_bindgen::JsCast;
    use web_sys::HtmlElement;

    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return false;
    }
    let document = document();
    let active = document.active_element();
    let typing = active.as_ref().is_some_and(|element| {
        matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || element.has_attribute("contenteditable")
    });
    if typing {
        return false;
    }
    let find = |selector: &str| -> Option<HtmlElement> {
        document
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into().ok())
    };
    match event.key().as_str() {
        "?" => {
            shown.update(|shown| *shown = !*shown);
            // Shown above the page: brought into view once drawn.
            request_animation_frame(move || {
                if let Some(list) = leptos::prelude::document()
                    .query_selector("[data-testid=shortcuts]:not([hidden])")
                    .ok()
                    .flatten()
                {
                    list.scroll_into_view();
                }
            });
        }
        "Escape" if shown.get_untracked() => shown.set(false),
        "/" => {
            if let Some(field) = find("[data-search]") {
                let _ = field.focus();
            } else if let Some(link) = find("[data-testid=search-link]") {
                link.click();
            } else {
                return false;
            }
        }
        key @ ("j" | "k") => {
            let Ok(rows) = document.query_selector_all("main a[data-row]") else {
                return false;
            };
            let rows: Vec<HtmlElement> = (0..rows.length())
                .filter_map(|i| rows.item(i))
                .filter_map(|row| row.dyn_into().ok())
                .collect();
            if rows.is_empty() {
                return false;
            }
            let at = rows
                .iter()
                .position(|row| active.as_ref() == Some(row.as_ref()));
            let to = match (key, at) {
                ("j", Some(at)) => (at + 1).min(rows.len() - 1),
                ("k", Some(at)) => at.saturating_sub(1),
                _ => 0,
            };
            let _ = rows[to].focus();
        }
        "Backspace" => match find("nav.crumbs a:nth-last-child(2)") {
            Some(up) => up.click(),
            None => return false,
        },
        _ => return false,
    }
    true
}
