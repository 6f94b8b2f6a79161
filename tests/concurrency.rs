//! Many clients at once against a real etcd: every page rendered, every server function called
//! and every REST route used, from 8 clients for a few seconds, over real HTTP. Any failed
//! response, dropped connection or panic anywhere in the process fails the test.

mod common;

use common::{app::serve_on_free_port, TestCluster};
use etcd_deck::domain::{lease::Expiry, Key, PutCondition, WriteReceipt};
use etcd_deck::server_fns::{
    AddAccessUser, AddMember, ApplyImport, ChangeAccess, CheckAccess, CheckConsistency,
    CompactHistory, CreateKey, DefragmentMembers, DeleteKey, DeleteSelection, DisarmAlarm,
    EtcdConnection, FormatValue, GetAccess, GetApiReference, GetCluster, GetDraft, GetKey,
    GetKeyHistory, GetKeyVersion, GetLevel, GetLocalUsers, GetMaintenance, GetMembers, GetMetrics,
    GrantLease, KeepLeaseAlive, ListKeys, ListLeases, ListPast, LocateKey, MoveLeader, PastedText,
    PeekKey, PlanCopy, PreviewImport, PreviewSelection, PromoteMember, RecoverCluster,
    RemoveLocalUser, RemoveMember, ReplaceMember, RestoreVersion, RevokeLease, SaveValue,
    SearchKeys, SetAccessPassword, SetKeyLease, SetLocalUser, StopMaintenance, UndeleteKeys,
    WhoMayAccess,
};
use etcd_deck::urls::routes::key_url;
use leptos::server_fn::ServerFn;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 8;
const DURATION: Duration = Duration::from_secs(4);
/// 37 pages, 5 REST reads, etcd-deck's own metrics and a sign-out, a search page and its server
/// function, and 21 other server function calls; then 36 REST calls (every route; two more
/// maintenance runs in a client's first round), 15 REST calls and 16 server function calls on
/// etcd's users and roles and the users file, 18 server function calls that write (two more maintenance runs in a
/// client's first round), an upload, its preview and its import.
const REQUESTS_PER_ROUND: usize = 67 + 36 + 15 + 16 + 18 + 3;

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
        // Each membership change's confirmation, and how to start a member just added.
        ("/cluster?do=remove&member=m1".to_string(), 200),
        ("/cluster?do=leader&member=m1".to_string(), 200),
        ("/cluster?do=replace&member=m1".to_string(), 200),
        ("/cluster?joined=abc&name=%3Cb%3E".to_string(), 200),
        ("/cluster/charts".to_string(), 200),
        ("/cluster/charts?member=m1&since=5m".to_string(), 200),
        ("/api/v1/cluster/metrics?since=15m".to_string(), 200),
        ("/api/v1/cluster/alerts".to_string(), 200),
        (format!("{}?locate=1", key_url(&existing)), 200),
        ("/maintenance".to_string(), 200),
        ("/maintenance?do=defragment&member=m1".to_string(), 200),
        ("/maintenance?check=1".to_string(), 200),
        ("/api".to_string(), 200),
        // The access page, a user's and a role's, a change's confirmation, the page after it,
        // and its two questions.
        ("/access".to_string(), 200),
        ("/access?user=nobody%3Cb%3E#user".to_string(), 200),
        ("/access?role=r%3Cb%3E".to_string(), 200),
        (
            "/access?do=grant_permission&role=r&permits=read&kind=prefix&key=load%2F".to_string(),
            200,
        ),
        ("/access?done=delete_user&user=x".to_string(), 200),
        ("/access?who=write&kind=prefix&key=load%2F".to_string(), 200),
        (
            "/access?check=nobody&kind=key&key=load%2Fexisting".to_string(),
            404,
        ),
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
        // Scraped while everything else is counted, from loopback.
        ("/metrics".to_string(), 200),
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
        (GetMaintenance::PATH, String::new()),
        (CheckConsistency::PATH, String::new()),
        (GetMembers::PATH, String::new()),
        (GetMetrics::PATH, "since=15m".to_string()),
        (LocateKey::PATH, format!("key={}", segment(&existing))),
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
    failures.extend(write_round(http, base, client, round).await);
    failures
}

