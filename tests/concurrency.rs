//! Many clients at once against a real etcd: every page rendered and every server function
//! called from 8 clients for a few seconds, over real HTTP. Any failed response, dropped
//! connection or panic anywhere in the process fails the test.

mod common;

use common::{app::serve_on_free_port, TestCluster};
use etcd_deck::domain::{lease::Expiry, Key, PutCondition, WriteReceipt};
use etcd_deck::server_fns::{
    CreateKey, DeleteKey, EtcdConnection, FormatValue, GetApiReference, GetCluster, GetKey,
    GetKeyHistory, GetLevel, ListKeys, ListLeases, ListPast, PastedText, PeekKey, PlanCopy,
    PreviewSelection, SaveValue, SearchKeys,
};
use etcd_deck::urls::routes::key_url;
use leptos::server_fn::ServerFn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 8;
const DURATION: Duration = Duration::from_secs(4);
/// 22 pages, 5 REST reads and a sign-out, a search page and its server function, and 17 other
/// server function calls.
const REQUESTS_PER_ROUND: usize = 47;

/// Panics anywhere in this process: in a handler, a render, or a task it spawned.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn count_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(info.to_string());
        default(info);
    }));
}

/// What one client does, over and over: each request with the status it must get.
async fn one_round(http: &reqwest::Client, base: &str, client: usize, round: usize) -> Vec<String> {
    let existing = Key::from("load/existing");
    let mine = Key::from(format!("load/c{client}/k{round} <&\"'>?#%").as_str());
    let segment = |key: &Key| key.to_segment();
    let mut failures = Vec::new();
    let mut check = |what: String, expected: u16, got: Result<u16, String>| match got {
        Ok(status) if status == expected => {}
        Ok(status) => failures.push(format!("{what}: {status}, not {expected}")),
        Err(err) => failures.push(format!("{what}: {err}")),
    };

    for (path, expected) in [
        ("/".to_string(), 200),
        ("/?prefix=load%2F".to_string(), 200),
        ("/?view=tree&prefix=load%2F&sort=count".to_string(), 200),
        // A previous page, and a key shown beside the list.
        ("/?prefix=load%2F&before=load%2Fz&limit=3".to_string(), 200),
        (
            "/?prefix=load%2F&open=load%2Fdoc&value_view=raw".to_string(),
            200,
        ),
        // The key page's title once read the key after the page was gone, on ~2% of renders.
        (key_url(&existing), 200),
        (format!("{}?saved=1", key_url(&existing)), 200),
        (format!("{}?confirm=delete", key_url(&existing)), 200),
        (format!("{}?history=1", key_url(&existing)), 200),
        // A JSON value, laid out pretty, as hex, and a draft that is not kept.
        (key_url(&Key::from("load/doc")), 200),
        (format!("{}?view=hex", key_url(&Key::from("load/doc"))), 200),
        (
            format!("{}?draft={}", key_url(&existing), "0".repeat(32)),
            400,
        ),
        ("/watch?prefix=load%2F".to_string(), 200),
        ("/leases".to_string(), 200),
        ("/past?prefix=load%2F".to_string(), 200),
        (key_url(&Key::from("load/missing")), 404),
        ("/cluster".to_string(), 200),
        ("/api".to_string(), 200),
        ("/bulk".to_string(), 200),
        ("/bulk?prefix=load%252F&revision=0&all=1".to_string(), 200),
        // The import page giving back pasted text it no longer keeps: an empty box.
        (format!("/bulk?error=x&pasted={}", "0".repeat(32)), 200),
        ("/no/such/page".to_string(), 404),
        // The REST API beside the pages.
        ("/api/v1/keys?prefix=load%2F&limit=10".to_string(), 200),
        ("/api/v1/keys/load%2Fexisting".to_string(), 200),
        ("/api/v1/tree?prefix=load%2F".to_string(), 200),
        ("/api/v1/leases".to_string(), 200),
        ("/api/v1/session".to_string(), 200),
    ] {
        check(
            format!("GET {path}"),
            expected,
            get(http, base, &path).await,
        );
    }

    let calls = [
        (EtcdConnection::PATH, String::new()),
        (GetCluster::PATH, String::new()),
        (GetApiReference::PATH, String::new()),
        (
            ListKeys::PATH,
            "page[prefix]=load%2F&page[limit]=10&page[sort]=size".to_string(),
        ),
        (
            GetLevel::PATH,
            "level[prefix]=load%2F&level[delimiter]=%2F&level[limit]=10".to_string(),
        ),
        (GetKey::PATH, format!("key={}", segment(&existing))),
        (GetKeyHistory::PATH, format!("key={}", segment(&existing))),
        (PeekKey::PATH, format!("key={}", segment(&existing))),
        (
            FormatValue::PATH,
            "text=%7B%22a%22%3A%5B1%2C2%5D%7D&format=json".to_string(),
        ),
        (ListLeases::PATH, String::new()),
        (
            ListPast::PATH,
            "page[prefix]=load%2F&page[limit]=10".to_string(),
        ),
        (
            PreviewSelection::PATH,
            format!(
                "selection[prefix]=load%2F&selection[revision]=0&selection[keys][0]={}",
                segment(&existing)
            ),
        ),
        (
            PlanCopy::PATH,
            "selection[prefix]=load%2F&selection[revision]=0&selection[all]=true&to=load2%2F"
                .to_string(),
        ),
    ];
    for (path, form) in calls {
        check(
            format!("POST {path}"),
            200,
            call(http, base, path, &form).await.map(|r| r.0),
        );
    }
    // Ending a session takes a bearer token, which nobody has where nobody signs in.
    let ended = http
        .delete(format!("{base}/api/v1/session"))
        .send()
        .await
        .map(|response| response.status().as_u16())
        .map_err(|err| err.to_string());
    check("DELETE /api/v1/session".into(), 401, ended);
    let gone = format!("upload={}", "0".repeat(32));
    let pasted = call(http, base, PastedText::PATH, &gone).await;
    check(
        format!("POST {}", PastedText::PATH),
        200,
        pasted.map(|r| r.0),
    );
    // A search, on a page and through its server function: refused with 429 while as many run
    // as may, and otherwise answered.
    let search = "search[prefix]=load%2F&search[query]=e&search[mode]=glob&search[values]=true\
        &search[ignore_case]=false&search[limit]=10";
    let searches = [
        ("/search?prefix=load%2F&q=e&values=true".to_string(), None),
        (SearchKeys::PATH.to_string(), Some(search)),
    ];
    for (path, form) in searches {
        let got = match form {
            Some(form) => call(http, base, &path, form).await.map(|r| r.0),
            None => get(http, base, &path).await,
        };
        if got != Ok(429) {
            check(format!("search {path}"), 200, got);
        }
    }

    let form = format!(
        "prefix=load%2F&key={}&value=v1&format=text",
        percent(&mine.display())
    );
    let created = call(http, base, CreateKey::PATH, &form).await;
    let revision = created
        .as_ref()
        .ok()
        .and_then(|(_, body)| serde_json::from_str::<WriteReceipt>(body).ok())
        .map(|receipt| receipt.revision);
    check(format!("create {mine}"), 200, created.map(|r| r.0));
    let Some(revision) = revision else {
        return failures;
    };
    let form = format!(
        "key={}&value=v2&format=text&keep_crlf=false&expected_mod_revision={revision}",
        segment(&mine)
    );
    let saved = call(http, base, SaveValue::PATH, &form).await;
    check(format!("save {mine}"), 200, saved.map(|r| r.0));
    let form = format!("key={}", segment(&mine));
    let deleted = call(http, base, DeleteKey::PATH, &form).await;
    check(format!("delete {mine}"), 200, deleted.map(|r| r.0));
    failures
}

