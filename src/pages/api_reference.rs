//! The page at `/api`: the REST API's endpoints, read from its OpenAPI document.

use crate::components::{page_data, Loaded, PageView};
use crate::domain::api_reference::ApiOperation;
use crate::server_fns::get_api_reference;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

/// A readable reference of the REST API, linking the OpenAPI document it is made from.
#[component]
fn ApiReferencePage() -> impl IntoView {
    let operations = page_data(|| (), |_| get_api_reference());
    PageView(view! {
        <Title text="REST API" />
        <h1>"REST API"</h1>
        <p>
            "Everything the web UI does is available as JSON under " <code>"/api/v1"</code>
            ", with real HTTP status codes. Errors are " <code>"{\"error\": {\"code\", \"message\"}}"</code>
            ". Add " <code>"?encoding=base64"</code>
            " to send and receive binary keys and values. Machine-readable: "
            <a href="/api/v1/openapi.json" rel="external">"openapi.json"</a> "."
        </p>
        <Loaded
            resource=operations
            loading="Loading…"
            show=operation_list
        />
    })
}

lazy_page!(
    /// The REST API reference.
    ApiReferenceRoute => view! { <ApiReferencePage /> }.into_any()
);

fn operation_list(operations: Vec<ApiOperation>) -> impl IntoView {
    operations
        .into_iter()
        .map(|operation| view! { <Operation operation /> })
        .collect_view()
}

#[component]
fn Operation(operation: ApiOperation) -> impl IntoView {
    let parameters = operation.parameters.into_iter().chain(operation.body);
    let rows: Vec<_> = parameters
        .map(|parameter| {
            view! {
                <tr>
                    <td><code>{parameter.name}</code></td>
                    <td>{parameter.location}</td>
                    <td>{if parameter.required { "required" } else { "optional" }}</td>
                    <td>{with_code(&parameter.description)}</td>
                </tr>
            }
        })
        .collect();
    let parameters = (!rows.is_empty()).then(|| {
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label="Parameters">
                <table class="keys"><tbody>{rows}</tbody></table>
            </div>
        }
    });
    let responses = operation
        .responses
        .into_iter()
        .map(|(status, description)| {
            view! { <li><code>{status}</code> " " {with_code(&description)}</li> }
        })
        .collect_view();
    view! {
        <section class="panel" data-testid="api-operation">
            <h2>
                <code class="method">{operation.method}</code> " " <code>{operation.path}</code>
            </h2>
            <p>{with_code(&operation.summary)}</p>
            <p class="hint">{with_code(&operation.description)}</p>
            {parameters}
            <ul class="responses">{responses}</ul>
        </section>
    }
}

/// Text whose `backticked` parts are code, as the OpenAPI descriptions write them: shown as
/// code, never as markup.
fn with_code(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_string();
            if i % 2 == 1 {
                Either::Left(view! { <code>{part}</code> })
            } else {
                Either::Right(part)
            }
        })
        .collect_view()
}
