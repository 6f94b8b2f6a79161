//! Signing in, against a real etcd: with etcd's authentication (its users and roles decide, a
//! session outlives etcd's token and works on a second process), from a users file (etcd-deck's
//! roles decide), read-only mode, the audit log, and serving beyond loopback only with sign-in.

mod common;

use common::{
    enable_etcd_auth,
    server::{http, TestServer},
    sign_in::{session_cookie, sign_in_form, users_file, with_cookie},
    TestCluster,
};
use etcd_client::{Client, ConnectOptions};
use etcd_deck::server_fns::CreateKey;
use leptos::server_fn::ServerFn;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// etcd's token lifetime in these tests, in seconds: sessions must outlive it.
const TOKEN_TTL: u64 = 2;

async fn as_root(cluster: &TestCluster) -> Client {
    let options = ConnectOptions::new().with_user("root", "root-pw");
    Client::connect(&cluster.endpoints, Some(options))
        .await
        .unwrap()
}

#[tokio::test]
async fn etcd_users_sign_in_and_etcds_roles_decide() {
    let cluster = TestCluster::start_with_flags(1, &format!("--auth-token-ttl={TOKEN_TTL}"));
    enable_etcd_auth(&cluster).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("session.key");
    let audit = dir.path().join("audit.jsonl");
    let shared = [("ETCD_DECK_SESSION_KEY_FILE", key_file.to_str().unwrap())];
    let server = TestServer::start_with(
        &cluster,
        &[shared[0], ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap())],
    );
    let second = TestServer::start_with(&cluster, &shared);
    let alice = Some(("alice", "alice-pw"));
    let bob = Some(("bob", "bob-pw"));

    // Nobody signed in: the API asks for credentials, pages go to the sign-in page.
    let (status, body) = server
        .api(Method::GET, "/api/v1/keys?prefix=app/", None, None)
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthenticated");
    let challenge = http()
        .get(format!("{}/api/v1/keys", server.url))
        .send()
        .await
        .unwrap();
    assert!(challenge.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let noticed = common::eventually(Duration::from_secs(10), || async {
        let page = http().get(format!("{}/", server.url)).send().await.unwrap();
        page.status() == 303
            && page.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/sign-in?next=")
    })
    .await;
    assert!(noticed, "pages do not send people to sign in");
    let (status, _) = server
        .api(Method::GET, "/api/v1/keys", Some(("alice", "nope")), None)
        .await;
    assert_eq!(status, 401);

    // Alice reads and writes app/ only; etcd says so, etcd-deck names what was refused.
    let put = |value: &str| Some(json!({ "value": value }));
    let (status, _) = server
        .api(Method::PUT, "/api/v1/keys/app/a", alice, put("1"))
        .await;
    assert_eq!(status, 200);
    let (status, body) = server
        .api(Method::PUT, "/api/v1/keys/other/a", alice, put("1"))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "permission_denied");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("alice"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("other/a"),
        "{body}"
    );
    let (status, body) = server
        .api(Method::GET, "/api/v1/keys?prefix=other/", alice, None)
        .await;
    assert_eq!(
        status, 403,
        "a prefix alice may not read is refused, not empty: {body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("other/"));
    // A watch runs as the user too: etcd refuses it before any event, and so does the API.
    let watch = |prefix: &'static str| {
        http()
            .get(format!("{}/api/v1/watch?prefix={prefix}", server.url))
            .basic_auth("alice", Some("alice-pw"))
            .send()
    };
    let refused = watch("other/").await.unwrap();
    assert_eq!(refused.status(), 403);
    let refused: Value = refused.json().await.unwrap();
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("alice"),
        "{refused}"
    );
    let allowed = watch("app/").await.unwrap();
    assert_eq!(allowed.status(), 200);
    drop(allowed);
    let (status, body) = server
        .api(Method::GET, "/api/v1/keys/other/secret", alice, None)
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = server
        .api(Method::GET, "/api/v1/keys?prefix=app/", alice, None)
        .await;
    assert_eq!(
        (status, body["count"].clone()),
        (StatusCode::OK, json!(1)),
        "{body}"
    );

    // Bob reads app/ and writes nothing.
    let (status, body) = server
        .api(Method::GET, "/api/v1/keys/app/a", bob, None)
        .await;
    assert_eq!(
        (status, body["value"].clone()),
        (StatusCode::OK, json!("1"))
    );
    let (status, _) = server
        .api(Method::PUT, "/api/v1/keys/app/b", bob, put("2"))
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .api(Method::DELETE, "/api/v1/keys/app/a", bob, None)
        .await;
    assert_eq!(status, 403);
    let mut root = as_root(&cluster).await;
    assert!(root.get("app/b", None).await.unwrap().kvs().is_empty());
    assert!(root.get("other/a", None).await.unwrap().kvs().is_empty());
    assert_eq!(root.get("app/a", None).await.unwrap().kvs().len(), 1);

    // The sign-in form sets a session cookie; the page shows who is signed in.
    let signed_in = sign_in_form(&server, "alice", "alice-pw").await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/?prefix=app/");
    let cookie = session_cookie(&signed_in);
    let (status, page) = with_cookie(&server, "/?prefix=app/", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("signed-in-as") && page.contains("alice"),
        "{page}"
    );
    let refused = sign_in_form(&server, "alice", "wrong").await;
    assert_eq!(refused.status(), 303);
    let location = refused.headers()["location"].to_str().unwrap();
    assert!(location.contains("error=unauthenticated"), "{location}");
    assert!(refused.headers().get("set-cookie").is_none());

    // The session outlives etcd's token, and a second process honours it.
    tokio::time::sleep(Duration::from_secs(TOKEN_TTL + 2)).await;
    let (status, body) = with_cookie(&server, "/api/v1/keys/app/a", &cookie).await;
    assert_eq!(status, 200, "after the token expired: {body}");
    let (status, body) = with_cookie(&second, "/api/v1/keys/app/a", &cookie).await;
    assert_eq!(status, 200, "on a second process: {body}");
    let (status, _) = with_cookie(&second, "/api/v1/keys/other/secret", &cookie).await;
    assert_eq!(status, 403);

    // A bearer token from one process works on the other.
    let (status, token) = server
        .api(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"user": "bob", "password": "bob-pw"})),
        )
        .await;
    assert_eq!(status, 201, "{token}");
    let response = http()
        .get(format!("{}/api/v1/session", second.url))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["user"], "bob");

    // Signing out forgets the cookie.
    let out = http()
        .post(format!("{}/auth/sign-out", server.url))
        .header("origin", &server.url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let cleared = out.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    // Every write attempt left one line, without the value.
    let log = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String, String)> = lines
        .iter()
        .map(|line| {
            let text = |field: &str| line[field].as_str().unwrap_or_default().to_string();
            (text("user"), text("key"), text("outcome"))
        })
        .collect();
    let expected = [
        ("alice", "app/a", "ok"),
        ("alice", "other/a", "permission_denied"),
        ("bob", "app/b", "permission_denied"),
        ("bob", "app/a", "permission_denied"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(summary, expected, "{log}");
    assert!(lines[0]["revision"].as_i64().unwrap() > 0);
    assert_eq!(lines[0]["client"], "127.0.0.1");
    assert!(!log.contains("\"1\"") && !log.contains("value"), "{log}");

    // Guessing is slowed down: after five failures for one user from one address, the next guess
    // is refused before it is checked.
    for _ in 0..5 {
        let (status, _) = server
            .api(Method::GET, "/api/v1/keys", Some(("bob", "guess")), None)
            .await;
        assert_eq!(status, 401);
    }
    let (status, body) = server
        .api(
            Method::GET,
            "/api/v1/keys/app/a",
            Some(("bob", "guess")),
            None,
        )
        .await;
    assert_eq!(status, 429, "{body}");
    let (status, _) = server
        .api(Method::GET, "/api/v1/keys/app/a", alice, None)
        .await;
    assert_eq!(status, 200, "other users are not locked out");
}

#[tokio::test]
async fn users_file_roles_and_read_only_mode() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(
        dir.path(),
        &[("vera", "viewer"), ("ed", "editor"), ("ada", "admin")],
    );
    let audit = dir.path().join("audit.jsonl");
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
            ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap()),
        ],
    );
    let put = Some(json!({ "value": "v" }));
    let (status, _) = server.api(Method::GET, "/api/v1/keys", None, None).await;
    assert_eq!(status, 401, "sign-in is required with a users file");
    let (status, body) = server
        .api(
            Method::PUT,
            "/api/v1/keys/t/a",
            Some(("vera", "vera-pw")),
            put.clone(),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("viewer"));
    let (status, _) = server
        .api(
            Method::GET,
            "/api/v1/keys?prefix=t/",
            Some(("vera", "vera-pw")),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = server
        .api(
            Method::PUT,
            "/api/v1/keys/t/a",
            Some(("ed", "ed-pw")),
            put.clone(),
        )
        .await;
    assert_eq!(status, 200);
    let delete_prefix = "/api/v1/keys?prefix=t/&confirm=t/";
    let (status, _) = server
        .api(Method::DELETE, delete_prefix, Some(("ed", "ed-pw")), None)
        .await;
    assert_eq!(status, 403, "deleting a prefix takes the admin role");
    let (status, body) = server
        .api(Method::DELETE, delete_prefix, Some(("ada", "ada-pw")), None)
        .await;
    assert_eq!(
        (status, body["done"]["count"].clone()),
        (StatusCode::OK, json!(1)),
        "{body}"
    );

    // A viewer's pages offer no write controls.
    let signed_in = sign_in_form(&server, "vera", "vera-pw").await;
    let cookie = session_cookie(&signed_in);
    let (_, page) = with_cookie(&server, "/", &cookie).await;
    assert!(page.contains("data-read-only"), "{page}");
    assert!(
        page.contains("vera") && page.contains(" (viewer)"),
        "{page}"
    );
    let log = std::fs::read_to_string(&audit).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
    drop(server);

    // Read-only mode refuses every write, to everyone, and writes nothing.
    let read_only = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_READ_ONLY", "true"),
            ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap()),
        ],
    );
    let (status, body) = read_only
        .api(Method::PUT, "/api/v1/keys/t/b", None, put.clone())
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("read-only"));
    let (status, _) = read_only
        .api(
            Method::POST,
            "/api/v1/keys/t/c/append",
            None,
            Some(json!({"value": 1})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = read_only
        .api(Method::DELETE, "/api/v1/keys/t/a", None, None)
        .await;
    assert_eq!(status, 403);
    let created = http()
        .post(format!("{}{}", read_only.url, CreateKey::PATH))
        .header("origin", &read_only.url)
        .form(&[
            ("prefix", ""),
            ("key", "t/d"),
            ("value", "v"),
            ("format", "text"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 403);
    let (status, body) = read_only
        .api(Method::GET, "/api/v1/keys?prefix=t/", None, None)
        .await;
    assert_eq!(
        (status, body["count"].clone()),
        (StatusCode::OK, json!(0)),
        "{body}"
    );
    let log = std::fs::read_to_string(&audit).unwrap();
    assert_eq!(log.lines().count(), 8, "one line per attempt: {log}");
}

#[tokio::test]
async fn serving_beyond_loopback_takes_sign_in() {
    let cluster = TestCluster::start(1);
    let serve = |env: &[(&str, &str)]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_etcd-deck"))
            .env("ETCD_DECK_ADDR", "0.0.0.0:0")
            .env("ETCD_ENDPOINTS", cluster.endpoints.join(","))
            .env("LEPTOS_OUTPUT_NAME", "etcd-deck")
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // etcd without authentication and no users file: refused, saying how to go on.
    let output = serve(&[]).wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("refusing to serve on 0.0.0.0:0"), "{log}");
    assert!(
        log.contains("--users-file") && log.contains("--insecure-no-auth"),
        "{log}"
    );

    // Once etcd requires authentication, people sign in as etcd users: it serves.
    enable_etcd_auth(&cluster).await;
    let mut child = serve(&[]);
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let read = std::io::Read::read(&mut out, &mut first).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let said = String::from_utf8_lossy(&first[..read]);
    assert!(said.contains("serving on"), "{said}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_audited_and_limited() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path(), &[("ed", "editor")]);
    let audit = dir.path().join("audit.jsonl");
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
            ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap()),
            ("ETCD_DECK_TRUSTED_PROXIES", "127.0.0.1,::1"),
        ],
    );
    let put = |password: &'static str, forwarded: &'static str| {
        http()
            .put(format!("{}/api/v1/keys/proxied", server.url))
            .basic_auth("ed", Some(password))
            .header("x-forwarded-for", forwarded)
            .json(&json!({ "value": "v" }))
            .send()
    };
    let status = put("ed-pw", "198.51.100.1, 203.0.113.7")
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let log = std::fs::read_to_string(&audit).unwrap();
    let line: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(
        line["client"], "203.0.113.7",
        "the proxy's own entry: {line}"
    );

    // Sign-in limits count the client behind the proxy, not the proxy.
    for _ in 0..5 {
        let status = put("wrong", "203.0.113.8").await.unwrap().status();
        assert_eq!(status, 401);
    }
    assert_eq!(put("wrong", "203.0.113.8").await.unwrap().status(), 429);
    assert_eq!(put("wrong", "203.0.113.9").await.unwrap().status(), 401);
}