async fn get(http: &reqwest::Client, base: &str, path: &str) -> Result<u16, String> {
    let response = http.get(format!("{base}{path}")).send().await;
    let response = response.map_err(|err| format!("no response: {err}"))?;
    let status = response.status().as_u16();
    response
        .bytes()
        .await
        .map_err(|err| format!("body cut off: {err}"))?;
    Ok(status)
}

/// A server function called as the hydrated app calls it.
async fn call(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    form: &str,
) -> Result<(u16, String), String> {
    let response = http
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form.to_string())
        .send()
        .await
        .map_err(|err| format!("no response: {err}"))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|err| format!("body cut off: {err}"))?;
    Ok((status, body))
}

fn percent(text: &str) -> String {
    etcd_deck::domain::key::percent_encode_bytes(text.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_and_server_function_under_concurrent_load() {
    count_panics();
    let cluster = TestCluster::start(1);
    let (base, etcd) = serve_on_free_port(&cluster).await;
    etcd.put(
        &Key::from("load/doc"),
        br#"{"name": "deck", "ports": [80, 443], "tls": {"on": true}}"#.to_vec(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();
    etcd.put(
        &Key::from("load/existing"),
        b"<b>v</b>".to_vec(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();

    let requests = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let deadline = Instant::now() + DURATION;
    let clients = (0..CLIENTS).map(|client| {
        let (http, base, requests) = (http.clone(), base.clone(), requests.clone());
        tokio::spawn(async move {
            let mut failures = Vec::new();
            let mut round = 0;
            // Every client does one round at least, however late a loaded machine starts it.
            loop {
                failures.extend(one_round(&http, &base, client, round).await);
                requests.fetch_add(REQUESTS_PER_ROUND, Ordering::Relaxed);
                round += 1;
                if Instant::now() >= deadline || failures.len() >= 10 {
                    break;
                }
            }
            failures
        })
    });
    let mut failures = Vec::new();
    for client in clients {
        failures.extend(client.await.expect("a client task panicked"));
    }

    let requests = requests.load(Ordering::Relaxed);
    println!("{requests} requests from {CLIENTS} clients in {DURATION:?}");
    let panics = PANICS.lock().unwrap().clone();
    assert!(panics.is_empty(), "{} panics: {panics:#?}", panics.len());
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
    assert!(
        requests >= CLIENTS * REQUESTS_PER_ROUND,
        "every client finished a round"
    );
}
