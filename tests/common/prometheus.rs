//! A real Prometheus for one test, scraping the etcd members it is given every second: the
//! binary `make setup` unpacks from Debian's package (`cluster/fetch-prometheus`), on a free port,
//! with its configuration, data and log in a temporary directory. Dropping it kills that one
//! process, by its PID.

use super::random;
use std::{
    fs::File,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// How long Prometheus may take to be ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running Prometheus, stopped when dropped.
pub struct TestPrometheus {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl TestPrometheus {
    /// Starts Prometheus scraping the members at `targets` (their client URLs, `http://host:port`,
    /// where etcd serves `/metrics`) as the job `etcd`, and waits until it is ready.
    pub fn start(targets: &[String]) -> Self {
        let mut dir = tempfile::tempdir().expect("temporary directory");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, scrape_config(targets)).expect("write prometheus.yml");
        for _ in 0..8 {
            let port = free_port();
            let child = spawn(dir.path(), &config, port);
            let mut prometheus = TestPrometheus { dir, child, port };
            match prometheus.wait_until_ready() {
                Ok(()) => return prometheus,
                // Another process took the port between the check and the start: try another.
                Err(log) if log.contains("address already in use") => {
                    dir = prometheus.stop();
                }
                Err(log) => panic!("Prometheus did not start on port {port}:\n{log}"),
            }
        }
        panic!("Prometheus found no free port in 8 tries");
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls an instant query until it finds at least one series; answers how many it found.
    /// Panics with Prometheus' last answer and its log's tail when `within` passes first.
    pub async fn wait_for_samples(&self, query: &str, within: Duration) -> usize {
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/query", self.url());
        let deadline = Instant::now() + within;
        loop {
            let asked = client.get(&url).query(&[("query", query)]);
            let answer = asked.timeout(Duration::from_secs(5)).send().await;
            let answer = match answer {
                Ok(response) => response.json::<serde_json::Value>().await.ok(),
                Err(_) => None,
            };
            let found = answer
                .as_ref()
                .and_then(|json| json["data"]["result"].as_array());
            if let Some(series) = found.filter(|series| !series.is_empty()) {
                return series.len();
            }
            if Instant::now() > deadline {
                panic!(
                    "Prometheus had no samples of {query} after {within:?}; it last answered \
                     {answer:?}\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Polls `/-/ready` until it answers 200; on failure answers the log's tail.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}):\n{}", self.log_tail()));
            }
            if ready(self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "not ready after {START_TIMEOUT:?}:\n{}",
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of Prometheus' log.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("prometheus.log"));
        let log = log.unwrap_or_else(|err| format!("(no log: {err})"));
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills this Prometheus and waits for it; answers its directory for another try.
    fn stop(mut self) -> tempfile::TempDir {
        self.kill();
        let empty = tempfile::tempdir().expect("temporary directory");
        std::mem::replace(&mut self.dir, empty)
    }

    /// Kills exactly the child this harness started (by its PID) and reaps it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestPrometheus {
    fn drop(&mut self) {
        self.kill();
    }
}

/// prometheus.yml: every target scraped each second as the job `etcd`.
fn scrape_config(targets: &[String]) -> String {
    let hosts: Vec<String> = targets
        .iter()
        .map(|url| {
            let host = url.strip_prefix("http://").unwrap_or_else(|| {
                panic!("TestPrometheus scrapes http:// members only, not {url}")
            });
            format!("'{}'", host.trim_end_matches('/'))
        })
        .collect();
    format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: etcd\n    \
         scheme: http\n    static_configs:\n      - targets: [{}]\n",
        hosts.join(", ")
    )
}

/// Starts the binary on `port`, its output going to `prometheus.log` in `dir`.
fn spawn(dir: &Path, config: &Path, port: u16) -> Child {
    let log = File::create(dir.join("prometheus.log")).expect("create prometheus.log");
    let binary = binary_dir().join("prometheus");
    Command::new(&binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("prometheus.log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run {}: {err} (`make setup` fetches it)",
                binary.display()
            )
        })
}

/// `$PROMETHEUS_BIN`, as the Makefile exports it, or the project's `.tools/prometheus`.
fn binary_dir() -> PathBuf {
    std::env::var_os("PROMETHEUS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/prometheus"))
}

/// Whether Prometheus answers 200 on `/-/ready` (a plain HTTP/1.0 exchange: this runs before
/// any runtime is needed).
fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let request = format!("GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.split(' ').nth(1) == Some("200")
}

/// A port free now, above Linux's ephemeral ports (32768–60999), as `cluster/join` picks them:
/// an outgoing connection could take an ephemeral one before Prometheus listens on it.
fn free_port() -> u16 {
    loop {
        let port = 61_000 + (random() % 4_536) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
