//! The axum host, compiled only with the `ssr` feature: configuration, shared state, the router
//! and how static files are served. It wires every other layer together.

mod assets;
pub mod config;
mod forwarded;
mod hook;
mod listen;
mod routes;
mod security;
mod sign_in;
mod slow_body;
pub mod state;
mod telemetry;
mod upload;

pub use config::Config;
pub use forwarded::TrustedProxies;
pub use listen::{serve, Https, Limits};
pub use routes::app;
pub use security::SiteNames;
pub use state::AppState;
pub use telemetry::{metrics_only, Telemetry};
