//! The one way a page waits for its data: a loading line, then the data shown, or the error.

use super::{ErrorPanel, PageData};
use leptos::{either::Either, prelude::*};
use serde::{de::DeserializeOwned, Serialize};

/// Shows `resource` with `show` once it has loaded, or an [`ErrorPanel`] when it failed. While
/// it reloads, what was shown stays.
#[component]
pub fn Loaded<T, V, F>(
    resource: PageData<T>,
    /// What to say while loading, like "Loading keys…".
    loading: &'static str,
    /// The view of the loaded data.
    show: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    let show = StoredValue::new(show);
    view! {
        <Transition fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || Suspend::new(async move {
                match resource.await {
                    Ok(data) => Either::Left(show.with_value(|show| show(data))),
                    Err(error) => Either::Right(view! { <ErrorPanel error /> }),
                }
            })}
        </Transition>
    }
}
