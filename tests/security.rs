//! Other sites kept out, against a real etcd: cross-site writes and foreign hosts refused with
//! nothing written, safety headers and the page's script policy, and slow clients cut off while
//! others are still served.

mod common;

use axum::{body::Body, http::Request};
use common::{app::TestApp, server::TestServer, TestCluster};
use etcd_deck::domain::{lease::Expiry, Key, PutCondition};
use etcd_deck::server_fns::{CreateKey, DeleteKey, SaveValue};
use leptos::server_fn::ServerFn;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const HOST: &str = "127.0.0.1:3000";
const EVIL: &str = "http://evil.example";

/// A form posted by a browser from a page at `origin` (or, with `None`, without an Origin).
fn form_post(path: &str, form: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post(path)
        .header("host", HOST)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(form.to_string())).unwrap()
}

async fn exists(app: &TestApp, key: &str) -> bool {
    app.etcd.get(&Key::from(key)).await.is_ok()
}

#[tokio::test]
async fn cross_site_form_posts_are_refused_and_write_nothing() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let create = "prefix=&key=csrf%2Fnew&value=pwned&format=text";

    for headers in [
        vec![("origin", EVIL), ("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("referer", "http://evil.example/page")],
        vec![("origin", "null")],
        vec![("origin", "http://127.0.0.1:8000")],
    ] {
        let (status, _, body) = app.send(form_post(CreateKey::PATH, create, &headers)).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert!(body.contains("another site"), "{body}");
        assert!(!exists(&app, "csrf/new").await, "{headers:?} wrote the key");
    }

    let key = Key::from("csrf/kept");
    let written = app
        .etcd
        .put(&key, b"v1".to_vec(), PutCondition::Always, Expiry::Never)
        .await
        .unwrap();
    let save = format!(
        "key={}&value=pwned&format=text&keep_crlf=false&expected_mod_revision={}",
        key.to_segment(),
        written.revision
    );
    let delete = format!("key={}", key.to_segment());
    for (path, form) in [(SaveValue::PATH, save.as_str()), (DeleteKey::PATH, &delete)] {
        let request = form_post(path, form, &[("origin", EVIL)]);
        assert_eq!(app.send(request).await.0, 403, "{path}");
    }
    let kept = app.etcd.get(&key).await.unwrap();
    assert_eq!(kept.value.as_bytes(), b"v1", "nothing was changed");

    // The app's own form, posted without JavaScript, still works.
    let own = [("origin", "http://127.0.0.1:3000")];
    let (status, location, _) = app.send(form_post(CreateKey::PATH, create, &own)).await;
    assert_eq!(status, 302, "{location:?}");
    assert!(exists(&app, "csrf/new").await);
}

#[tokio::test]
async fn cross_site_rest_writes_are_refused() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let evil = [("host", HOST), ("origin", EVIL)];
    let body = Some(serde_json::json!({ "value": "pwned" }));
    let (status, _, json) = app.api("PUT", "/api/v1/keys/rest/x", body, &evil).await;
    assert_eq!(status, 403);
    assert_eq!(json["error"]["code"], "forbidden");
    assert!(!exists(&app, "rest/x").await);

    app.etcd
        .put(
            &Key::from("rest/y"),
            b"v".to_vec(),
            PutCondition::Always,
            Expiry::Never,
        )
        .await
        .unwrap();
    let (status, _, _) = app.api("DELETE", "/api/v1/keys/rest/y", None, &evil).await;
    assert_eq!(status, 403);
    assert!(exists(&app, "rest/y").await);

    // A client that is not a browser page (curl, `etcd-deck kv`) sends no Origin.
    let (status, _, _) = app
        .api("DELETE", "/api/v1/keys/rest/y", None, &[("host", HOST)])
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_foreign_host_is_refused() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    for path in ["/", "/api/v1/keys", "/cluster"] {
        let request = Request::get(path)
            .header("host", "attacker.example:3000")
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = app.send(request).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("does not answer to the host"), "{body}");
    }
    let request = Request::get("/").header("host", "localhost:3000");
    let (status, _, _) = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn pages_carry_a_script_policy_with_their_nonce_and_safety_headers() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let (status, headers, body) = app.api("GET", "/", None, &[("host", HOST)]).await;
    assert_eq!(status, 200);
    let policy = headers["content-security-policy"].to_str().unwrap();
    for part in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(policy.contains(part), "{part} in {policy}");
    }
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"));
    let html = body.as_str().unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the script carries it"
    );
    assert_eq!(
        html.matches("<script").count(),
        html.matches("nonce=").count()
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");

    let (_, again, _) = app.api("GET", "/", None, &[]).await;
    assert_ne!(
        again["content-security-policy"],
        headers["content-security-policy"]
    );
    let (_, api, _) = app.api("GET", "/api/v1/cluster", None, &[]).await;
    assert!(api["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
}

/// Whether the server closed `stream` (it reads end of file, or the connection is reset).
fn closed(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 512];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(err) if err.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn half_sent_requests_are_cut_off_while_others_are_served() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start_with(&cluster, &[("ETCD_DECK_HEADER_TIMEOUT", "1s")]);
    let addr = server.url.trim_start_matches("http://").to_string();

    let mut slow: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            stream
        })
        .collect();
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();

    // Someone else is still served while those hang.
    assert_eq!(status_of_get(&format!("{}/healthz", server.url)), 200);

    std::thread::sleep(Duration::from_millis(2500));
    for stream in slow.iter_mut().chain([&mut idle]) {
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
    }
    let still_open = slow.iter_mut().map(closed).filter(|closed| !closed).count();
    assert_eq!(still_open, 0, "half-sent requests still held open");
    assert!(closed(&mut idle), "an idle kept-alive connection is closed");
}

