//! The REST API's reference as the UI shows it, derived on the server from the OpenAPI document.

use serde::{Deserialize, Serialize};

/// One method on one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<ApiParameter>,
    /// The fields of its JSON request body, if it takes one.
    #[serde(default)]
    pub body: Vec<ApiParameter>,
    /// Status code and what it means.
    pub responses: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiParameter {
    pub name: String,
    /// `path`, `query`, `header`, or `body` (a field of the JSON body).
    pub location: String,
    pub required: bool,
    pub description: String,
}

/// The whole reference, as the server hands it to the page that shows it; shared, since the
/// server's state (cloned for every request) holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiReference(pub std::sync::Arc<[ApiOperation]>);
