//! What one does with a key besides reading and editing it: copy its name or its value, and
//! download its value as a file.

use crate::domain::Key;
use crate::urls::api::value_download_url;
use leptos::{either::Either, prelude::*};

/// Copy-key, copy-value and download buttons. `text` is the value to copy, or why it cannot be
/// copied here. Copying takes the wasm (the style sheet hides the copy buttons until the page
/// is hydrated); the download is a plain link.
#[component]
pub fn KeyTools(key: Key, text: Result<String, &'static str>) -> impl IntoView {
    let copy_value = match text {
        Ok(text) => Either::Left(view! { <CopyButton label="Copy value" text /> }),
        Err(why) => Either::Right(view! {
            <button type="button" class="copy" disabled title=why>
                "Copy value"
            </button>
        }),
    };
    view! {
        <div class="key-tools" data-testid="key-tools">
            <CopyButton label="Copy key" text=key.display() />
            {copy_value}
            <a
                class="button"
                href=value_download_url(&key)
                download=key.file_name()
                data-testid="download-value"
            >
                "Download value"
            </a>
        </div>
    }
}

/// Why a value that is not text is not copied.
pub const NOT_TEXT: &str = "Not text: download it instead";

/// A button that puts `text` on the clipboard, and says whether it did.
#[component]
fn CopyButton(label: &'static str, text: String) -> impl IntoView {
    let said = RwSignal::new(None::<&'static str>);
    view! {
        <button type="button" class="copy" on:click=move |_| copy(text.clone(), said)>
            {label}
        </button>
        <span class="copied" role="status">
            {move || said.get()}
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn copy(text: String, said: RwSignal<Option<&'static str>>) {
    let navigator = window().navigator();
    // Browsers offer the clipboard on https:// and localhost only.
    let offered = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .is_ok_and(|clipboard| !clipboard.is_undefined());
    if !offered {
        said.set(Some(
            "This browser allows copying on https:// or localhost only.",
        ));
        return;
    }
    let written = navigator.clipboard().write_text(&text);
    leptos::task::spawn_local(async move {
        let copied = wasm_bindgen_futures::JsFuture::from(written).await.is_ok();
        said.set(Some(if copied {
            "Copied."
        } else {
            "The browser refused to copy."
        }));
    });
}

#[cfg(not(feature = "hydrate"))]
fn copy(_text: String, _said: RwSignal<Option<&'static str>>) {}
