//! The worst key and value of each kind, through every page, every server function and the REST
//! routes of the real binary (its real stack size): markup, the characters URLs treat apart,
//! unicode, binary bytes, dot segments, a 100 KB key, values nested as deep as etcd's 1.5 MiB
//! allows in every format, a value of 1.4 MiB. Nothing may answer 5xx, every page's head must
//! hold the names only as text, and the process must go on answering `/healthz`.

mod common;

use common::{server::TestServer, TestCluster};
use etcd_deck::domain::{format::nesting::deepest_values, Key};
use etcd_deck::server_fns::*;
use leptos::server_fn::ServerFn;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const MARKUP: &str = "<script>alert(1)</script></title><h1>INJECTED</h1>\
                      <meta http-equiv=\"refresh\" content=\"0;url=//evil.example\">";

/// Keys of every awkward kind, all under `h/`.
fn hostile_keys() -> Vec<Key> {
    let mut keys = vec![
        Key::from(format!("h/{MARKUP}").as_str()),
        Key::from("h/a b?c#d%e&f=g+h/i"),
        Key::from("h/ünïcødé/🗝️/\u{202e}reversed"),
        Key::new(b"h/\x00\xff\xfe binary\n".as_slice()),
        Key::from("h/../.."),
        // Within what an URL may hold (64 KiB): a page's address names it.
        Key::from(format!("h/{}", "k".repeat(20_000)).as_str()),
        // Only in a form's body.
        Key::from(format!("h/{}", "l".repeat(100_000)).as_str()),
    ];
    keys.push(Key::from("h/"));
    keys
}

/// Values of every awkward kind: the deepest nesting of each format, markup, binary bytes and
/// 1.4 MiB of text, by name.
fn hostile_values() -> Vec<(String, Vec<u8>)> {
    let mut values: Vec<(String, Vec<u8>)> = deepest_values()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.into_bytes()))
        .collect();
    values.push(("markup".into(), MARKUP.as_bytes().to_vec()));
    values.push(("binary".into(), (0..=255u8).cycle().take(4096).collect()));
    values.push((
        "large".into(),
        "line of text\n".repeat(110_000).into_bytes(),
    ));
    values
}

struct Client {
    http: reqwest::Client,
    base: String,
    failures: Vec<String>,
}

impl Client {
    async fn alive(&mut self, after: &str) {
        let answer = self
            .http
            .get(format!("{}/healthz", self.base))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if !answer.is_ok_and(|answer| answer.status() == 200) {
            panic!(
                "/healthz did not answer after {after}; earlier: {:?}",
                self.failures
            );
        }
    }

    async fn page(&mut self, path: &str) {
        let answer = self.http.get(format!("{}{path}", self.base)).send().await;
        let Ok(answer) = answer else {
            self.failures
                .push(format!("GET {}: no answer", short(path)));
            return;
        };
        let status = answer.status().as_u16();
        let html = answer
            .headers()
            .get("content-type")
            .is_some_and(|kind| kind.to_str().unwrap_or("").starts_with("text/html"));
        let body = answer.text().await.unwrap_or_default();
        if status >= 500 {
            self.failures
                .push(format!("GET {}: {status} {}", short(path), short(&body)));
        }
        if let Some(head) = body
            .split("</head>")
            .next()
            .filter(|_| body.contains("</head>"))
        {
            let injected = head.contains("<h1")
                || head.contains("<meta http-equiv")
                || head.matches("<title>").count() != head.matches("</title>").count()
                || head
                    .split("<script")
                    .skip(1)
                    .any(|tag| !tag.split('>').next().unwrap_or("").contains("nonce="));
            if injected {
                self.failures.push(format!(
                    "GET {}: markup in the head: {}",
                    short(path),
                    short(head)
                ));
            }
        }
        // A value is itself in the REST API's JSON and raw answers; only a page must not hold it.
        if html && body.contains("<script>alert(1)") {
            self.failures.push(format!(
                "GET {}: the key's markup reached the page",
                short(path)
            ));
        }
    }

    async fn call(&mut self, path: &str, form: &[(&str, String)]) {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(form)
            .send()
            .await;
        match answer {
            Ok(answer) if answer.status().as_u16() >= 500 => {
                let status = answer.status().as_u16();
                let body = answer.text().await.unwrap_or_default();
                self.failures.push(format!(
                    "POST {path} {}: {status} {}",
                    short(&format!("{form:?}")),
                    short(&body)
                ));
            }
            Ok(_) => {}
            Err(err) => self.failures.push(format!("POST {path}: {err}")),
        }
    }
}

