//! The answers every operation can give besides its own, added to the OpenAPI document in one
//! place so that no operation forgets one: the sign-in and cross-site layers in front of every
//! endpoint, the extractors that refuse a malformed request, and etcd's failures.

use utoipa::openapi::{
    path::{Operation, ParameterIn},
    ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::Modify;

/// Adds to each operation the statuses it can answer without saying so itself.
pub struct CommonAnswers;

/// The document itself: served to anyone, from memory.
const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let methods = [
                ("GET", &mut item.get),
                ("HEAD", &mut item.head),
                ("PUT", &mut item.put),
                ("POST", &mut item.post),
                ("DELETE", &mut item.delete),
            ];
            for (method, operation) in methods {
                if let Some(operation) = operation {
                    add_common_answers(path, method, operation);
                }
            }
        }
    }
}

fn add_common_answers(path: &str, method: &str, operation: &mut Operation) {
    let body = method != "HEAD";
    let mut add = |status: &str, description: &str| {
        let response = error_response(description, body);
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert(RefOr::T(response));
    };
    add(
        "403",
        "Not allowed: a write from another site, a host this server is not, or (signed in) a \
         role that does not allow it",
    );
    if path == DOCUMENT_PATH {
        return;
    }
    let has_input = operation.request_body.is_some()
        || operation
            .parameters
            .iter()
            .flatten()
            .any(|parameter| !matches!(parameter.parameter_in, ParameterIn::Header));
    if has_input {
        add(
            "400",
            "The request is not as this document says: a parameter or the body is malformed",
        );
    }
    if operation.request_body.is_some() {
        add("413", "The request body is too large");
    }
    add(
        "401",
        "Sign-in needed: no credentials, or wrong or expired ones (where sign-in is on)",
    );
    add(
        "429",
        "Too many failed sign-ins, or too many password checks at once; see Retry-After",
    );
    add("502", "etcd answered with an error of its own");
    add("503", "etcd is unavailable, or has no quorum");
    let writes = method != "GET" && method != "HEAD" && !path.ends_with("/session");
    if writes {
        add(
            "504",
            "Sent, but etcd did not confirm it in time: it may have been applied",
        );
        add(
            "507",
            "etcd is full (the NOSPACE alarm): it refuses writes until space is freed",
        );
    }
}

/// An error answer: `ErrorBody` as JSON, or (for HEAD) the status alone.
fn error_response(description: &str, body: bool) -> Response {
    let response = ResponseBuilder::new().description(description);
    if !body {
        return response.build();
    }
    let schema = RefOr::Ref(Ref::from_schema_name("ErrorBody"));
    let content = ContentBuilder::new().schema(Some(schema)).build();
    response.content("application/json", content).build()
}
