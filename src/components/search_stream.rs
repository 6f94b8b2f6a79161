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
    use js_sys::{Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    fn failed<E>(_: E) -> String {
        "the search could not be read".to_string()
    }
    let url = crate::urls::api::search_url(request);
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

#[cfg(any(feature = "hydrate", test))]
mod lines {
    //! The lines of `/api/v1/search`, read with the server's own types.

    use super::Streamed;
    use crate::api::model::{decode_cursor, SearchLine};
    use crate::domain::search::SearchDone;

    pub fn apply(line: &[u8], state: &mut Streamed) {
        match serde_json::from_slice::<SearchLine>(line) {
            Ok(SearchLine::Failed(body)) => state.error = Some(body.error.message),
            Ok(SearchLine::Progress(line)) => state.progress = line.progress.into(),
            Ok(SearchLine::Done(done)) => {
                state.progress = done.counts.into();
                state.done = Some(SearchDone {
                    progress: state.progress,
                    next: done
                        .next
                        .as_deref()
                        .and_then(|next| decode_cursor(next).ok()),
                });
            }
            Ok(SearchLine::Match(found)) => match found.hit() {
                Ok(hit) => {
                    state.progress.matches += 1;
                    state.hits.push(hit);
                }
                Err(err) => state.error = Some(err.to_string()),
            },
            Err(_) => state.error = Some("the search sent a line it could not read".into()),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::api::model::{
            encode_cursor, Encoding, ErrorBody, KeyEntry, SearchCounts, SearchDoneLine,
            SearchMatch, SearchProgressLine,
        };
        use crate::domain::{AppError, Key, KeySummary};

        fn line(body: &impl serde::Serialize) -> Vec<u8> {
            serde_json::to_vec(body).unwrap()
        }

        #[test]
        fn the_servers_lines_are_read_back_into_the_page() {
            let counts = |matches| SearchCounts {
                scanned: 10,
                total: Some(20),
                matches,
                revision: 7,
                elapsed_ms: 3,
            };
            let summary = KeySummary {
                key: Key::new(vec![b'a', 0xff]),
                version: 2,
                create_revision: 3,
                mod_revision: 4,
                lease: 5,
                lease_left: None,
                value: None,
                value_size: None,
            };
            let mut state = Streamed::default();
            apply(
                &line(&SearchProgressLine {
                    progress: counts(0),
                }),
                &mut state,
            );
            assert_eq!(
                (state.progress.scanned, state.progress.total),
                (10, Some(20))
            );
            let found = SearchMatch {
                entry: KeyEntry::new(&summary, None, Encoding::Base64),
                value_size: Some(9),
                in_value: true,
            };
            apply(&line(&found), &mut state);
            assert_eq!(state.hits.len(), 1);
            assert_eq!(state.hits[0].summary, summary);
            assert_eq!(
                (state.hits[0].value_size, state.hits[0].in_value),
                (Some(9), true)
            );
            let done = SearchDoneLine {
                done: true,
                counts: counts(1),
                next: Some(encode_cursor(&summary.key)),
            };
            apply(&line(&done), &mut state);
            let done = state.done.clone().unwrap();
            assert_eq!(done.next, Some(summary.key.clone()));
            assert_eq!(done.progress.matches, 1);
            assert_eq!(state.error, None);
            apply(
                &line(&ErrorBody::from(&AppError::invalid("no"))),
                &mut state,
            );
            assert_eq!(state.error.as_deref(), Some("no"));
            apply(b"{", &mut state);
            assert!(state.error.unwrap().contains("could not read"));
        }
    }
}