impl Client {
    /// POSTs a JSON body to a REST route: any answer but a server error will do, and no
    /// maintenance run or membership change may come of hostile input.
    async fn json(&mut self, path: &str, body: Value) {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await;
        match answer {
            Ok(answer) if answer.status().as_u16() >= 500 || answer.status().is_success() => {
                let status = answer.status().as_u16();
                let text = answer.text().await.unwrap_or_default();
                self.failures.push(format!(
                    "POST {path} {}: {status} {}",
                    short(&body.to_string()),
                    short(&text)
                ));
            }
            Ok(_) => {}
            Err(err) => self.failures.push(format!("POST {path}: {err}")),
        }
    }
}

impl Client {
    /// Sends a change to a REST route: any answer but a server error will do.
    async fn change(&mut self, method: Method, path: &str, body: Value) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if !body.is_null() {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(answer) if answer.status().as_u16() >= 500 => {
                let status = answer.status().as_u16();
                let text = answer.text().await.unwrap_or_default();
                self.failures.push(format!(
                    "{method} {} {}: {status} {}",
                    short(path),
                    short(&body.to_string()),
                    short(&text)
                ));
            }
            Ok(_) => {}
            Err(err) => self
                .failures
                .push(format!("{method} {}: {err}", short(path))),
        }
    }
}

fn short(text: &str) -> String {
    text.chars().take(160).collect()
}

