//! The axum host, compiled only with the `ssr` feature: configuration, shared state, routes, and
//! the HTTP status of errors.

pub mod config;
mod routes;
pub mod state;
pub mod status;

pub use config::{Cli, Command, Config};
pub use routes::app;
pub use state::AppState;
