//! Lease countdowns: the seconds a lease had left when the page was read, counting down in the
//! browser once a second (on the server, and without JavaScript, they stand still).

use crate::domain::lease::{expiring, lease_hex, time_left};
use crate::urls::routes::lease_url;
use leptos::prelude::*;
use std::time::Duration;

/// Adds one to `elapsed` every second, in the browser, until the component that called it goes.
pub fn tick_every_second(elapsed: RwSignal<i64>) {
    Effect::new(move |_| {
        let tick = set_interval_with_handle(
            move || elapsed.update(|seconds| *seconds += 1),
            Duration::from_secs(1),
        );
        on_cleanup(move || {
            if let Ok(tick) = tick {
                tick.clear();
            }
        });
    });
}

/// A key's lease: its id, linking to its row on the leases page, and the time it had `left`
/// when read, if the page knows it, which a [`LeaseClock`] on the page counts down.
pub fn lease_left(lease: i64, left: Option<i64>) -> impl IntoView {
    let countdown = left.map(|left| {
        view! {
            " "
            <span
                class="countdown"
                data-testid="lease-left"
                data-left=left
                data-expiring=expiring(left).then_some("")
            >
                {time_left(left)}
            </span>
        }
    });
    view! {
        <a href=lease_url(lease) class="lease-id">
            {lease_hex(lease)}
        </a>
        {countdown}
    }
}

/// Counts down every lease the page shows, once a second: one timer for all of them, each
/// countdown keeping its own seconds in `data-left` (a row shown later starts from its own).
#[component]
pub fn LeaseClock() -> impl IntoView {
    let elapsed = RwSignal::new(0i64);
    tick_every_second(elapsed);
    Effect::new(move |_| {
        if elapsed.get() > 0 {
            count_down();
        }
    });
}

#[cfg(feature = "hydrate")]
fn count_down() {
    let Ok(shown) = document().query_selector_all("span.countdown[data-left]") else {
        return;
    };
    for i in 0..shown.length() {
        let Some(element) = shown
            .item(i)
            .and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        else {
            continue;
        };
        let left = element
            .get_attribute("data-left")
            .and_then(|left| left.parse::<i64>().ok())
            .unwrap_or(0)
            - 1;
        let _ = element.set_attribute("data-left", &left.to_string());
        let _ = match expiring(left) {
            true => element.set_attribute("data-expiring", ""),
            false => element.remove_attribute("data-expiring"),
        };
        element.set_text_content(Some(&time_left(left)));
    }
}

#[cfg(not(feature = "hydrate"))]
fn count_down() {}
