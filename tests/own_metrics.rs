//! etcd-deck's own metrics at `GET /metrics`, from the real binary on a real etcd: requests
//! counted by route template (a key never reaches a label), etcd's requests by kind and
//! outcome, what is held now; read from this machine, by admins, or on `--metrics-addr` by
//! anyone, and by nobody else.

mod common;

use common::server::{http, TestServer};
use common::sign_in::{session_cookie, sign_in_form, sign_out, users_file};
use common::{eventually, TestCluster};
use etcd_deck::server_fns::EtcdConnection;
use leptos::server_fn::ServerFn;
use prometheus_parse::{Scrape, Value};
use reqwest::StatusCode;
use std::time::Duration;

/// A key whose name must not leak into a label.
const SECRET: &str = "secret/hunter2";

/// A client behind the trusted proxy (the test itself, on loopback).
const REMOTE: (&str, &str) = ("x-forwarded-for", "203.0.113.7");

/// The metrics as prometheus-parse reads them. It takes a label's value to end at the first
/// `}`, and route templates hold braces (`{*key}`): within a sample's quotes they are read as
/// parentheses (see [`quoted`]).
fn parse(text: &str) -> Scrape {
    let lines = text.lines().map(|line| match line.starts_with('#') {
        true => Ok(line.to_string()),
        false => Ok(quoted(line)),
    });
    Scrape::parse(lines).unwrap()
}

/// `line` with the braces inside its quotes made parentheses.
fn quoted(line: &str) -> String {
    let mut inside = false;
    line.chars()
        .map(|c| {
            let swapped = match (inside, c) {
                (true, '{') => '(',
                (true, '}') => ')',
                _ => c,
            };
            inside ^= c == '"';
            swapped
        })
        .collect()
}

/// The value of the one sample of `metric` whose labels include `labels`.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == metric)
        .filter(|sample| {
            let has = |(name, value): &(&str, &str)| {
                let value = value.replace('{', "(").replace('}', ")");
                sample.labels.get(name) == Some(value.as_str())
            };
            labels.iter().all(has)
        })
        .filter_map(|sample| match sample.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(v),
            _ => None,
        })
        .collect();
    assert!(matching.len() <= 1, "{metric} {labels:?}: {matching:?}");
    matching.first().copied()
}

/// The route labels of `etcd_deck_http_requests_total` that start with `start`.
fn routes(scrape: &Scrape, start: &str) -> Vec<String> {
    let requests = scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == "etcd_deck_http_requests_total");
    let routes = requests.filter_map(|sample| sample.labels.get("route"));
    let routes = routes.filter(|route| route.starts_with(start));
    routes
        .map(|route| route.replace('(', "{").replace(')', "}"))
        .collect()
}