#[tokio::test]
async fn every_page_and_server_function_takes_the_worst_input() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    let keys = hostile_keys();
    let values = hostile_values();
    let mut stored: Vec<Key> = Vec::new();
    for key in keys.iter().filter(|key| key.as_bytes() != b"h/") {
        etcd.put(key.as_bytes(), MARKUP, None).await.unwrap();
        stored.push(key.clone());
    }
    for (name, value) in &values {
        let key = Key::from(format!("h/v/{name}").as_str());
        etcd.put(key.as_bytes(), value.clone(), None).await.unwrap();
        stored.push(key);
    }
    let mut client = Client {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        base: server.url.clone(),
        failures: Vec::new(),
    };

    for key in keys.iter().chain(&stored) {
        let s = key.to_segment();
        if s.len() > 60_000 {
            continue;
        }
        for path in [
            format!("/key/{s}"),
            format!("/key/{s}?view=raw"),
            format!("/key/{s}?view=hex"),
            format!("/key/{s}?view=pretty"),
            format!("/key/{s}?history=1"),
            format!("/key/{s}?revision=1"),
            format!("/key/{s}?confirm=delete"),
            format!("/key/{s}?draft={s}"),
            format!("/?prefix={s}"),
            format!("/?prefix=h%2F&open={s}"),
            format!("/?prefix=h%2F&after={s}&before={s}&limit=25"),
            format!("/?view=tree&prefix={s}"),
            format!("/search?prefix=h%2F&q={s}&values=1"),
            format!("/search?prefix={s}&q={s}&mode=regex"),
            format!("/search?prefix=h%2F&q={s}&mode=glob&case=1"),
            format!("/watch?prefix={s}"),
            format!("/past?prefix={s}"),
            format!("/bulk?prefix={s}&revision=0&all=1"),
            format!("/bulk?prefix=h%2F&revision=0&keys={s}&to={s}"),
            format!("/bulk?error={s}&pasted={s}&upload={s}"),
            format!("/leases?revoke={s}"),
            format!("/sign-in?next={s}&error={s}"),
            format!("/api?q={s}"),
            format!("/cluster?endpoint={s}"),
            format!("/maintenance?do=defragment&member={s}"),
            format!("/maintenance?do=disarm&member={s}&alarm={s}&check={s}"),
            format!("/cluster?do=remove&member={s}"),
            format!("/cluster?do=replace&member={s}"),
            format!("/cluster?joined={s}&name={s}"),
            format!("/key/{s}?locate=1"),
            format!("/api/v1/keys/{s}/locate"),
            format!("/cluster/charts?member={s}&since={s}"),
            format!("/api/v1/cluster/metrics?member={s}&since={s}"),
            format!("/api/v1/keys/{s}"),
            format!("/api/v1/keys/{s}?raw=true"),
            format!("/api/v1/keys?prefix={s}"),
            format!("/api/v1/tree?prefix={s}"),
            format!("/api/v1/search?prefix=h%2F&q={s}"),
            format!("/api/v1/export?prefix={s}"),
            format!("/api/v1/leases/{s}"),
            format!("/api/v1/maintenance/snapshot?member={s}"),
            format!("/api/v1/maintenance/hashkv?revision={s}"),
            format!("/metrics?name={s}"),
            format!("/api/v1/auth/access?user={s}&key={s}"),
            format!("/api/v1/auth/access?user={s}&prefix={s}&encoding=base64"),
            format!("/api/v1/auth/who?prefix={s}&action={s}"),
            format!("/api/v1/auth/users/{s}"),
            format!("/api/v1/auth/roles/{s}"),
            format!("/access?user={s}"),
            format!("/access?role={s}"),
            format!("/access?do=grant_permission&role=r&permits={s}&kind=prefix&key={s}&to={s}"),
            format!("/access?do=delete_user&user={s}"),
            format!("/access?do={s}&user={s}&role={s}"),
            format!("/access?done=grant_role&user={s}&role={s}"),
            format!("/access?check={s}&kind=key&key={s}"),
            format!("/access?who={s}&kind=prefix&key={s}"),
            format!("/access?remove_local={s}"),
        ] {
            client.page(&path).await;
        }
        client.alive(&format!("the pages of {}", short(&s))).await;
    }

    for (_, value) in &values {
        let text = String::from_utf8_lossy(value).into_owned();
        for format in ["json", "yaml", "toml", "xml", "text", "base64", "hex"] {
            let form = [("text", text.clone()), ("format", format.to_string())];
            client.call(FormatValue::PATH, &form).await;
            let create = [
                ("prefix", "h/".to_string()),
                ("key", format!("h/new/{format}/{MARKUP}")),
                ("value", text.clone()),
                ("format", format.to_string()),
            ];
            client.call(CreateKey::PATH, &create).await;
        }
        client.alive("formatting and creating the values").await;
    }

    for key in keys.iter().chain(&stored) {
        let s = key.to_segment();
        let value = MARKUP.to_string();
        let with_key = [("key", s.clone())];
        for path in [
            GetKey::PATH,
            PeekKey::PATH,
            GetKeyHistory::PATH,
            DeleteKey::PATH,
        ] {
            client.call(path, &with_key).await;
        }
        let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
            (
                GetKeyVersion::PATH,
                vec![("key", s.clone()), ("revision", "1".into())],
            ),
            (
                GetDraft::PATH,
                vec![("key", s.clone()), ("draft", s.clone())],
            ),
            (
                SaveValue::PATH,
                vec![
                    ("key", s.clone()),
                    ("value", value.clone()),
                    ("format", "json".into()),
                    ("keep_crlf", "false".into()),
                    ("expected_mod_revision", "1".into()),
                    ("draft", s.clone()),
                ],
            ),
            (
                SetKeyLease::PATH,
                vec![
                    ("key", s.clone()),
                    ("lease", s.clone()),
                    ("ttl", s.clone()),
                    ("expected_mod_revision", "1".into()),
                ],
            ),
            (
                RestoreVersion::PATH,
                vec![
                    ("key", s.clone()),
                    ("revision", "1".into()),
                    ("expected_mod_revision", "1".into()),
                ],
            ),
            (
                UndeleteKeys::PATH,
                vec![
                    ("prefix", s.clone()),
                    ("revision", "1".into()),
                    ("keys[0]", s.clone()),
                ],
            ),
            (
                ListKeys::PATH,
                vec![
                    ("page[prefix]", s.clone()),
                    ("page[after]", s.clone()),
                    ("page[limit]", "10".into()),
                ],
            ),
            (
                GetLevel::PATH,
                vec![
                    ("level[prefix]", s.clone()),
                    ("level[delimiter]", s.clone()),
                    ("level[limit]", "10".into()),
                ],
            ),
            (
                ListPast::PATH,
                vec![("page[prefix]", s.clone()), ("page[limit]", "10".into())],
            ),
            (
                SearchKeys::PATH,
                vec![
                    ("search[prefix]", "h/".into()),
                    ("search[query]", s.clone()),
                    ("search[mode]", "regex".into()),
                    ("search[values]", "true".into()),
                    ("search[ignore_case]", "false".into()),
                    ("search[limit]", "10".into()),
                ],
            ),
            (
                PreviewSelection::PATH,
                vec![
                    ("selection[prefix]", s.clone()),
                    ("selection[revision]", "0".into()),
                    ("selection[keys][0]", s.clone()),
                ],
            ),
            (
                PlanCopy::PATH,
                vec![
                    ("selection[prefix]", "h/".into()),
                    ("selection[revision]", "0".into()),
                    ("selection[keys][0]", s.clone()),
                    ("to", s.clone()),
                ],
            ),
            (
                DeleteSelection::PATH,
                vec![
                    ("prefix", "h/".into()),
                    ("revision", "0".into()),
                    ("all", "false".into()),
                    ("keys[0]", s.clone()),
                    ("confirm", s.clone()),
                ],
            ),
            (
                CopySelection::PATH,
                vec![
                    ("prefix", "h/".into()),
                    ("revision", "0".into()),
                    ("all", "false".into()),
                    ("keys[0]", s.clone()),
                    ("to", s.clone()),
                    ("remove", "false".into()),
                ],
            ),
            (PastedText::PATH, vec![("upload", s.clone())]),
            (PreviewImport::PATH, vec![("upload", s.clone())]),
            (
                ApplyImport::PATH,
                vec![("upload", s.clone()), ("revision", "1".into())],
            ),
            (KeepLeaseAlive::PATH, vec![("id", s.clone())]),
            (RevokeLease::PATH, vec![("id", s.clone())]),
            (GrantLease::PATH, vec![("ttl", s.clone())]),
            (DefragmentMembers::PATH, vec![("member", s.clone())]),
            (
                DisarmAlarm::PATH,
                vec![("member", s.clone()), ("alarm", s.clone())],
            ),
            (CompactHistory::PATH, vec![("revision", s.clone())]),
            (RecoverCluster::PATH, vec![("revision", s.clone())]),
            (LocateKey::PATH, vec![("key", s.clone())]),
            (
                GetMetrics::PATH,
                vec![("since", s.clone()), ("member", s.clone())],
            ),
            (
                AddMember::PATH,
                vec![("name", s.clone()), ("peer_url", s.clone())],
            ),
            (PromoteMember::PATH, vec![("member", s.clone())]),
            (
                RemoveMember::PATH,
                vec![("member", s.clone()), ("confirm", s.clone())],
            ),
            (MoveLeader::PATH, vec![("member", s.clone())]),
            (
                ReplaceMember::PATH,
                vec![
                    ("member", s.clone()),
                    ("confirm", s.clone()),
                    ("name", s.clone()),
                    ("peer_url", s.clone()),
                ],
            ),
        ];
        for (path, form) in &calls {
            client.call(path, form).await;
        }
        client
            .alive(&format!("the server functions on {}", short(&s)))
            .await;
    }
    // The maintenance routes' bodies, with every hostile text where a name or a number goes.
    for key in &keys {
        let text = key.display();
        let bodies = [
            ("recover", json!({ "revision": text })),
            ("recover", json!({ "revision": i64::MAX })),
            ("compact", json!({ "revision": i64::MIN })),
            ("compact", json!({ "revision": text })),
            ("defragment", json!({ "members": [text, text] })),
            ("defragment", json!({ "members": [] })),
            ("alarms/disarm", json!({ "member": text, "alarm": text })),
            ("alarms/disarm", json!({ "member": "m1", "alarm": text })),
        ];
        for (path, body) in bodies {
            client
                .json(&format!("/api/v1/maintenance/{path}"), body)
                .await;
        }
        // The member routes: a hostile name or peer URL changes no membership.
        let member = key.to_segment();
        let add = json!({ "peer_urls": [text], "name": text });
        client.json("/api/v1/members", add).await;
        let add = json!({ "peer_urls": ["http://127.0.0.1:1"], "name": text });
        client.json("/api/v1/members", add).await;
        // A path past 64 KiB is no URI the client can even send (the GETs above carry those).
        let changes = if member.len() < 60_000 {
            ["promote", "leader", "replace"].as_slice()
        } else {
            &[]
        };
        for change in changes {
            let body = json!({ "peer_urls": [text], "name": text });
            client
                .json(&format!("/api/v1/members/{member}/{change}"), body)
                .await;
        }
        client
            .alive(&format!("maintenance on {}", short(&text)))
            .await;
        // etcd's users and roles: a hostile name is a name like any other, or refused in words.
        let range = json!({"kind": "prefix", "prefix": text});
        let mut changes = vec![
            (
                Method::POST,
                "/api/v1/auth/roles".to_string(),
                json!({ "name": text }),
            ),
            (
                Method::POST,
                "/api/v1/auth/users".to_string(),
                json!({ "name": text, "password": text }),
            ),
            (
                Method::PUT,
                "/api/v1/auth/enabled".to_string(),
                json!({ "enabled": text }),
            ),
        ];
        if member.len() < 60_000 {
            changes.extend([
                (
                    Method::POST,
                    format!("/api/v1/auth/roles/{member}/permissions"),
                    json!({ "permits": "readwrite", "range": range }),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/auth/users/{member}/roles/{member}"),
                    json!(null),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/auth/users/{member}/password"),
                    json!({ "password": text }),
                ),
                (
                    Method::POST,
                    format!("/api/v1/auth/roles/{member}/permissions/revoke"),
                    json!({ "range": range }),
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/auth/users/{member}/roles/{member}"),
                    json!(null),
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/auth/users/{member}"),
                    json!(null),
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/auth/roles/{member}"),
                    json!(null),
                ),
            ]);
        }
        for (method, path, body) in changes {
            client.change(method, &path, body).await;
        }
        // The same from the access page's server functions, with the name in every field.
        let fields = |change: &str| -> Vec<(&str, String)> {
            let mut fields = vec![("change", change.to_string())];
            for name in ["user", "role", "key", "to", "confirm"] {
                fields.push((name, text.clone()));
            }
            fields.extend([("permits", "readwrite".into()), ("kind", "prefix".into())]);
            fields
        };
        let changes = [
            "add_role",
            "grant_permission",
            "grant_role",
            "revoke_role",
            "revoke_permission",
            "delete_user",
            "delete_role",
            text.as_str(),
        ];
        for change in changes {
            client.call(ChangeAccess::PATH, &fields(change)).await;
        }
        let named = |name: &'static str| (name, text.clone());
        let calls: [(&str, Vec<(&str, String)>); 6] = [
            (
                SetLocalUser::PATH,
                vec![
                    named("name"),
                    named("role"),
                    named("password"),
                    named("again"),
                ],
            ),
            (RemoveLocalUser::PATH, vec![named("name"), named("confirm")]),
            (
                AddAccessUser::PATH,
                vec![named("name"), named("password"), named("again")],
            ),
            (
                SetAccessPassword::PATH,
                vec![named("name"), named("password"), named("again")],
            ),
            (
                CheckAccess::PATH,
                vec![named("user"), named("kind"), named("key")],
            ),
            (
                WhoMayAccess::PATH,
                vec![named("action"), ("kind", "prefix".into()), named("key")],
            ),
        ];
        for (path, form) in &calls {
            client.call(path, form).await;
        }
        client
            .alive(&format!("users and roles named {}", short(&text)))
            .await;
    }
    for path in [
        EtcdConnection::PATH,
        GetCluster::PATH,
        GetAccess::PATH,
        GetLocalUsers::PATH,
        StopMaintenance::PATH,
        GetMaintenance::PATH,
        CheckConsistency::PATH,
        GetMembers::PATH,
        GetMetrics::PATH,
        GetApiReference::PATH,
        ListLeases::PATH,
    ] {
        client.call(path, &[]).await;
    }
    client.alive("everything").await;
    assert!(client.failures.is_empty(), "{:#?}", client.failures);

    // etcd-deck's own metrics counted all of it by route template: no name reached a label.
    let metrics = client.http.get(format!("{}/metrics", server.url)).send();
    let metrics = metrics.await.unwrap().text().await.unwrap();
    for part in [
        "INJECTED",
        "script",
        "kkkkkkkkkk",
        "reversed",
        "binary",
        "a b",
        "%2F",
    ] {
        assert!(!metrics.contains(part), "{part} in the metrics");
    }
    let routes: std::collections::HashSet<&str> = metrics
        .lines()
        .filter(|line| line.starts_with("etcd_deck_http_requests_total{"))
        .filter_map(|line| line.split("route=\"").nth(1)?.split('"').next())
        .collect();
    assert!(
        routes
            .iter()
            .all(|route| route.starts_with('/') || *route == "unmatched"),
        "{routes:?}"
    );
    assert!(routes.len() < 120, "one series per route: {routes:?}");
}
