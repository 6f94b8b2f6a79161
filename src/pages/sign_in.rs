//! The sign-in page: a plain form the server handles, so it works before and without the wasm.

use crate::components::PageView;
use crate::domain::ErrorCode;
use crate::urls::{
    query_param,
    routes::{KEYS, SIGN_IN_POST},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// Asks for a user name and password, and says why the last attempt failed.
#[component]
pub fn SignInPage() -> impl IntoView {
    let search = use_location().search.get_untracked();
    let text = |name| {
        query_param(&search, name)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    let (user, next) = (text("user"), text("next"));
    let next = if next.is_empty() {
        KEYS.to_string()
    } else {
        next
    };
    let message = match text("error").as_str() {
        "" if !text("expired").is_empty() => Some("Your session has ended. Sign in again.".into()),
        "" if !text("signed_out").is_empty() => Some("You are signed out.".to_string()),
        "" => None,
        "unauthenticated" => Some("Wrong user name or password.".into()),
        code => ErrorCode::ALL
            .into_iter()
            .find(|known| known.as_str() == code)
            .map(|known| {
                let facts = known.facts();
                format!("{}. {}", facts.title, facts.hint.unwrap_or_default())
            }),
    };
    let failed = !text("error").is_empty();
    PageView(view! {
        <Title text="Sign in" />
        <section class="panel sign-in">
            <h1>"Sign in"</h1>
            {message.map(|message| {
                let class = if failed { "notice notice-error" } else { "notice" };
                view! { <p class=class role="status" data-testid="sign-in-message">{message}</p> }
            })}
            <form method="post" action=SIGN_IN_POST>
                <input type="hidden" name="next" value=next />
                <label>
                    "User name"
                    <input type="text" name="user" value=user autocomplete="username" required autofocus />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <button type="submit">"Sign in"</button>
            </form>
            // The style sheet shows the help for how this server signs people in (the body's
            // `data-sign-in`, set by the server).
            <p class="hint sign-in-etcd" data-testid="sign-in-help">
                "Use your etcd user name and password: etcd's roles decide what you may read and change."
            </p>
            <p class="hint sign-in-users-file" data-testid="sign-in-help">
                "Use the user name and password an etcd-deck administrator gave you (from this server's users file): your etcd-deck role decides whether you may change keys."
            </p>
        </section>
    })
}
