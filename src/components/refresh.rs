//! Pages that read their data again by themselves, in the browser.

use leptos::prelude::*;
use std::time::Duration;

/// Adds one to `refresh` after `every()`, again after each change of it: one timer at a time,
/// set again after each refresh, so the period may change (faster while something runs) and a
/// slow answer never has the next request pile up behind it. On the server it does nothing.
pub fn refresh_every(refresh: RwSignal<u32>, every: impl Fn() -> Duration + 'static) {
    Effect::new(move |_| {
        refresh.track();
        let handle = set_timeout_with_handle(move || refresh.update(|n| *n += 1), every());
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
}
