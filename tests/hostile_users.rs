//! What a signed-in (or signing-in) user with bad intentions must not get: an old password that
//! still works, more password guesses than the limit, the server's memory, a name's existence
//! from the time it takes to refuse, a watch after their role was revoked, a session that
//! outlives its sign-out, or a role's reach beyond the README's table.

mod common;

use common::{
    enable_etcd_auth,
    server::{http, TestServer},
    sign_in::{api, session_cookie, sign_in_form, sign_out, user_add, users_file, with_cookie},
    TestCluster,
};
use etcd_client::{Client, ConnectOptions};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// A server signing people in from a users file holding `users` (name, role), each with the
/// password `<name>-pw`; answers it with the file's path.
fn with_users(
    cluster: &TestCluster,
    dir: &std::path::Path,
    users: &[(&str, &str)],
    env: &[(&str, &str)],
) -> (TestServer, std::path::PathBuf) {
    let path = users_file(dir, users);
    let mut env = env.to_vec();
    env.push(("ETCD_DECK_USERS_FILE", path.to_str().unwrap()));
    (TestServer::start_with(cluster, &env), path)
}

#[tokio::test]
async fn a_changed_password_stops_working_at_once() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = with_users(&cluster, dir.path(), &[("bob", "editor")], &[]);
    let old = ("bob", "bob-pw");
    // Used over basic authentication and signed in with, so it is remembered as right.
    let (status, _) = api(&server, Method::GET, "/api/v1/keys", old, None).await;
    assert_eq!(status, 200);
    let signed_in = sign_in_form(&server, "bob", "bob-pw").await;
    assert_eq!(signed_in.status(), 303);
    let cookie = session_cookie(&signed_in);

    std::thread::sleep(Duration::from_millis(20));
    user_add(&users, "bob", "editor", "bob-new-pw");

    let (status, _) = api(&server, Method::GET, "/api/v1/keys", old, None).await;
    assert_eq!(status, 401, "the old password over basic authentication");
    let put = Some(json!({ "value": "v" }));
    let (status, _) = api(&server, Method::PUT, "/api/v1/keys/x", old, put).await;
    assert_eq!(status, 401, "a write with the old password");
    let again = sign_in_form(&server, "bob", "bob-pw").await;
    assert!(
        again.headers().get("set-cookie").is_none(),
        "no new session"
    );
    assert_eq!(with_cookie(&server, "/api/v1/keys", &cookie).await.0, 401);
    let new = ("bob", "bob-new-pw");
    let (status, _) = api(&server, Method::GET, "/api/v1/keys", new, None).await;
    assert_eq!(status, 200, "the new password works");
}

/// The peak memory of process `pid`, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[tokio::test]
async fn simultaneous_guesses_get_no_more_checks_than_the_limit() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let proxies = [("ETCD_DECK_TRUSTED_PROXIES", "127.0.0.1")];
    let (server, _) = with_users(&cluster, dir.path(), &[("ada", "admin")], &proxies);
    let guess = |password: String, from: String| {
        http()
            .get(format!("{}/api/v1/keys", server.url))
            .basic_auth("ada", Some(password))
            .header("x-forwarded-for", from)
            .send()
    };

    // 100 wrong guesses at once from one address, and the right password last.
    let mut guesses: Vec<_> = (0..100)
        .map(|n| guess(format!("guess-{n}"), "198.51.100.1".into()))
        .collect();
    guesses.push(guess("ada-pw".into(), "198.51.100.1".into()));
    let statuses: Vec<u16> = futures::future::join_all(guesses)
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();
    let wrong = &statuses[..100];
    let checked = wrong.iter().filter(|&&status| status == 401).count();
    let refused = wrong.iter().filter(|&&status| status == 429).count();
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    assert_eq!(checked + refused, 100, "{statuses:?}");
    assert!([200, 429].contains(&statuses[100]), "{statuses:?}");
    // Guesses that waited too long for a turn were refused unchecked, and do not count.
    let late = guess("ada-pw".into(), "198.51.100.1".into()).await.unwrap();
    if checked == 5 {
        assert_eq!(late.status(), 429, "five wrong guesses were counted");
    }

    // 400 at once from 400 addresses: each is checked, a few at a time.
    let before = peak_mib(server.pid());
    let guesses =
        (0..400).map(|n| guess(format!("g{n}"), format!("203.0.{}.{}", n / 200, n % 200)));
    let statuses: Vec<u16> = futures::future::join_all(guesses)
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|&status| status == 401 || status == 429),
        "{statuses:?}"
    );
    let peak = peak_mib(server.pid());
    eprintln!("400 guesses at once: the server's peak went from {before} to {peak} MiB");
    assert!(
        peak < before + 200,
        "400 guesses at once took the server from {before} MiB to {peak} MiB"
    );
    let (status, _) = api(
        &server,
        Method::GET,
        "/api/v1/keys",
        ("ada", "ada-pw"),
        None,
    )
    .await;
    assert_eq!(status, 200, "from another address");
}

