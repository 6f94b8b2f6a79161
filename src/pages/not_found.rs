//! The page for URLs that name no page.

use leptos::prelude::*;
use leptos_meta::Title;

/// "No such page", with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="panel panel-error" data-testid="error">
            <h2>"Not found (404)"</h2>
            <p>"There is no page at this address."</p>
            <p>
                <a href="/">"Browse keys"</a>
            </p>
        </section>
    }
}
