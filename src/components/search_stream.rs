//! A search streamed into the page: the REST API's lines (`/api/v1/search`), read in the browser
//! as they arrive.

use crate::domain::search::{SearchDone, SearchHit, SearchProgress, SearchRequest};
#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// A search streamed into the hydrated page, as far as it has come.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Streamed {
    pub request: Option<SearchRequest>,
    pub hits: Vec<SearchHit>,
    pub progress: SearchProgress,
    pub done: Option<SearchDone>,
    pub error: Option<String>,
    pub cancelled: bool,
}

/// Reads `request`'s lines into `streamed` until the last, or until `live` says the search is no
/// longer wanted (then the response is cancelled, which stops the search on the server). The
/// page is redrawn at most every tenth of a second.
#[cfg(feature = "hydrate")]
pub async fn stream(
    request: &SearchRequest,
    streamed: RwSignal<Option<Streamed>>,
    live: impl Fn() -> bool,
) -> Result<(), String> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use js_sys::{Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    fn failed<E>(_: E) -> String {
        "the search could not be read".to_string()
    }
    let encode = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let mut url = format!(
        "/api/v1/search?encoding=base64&progress=true&prefix={}&mode={}&limit={}&q={}",
        encode(request.prefix.as_bytes()),
        request.mode.as_str(),
        request.limit,
        js_sys::encode_uri_component(&request.query),
    );
    if request.values {
        url.push_str("&values=true");
    }
    if request.ignore_case {
        url.push_str("&ignore_case=true");
    }
    if let Some(after) = &request.after {
        url.push_str(&format!("&after={}", encode(after.as_bytes())));
    }
    if let Some(revision) = request.revision {
        url.push_str(&format!("&revision={revision}"));
    }
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let reader: web_sys::ReadableStreamDefaultReader = response
        .body()
        .ok_or("the search answered nothing")?
        .get_reader()
        .dyn_into()
        .map_err(failed)?;
    let mut state = streamed.get_untracked().unwrap_or_default();
    let (mut buffer, mut shown_at) = (Vec::new(), 0.0);
    loop {
        if !live() {
            let _ = reader.cancel();
            return Ok(());
        }
        let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
        let done = Reflect::get(&chunk, &"done".into()).map_err(failed)?;
        if done.as_bool() != Some(false) {
            break;
        }
        let bytes: Uint8Array = Reflect::get(&chunk, &"value".into())
            .map_err(failed)?
            .dyn_into()
            .map_err(failed)?;
        buffer.extend(bytes.to_vec());
        while let Some(end) = buffer.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            lines::apply(&line, &mut state);
        }
        let now = js_sys::Date::now();
        if now - shown_at > 100.0 && live() {
            shown_at = now;
            streamed.set(Some(state.clone()));
        }
    }
    if live() {
        if state.done.is_none() && state.error.is_none() {
            state.error = Some("the search ended early; try again".into());
        }
        streamed.set(Some(state));
    }
    Ok(())
}

#[cfg(feature = "hydrate")]
mod lines {
    //! The lines of `/api/v1/search` with `encoding=base64`.

    use super::Streamed;
    use crate::domain::{
        search::{SearchDone, SearchHit, SearchProgress},
        Key, KeySummary,
    };
    use base64::{
        engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
        Engine,
    };
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Line {
        key: Option<String>,
        #[serde(default)]
        version: i64,
        #[serde(default)]
        create_revision: i64,
        #[serde(default)]
        mod_revision: i64,
        #[serde(default)]
        lease: i64,
        value_size: Option<u64>,
        #[serde(default)]
        in_value: bool,
        progress: Option<Counts>,
        #[serde(default)]
        done: bool,
        #[serde(default)]
        scanned: i64,
        total: Option<i64>,
        #[serde(default)]
        matches: i64,
        #[serde(default)]
        revision: i64,
        #[serde(default)]
        elapsed_ms: u64,
        next: Option<String>,
        error: Option<Failure>,
    }

    #[derive(Deserialize)]
    struct Counts {
        scanned: i64,
        total: Option<i64>,
        matches: i64,
        revision: i64,
        elapsed_ms: u64,
    }

    #[derive(Deserialize)]
    struct Failure {
        message: String,
    }

    pub fn apply(line: &[u8], state: &mut Streamed) {
        let Ok(line) = serde_json::from_slice::<Line>(line) else {
            state.error = Some("the search sent a line it could not read".into());
            return;
        };
        if let Some(failure) = line.error {
            state.error = Some(failure.message);
        } else if let Some(c) = line.progress {
            state.progress = progress(c.scanned, c.total, c.matches, c.revision, c.elapsed_ms);
        } else if line.done {
            state.progress = progress(
                line.scanned,
                line.total,
                line.matches,
                line.revision,
                line.elapsed_ms,
            );
            let next = line.next.and_then(|next| URL_SAFE_NO_PAD.decode(next).ok());
            state.done = Some(SearchDone {
                progress: state.progress,
                next: next.map(Key::new),
            });
        } else if let Some(key) = line.key.and_then(|key| STANDARD.decode(key).ok()) {
            state.progress.matches += 1;
            state.hits.push(SearchHit {
                summary: KeySummary {
                    key: Key::new(key),
                    version: line.version,
                    create_revision: line.create_revision,
                    mod_revision: line.mod_revision,
                    lease: line.lease,
                    lease_left: None,
                    value: None,
                    value_size: None,
                },
                value_size: line.value_size.map(|size| size as usize),
                in_value: line.in_value,
            });
        }
    }

    fn progress(
        scanned: i64,
        total: Option<i64>,
        matches: i64,
        revision: i64,
        elapsed_ms: u64,
    ) -> SearchProgress {
        SearchProgress {
            scanned,
            total,
            matches,
            revision,
            elapsed_ms,
        }
    }
}
