//! Who is signed in, with the way out, or that the console is read-only.
//!
//! Rendered by the server only, into the page's shell after the application: it changes only
//! with a full page load (signing in and out are form posts), so the browser's bundle carries
//! none of it. The style sheet places it in the top bar.

use crate::domain::access::Viewer;
use crate::urls::routes::SIGN_OUT_POST;
use leptos::prelude::*;

/// The signed-in user's name and role, a sign-out button, and a read-only badge saying why.
pub fn session_bar(viewer: Viewer) -> impl IntoView {
    let read_only = viewer.read_only.clone().map(|reason| {
        view! {
            <span class="badge" title=reason data-testid="read-only">
                "read-only"
            </span>
        }
    });
    let signed_in = viewer.name.clone().map(|name| {
        let role = viewer.role.map(|role| format!(" ({})", role.as_str()));
        let who = format!("{name}{}", role.unwrap_or_default());
        view! {
            <span class="who" data-testid="signed-in-as">{who}</span>
            <form method="post" action=SIGN_OUT_POST>
                <button type="submit" class="link">"Sign out"</button>
            </form>
        }
    });
    view! {
        <div class="session" data-testid="session">
            {read_only}
            {signed_in}
        </div>
    }
}