/// The shortest of five refusals of `name` with a wrong password.
async fn quickest_refusal(server: &TestServer, name: &str) -> Duration {
    let mut quickest = Duration::MAX;
    for n in 0..5 {
        let started = Instant::now();
        let status = http()
            .get(format!("{}/api/v1/keys", server.url))
            .basic_auth(name, Some(format!("wrong-{n}")))
            .header("x-forwarded-for", format!("192.0.2.{n}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
        quickest = quickest.min(started.elapsed());
    }
    quickest
}

#[tokio::test]
async fn an_unknown_name_takes_as_long_to_refuse_as_a_wrong_password() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let proxies = [("ETCD_DECK_TRUSTED_PROXIES", "127.0.0.1")];
    let (server, _) = with_users(&cluster, dir.path(), &[("ada", "admin")], &proxies);
    quickest_refusal(&server, "warm-up").await;
    let known = quickest_refusal(&server, "ada").await;
    let unknown = quickest_refusal(&server, "nobody").await;
    // A password check takes tens of milliseconds; a lookup alone well under one.
    assert!(
        unknown * 3 > known,
        "a known name is refused in {known:?}, an unknown one in {unknown:?}"
    );
}

#[tokio::test]
async fn a_revoked_role_cannot_join_an_open_watch() {
    let cluster = TestCluster::start(1);
    enable_etcd_auth(&cluster).await;
    let server = TestServer::start(&cluster);
    let alice = ("alice", "alice-pw");
    let watch = |user: (&'static str, &'static str)| {
        http()
            .get(format!("{}/api/v1/watch?prefix=app%2F", server.url))
            .basic_auth(user.0, Some(user.1))
            .send()
    };
    let open = watch(alice).await.unwrap();
    assert_eq!(open.status(), 200);

    let options = ConnectOptions::new().with_user("root", "root-pw");
    let mut root = Client::connect(&cluster.endpoints, Some(options))
        .await
        .unwrap();
    root.user_revoke_role("alice", "app-rw").await.unwrap();
    let (status, _) = api(
        &server,
        Method::GET,
        "/api/v1/keys?prefix=app/",
        alice,
        None,
    )
    .await;
    assert_eq!(status, 403, "her listing is refused");
    let again = watch(alice).await.unwrap();
    assert_eq!(
        again.status(),
        403,
        "a new watch joined the one she opened before the revoke"
    );
    drop(open);
}

/// A flat JSON object of `keys` tiny keys: about 17 bytes each.
fn tiny_keys(keys: usize) -> String {
    let mut body = String::with_capacity(keys * 18 + 2);
    body.push('{');
    for n in 0..keys {
        if n > 0 {
            body.push(',');
        }
        body.push_str(&format!("\"k{n:09}\":\"v\""));
    }
    body.push('}');
    body
}

#[tokio::test]
async fn uploads_cost_a_bounded_memory_and_only_from_who_may_import() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = [("vera", "viewer"), ("ed", "editor")];
    let (server, _) = with_users(&cluster, dir.path(), &users, &[]);
    let import = |user: &'static str, body: String| {
        http()
            .post(format!("{}/api/v1/import?dry_run=true", server.url))
            .basic_auth(user, Some(format!("{user}-pw")))
            .body(body)
            .send()
    };
    let response = import("vera", tiny_keys(10)).await.unwrap();
    assert_eq!(response.status(), 403, "a viewer cannot import");
    let form = reqwest::multipart::Form::new().text("text", tiny_keys(10));
    let response = http()
        .post(format!("{}/bulk/upload", server.url))
        .basic_auth("vera", Some("vera-pw"))
        .header("origin", &server.url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("error=") && location.contains("viewer") && !location.contains("upload="),
        "{location}"
    );

    // Three editors' 100 MB files of six million tiny keys at once: one is read at a time, and
    // each only up to the most keys an import takes.
    let before = peak_mib(server.pid());
    let body = tiny_keys(6_000_000);
    assert!(body.len() > 100_000_000);
    let answers = futures::future::join_all((0..3).map(|_| import("ed", body.clone()))).await;
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), 413);
        let text = answer.text().await.unwrap();
        assert!(text.contains("more than 1000000 keys"), "{text}");
    }
    let peak = peak_mib(server.pid());
    eprintln!("three 100 MB imports at once: the server's peak went from {before} to {peak} MiB");
    assert!(
        peak < before + 600,
        "three 100 MB imports took the server from {before} MiB to {peak} MiB"
    );
    let response = import("ed", tiny_keys(10)).await.unwrap();
    assert_eq!(response.status(), 200, "a small import is read");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_its_token() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = with_users(&cluster, dir.path(), &[("ed", "editor")], &[]);
    let cookie = session_cookie(&sign_in_form(&server, "ed", "ed-pw").await);
    assert_eq!(with_cookie(&server, "/api/v1/keys", &cookie).await.0, 200);
    assert_eq!(sign_out(&server, &cookie).await, 303);
    assert_eq!(
        with_cookie(&server, "/api/v1/keys", &cookie).await.0,
        401,
        "the cookie captured before signing out"
    );

    let token = |_: ()| async {
        let (status, body) = api(
            &server,
            Method::POST,
            "/api/v1/session",
            ("ed", "ed-pw"),
            Some(json!({ "user": "ed", "password": "ed-pw" })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_string()
    };
    let (first, second) = (token(()).await, token(()).await);
    let with_token = |token: String, method: Method| {
        http()
            .request(method, format!("{}/api/v1/session", server.url))
            .bearer_auth(token)
            .send()
    };
    let status = |response: reqwest::Result<reqwest::Response>| response.unwrap().status();
    assert_eq!(status(with_token(first.clone(), Method::GET).await), 200);
    assert_eq!(status(with_token(first.clone(), Method::DELETE).await), 204);
    assert_eq!(status(with_token(first, Method::GET).await), 401);
    assert_eq!(
        status(with_token(second, Method::GET).await),
        200,
        "another token of the same user"
    );
}

#[tokio::test]
async fn an_editor_cannot_empty_a_prefix_by_moving_it() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = [("ed", "editor"), ("ada", "admin")];
    let (server, _) = with_users(&cluster, dir.path(), &users, &[]);
    let (ed, ada) = (("ed", "ed-pw"), ("ada", "ada-pw"));
    for key in ["t/a", "t/b"] {
        let put = Some(json!({ "value": "v" }));
        let path = format!("/api/v1/keys/{key}");
        assert_eq!(api(&server, Method::PUT, &path, ed, put).await.0, 200);
    }
    let whole = Some(json!({ "from": "t/", "to": "u/", "prefix": true }));
    let (status, body) = api(&server, Method::POST, "/api/v1/move", ed, whole.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("admin"));
    let (_, listed) = api(&server, Method::GET, "/api/v1/keys?prefix=t/", ed, None).await;
    assert_eq!(listed["count"], 2, "{listed}");
    // Copying a prefix only adds keys; moving one named key is an editor's.
    let copy = Some(json!({ "from": "t/", "to": "c/", "prefix": true }));
    assert_eq!(
        api(&server, Method::POST, "/api/v1/copy", ed, copy).await.0,
        200
    );
    let one = Some(json!({ "from": "t/a", "to": "m/a" }));
    assert_eq!(
        api(&server, Method::POST, "/api/v1/move", ed, one).await.0,
        200
    );
    let (status, body) = api(&server, Method::POST, "/api/v1/move", ada, whole).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_debug_log_holds_no_query_and_no_typed_name() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users");
    user_add(&users, "ed", "editor", "ed-pw");
    let log_path = dir.path().join("log");
    let log = std::fs::File::create(&log_path).unwrap();
    let env = [
        ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
        ("RUST_LOG", "debug"),
    ];
    let server = TestServer::start_logging(&cluster, &env, log.into());
    let (status, _) = api(
        &server,
        Method::GET,
        "/api/v1/search?prefix=&q=fragment-of-a-secret",
        ("ed", "ed-pw"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let refused = sign_in_form(&server, "my-password-typed-as-name", "x").await;
    assert_eq!(refused.status(), 303);
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("/api/v1/search"), "the log has the requests");
    assert!(!log.contains("fragment-of-a-secret"), "{log}");
    assert!(!log.contains("my-password-typed-as-name"), "{log}");
}

#[tokio::test]
async fn guesses_for_root_leave_signed_in_users_served() {
    let cluster = TestCluster::start(1);
    enable_etcd_auth(&cluster).await;
    let server = TestServer::start(&cluster);
    let alice = ("alice", "alice-pw");
    let (status, _) = api(
        &server,
        Method::GET,
        "/api/v1/keys?prefix=app/",
        alice,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let guesses = (0..150).map(|n| {
        http()
            .get(format!("{}/api/v1/keys", server.url))
            .basic_auth("root", Some(format!("guess-{n}")))
            .send()
    });
    let reads = (0..20).map(|_| {
        api(
            &server,
            Method::GET,
            "/api/v1/keys?prefix=app/",
            alice,
            None,
        )
    });
    let (guessed, read) = tokio::join!(
        futures::future::join_all(guesses),
        futures::future::join_all(reads)
    );
    let checked = guessed
        .iter()
        .filter(|answer| answer.as_ref().unwrap().status() == 401)
        .count();
    assert!(checked <= 5, "{checked} guesses reached etcd");
    for (status, body) in read {
        assert_eq!(status, 200, "alice's read during the guesses: {body}");
    }
}
