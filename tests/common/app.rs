//! etcd-deck's whole HTTP app on a test cluster, without a socket.

use super::TestCluster;
use axum::{body::Body, http::Request, Router};
use etcd_deck::etcd::Etcd;
use etcd_deck::server::{app, serve, AppState, Limits};
use etcd_deck::services::access::{Access, AccessSettings};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

/// The whole etcd-deck router, called in-process as a browser would call it over HTTP.
pub struct TestApp {
    router: Router,
    pub etcd: Etcd,
}

impl TestApp {
    pub async fn start(cluster: &TestCluster) -> Self {
        Self::on(cluster.connect().await)
    }

    /// The app on `etcd`, where nobody signs in.
    pub fn on(etcd: Etcd) -> Self {
        let leptos_options = LeptosOptions::builder().output_name("etcd-deck").build();
        let access = Access::new(etcd.clone(), AccessSettings::open());
        let router = app(AppState::local(leptos_options, etcd.clone(), access));
        TestApp { router, etcd }
    }

    /// Writes ten values of 100 KB over the keys `fill/00` … `fill/09`: history that fills a
    /// small quota. Writes past the quota are refused (507); anything else fails the test.
    pub async fn fill_ten(&self) {
        let value = "x".repeat(100 * 1024);
        for i in 0..10 {
            let path = format!("/api/v1/keys/fill/{i:02}");
            let (status, _, body) = self
                .api(
                    "PUT",
                    &path,
                    Some(serde_json::json!({ "value": value })),
                    &[],
                )
                .await;
            assert!(status == 200 || status == 507, "{status} {body}");
        }
    }

    pub async fn send(&self, request: Request<Body>) -> (u16, Option<String>, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|value| value.to_str().unwrap().to_string());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// A request whose answer is read as it comes (a stream).
    pub async fn open(&self, request: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(request).await.unwrap()
    }

    pub async fn get(&self, uri: &str) -> (u16, String) {
        let (status, _, body) = self
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        (status, body)
    }

    /// A form post as a browser without JavaScript makes it.
    pub async fn post_form(&self, path: &str, form: &str) -> (u16, Option<String>, String) {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", "http://localhost/")
            .body(Body::from(form.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// A server function call as the hydrated app makes it.
    pub async fn call(&self, path: &str, form: &str) -> (u16, String) {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Body::from(form.to_string()))
            .unwrap();
        let (status, _, body) = self.send(request).await;
        (status, body)
    }
}

impl TestApp {
    /// A JSON request to the REST API: status, headers and the body parsed as JSON (null if empty).
    pub async fn api(
        &self,
        method: &str,
        uri: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> (u16, axum::http::HeaderMap, serde_json::Value) {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        };
        (status, headers, json)
    }

    /// A request with a body of bytes; answers the status and the body's bytes.
    pub async fn bytes(&self, method: &str, uri: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/x-ndjson")
            .body(Body::from(body))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, bytes.to_vec())
    }

    /// A raw request: any method, path, headers and body bytes; answers the status.
    pub async fn raw(
        &self,
        method: &str,
        uri: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> u16 {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        match request.body(Body::from(body)) {
            Ok(request) => {
                let response = self.router.clone().oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let _ = response.into_body().collect().await;
                status
            }
            Err(_) => 0,
        }
    }
}

/// Serves the whole app over real HTTP on a free loopback port, in this process, through the
/// server's own accept loop; answers its base URL and the etcd handle it uses.
pub async fn serve_on_free_port(cluster: &TestCluster) -> (String, Etcd) {
    serve_with_access(cluster, AccessSettings::open()).await
}

/// [`serve_on_free_port`], signing people in as `settings` say (and as etcd requires).
pub async fn serve_with_access(cluster: &TestCluster, settings: AccessSettings) -> (String, Etcd) {
    let etcd = cluster.connect().await;
    let leptos_options = LeptosOptions::builder().output_name("etcd-deck").build();
    let access = Access::new(etcd.clone(), settings);
    access
        .detect_etcd_authentication()
        .await
        .expect("etcd answers");
    let router = app(AppState::local(leptos_options, etcd.clone(), access));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let limits = Limits {
        max_connections: 10_000,
        header_timeout: std::time::Duration::from_secs(10),
    }
    .within_open_file_limit();
    tokio::spawn(serve(
        listener,
        router,
        limits,
        None,
        std::future::pending(),
    ));
    (base, etcd)
}
