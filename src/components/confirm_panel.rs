//! The confirmation of an operation: what it will do, said before it is done, its form, and a
//! way back. Where it cannot be undone, the form asks for a name typed again ([`TypedName`]).

use leptos::prelude::*;

/// What an operation will do, its form (`children`), and `cancel`, the page to go back to.
#[component]
pub fn ConfirmPanel(
    /// What it will do, or why it is refused.
    what: String,
    cancel: String,
    testid: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section
            class="panel danger-zone"
            role="alertdialog"
            aria-label="Confirm"
            id="confirm"
            data-testid=testid
        >
            <p data-testid="confirm-what">{what}</p>
            {children()}
            <a href=cancel>"Cancel"</a>
        </section>
    }
}

/// The field a change that cannot be undone wants `name` typed into, as `confirm`.
#[component]
pub fn TypedName(name: String) -> impl IntoView {
    view! {
        <label>
            {format!("Type {name} to confirm ")}
            <input name="confirm" required autocomplete="off" data-testid="confirm-name" />
        </label>
    }
}
