//! The API reference page's content, read from the generated OpenAPI document so the two never
//! disagree.

use super::ApiDoc;
use crate::domain::api_reference::{ApiOperation, ApiParameter};
use utoipa::openapi::{
    path::{Operation, ParameterIn},
    RefOr, Required,
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
                operations.push(describe(method, path, operation));
            }
        }
    }
    operations
}

fn describe(method: &str, path: &str, operation: &Operation) -> ApiOperation {
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
        responses: responses.collect(),
    }
}
