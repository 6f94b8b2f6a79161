//! etcd's users and roles administered over REST, against a real etcd (3.4 and 3.5): roles with
//! key-range permissions, users granted them, authentication turned on (refused first without
//! a root user), and the effective-access answers compared, cell by cell, with what etcd itself
//! then allows each user.

mod common;

use common::{server::TestServer, TestCluster};
use etcd_client::{Client, ConnectOptions, DeleteOptions, GetOptions};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ROOT: (&str, &str) = ("root", "root-pw");

/// The users of the grid, with their passwords and roles.
const USERS: [(&str, &str, &[&str]); 4] = [
    ("alice", "alice-pw", &["app"]),
    ("bob", "bob-pw", &["logs"]),
    ("dave", "dave-pw", &["app-read", "shared"]),
    ("erin", "erin-pw", &[]),
];

/// Keys asked about one by one.
const KEYS: [&str; 9] = [
    "app/x",
    "app",
    "app/",
    "shared/b",
    "shared/m",
    "shared/l~",
    "logs/1",
    "zzz",
    "other/secret",
];

/// Prefixes asked about as wholes.
const PREFIXES: [&str; 5] = ["app/", "shared/", "logs/", "shared/a", ""];

async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    user: Option<(&str, &str)>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api(method, path, user, body).await
}