#[test]
fn slow_bodies_are_cut_off_while_others_are_served() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_HEADER_TIMEOUT", "1s"),
            ("ETCD_DECK_MAX_CONNECTIONS", "6"),
        ],
    );
    let addr = server.url.trim_start_matches("http://").to_string();
    let head = "POST /auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
    // Five send their head and then a byte every 300 ms; one sends no body at all.
    let mut slow: Vec<TcpStream> = (0..6)
        .map(|_| {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect();
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(300));
        for stream in &mut slow[1..] {
            let _ = stream.write_all(b"u");
        }
    }
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
    }
    let still_open = slow.iter_mut().map(closed).filter(|closed| !closed).count();
    assert_eq!(still_open, 0, "slow bodies were still held after 3 s");
    // Every slot was held by them; a new client is served now.
    assert_eq!(status_of_get(&format!("{}/healthz", server.url)), 200);
}

/// The status of a GET, made on a connection of its own.
fn status_of_get(url: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async { reqwest::get(url).await.unwrap().status().as_u16() })
}

#[tokio::test]
async fn markup_in_a_key_reaches_the_page_head_as_text() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let markup =
        "a</title><h1>INJECTED</h1><meta http-equiv=\"refresh\" content=\"0;url=//evil.example\">";
    let stored = Key::from(format!("app/{markup}").as_str());
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    etcd.put(stored.as_bytes(), "v", None).await.unwrap();
    let missing = Key::from(markup);
    let segment = |key: &Key| key.to_segment();
    for (path, status) in [
        (format!("/key/{}", segment(&missing)), 404),
        (format!("/key/{}", segment(&stored)), 200),
        (format!("/?prefix=app%2F&open={}", segment(&stored)), 200),
        (format!("/?prefix={}", segment(&stored)), 200),
        (format!("/search?q={}", segment(&missing)), 200),
        (format!("/watch?prefix={}", segment(&missing)), 200),
    ] {
        let (got, body) = app.get(&path).await;
        assert_eq!(got, status, "{path}");
        let head = body
            .split("</head>")
            .next()
            .unwrap_or_else(|| panic!("no head in {path}"));
        // The head holds what etcd-deck put there, and the key only as text.
        assert!(
            !head.contains("<h1") && !head.contains("<meta http-equiv"),
            "{path}: {head}"
        );
        assert_eq!(
            head.matches("<title>").count(),
            head.matches("</title>").count(),
            "{path}"
        );
        if path.starts_with("/key/") {
            assert!(
                head.contains("a&lt;/title&gt;&lt;h1&gt;INJECTED"),
                "{path}: {head}"
            );
        }
    }
}

#[tokio::test]
async fn the_deepest_values_leave_the_server_serving() {
    use etcd_deck::domain::format::nesting::deepest_values;
    use etcd_deck::server_fns::FormatValue;
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let healthz = format!("{}/healthz", server.url);
    for (i, (name, value)) in deepest_values().into_iter().enumerate() {
        let key = Key::from(format!("bomb/{i}").as_str());
        etcd.put(key.as_bytes(), value.as_bytes(), None)
            .await
            .unwrap();
        // Its page shows it raw, formatting it answers, and the server goes on serving.
        let page = http
            .get(format!("{}/key/{}", server.url, key.to_segment()))
            .send()
            .await
            .unwrap_or_else(|err| panic!("{name}: the key page failed: {err}"));
        assert_eq!(page.status(), 200, "{name}");
        for format in ["json", "yaml"] {
            let form = [("text", value.as_str()), ("format", format)];
            let answer = http
                .post(format!("{}{}", server.url, FormatValue::PATH))
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .unwrap_or_else(|err| panic!("{name} as {format}: {err}"));
            // Refused as too deep, or (XML, TOML) formatted as the one YAML string it is.
            let status = answer.status().as_u16();
            assert!(matches!(status, 200 | 400), "{name} as {format}: {status}");
        }
        let alive = http.get(&healthz).send().await.unwrap();
        assert_eq!(alive.status(), 200, "{name}");
    }
}