/// GETs `url` with `headers`: the status, the media type and the body.
async fn get(url: &str, headers: &[(&str, &str)]) -> (StatusCode, String, String) {
    let mut request = http().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let kind = response.headers().get("content-type");
    let kind = kind.map_or(String::new(), |kind| kind.to_str().unwrap().to_string());
    (status, kind, response.text().await.unwrap())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_never_by_key() {
    let cluster = TestCluster::start(1);
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let server = TestServer::start_with(&cluster, &[("ETCD_DECK_METRICS_ADDR", &metrics_addr)]);
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    etcd.put(SECRET, "swordfish", None).await.unwrap();
    let url = |path: &str| format!("{}{path}", server.url);

    let answered = [
        (url("/"), 200),
        (url("/key/secret%2Fhunter2"), 200),
        (url("/api/v1/keys/secret/hunter2"), 200),
        (url("/api/v1/keys/secret%2Fhunter2"), 200),
        (url("/api/v1/keys/secret/hunter2-gone"), 404),
        (url("/api/v1/keys/secret/hunter2?revision=999999"), 400),
        (url("/no/such/hunter2"), 404),
    ];
    for (url, status) in &answered {
        assert_eq!(get(url, &[]).await.0.as_u16(), *status, "{url}");
    }
    let called = http()
        .post(url(EtcdConnection::PATH))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(called.status(), 200);
    let (_, _, export) = get(&url("/api/v1/export?prefix=secret%2F"), &[]).await;
    assert!(export.contains("swordfish"), "{export}");
    let snapshot = http()
        .get(url("/api/v1/maintenance/snapshot"))
        .send()
        .await
        .unwrap();
    assert_eq!(snapshot.status(), 200);
    let snapshot = snapshot.bytes().await.unwrap().len();

    // A watch open meanwhile: one hub, one follower.
    let watch = http()
        .get(url("/api/v1/watch?prefix=secret%2F"))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), 200);
    let following = eventually(Duration::from_secs(5), || async {
        let scrape = parse(&get(&url("/metrics"), &[]).await.2);
        value(&scrape, "etcd_deck_watch_hubs", &[]) == Some(1.0)
            && value(&scrape, "etcd_deck_watch_followers", &[]) == Some(1.0)
    })
    .await;
    assert!(following, "the watch is counted while it is open");
    drop(watch);

    let (status, kind, text) = get(&url("/metrics"), &[]).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(kind, "text/plain; version=0.0.4; charset=utf-8");
    assert!(!text.contains("hunter2"), "a key in the metrics: {text}");
    assert!(!text.contains("swordfish"), "a value in the metrics");
    let scrape = parse(&text);
    let requests = |route: &str, method: &str, status: &str| {
        let labels = [("route", route), ("method", method), ("status", status)];
        value(&scrape, "etcd_deck_http_requests_total", &labels)
    };
    let keys = "/api/v1/keys/{*key}";
    assert_eq!(requests(keys, "GET", "200"), Some(2.0), "{text}");
    assert_eq!(requests(keys, "GET", "404"), Some(1.0));
    assert_eq!(requests(keys, "GET", "400"), Some(1.0));
    assert_eq!(requests("/", "GET", "200"), Some(1.0), "a page");
    assert_eq!(
        routes(&scrape, "/key/"),
        ["/key/{key}"],
        "a page's template"
    );
    assert_eq!(requests("/key/{key}", "GET", "200"), Some(1.0));
    assert_eq!(
        requests(EtcdConnection::PATH, "POST", "200"),
        Some(1.0),
        "a server function"
    );
    assert_eq!(requests("unmatched", "GET", "404"), Some(1.0));
    assert_eq!(requests("/api/v1/export", "GET", "200"), Some(1.0));
    assert!(requests("/metrics", "GET", "200").is_some_and(|n| n >= 1.0));
    let latency = "etcd_deck_http_request_duration_seconds_count";
    let timed = value(&scrape, latency, &[("route", keys), ("method", "GET")]);
    assert_eq!(timed, Some(4.0), "every key read has its latency");

    let etcd_requests = |operation: &str, outcome: &str| {
        let labels = [("operation", operation), ("outcome", outcome)];
        value(&scrape, "etcd_deck_etcd_requests_total", &labels).unwrap_or_default()
    };
    assert!(etcd_requests("range", "ok") >= 4.0, "{text}");
    assert!(etcd_requests("range", "invalid_input") >= 1.0, "{text}");
    assert!(etcd_requests("snapshot", "ok") >= 1.0, "{text}");
    assert!(etcd_requests("watch", "ok") >= 1.0, "{text}");
    let etcd_latency = "etcd_deck_etcd_request_duration_seconds_count";
    let timed = value(&scrape, etcd_latency, &[("operation", "range")]);
    assert!(timed.is_some_and(|n| n >= 4.0), "{text}");

    let streamed = |download| {
        let labels = [("download", download)];
        value(&scrape, "etcd_deck_streamed_bytes_total", &labels)
    };
    assert_eq!(streamed("export"), Some(export.len() as f64));
    assert_eq!(streamed("snapshot"), Some(snapshot as f64));
    assert_eq!(value(&scrape, "etcd_deck_sessions", &[]), Some(0.0));
    assert_eq!(value(&scrape, "etcd_deck_searches_running", &[]), Some(0.0));
    assert_eq!(
        value(&scrape, "etcd_deck_sign_in_failures_total", &[]),
        Some(0.0)
    );
    for name in [
        "etcd_deck_http_requests_total",
        "etcd_deck_http_request_duration_seconds",
        "etcd_deck_etcd_requests_total",
        "etcd_deck_sessions",
        "etcd_deck_searches_refused_total",
    ] {
        assert!(scrape.docs.contains_key(name), "no HELP for {name}");
    }

    // --metrics-addr: /metrics alone, in OpenMetrics when asked.
    let beside = format!("http://{metrics_addr}");
    let accept = ("accept", "application/openmetrics-text; version=1.0.0");
    let (status, kind, text) = get(&format!("{beside}/metrics"), &[accept]).await;
    assert_eq!(status, 200);
    assert_eq!(
        kind,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("etcd_deck_http_requests_total{route=\"/api/v1/keys/{*key}\""));
    let (status, _, _) = get(&format!("{beside}/api/v1/keys/secret/hunter2"), &[]).await;
    assert_eq!(status, 404, "the metrics' address serves nothing else");
}

