//! Lease countdowns: the seconds a lease had left when the page was read, counting down in the
//! browser once a second (on the server, and without JavaScript, they stand still).

use crate::domain::{
    lease::{lease_hex, time_left},
    routes::lease_url,
};
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

/// Seconds since the page was shown, counting in the browser.
pub fn seconds_since_shown() -> Signal<i64> {
    let elapsed = RwSignal::new(0);
    tick_every_second(elapsed);
    elapsed.into()
}

/// A key's lease: its id, linking to its row on the leases page, and the time it has left,
/// counting down, when the page knows it (`left`, as read `elapsed` seconds ago).
#[component]
pub fn LeaseLeft(lease: i64, left: Option<i64>, elapsed: Signal<i64>) -> impl IntoView {
    let id = lease_hex(lease);
    let countdown = left.map(|left| {
        view! {
            " "
            <span class="countdown" data-testid="lease-left">
                {move || time_left(left - elapsed.get())}
            </span>
        }
    });
    view! {
        <a href=lease_url(lease) class="lease-id" title=format!("Lease {id}")>
            {id.clone()}
        </a>
        {countdown}
    }
}
