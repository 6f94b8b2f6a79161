//! What ties [`AppError`] to Leptos: its encoding between server and browser, and the HTTP status
//! of a response that carries one.
//!
//! A response gets its status in one way, [`ErrorStatus`]: the error's own status, set through
//! Leptos' `ResponseOptions` — on a page render, and on a server function called by the hydrated
//! app. The exception is a form posted without JavaScript: Leptos answers it with a redirect back
//! to the form's page, carrying the error in the URL, and that page, rendered with the error,
//! gets the status instead.

use crate::domain::AppError;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::InvalidInput { message }
            }
            ServerFnErrorErr::Request(message) => {
                AppError::internal(format!("could not reach the etcd-deck server: {message}"))
            }
            other => AppError::internal(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use crate::domain::AppError;
    use crate::etcd::Etcd;
    use axum::http::{header, request::Parts, Method};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    /// The status setter of the response being made, captured before any `.await` (the reactive
    /// context is not there after one).
    pub struct ErrorStatus {
        response: Option<ResponseOptions>,
    }

    impl ErrorStatus {
        pub fn capture() -> Self {
            let redirected = use_context::<Parts>().is_some_and(|parts| is_plain_form_post(&parts));
            ErrorStatus {
                response: use_context::<ResponseOptions>().filter(|_| !redirected),
            }
        }

        pub fn set(&self, err: &AppError) {
            if let Some(response) = &self.response {
                response.set_status(err.status());
            }
        }
    }

    /// Gives the response being made the status of `err`.
    pub fn set_error_status(err: &AppError) {
        ErrorStatus::capture().set(err);
    }

    /// Answers the page being rendered with 404: its address names no page.
    pub fn set_page_not_found() {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }

    /// A form posted by a browser without JavaScript, which Leptos answers with a redirect to the
    /// form's page (its own test: the request accepts HTML and names a referer).
    fn is_plain_form_post(parts: &Parts) -> bool {
        let accepts_html = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("text/html"));
        parts.method == Method::POST && accepts_html && parts.headers.contains_key(header::REFERER)
    }

    /// A value the server put into every request's context.
    pub fn from_context<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
        use_context::<T>().ok_or_else(|| {
            AppError::internal(format!(
                "{} is missing from the request context",
                std::any::type_name::<T>()
            ))
        })
    }

    /// Runs `operation` with the request's etcd handle, giving the response the status of its
    /// error when it fails.
    pub async fn with_etcd<T, F, Fut>(operation: F) -> Result<T, AppError>
    where
        F: FnOnce(Etcd) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let status = ErrorStatus::capture();
        let result = match from_context::<Etcd>() {
            Ok(etcd) => operation(etcd).await,
            Err(err) => Err(err),
        };
        if let Err(err) = &result {
            status.set(err);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_server_fn_arguments_are_invalid_input() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(err.status().as_u16(), 400);
    }

    #[test]
    fn errors_survive_the_trip_to_the_browser() {
        let err = AppError::NotFound { key: "a/b".into() };
        assert_eq!(AppError::de(err.ser()), err);
    }
}