/// Sets up the roles and users as anonymous (authentication off), over etcd-deck's REST API.
async fn set_up(server: &TestServer) {
    let anonymous = None;
    let grants = [
        (
            "app",
            json!({"permits": "readwrite", "range": {"kind": "prefix", "prefix": "app/"}}),
        ),
        (
            "app-read",
            json!({"permits": "read", "range": {"kind": "prefix", "prefix": "app/"}}),
        ),
        (
            "shared",
            json!({"permits": "readwrite", "range": {"kind": "range", "from": "shared/a", "to": "shared/m"}}),
        ),
        (
            "shared",
            json!({"permits": "read", "range": {"kind": "range", "from": "shared/m", "to": "shared0"}}),
        ),
        (
            "logs",
            json!({"permits": "read", "range": {"kind": "from_key", "from": "logs/"}}),
        ),
        (
            "logs",
            json!({"permits": "write", "range": {"kind": "key", "key": "logs/1"}}),
        ),
    ];
    for role in ["app", "app-read", "shared", "logs", "root"] {
        let (status, body) = call(
            server,
            Method::POST,
            "/api/v1/auth/roles",
            anonymous,
            Some(json!({ "name": role })),
        )
        .await;
        // etcd 3.5 makes the root role itself when root is first granted; 3.4 too, on start.
        assert!(
            status == 201 || (role == "root" && status == 409),
            "{role}: {status} {body}"
        );
    }
    for (role, permission) in grants {
        let path = format!("/api/v1/auth/roles/{role}/permissions");
        let (status, body) = call(server, Method::POST, &path, anonymous, Some(permission)).await;
        assert_eq!(status, 200, "{role}: {body}");
        assert!(
            body["done"].as_str().unwrap().starts_with("The role"),
            "{body}"
        );
    }
    let (status, body) = call(
        server,
        Method::PUT,
        "/api/v1/auth/enabled",
        anonymous,
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(status, 409, "refused without a root user: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no user named root"),
        "{body}"
    );

    let users = USERS
        .iter()
        .map(|(name, password, roles)| (*name, *password, *roles));
    for (name, password, roles) in users.chain([("root", ROOT.1, &["root"][..])]) {
        let body = json!({ "name": name, "password": password });
        let (status, answer) = call(
            server,
            Method::POST,
            "/api/v1/auth/users",
            anonymous,
            Some(body),
        )
        .await;
        assert_eq!(status, 201, "{name}: {answer}");
        for role in roles {
            let path = format!("/api/v1/auth/users/{name}/roles/{role}");
            let (status, answer) = call(server, Method::PUT, &path, anonymous, None).await;
            assert_eq!(status, 200, "{name} {role}: {answer}");
        }
    }
    // A user without a password, for client certificates only.
    let body = json!({ "name": "cert-only" });
    let (status, answer) = call(
        server,
        Method::POST,
        "/api/v1/auth/users",
        anonymous,
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

/// What etcd itself lets `user` do: read and write the key, or the whole prefix.
async fn etcd_allows(etcd: &mut Client, key: &str, prefix: bool) -> (bool, bool) {
    let denied = |result: Result<(), etcd_client::Error>| match result {
        Ok(()) => true,
        Err(err) if err.to_string().contains("permission denied") => false,
        Err(err) => panic!("{key}: {err}"),
    };
    let (read, write) = if prefix {
        let read = etcd
            .get(key, Some(GetOptions::new().with_prefix().with_count_only()))
            .await
            .map(|_| ());
        // Writing the whole prefix: a delete of all of it, so that etcd checks the whole range.
        let write = etcd
            .delete(key, Some(DeleteOptions::new().with_prefix()))
            .await
            .map(|_| ());
        (read, write)
    } else {
        let read = etcd.get(key, None).await.map(|_| ());
        let write = etcd.put(key, "v", None).await.map(|_| ());
        (read, write)
    };
    (denied(read), denied(write))
}

async fn as_user(cluster: &TestCluster, name: &str, password: &str) -> Client {
    let options = ConnectOptions::new().with_user(name, password);
    Client::connect(&cluster.endpoints, Some(options))
        .await
        .unwrap()
}

fn encoded(text: &str) -> String {
    text.replace('/', "%2F").replace('~', "%7E")
}

#[tokio::test]
async fn users_and_roles_from_the_api_decide_what_etcd_allows_and_effective_access_says_so() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    set_up(&server).await;
    let (status, body) = call(
        &server,
        Method::PUT,
        "/api/v1/auth/enabled",
        None,
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Now only root may see and change users and roles.
    let (status, _) = call(&server, Method::GET, "/api/v1/auth", None, None).await;
    assert_eq!(status, 401);
    let (status, view) = call(&server, Method::GET, "/api/v1/auth", Some(ROOT), None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["auth_enabled"], true);
    assert!(view["refused"].is_null(), "{view}");
    let names: Vec<&str> = view["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "cert-only", "dave", "erin", "root"]);
    let shared = view["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|role| role["name"] == "shared")
        .unwrap();
    assert_eq!(
        shared["permissions"][0]["range"],
        json!({"kind": "range", "from": "shared/a", "to": "shared/m"})
    );

    // The grid: every user and key, and every user and prefix, as etcd-deck answers it and as
    // etcd then allows it.
    let mut grid = String::from("user   target          read          write\n");
    let mut cells = 0;
    for (name, password, _) in USERS {
        let mut etcd = as_user(&cluster, name, password).await;
        let targets = KEYS.iter().map(|key| (*key, false));
        for (target, prefix) in targets.chain(PREFIXES.iter().map(|p| (*p, true))) {
            let which = if prefix { "prefix" } else { "key" };
            let path = format!(
                "/api/v1/auth/access?user={name}&{which}={}",
                encoded(target)
            );
            let (status, answer) = call(&server, Method::GET, &path, Some(ROOT), None).await;
            assert_eq!(status, 200, "{path}: {answer}");
            let (read, write) = etcd_allows(&mut etcd, target, prefix).await;
            let said = |action: &str| answer[action]["coverage"].as_str().unwrap().to_string();
            let (said_read, said_write) = (said("read"), said("write"));
            let shown = if prefix {
                format!("{target}*")
            } else {
                target.to_string()
            };
            grid += &format!(
                "{name:<6} {shown:<15} {said_read:<5}/{read:<7} {said_write:<5}/{write}\n"
            );
            assert_eq!(said_read == "all", read, "{name} reading {shown}: {answer}");
            assert_eq!(
                said_write == "all",
                write,
                "{name} writing {shown}: {answer}"
            );
            if said_read == "all" && !answer["read"]["granted_by"].as_array().unwrap().is_empty() {
                let role = answer["read"]["granted_by"][0]["role"].as_str().unwrap();
                assert!(
                    USERS
                        .iter()
                        .any(|(user, _, roles)| *user == name && roles.contains(&role)),
                    "{name} {shown}: granted by {role}, which they do not hold"
                );
            }
            cells += 2;
        }
    }
    println!("effective access (etcd-deck's answer / etcd's own):\n{grid}{cells} cells agree");

    // A prefix allowed in part names what is not covered.
    let path = "/api/v1/auth/access?user=dave&prefix=shared%2F";
    let (_, answer) = call(&server, Method::GET, path, Some(ROOT), None).await;
    assert_eq!(answer["write"]["coverage"], "part", "{answer}");
    assert_eq!(
        answer["write"]["not_covered"][0],
        json!({"kind": "range", "from": "shared/", "to": "shared/a"})
    );

    // Who may write under app/: alice through app, root through root; dave only reads it.
    let (status, who) = call(
        &server,
        Method::GET,
        "/api/v1/auth/who?prefix=app%2F",
        Some(ROOT),
        None,
    )
    .await;
    assert_eq!(status, 200, "{who}");
    let writers: Vec<&str> = who["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["user"].as_str().unwrap())
        .collect();
    assert_eq!(writers, ["alice", "root"], "{who}");

    // alice signs in to etcd-deck and writes where her role lets her, and nowhere else.
    let alice = Some(("alice", "alice-pw"));
    let put = |key: &'static str| {
        let server = &server;
        async move {
            let path = format!("/api/v1/keys/{key}");
            call(
                server,
                Method::PUT,
                &path,
                alice,
                Some(json!({"value": "v"})),
            )
            .await
        }
    };
    assert_eq!(put("app/from-alice").await.0, 200);
    assert_eq!(put("zzz").await.0, 403);
    // ...and may not change users or roles.
    let (status, answer) = call(
        &server,
        Method::PUT,
        "/api/v1/auth/users/erin/roles/app",
        alice,
        None,
    )
    .await;
    assert_eq!(status, 403, "{answer}");

    // What would lock everyone out is refused, with a reason.
    for (method, path) in [
        (Method::DELETE, "/api/v1/auth/users/root"),
        (Method::DELETE, "/api/v1/auth/users/root/roles/root"),
        (Method::DELETE, "/api/v1/auth/roles/root"),
    ] {
        let (status, answer) = call(&server, method, path, Some(ROOT), None).await;
        assert_eq!(status, 409, "{path}: {answer}");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Turn authentication off first"));
    }
    // etcd's own refusals, in words.
    let (status, answer) = call(
        &server,
        Method::GET,
        "/api/v1/auth/users/nobody",
        Some(ROOT),
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_name")),
        "{answer}"
    );
    let body = json!({"name": "alice", "password": "x"});
    let (status, answer) = call(
        &server,
        Method::POST,
        "/api/v1/auth/users",
        Some(ROOT),
        Some(body),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    let body = json!({"range": {"kind": "prefix", "prefix": "nope/"}});
    let path = "/api/v1/auth/roles/app/permissions/revoke";
    let (status, answer) = call(&server, Method::POST, path, Some(ROOT), Some(body)).await;
    assert_eq!(status, 409, "{answer}");

    // Revoking alice's role takes app/ away from her at once.
    let (status, _) = call(
        &server,
        Method::DELETE,
        "/api/v1/auth/users/alice/roles/app",
        Some(ROOT),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(put("app/from-alice").await.0, 403);
    let mut etcd = as_user(&cluster, "alice", "alice-pw").await;
    assert_eq!(etcd_allows(&mut etcd, "app/x", false).await, (false, false));

    // A new password replaces the old.
    let body = json!({"password": "new-pw"});
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/v1/auth/users/erin/password",
        Some(ROOT),
        Some(body),
    )
    .await;
    assert_eq!(status, 200);
    let options = ConnectOptions::new().with_user("erin", "erin-pw");
    assert!(Client::connect(&cluster.endpoints, Some(options))
        .await
        .is_err());

    // Turned off by root, everyone may again, anonymously.
    let (status, body) = call(
        &server,
        Method::PUT,
        "/api/v1/auth/enabled",
        Some(ROOT),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, view) = call(&server, Method::GET, "/api/v1/auth", None, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["auth_enabled"], false);
    let (status, answer) = call(
        &server,
        Method::GET,
        "/api/v1/auth/access?user=erin&key=zzz",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["write"]["coverage"], "all",
        "authentication off: {answer}"
    );
    // Deleting a role and a user, now that nothing needs them.
    for path in ["/api/v1/auth/roles/logs", "/api/v1/auth/users/bob"] {
        let (status, answer) = call(&server, Method::DELETE, path, None, None).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    let (status, _) = call(&server, Method::GET, "/api/v1/auth/users/bob", None, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_names_and_ranges_are_refused_before_etcd_is_asked() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    for (path, body) in [
        ("/api/v1/auth/users", json!({"name": ""})),
        ("/api/v1/auth/users", json!({"name": " padded"})),
        ("/api/v1/auth/users", json!({"name": "a", "password": ""})),
        ("/api/v1/auth/roles", json!({"name": "x".repeat(129)})),
        ("/api/v1/auth/roles", json!({"name": "line\nbreak"})),
        (
            "/api/v1/auth/roles/app/permissions",
            json!({"permits": "read", "range": {"kind": "range", "from": "b", "to": "a"}}),
        ),
        (
            "/api/v1/auth/roles/app/permissions",
            json!({"permits": "read", "range": {"kind": "key", "key": ""}}),
        ),
        (
            "/api/v1/auth/roles/app/permissions",
            json!({"permits": "read", "range": {"kind": "range", "from": "", "to": "x"}}),
        ),
        (
            "/api/v1/auth/roles/app/permissions",
            json!({"permits": "read", "range": {"kind": "range", "from": "a", "to": ""}}),
        ),
    ] {
        let (status, answer) = call(&server, Method::POST, path, None, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
    }
    // A role that does not exist is named in the refusal.
    let (status, answer) = call(
        &server,
        Method::POST,
        "/api/v1/auth/users",
        None,
        Some(json!({"name": "u"})),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let (status, answer) = call(
        &server,
        Method::PUT,
        "/api/v1/auth/users/u/roles/nope",
        None,
        None,
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(
        answer["error"]["message"], "etcd has no role named \"nope\"",
        "{answer}"
    );
    // A name with markup is a name like any other, and comes back as it was given.
    let name = "<b>ünï</b>";
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/v1/auth/roles",
        None,
        Some(json!({"name": name})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, view) = call(&server, Method::GET, "/api/v1/auth", None, None).await;
    assert!(
        view["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|role| role["name"] == name),
        "{view}"
    );
    // A binary key in a permission goes as base64 and comes back the same.
    let range = json!({"kind": "prefix", "prefix": {"base64": "/wA="}});
    let path = format!(
        "/api/v1/auth/roles/{}/permissions",
        "%3Cb%3E%C3%BCn%C3%AF%3C%2Fb%3E"
    );
    let (status, answer) = call(
        &server,
        Method::POST,
        &path,
        None,
        Some(json!({"permits": "write", "range": range})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (_, role) = call(
        &server,
        Method::GET,
        &path.replace("/permissions", ""),
        None,
        None,
    )
    .await;
    assert_eq!(role["permissions"][0]["range"], range, "{role}");
}

#[tokio::test]
async fn users_file_admins_administer_etcd_audited_but_never_turn_authentication_on() {
    use common::sign_in::users_file;
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path(), &[("ed", "editor"), ("ada", "admin")]);
    let audit = dir.path().join("audit.jsonl");
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
            ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap()),
        ],
    );
    let (ed, ada) = (Some(("ed", "ed-pw")), Some(("ada", "ada-pw")));
    let role = Some(json!({"name": "root"}));
    let (status, answer) = call(
        &server,
        Method::POST,
        "/api/v1/auth/roles",
        ed,
        role.clone(),
    )
    .await;
    assert_eq!(status, 403, "an editor administers nothing: {answer}");
    let (status, answer) = call(&server, Method::POST, "/api/v1/auth/roles", ada, role).await;
    assert_eq!(status, 201, "{answer}");
    let user = Some(json!({"name": "root", "password": "a-secret-password"}));
    let (status, _) = call(&server, Method::POST, "/api/v1/auth/users", ada, user).await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/v1/auth/users/root/roles/root",
        ada,
        None,
    )
    .await;
    assert_eq!(status, 200);
    // etcd-deck reaches etcd as nobody here: turning authentication on would lock it out.
    let enable = Some(json!({"enabled": true}));
    let (status, answer) = call(&server, Method::PUT, "/api/v1/auth/enabled", ada, enable).await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("users file"),
        "{answer}"
    );
    let (status, view) = call(&server, Method::GET, "/api/v1/auth", ada, None).await;
    assert_eq!(
        (status, &view["auth_enabled"]),
        (StatusCode::OK, &json!(false)),
        "{view}"
    );

    // Every change is in the audit log with its subject, and no password is.
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(!log.contains("a-secret-password"), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let find = |operation: &str| {
        lines
            .iter()
            .find(|line| line["operation"] == operation && line["outcome"] == "ok")
            .unwrap_or_else(|| panic!("no {operation} done in {log}"))
    };
    assert_eq!(find("role_add")["subject"], "role root");
    assert_eq!(find("role_add")["user"], "ada");
    assert_eq!(find("user_add")["subject"], "user root");
    assert_eq!(find("user_grant_role")["subject"], "user root role root");
    let refused = |operation: &str, outcome: &str| {
        lines
            .iter()
            .any(|line| line["operation"] == operation && line["outcome"] == outcome)
    };
    assert!(
        refused("role_add", "permission_denied"),
        "ed's attempt: {log}"
    );
    assert!(refused("auth_enable", "unsafe"), "{log}");
}