/// The server functions that write (each kind once, on keys, leases and an upload of this
/// client's own) and every REST route, reads and writes.
async fn write_round(
    http: &reqwest::Client,
    base: &str,
    client: usize,
    round: usize,
) -> Vec<String> {
    let dir = format!("load/c{client}/r{round}/");
    let key = Key::from(format!("{dir}k").as_str());
    let path = format!("/api/v1/keys/{}", percent(&key.display()));
    let mut failures = Vec::new();
    let mut check = |what: &str, expected: u16, got: Result<(u16, Value), String>| match got {
        Ok((status, _)) if status == expected => {}
        Ok((status, body)) => failures.push(format!("{what}: {status}, not {expected}: {body}")),
        Err(err) => failures.push(format!("{what}: {err}")),
    };
    let rest = |method: Method, path: String, body: Option<Value>| async move {
        let mut request = http.request(method, format!("{base}{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|err| format!("no response: {err}"))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|err| format!("body cut off: {err}"))?;
        Ok::<_, String>((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    };
    let function = |path: &'static str, form: String| async move {
        let (status, body) = call(http, base, path, &form).await?;
        Ok::<_, String>((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
    };
    let number = |answer: &Result<(u16, Value), String>, field: &str| {
        answer
            .as_ref()
            .ok()
            .and_then(|(_, body)| body[field].as_i64())
    };

    // REST: a key written, read, its history, appended to, copied, moved, restored, deleted and
    // brought back.
    let put = rest(Method::PUT, path.clone(), Some(json!({"value": "[1]"}))).await;
    let written = number(&put, "revision");
    check("PUT key", 200, put);
    let Some(written) = written else {
        return failures;
    };
    check("GET key", 200, rest(Method::GET, path.clone(), None).await);
    check(
        "HEAD key",
        200,
        rest(Method::HEAD, path.clone(), None).await,
    );
    let history = format!("{path}/history");
    check("GET history", 200, rest(Method::GET, history, None).await);
    let append = rest(
        Method::POST,
        format!("{path}/append"),
        Some(json!({"value": 2})),
    )
    .await;
    let appended = number(&append, "revision");
    check("POST append", 200, append);
    let copy = json!({"from": key.display(), "to": format!("{dir}copy")});
    check(
        "POST copy",
        200,
        rest(Method::POST, "/api/v1/copy".into(), Some(copy)).await,
    );
    let moved = json!({"from": format!("{dir}copy"), "to": format!("{dir}moved")});
    check(
        "POST move",
        200,
        rest(Method::POST, "/api/v1/move".into(), Some(moved)).await,
    );
    let restore = json!({"key": key.display(), "revision": written, "mod_revision": appended});
    let restored = rest(Method::POST, "/api/v1/restore".into(), Some(restore)).await;
    let restored_at = number(&restored, "revision");
    check("POST restore", 200, restored);
    check(
        "DELETE key",
        200,
        rest(Method::DELETE, path.clone(), None).await,
    );
    if let Some(at) = restored_at {
        let undelete = json!({"revision": at, "keys": [key.display()]});
        let body = Some(undelete);
        check(
            "POST undelete",
            200,
            rest(Method::POST, "/api/v1/undelete".into(), body).await,
        );
    }
    let prefix = percent(&dir);
    let search = format!("/api/v1/search?prefix={prefix}&q=k");
    match rest(Method::GET, search, None).await {
        Ok((429, _)) => {}
        got => check("GET search", 200, got),
    }
    let export = format!("/api/v1/export?prefix={prefix}");
    check("GET export", 200, rest(Method::GET, export, None).await);
    let import = "/api/v1/import?dry_run=false".to_string();
    let body = json!({ format!("{dir}imported"): "v" });
    match rest(Method::POST, import, Some(body)).await {
        // One import at a time: a turn not had within 30 s is refused, not waited for longer.
        Ok((429, _)) => {}
        got => check("POST import", 200, got),
    }
    check(
        "GET cluster",
        200,
        rest(Method::GET, "/api/v1/cluster".into(), None).await,
    );
    let document = "/api/v1/openapi.json".to_string();
    check(
        "GET openapi.json",
        200,
        rest(Method::GET, document, None).await,
    );
    let watched = http
        .get(format!("{base}/api/v1/watch?prefix={prefix}"))
        .send()
        .await
        .map(|response| (response.status().as_u16(), Value::Null))
        .map_err(|err| format!("no response: {err}"));
    check("GET watch", 200, watched);

    // REST maintenance: read every way; a compaction to revision 2, which the first does and
    // the rest are told is done already; a disarm of an alarm there is not; and, in each
    // client's first round, a defragmentation and a recovery, one at a time (429 meanwhile).
    for read in ["members", "plan", "alarms", "hashkv", "snapshot"] {
        let path = format!("/api/v1/maintenance/{read}");
        check(
            &format!("GET {path}"),
            200,
            rest(Method::GET, path, None).await,
        );
    }
    let compact = json!({"revision": 2});
    let compacted = rest(
        Method::POST,
        "/api/v1/maintenance/compact".into(),
        Some(compact),
    )
    .await;
    match compacted {
        Ok((409, _)) => {}
        got => check("POST compact", 200, got),
    }
    let disarm = json!({"member": "m1", "alarm": "NOSPACE"});
    let disarm = rest(
        Method::POST,
        "/api/v1/maintenance/alarms/disarm".into(),
        Some(disarm),
    );
    check("POST disarm of no alarm", 409, disarm.await);
    // The maintenance page's forms: a compaction done already, a disarm of no alarm, a stop
    // with or without a run to stop.
    match function(CompactHistory::PATH, "revision=2".into()).await {
        Ok((409, _)) => {}
        got => check("compact_history", 200, got),
    }
    let form = "member=m1&alarm=NOSPACE".to_string();
    check(
        "disarm_alarm of no alarm",
        409,
        function(DisarmAlarm::PATH, form).await,
    );
    check(
        "stop_maintenance",
        200,
        function(StopMaintenance::PATH, String::new()).await,
    );
    if round == 0 {
        for (path, form) in [
            (DefragmentMembers::PATH, "member=all"),
            (RecoverCluster::PATH, "revision=2"),
        ] {
            match function(path, form.to_string()).await {
                Ok((429, _)) => {}
                got => check(path, 200, got),
            }
        }
        let runs = [
            ("defragment", json!({"members": ["m1"]})),
            ("recover", json!({"revision": 2})),
        ];
        for (run, body) in runs {
            let answer = http
                .post(format!("{base}/api/v1/maintenance/{run}"))
                .json(&body)
                .send()
                .await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(err) => {
                    check(
                        &format!("POST {run}"),
                        200,
                        Err(format!("no response: {err}")),
                    );
                    continue;
                }
            };
            let status = answer.status().as_u16();
            let text = answer.text().await.unwrap_or_default();
            let report: Value = text
                .lines()
                .last()
                .and_then(|line| serde_json::from_str(line).ok())
                .unwrap_or(Value::Null);
            // Done, or stopped by another client's stop_maintenance; one runs at a time.
            let stopped = report["message"] == "stopped between steps, as asked";
            let fine = status == 429 || (status == 200 && (report["ok"] == true || stopped));
            if !fine {
                check(&format!("POST {run}"), 200, Err(format!("{status} {text}")));
            }
        }
    }

    // Members: read, and located a key; each change refused on this one-member cluster (the
    // last voter stays, leads already and votes already; a voter added at once would cost
    // the quorum), by REST and by the page's forms, or asked to wait for a maintenance run.
    check(
        "GET members",
        200,
        rest(Method::GET, "/api/v1/members".into(), None).await,
    );
    check(
        "GET locate",
        200,
        rest(Method::GET, format!("{path}/locate"), None).await,
    );
    let voter = json!({"peer_urls": ["http://127.0.0.1:1"], "learner": false});
    for (method, route, body, expected) in [
        (Method::POST, "/api/v1/members", Some(voter), 409),
        (Method::DELETE, "/api/v1/members/m1", None, 409),
        (Method::POST, "/api/v1/members/m1/promote", None, 409),
        (Method::POST, "/api/v1/members/m1/leader", None, 409),
        (
            Method::POST,
            "/api/v1/members/nobody/replace",
            Some(json!({"peer_urls": ["http://127.0.0.1:1"]})),
            404,
        ),
    ] {
        // 429 while a maintenance run of another client's goes: changes wait for it.
        match rest(method.clone(), route.into(), body).await {
            Ok((429, _)) => {}
            got => check(&format!("{method} {route}"), expected, got),
        }
    }
    for (path, form, expected) in [
        (
            AddMember::PATH,
            "name=n&peer_url=http%3A%2F%2F127.0.0.1%3A1&voter=true",
            409,
        ),
        (PromoteMember::PATH, "member=m1", 409),
        (RemoveMember::PATH, "member=m1&confirm=m1", 409),
        (MoveLeader::PATH, "member=m1", 409),
        (
            ReplaceMember::PATH,
            "member=m1&confirm=m2&name=n&peer_url=http%3A%2F%2Fh%3A1",
            400,
        ),
    ] {
        match function(path, form.to_string()).await {
            Ok((429, _)) => {}
            got => check(path, expected, got),
        }
    }

    // Access: a role and a user of this round's own, granted, asked about and taken away; the
    // overview, a user and a role read; authentication turned on refused (no root user).
    let role = format!("load-c{client}-r{round}");
    let user = format!("{role}-user");
    let permission =
        json!({"permits": "readwrite", "range": {"kind": "prefix", "prefix": dir.clone()}});
    for (method, route, body, expected) in [
        (
            Method::POST,
            "/api/v1/auth/roles".to_string(),
            Some(json!({"name": role})),
            201,
        ),
        (
            Method::POST,
            format!("/api/v1/auth/roles/{role}/permissions"),
            Some(permission),
            200,
        ),
        (
            Method::POST,
            "/api/v1/auth/users".to_string(),
            Some(json!({"name": user, "password": "pw"})),
            201,
        ),
        (
            Method::PUT,
            format!("/api/v1/auth/users/{user}/roles/{role}"),
            None,
            200,
        ),
        (Method::GET, "/api/v1/auth".to_string(), None, 200),
        (Method::GET, format!("/api/v1/auth/users/{user}"), None, 200),
        (Method::GET, format!("/api/v1/auth/roles/{role}"), None, 200),
        (
            Method::GET,
            format!("/api/v1/auth/access?user={user}&prefix={}", percent(&dir)),
            None,
            200,
        ),
        (
            Method::GET,
            format!("/api/v1/auth/who?prefix={}", percent(&dir)),
            None,
            200,
        ),
        (
            Method::PUT,
            format!("/api/v1/auth/users/{user}/password"),
            Some(json!({"password": "pw2"})),
            200,
        ),
        (
            Method::DELETE,
            format!("/api/v1/auth/users/{user}/roles/{role}"),
            None,
            200,
        ),
        (
            Method::POST,
            format!("/api/v1/auth/roles/{role}/permissions/revoke"),
            Some(json!({"range": {"kind": "prefix", "prefix": dir.clone()}})),
            200,
        ),
        (
            Method::DELETE,
            format!("/api/v1/auth/users/{user}"),
            None,
            200,
        ),
        (
            Method::DELETE,
            format!("/api/v1/auth/roles/{role}"),
            None,
            200,
        ),
        (
            Method::PUT,
            "/api/v1/auth/enabled".to_string(),
            Some(json!({"enabled": true})),
            409,
        ),
    ] {
        check(
            &format!("{method} {route}"),
            expected,
            rest(method.clone(), route, body).await,
        );
    }

    // The same from the access page's server functions, on a role and a user of their own.
    let role = format!("{role}-fn");
    let user = format!("{role}-user");
    let change = |change: &str, user: &str, role: &str, confirm: &str| {
        let range = "permits=readwrite&kind=prefix";
        format!(
            "change={change}&user={user}&role={role}&{range}&key={}&to=&confirm={confirm}",
            percent(&dir)
        )
    };
    for (path, form, expected) in [
        (ChangeAccess::PATH, change("add_role", "", &role, ""), 200),
        (
            ChangeAccess::PATH,
            change("grant_permission", "", &role, ""),
            200,
        ),
        (
            AddAccessUser::PATH,
            format!("name={user}&password=pw&again=pw"),
            200,
        ),
        (
            ChangeAccess::PATH,
            change("grant_role", &user, &role, ""),
            200,
        ),
        (GetAccess::PATH, String::new(), 200),
        (
            CheckAccess::PATH,
            format!("user={user}&kind=prefix&key={}", percent(&dir)),
            200,
        ),
        (
            WhoMayAccess::PATH,
            format!("action=write&kind=key&key={}k", percent(&dir)),
            200,
        ),
        (
            SetAccessPassword::PATH,
            format!("name={user}&password=pw2&again=pw2"),
            200,
        ),
        (
            ChangeAccess::PATH,
            change("revoke_role", &user, &role, ""),
            200,
        ),
        (
            ChangeAccess::PATH,
            change("revoke_permission", "", &role, ""),
            200,
        ),
        (
            ChangeAccess::PATH,
            change("delete_user", &user, "", &user),
            200,
        ),
        (
            ChangeAccess::PATH,
            change("delete_role", "", &role, &role),
            200,
        ),
        (ChangeAccess::PATH, change("auth_on", "", "", ""), 409),
        // No users file here: nothing to list, and nobody to manage it.
        (GetLocalUsers::PATH, String::new(), 200),
        (
            SetLocalUser::PATH,
            format!("name={user}&role=viewer&password=pw&again=pw"),
            403,
        ),
        (
            RemoveLocalUser::PATH,
            format!("name={user}&confirm={user}"),
            403,
        ),
    ] {
        check(path, expected, function(path, form).await);
    }

    // REST leases: granted, read, renewed and revoked.
    let granted = rest(
        Method::POST,
        "/api/v1/leases".into(),
        Some(json!({"ttl": 60})),
    )
    .await;
    let lease = granted
        .as_ref()
        .ok()
        .and_then(|(_, body)| body["id"].as_str().map(str::to_string));
    check("POST leases", 200, granted);
    if let Some(lease) = &lease {
        let one = format!("/api/v1/leases/{lease}");
        check("GET lease", 200, rest(Method::GET, one.clone(), None).await);
        let renew = format!("{one}/keepalive");
        check("POST keepalive", 200, rest(Method::POST, renew, None).await);
        check("DELETE lease", 200, rest(Method::DELETE, one, None).await);
    }

    // Server functions: a past version, a restore, a lease set on the key, a lease granted,
    // renewed and revoked, a draft that is not kept, an undelete and a selection deleted.
    let segment = key.to_segment();
    let form = format!("key={segment}&revision={written}");
    check(
        "get_key_version",
        200,
        function(GetKeyVersion::PATH, form).await,
    );
    let now = rest(Method::GET, path.clone(), None).await;
    let modified = number(&now, "mod_revision");
    if let Some(modified) = modified {
        let form = format!("key={segment}&revision={written}&expected_mod_revision={modified}");
        let restored = function(RestoreVersion::PATH, form).await;
        let at = number(&restored, "revision");
        check("restore_version", 200, restored);
        if let Some(at) = at {
            let form = format!("key={segment}&lease=&ttl=60&expected_mod_revision={at}");
            check(
                "set_key_lease",
                200,
                function(SetKeyLease::PATH, form).await,
            );
        }
    }
    check(
        "grant_lease",
        200,
        function(GrantLease::PATH, "ttl=60".into()).await,
    );
    let granted = rest(
        Method::POST,
        "/api/v1/leases".into(),
        Some(json!({"ttl": 60})),
    )
    .await;
    if let Ok((_, body)) = &granted {
        if let Some(id) = body["id"].as_str() {
            let form = format!("id={id}");
            check(
                "keep_lease_alive",
                200,
                function(KeepLeaseAlive::PATH, form.clone()).await,
            );
            check("revoke_lease", 200, function(RevokeLease::PATH, form).await);
        }
    }
    let form = format!("key={segment}&draft={}", "0".repeat(32));
    check(
        "get_draft of none",
        400,
        function(GetDraft::PATH, form).await,
    );
    let deleted = function(DeleteKey::PATH, format!("key={segment}")).await;
    let before = number(&deleted, "revision").map(|revision| revision - 1);
    check("delete_key", 200, deleted);
    if let Some(before) = before {
        let form = format!(
            "prefix={}&revision={before}&keys[0]={segment}",
            Key::from(dir.as_str()).to_segment()
        );
        check(
            "undelete_keys",
            200,
            function(UndeleteKeys::PATH, form).await,
        );
    }
    let form = format!(
        "prefix={}&revision=0&all=false&keys[0]={segment}&confirm=1",
        Key::from(dir.as_str()).to_segment()
    );
    check(
        "delete_selection",
        200,
        function(DeleteSelection::PATH, form).await,
    );

    // An import through the page's upload form, previewed and applied.
    let export = format!("{{\"{dir}uploaded\": \"v\"}}");
    // Without following its redirect, which names the upload.
    let upload = common::server::http()
        .post(format!("{base}/bulk/upload"))
        .multipart(reqwest::multipart::Form::new().text("text", export))
        .send()
        .await;
    let id = upload.as_ref().ok().and_then(|response| {
        let location = response.headers().get("location")?.to_str().ok()?;
        location.split_once("upload=").map(|(_, id)| id.to_string())
    });
    let named = upload
        .map(|response| (response.status().as_u16(), Value::Null))
        .map_err(|err| format!("no response: {err}"));
    // A redirect that does not name the upload counts as no answer at all.
    let named = named.map(|(status, body)| (if id.is_some() { status } else { 0 }, body));
    check("POST /bulk/upload, redirected to its id", 303, named);
    if let Some(id) = id {
        let previewed = function(PreviewImport::PATH, format!("upload={id}")).await;
        let at = number(&previewed, "revision");
        match previewed {
            Ok((429, _)) => {}
            got => check("preview_import", 200, got),
        }
        if let Some(at) = at {
            match function(ApplyImport::PATH, format!("upload={id}&revision={at}")).await {
                Ok((429, _)) => {}
                got => check("apply_import", 200, got),
            }
        }
    }
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
async fn every_page_server_function_and_rest_route_under_concurrent_load() {
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