#[tokio::test]
async fn only_this_machine_and_admins_read_the_metrics() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path(), &[("ada", "admin"), ("ed", "editor")]);
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
            ("ETCD_DECK_TRUSTED_PROXIES", "127.0.0.1,::1"),
            ("ETCD_DECK_METRICS_ADDR", &metrics_addr),
            // Reading the metrics changes nothing: read-only mode keeps no admin from them.
            ("ETCD_DECK_READ_ONLY", "true"),
        ],
    );
    let metrics = format!("{}/metrics", server.url);
    let as_user = |name: &str, password: &str, forwarded: &str| {
        let request = http().get(&metrics).basic_auth(name, Some(password));
        request.header(REMOTE.0, forwarded.to_string()).send()
    };

    // From elsewhere: nobody, an editor and wrong passwords get no metric.
    let (status, _, text) = get(&metrics, &[REMOTE]).await;
    assert_eq!(status, 401, "{text}");
    assert!(!text.contains("etcd_deck_"), "{text}");
    let editor = as_user("ed", "ed-pw", REMOTE.1).await.unwrap();
    assert_eq!(editor.status(), 403);
    assert!(!editor.text().await.unwrap().contains("etcd_deck_"));
    for _ in 0..5 {
        let guess = as_user("ed", "wrong", "203.0.113.8").await.unwrap();
        assert_eq!(guess.status(), 401);
        assert!(!guess.text().await.unwrap().contains("etcd_deck_"));
    }
    let throttled = as_user("ed", "wrong", "203.0.113.8").await.unwrap();
    assert_eq!(throttled.status(), 429);

    // The admin reads them from elsewhere, signed in with a session.
    let signed_in = sign_in_form(&server, "ada", "ada-pw").await;
    let cookie = session_cookie(&signed_in);
    let (status, _, text) = get(&metrics, &[REMOTE, ("cookie", &cookie)]).await;
    assert_eq!(status, 200, "{text}");
    let scrape = parse(&text);
    assert_eq!(value(&scrape, "etcd_deck_sessions", &[]), Some(1.0));
    let failures = value(&scrape, "etcd_deck_sign_in_failures_total", &[]);
    assert_eq!(failures, Some(5.0), "{text}");
    let throttled = value(&scrape, "etcd_deck_sign_in_throttled_total", &[]);
    assert_eq!(throttled, Some(1.0), "{text}");
    let refused = [("route", "/metrics"), ("method", "GET"), ("status", "403")];
    let counted = value(&scrape, "etcd_deck_http_requests_total", &refused);
    assert_eq!(counted, Some(1.0), "the editor's refusal");
    let admin = as_user("ada", "ada-pw", REMOTE.1).await.unwrap();
    assert_eq!(admin.status(), 200, "with basic credentials too");

    // Signed out, the session is no longer in use; this machine needs no sign-in.
    assert_eq!(sign_out(&server, &cookie).await, 303);
    let (status, _, text) = get(&metrics, &[]).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(value(&parse(&text), "etcd_deck_sessions", &[]), Some(0.0));

    // --metrics-addr serves anyone who reaches it.
    let beside = format!("http://{metrics_addr}/metrics");
    let (status, _, text) = get(&beside, &[REMOTE]).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("etcd_deck_sign_in_failures_total 5"),
        "{text}"
    );

    // A proxy on this machine that is not trusted does not make its clients local.
    let untrusted = TestServer::start_with(
        &cluster,
        &[("ETCD_DECK_USERS_FILE", users.to_str().unwrap())],
    );
    let metrics = format!("{}/metrics", untrusted.url);
    for header in [REMOTE, ("forwarded", "for=203.0.113.7")] {
        let (status, _, text) = get(&metrics, &[header]).await;
        assert_eq!(status, 401, "{header:?}: {text}");
    }
    assert_eq!(get(&metrics, &[]).await.0, 200);
}
