//! The real etcd-deck binary serving on a free port, stopped (by its PID) when dropped.

use super::TestCluster;
use reqwest::{redirect::Policy, Method, StatusCode};
use serde_json::Value;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct TestServer {
    child: Child,
    pub url: String,
}

impl TestServer {
    pub fn start(cluster: &TestCluster) -> Self {
        Self::start_with(cluster, &[])
    }

    /// Starts the server with more environment variables (its flags' fallbacks). It reaches a
    /// TLS cluster with the kit's certificates, and serves HTTPS when given `ETCD_DECK_TLS_CERT`.
    pub fn start_with(cluster: &TestCluster, env: &[(&str, &str)]) -> Self {
        Self::start_logging(cluster, env, Stdio::null())
    }

    /// Starts the server as [`TestServer::start_with`] does, its log (standard output) going to
    /// `log`.
    pub fn start_logging(cluster: &TestCluster, env: &[(&str, &str)], log: Stdio) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_etcd-deck"))
            .env("ETCD_ENDPOINTS", cluster.endpoints.join(","))
            .env("ETCD_DECK_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "etcd-deck")
            .env("RUST_LOG", "warn")
            .envs(cluster.tls_env.iter().map(|(k, v)| (k, v)))
            .envs(env.iter().copied())
            .stdout(log)
            .spawn()
            .expect("start etcd-deck");
        let https = env.iter().any(|(name, _)| *name == "ETCD_DECK_TLS_CERT");
        let scheme = if https { "https" } else { "http" };
        let server = TestServer {
            child,
            url: format!("{scheme}://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "etcd-deck did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A REST call, with HTTP basic credentials when given: its status, and its body as JSON (a
    /// body that is not JSON as a JSON string).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        user: Option<(&str, &str)>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = http().request(method, format!("{}{path}", self.url));
        if let Some((name, password)) = user {
            request = request.basic_auth(name, Some(password));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to stop (SIGTERM, by its PID) and waits until it has; answers how long
    /// that took.
    pub fn terminate(&mut self) -> Duration {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        self.child.wait().expect("wait for etcd-deck");
        started.elapsed()
    }

    /// Runs `etcd-deck kv <args>` against this server.
    pub fn kv(&self, args: &[&str]) -> Output {
        self.kv_with_input(args, None)
    }

    /// Runs `etcd-deck kv <args>` with `input` on its standard input.
    pub fn kv_with_input(&self, args: &[&str], input: Option<&str>) -> Output {
        self.command("kv", args, input)
    }

    /// Runs `etcd-deck cluster <args>` against this server.
    pub fn cluster(&self, args: &[&str]) -> Output {
        self.command("cluster", args, None)
    }

    fn command(&self, command: &str, args: &[&str], input: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_etcd-deck"))
            .arg(command)
            .args(args)
            .env("ETCD_DECK_SERVER", &self.url)
            .env("HOME", std::env::temp_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run etcd-deck kv");
        if let Some(input) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that does not follow redirects, so that tests see them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}
