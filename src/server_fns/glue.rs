//! What ties [`AppError`] to Leptos: its encoding between server and browser, and the HTTP status
//! of a response that carries one.
//!
//! One rule: a response that carries an `AppError` has that error's status. Leptos answers every
//! failed server function with 500, arguments that do not parse included, so the status of a
//! server function's answer is read back from the error it encoded ([`ServerFnStatusLayer`], the
//! one place for those). A page shows its error in HTML; the page render sets the status as it
//! renders the error ([`ErrorStatus`], the one place for those). A form posted without
//! JavaScript is answered with a redirect that carries the error to the form's page, which is
//! then rendered with the error, and its status.

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
    use crate::services::caller::Caller;
    use axum::{
        body::{to_bytes, Body},
        extract::Request,
        http::StatusCode,
        response::Response,
    };
    use futures::future::{BoxFuture, Either};
    use leptos::{
        prelude::use_context,
        server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER},
    };
    use leptos_axum::ResponseOptions;
    use leptos_router::location::RequestUrl;
    use std::task::{Context, Poll};

    /// The largest error body [`ServerFnStatusLayer`] reads back: an error can name a key of up to
    /// 1.5 MiB, written out in JSON (Leptos has the whole body in memory already).
    const MAX_ERROR_BODY_BYTES: usize = 8 * 1024 * 1024;

    /// The status setter of the page being rendered, captured before any `.await` (the reactive
    /// context is not there after one). Outside a page render it does nothing: a server
    /// function's answer gets its status from [`ServerFnStatusLayer`].
    pub struct ErrorStatus {
        response: Option<ResponseOptions>,
    }

    impl ErrorStatus {
        pub fn capture() -> Self {
            let rendering_a_page = use_context::<RequestUrl>().is_some();
            ErrorStatus {
                response: use_context::<ResponseOptions>().filter(|_| rendering_a_page),
            }
        }

        pub fn set(&self, err: &AppError) {
            if let Some(response) = &self.response {
                response.set_status(err.status());
            }
        }
    }

    /// Gives the page being rendered the status of `err`.
    pub fn set_error_status(err: &AppError) {
        ErrorStatus::capture().set(err);
    }

    /// Lands a failed server function's form post on `page` (not the page it came from),
    /// carrying `err` as Leptos carries a form's error, for the page to show. A call from the
    /// hydrated page gets the error as usual and goes on from there itself.
    pub fn redirect_with_error<S: leptos::server_fn::ServerFn>(page: &str, err: &AppError) {
        use leptos::server_fn::error::ServerFnUrlError;
        let Ok(url) = ServerFnUrlError::new(S::PATH, err.clone()).to_url("http://host/") else {
            return;
        };
        let separator = if page.contains('?') { '&' } else { '?' };
        let query = url.query().unwrap_or_default();
        leptos_axum::redirect(&format!("{page}{separator}{query}"));
    }

    /// Answers the page being rendered with 404: its address names no page.
    pub fn set_page_not_found() {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(StatusCode::NOT_FOUND);
        }
    }

    /// The start of every server function's address (`#[server(prefix = "/fn")]`).
    pub const SERVER_FN_PATHS: &str = "/fn/";

    /// Middleware: gives a failed server function's answer the status of the [`AppError`] Leptos
    /// encoded in its body (400 for arguments that do not parse, 404, 503…). Redirects of plain
    /// form posts, which carry the error in their URL instead, are left alone, and answers to
    /// other paths pass straight through, with no future of this layer's own.
    #[derive(Clone)]
    pub struct ServerFnStatusLayer;

    impl<S> tower::Layer<S> for ServerFnStatusLayer {
        type Service = ServerFnStatus<S>;

        fn layer(&self, inner: S) -> ServerFnStatus<S> {
            ServerFnStatus(inner)
        }
    }

    /// The service of [`ServerFnStatusLayer`].
    #[derive(Clone)]
    pub struct ServerFnStatus<S>(S);

    impl<S> tower::Service<Request> for ServerFnStatus<S>
    where
        S: tower::Service<Request, Response = Response>,
        S::Future: Send + 'static,
        S::Error: Send + 'static,
    {
        type Response = Response;
        type Error = S::Error;
        type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
            self.0.poll_ready(cx)
        }

        fn call(&mut self, request: Request) -> Self::Future {
            let server_fn = request.uri().path().starts_with(SERVER_FN_PATHS);
            let answer = self.0.call(request);
            if !server_fn {
                return Either::Left(answer);
            }
            Either::Right(Box::pin(async move {
                Ok(with_error_status(answer.await?).await)
            }))
        }
    }

    /// `response`, with the status of the error it carries if it is a failed server function's.
    async fn with_error_status(response: Response) -> Response {
        if response.status() != StatusCode::INTERNAL_SERVER_ERROR
            || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY_BYTES).await else {
            return Response::from_parts(parts, Body::empty());
        };
        parts.status = AppError::de(bytes.clone()).status();
        Response::from_parts(parts, Body::from(bytes))
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

    /// The person the request acts for, as the sign-in layer found them; none when nobody is
    /// signed in where that is needed.
    pub fn caller() -> Option<Caller> {
        let parts = use_context::<axum::http::request::Parts>()?;
        parts.extensions.get::<Caller>().cloned()
    }

    /// Runs `operation` for the request's caller, giving the response the status of its error
    /// when it fails.
    pub async fn with_caller<T, F, Fut>(operation: F) -> Result<T, AppError>
    where
        F: FnOnce(Caller) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let status = ErrorStatus::capture();
        let result = match caller() {
            Some(caller) => operation(caller).await,
            None => Err(AppError::Unauthenticated {
                message: "sign in to use etcd-deck".into(),
            }),
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

    /// The status layer reads back only the answers under [`SERVER_FN_PATHS`]: a server
    /// function registered anywhere else would answer every error with 500.
    #[cfg(feature = "ssr")]
    #[test]
    fn every_server_function_is_where_its_error_status_is_read_back() {
        let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        assert!(
            paths.len() >= 50,
            "{} server functions: {paths:?}",
            paths.len()
        );
        let elsewhere: Vec<&&str> = paths
            .iter()
            .filter(|path| !path.starts_with(SERVER_FN_PATHS))
            .collect();
        assert!(
            elsewhere.is_empty(),
            "outside {SERVER_FN_PATHS}: {elsewhere:?}"
        );
    }

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
