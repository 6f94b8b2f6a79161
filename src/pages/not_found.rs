//! The page for URLs that name no page.

use crate::components::PageView;
use crate::urls::routes::KEYS;
use leptos::prelude::*;
use leptos_meta::Title;

/// "No such page", with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server_fns::glue::set_page_not_found();
    PageView(view! {
        <Title text="Not found" />
        <section class="panel panel-error" data-testid="error">
            <h2>"Not found (404)"</h2>
            <p>"There is no page at this address."</p>
            <p>
                <a href=KEYS>"Browse keys"</a>
            </p>
        </section>
    })
}
