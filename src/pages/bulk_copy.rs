//! The bulk page's copy and move: the form, and what it would do, read as its target is typed.

use super::bulk::selection_fields;
use crate::components::{KeyName, ServerForm};
use crate::domain::{transfer::Selection, Key};
use crate::server_fns::{plan_copy, CopySelection};
use leptos::prelude::*;

/// Copies or moves the selection to another prefix, saying what that would do as the target is
/// typed.
#[component]
pub(super) fn CopyForm(selection: Selection, action: ServerAction<CopySelection>) -> impl IntoView {
    let fields = selection_fields(&selection);
    let target = selection.prefix.display();
    // What the form would do, read as the target is typed (once typing pauses).
    let typed = RwSignal::new(target.clone());
    let settled = RwSignal::new(target.clone());
    let overwrite = RwSignal::new(false);
    let remove = RwSignal::new(false);
    let pause = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |event: leptos::ev::Event| {
        typed.set(event_target_value(&event));
        if let Some(handle) = pause.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            // The form may be gone by then (a move done, the page left).
            move || {
                if let Some(to) = typed.try_get_untracked() {
                    settled.try_set(to);
                }
            },
            std::time::Duration::from_millis(300),
        );
        pause.set_value(handle.ok());
    };
    let source = selection.prefix.clone();
    view! {
        <section class="panel needs-write">
            <h2>"Copy or move"</h2>
            <ServerForm action read=crate::read_form!(CopySelection { prefix, revision, all, keys, to, overwrite, remove })>
                {fields}
                <label>
                    "To the prefix "
                    <input name="to" required value=target data-testid="bulk-to" on:input=on_input />
                </label>
                <label>
                    <input
                        type="checkbox"
                        name="overwrite"
                        value="true"
                        on:change=move |event| overwrite.set(event_target_checked(&event))
                    />
                    " Write over keys that exist there"
                </label>
                <label>
                    <input
                        type="radio"
                        name="remove"
                        value="false"
                        checked
                        on:change=move |_| remove.set(false)
                    />
                    " Copy"
                </label>
                <label>
                    <input
                        type="radio"
                        name="remove"
                        value="true"
                        data-testid="bulk-move"
                        on:change=move |_| remove.set(true)
                    />
                    " Move (each key leaves only if unchanged since it was read)"
                </label>
                <CopyPlanView selection source settled overwrite remove />
                <button type="submit" disabled=move || action.pending().get()>"Go"</button>
            </ServerForm>
        </section>
    }
}

/// What the copy form would do with the target typed so far: read in the browser, nothing
/// written (without JavaScript, the form goes ahead without it).
#[component]
fn CopyPlanView(
    selection: Selection,
    source: Key,
    settled: RwSignal<String>,
    overwrite: RwSignal<bool>,
    remove: RwSignal<bool>,
) -> impl IntoView {
    // Nothing is asked while the target is empty or the source itself (as it starts).
    let plan = LocalResource::new(move || {
        let (selection, to) = (selection.clone(), Key::from(settled.get().as_str()));
        async move {
            match to.is_empty() || to == selection.prefix {
                true => None,
                false => Some(plan_copy(selection, to).await),
            }
        }
    });
    let shown = move || {
        if settled.with(|to| to.is_empty() || Key::from(to.as_str()) == source) {
            return None;
        }
        let view = match plan.get().flatten() {
            None => "Reading what is there…".into_any(),
            Some(Err(err)) => {
                view! { <p class="notice notice-error">{err.to_string()}</p> }.into_any()
            }
            Some(Ok(plan)) => {
                let words = plan.describe(overwrite.get(), remove.get());
                let rows = plan
                    .rows
                    .into_iter()
                    .map(|row| {
                        let fate = if !row.exists {
                            "new"
                        } else if overwrite.get() {
                            "written over"
                        } else {
                            "left as it is"
                        };
                        view! {
                            <tr data-exists=row.exists.then_some("")>
                                <td class="key"><KeyName key=row.from /></td>
                                <td class="key"><KeyName key=row.to /></td>
                                <td>{fate}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <p data-testid="copy-plan-summary">{words}</p>
                    <table class="keys">
                        <thead>
                            <tr>
                                <th>"Key"</th>
                                <th>"Goes to"</th>
                                <th>"There now"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        };
        Some(view)
    };
    view! {
        <div class="copy-plan" aria-live="polite" data-testid="copy-plan">
            {shown}
        </div>
    }
}
