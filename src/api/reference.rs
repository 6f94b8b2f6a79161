//! The API reference page's content, read from the generated OpenAPI document so the two never
//! disagree.

use super::ApiDoc;
use crate::domain::api_reference::{ApiOperation, ApiParameter};
use utoipa::openapi::{
    path::{Operation, ParameterIn},
    OpenApi as Document, RefOr, Required, Schema,
};
use utoipa::OpenApi;

/// Every operation of the API, in path order.
pub fn api_reference() -> Vec<ApiOperation> {
    let doc = ApiDoc::openapi();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", &item.get),
            ("HEAD", &item.head),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation {
                operations.push(describe(&doc, method, path, operation));
            }
        }
    }
    operations
}

fn describe(doc: &Document, method: &str, path: &str, operation: &Operation) -> ApiOperation {
    let parameters = operation
        .parameters
        .iter()
        .flatten()
        .map(|parameter| ApiParameter {
            name: parameter.name.clone(),
            location: match parameter.parameter_in {
                ParameterIn::Path => "path",
                ParameterIn::Query => "query",
                ParameterIn::Header => "header",
                ParameterIn::Cookie => "cookie",
            }
            .to_string(),
            required: matches!(parameter.required, Required::True),
            description: parameter.description.clone().unwrap_or_default(),
        });
    let responses = operation
        .responses
        .responses
        .iter()
        .map(|(status, response)| {
            let description = match response {
                RefOr::T(response) => response.description.clone(),
                RefOr::Ref(reference) => reference.ref_location.clone(),
            };
            (status.clone(), description)
        });
    ApiOperation {
        method: method.to_string(),
        path: path.to_string(),
        summary: operation.summary.clone().unwrap_or_default(),
        description: operation.description.clone().unwrap_or_default(),
        parameters: parameters.collect(),
        body: body_fields(doc, operation),
        responses: responses.collect(),
    }
}

/// The fields of an operation's JSON request body, from its schema; none for another body.
fn body_fields(doc: &Document, operation: &Operation) -> Vec<ApiParameter> {
    let Some(body) = &operation.request_body else {
        return Vec::new();
    };
    let Some(schema) = body
        .content
        .get("application/json")
        .and_then(|content| content.schema.as_ref())
    else {
        return Vec::new();
    };
    let resolved = match schema {
        RefOr::T(schema) => Some(schema),
        RefOr::Ref(reference) => {
            let name = reference
                .ref_location
                .rsplit('/')
                .next()
                .unwrap_or_default();
            let components = doc.components.as_ref();
            match components.and_then(|components| components.schemas.get(name)) {
                Some(RefOr::T(schema)) => Some(schema),
                _ => None,
            }
        }
    };
    let Some(Schema::Object(object)) = resolved else {
        return Vec::new();
    };
    let described = |schema: &RefOr<Schema>| match schema {
        RefOr::T(Schema::Object(field)) => field.description.clone().unwrap_or_default(),
        RefOr::T(Schema::Array(field)) => field.description.clone().unwrap_or_default(),
        _ => String::new(),
    };
    object
        .properties
        .iter()
        .map(|(name, schema)| ApiParameter {
            name: name.clone(),
            location: "body".into(),
            required: object.required.contains(name),
            description: described(schema),
        })
        .collect()
}
