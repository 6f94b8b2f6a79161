//! Who is signed in, in the top bar, with the way out; or that the console is read-only.

use super::page_data;
use crate::domain::routes::SIGN_OUT_POST;
use crate::server_fns::get_viewer;
use leptos::prelude::*;

/// The signed-in user's name and role, a sign-out button, and a read-only badge saying why.
#[component]
pub fn SessionBar() -> impl IntoView {
    let viewer = page_data(|| (), |_| get_viewer());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = viewer.await.ok()?;
                let read_only = viewer.read_only.clone().map(|reason| {
                    view! {
                        <span class="badge" title=reason.clone() data-testid="read-only">
                            "read-only"
                        </span>
                    }
                });
                let name = viewer.name.clone()?;
                let role = viewer.role.map(|role| format!(" ({})", role.as_str()));
                Some(view! {
                    <div class="session" data-testid="session">
                        {read_only}
                        <span class="who" data-testid="signed-in-as">{name}{role}</span>
                        <form method="post" action=SIGN_OUT_POST>
                            <button type="submit" class="link">"Sign out"</button>
                        </form>
                    </div>
                })
            })}
        </Transition>
    }
}
