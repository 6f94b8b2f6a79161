//! Signing in to a test server as people do: a users file made with `etcd-deck user add`, the
//! sign-in form, its session cookie, and REST calls with basic credentials.

use super::server::{http, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where the sign-in form sends people once signed in.
pub const NEXT: &str = "/?prefix=app/";

/// Adds (or replaces) `name` in the users file at `path` with `etcd-deck user add`.
pub fn user_add(path: &Path, name: &str, role: &str, password: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_etcd-deck"))
        .args(["user", "add", name, "--role", role])
        .env("ETCD_DECK_USERS_FILE", path)
        .env("ETCD_DECK_PASSWORD", password)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// A users file in `dir` holding `users` (name, role); each password is the name and `-pw`.
pub fn users_file(dir: &Path, users: &[(&str, &str)]) -> PathBuf {
    let path = dir.join("users");
    for (name, role) in users {
        user_add(&path, name, role, &format!("{name}-pw"));
    }
    path
}

/// Signs in through the form, as a browser does, going on to [`NEXT`].
pub async fn sign_in_form(server: &TestServer, user: &str, password: &str) -> reqwest::Response {
    http()
        .post(format!("{}/auth/sign-in", server.url))
        .header("origin", &server.url)
        .form(&[("user", user), ("password", password), ("next", NEXT)])
        .send()
        .await
        .unwrap()
}

/// The session cookie a sign-in set, as a browser sends it back; it must be `HttpOnly` and
/// `SameSite=Lax`.
pub fn session_cookie(response: &reqwest::Response) -> String {
    let set = response.headers()["set-cookie"].to_str().unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    set.split(';').next().unwrap().to_string()
}

/// GET `path` with a session cookie: its status and body.
pub async fn with_cookie(server: &TestServer, path: &str, cookie: &str) -> (StatusCode, String) {
    let response = http()
        .get(format!("{}{path}", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A REST call as `user` (name, password) with HTTP basic credentials.
pub async fn api(
    server: &TestServer,
    method: Method,
    path: &str,
    user: (&str, &str),
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api(method, path, Some(user), body).await
}

/// Signs out the session of `cookie` through the form, as a browser does; answers the status.
pub async fn sign_out(server: &TestServer, cookie: &str) -> StatusCode {
    http()
        .post(format!("{}/auth/sign-out", server.url))
        .header("origin", &server.url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}
