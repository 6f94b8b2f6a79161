//! etcd-deck's users file managed from the access page's server functions, as its admin's
//! browser calls them: a user added signs in, a new role takes effect with the password kept,
//! sign-ins go on while the file is rewritten, a removed user is refused, the last admin stays,
//! an editor manages nothing, and the audit log has each change but no password.

mod common;

use common::{
    server::{http, TestServer},
    sign_in::{session_cookie, sign_in_form, users_file, with_cookie, NEXT},
    TestCluster,
};
use etcd_deck::server_fns::{GetLocalUsers, RemoveLocalUser, SetLocalUser};
use leptos::server_fn::ServerFn;
use serde_json::Value;

/// Calls a server function as the session of `cookie`: its status and answer.
async fn call(
    server: &TestServer,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = http()
        .post(format!("{}{path}", server.url))
        .header("origin", &server.url)
        .header("cookie", cookie)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Whether `user` signs in with `password`.
async fn signs_in(server: &TestServer, user: &str, password: &str) -> bool {
    let response = sign_in_form(server, user, password).await;
    response.status() == 303 && response.headers()["location"] == NEXT
}

fn names(answer: &Value) -> Vec<(String, String)> {
    answer["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| {
            let text = |field: &str| user[field].as_str().unwrap().to_string();
            (text("name"), text("role"))
        })
        .collect()
}

#[tokio::test]
async fn the_users_file_is_managed_by_its_admins_from_the_access_page() {
    let cluster = TestCluster::start(1);
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path(), &[("ada", "admin"), ("ed", "editor")]);
    let audit = dir.path().join("audit.jsonl");
    let server = TestServer::start_with(
        &cluster,
        &[
            ("ETCD_DECK_USERS_FILE", users.to_str().unwrap()),
            ("ETCD_DECK_AUDIT_LOG", audit.to_str().unwrap()),
        ],
    );
    let ada = session_cookie(&sign_in_form(&server, "ada", "ada-pw").await);
    let ed = session_cookie(&sign_in_form(&server, "ed", "ed-pw").await);
    let set = SetLocalUser::PATH;

    // The admin sees the users; an editor is told why not, and changes nothing.
    let (status, listed) = call(&server, &ada, GetLocalUsers::PATH, &[]).await;
    assert_eq!(status, 200, "{listed}");
    let expected = [("ada", "admin"), ("ed", "editor")].map(|(n, r)| (n.into(), r.into()));
    assert_eq!(names(&listed), expected);
    let (_, refused) = call(&server, &ed, GetLocalUsers::PATH, &[]).await;
    assert_eq!(names(&refused), []);
    assert!(
        refused["refused"].as_str().unwrap().contains("admin role"),
        "{refused}"
    );
    let zoe = [
        ("name", "zoe"),
        ("role", "viewer"),
        ("password", "zoe-pw-1"),
        ("again", "zoe-pw-1"),
    ];
    let (status, answer) = call(&server, &ed, set, &zoe).await;
    assert_eq!(status, 403, "{answer}");

    // Added, the password typed twice; then zoe signs in.
    let mistyped = [
        ("name", "zoe"),
        ("role", "viewer"),
        ("password", "a"),
        ("again", "b"),
    ];
    assert_eq!(call(&server, &ada, set, &mistyped).await.0, 400);
    let (status, answer) = call(&server, &ada, set, &zoe).await;
    assert_eq!(status, 200, "{answer}");
    assert!(signs_in(&server, "zoe", "zoe-pw-1").await);

    // Her role changes ten times, her password kept, while others sign in all along.
    let signing_in = tokio::spawn({
        let url = server.url.clone();
        async move {
            let mut refused = 0;
            for _ in 0..20 {
                let response = http()
                    .post(format!("{url}/auth/sign-in"))
                    .header("origin", &url)
                    .form(&[("user", "ed"), ("password", "ed-pw"), ("next", NEXT)])
                    .send()
                    .await
                    .unwrap();
                refused += usize::from(response.headers()["location"] != NEXT);
            }
            refused
        }
    });
    for round in 0..10 {
        let role = ["editor", "admin"][round % 2];
        let form = [
            ("name", "zoe"),
            ("role", role),
            ("password", ""),
            ("again", ""),
        ];
        let (status, answer) = call(&server, &ada, set, &form).await;
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(
        signing_in.await.unwrap(),
        0,
        "every sign-in meanwhile went through"
    );
    assert!(
        signs_in(&server, "zoe", "zoe-pw-1").await,
        "her password is kept"
    );
    let (_, listed) = call(&server, &ada, GetLocalUsers::PATH, &[]).await;
    assert!(
        names(&listed).contains(&("zoe".into(), "admin".into())),
        "{listed}"
    );

    // Removed once her name is typed again; her session ends and she signs in no more.
    let zoe_session = session_cookie(&sign_in_form(&server, "zoe", "zoe-pw-1").await);
    let remove = RemoveLocalUser::PATH;
    assert_eq!(
        call(&server, &ada, remove, &[("name", "zoe"), ("confirm", "zo")])
            .await
            .0,
        400
    );
    let (status, answer) = call(
        &server,
        &ada,
        remove,
        &[("name", "zoe"), ("confirm", "zoe")],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(!signs_in(&server, "zoe", "zoe-pw-1").await);
    let (status, _) = with_cookie(&server, "/", &zoe_session).await;
    assert_ne!(status, 200, "her session ended");
    let (status, _) = call(
        &server,
        &ada,
        remove,
        &[("name", "zoe"), ("confirm", "zoe")],
    )
    .await;
    assert_eq!(status, 404);

    // The last admin stays, removed or demoted.
    let (status, answer) = call(
        &server,
        &ada,
        remove,
        &[("name", "ada"), ("confirm", "ada")],
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer.to_string().contains("last admin"), "{answer}");
    let demote = [
        ("name", "ada"),
        ("role", "viewer"),
        ("password", ""),
        ("again", ""),
    ];
    assert_eq!(call(&server, &ada, set, &demote).await.0, 409);
    assert!(signs_in(&server, "ada", "ada-pw").await);

    // The CLI lists and removes the same way, the last admin kept there too.
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_etcd-deck"))
            .args(["user"])
            .args(args)
            .env("ETCD_DECK_USERS_FILE", &users)
            .output()
            .unwrap()
    };
    let listed = cli(&["list"]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "ada\tadmin\ned\teditor\n"
    );
    assert!(cli(&["remove", "ed"]).status.success());
    assert!(!signs_in(&server, "ed", "ed-pw").await);
    let last = cli(&["remove", "ada"]);
    assert_eq!(last.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&last.stderr).contains("last admin"),
        "{last:?}"
    );

    // Each change is audited with its subject; no password is.
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(!log.contains("zoe-pw"), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |operation: &str, outcome: &str| {
        lines
            .iter()
            .filter(|l| l["operation"] == operation && l["outcome"] == outcome)
            .filter(|l| {
                l["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("local user "))
            })
            .count()
    };
    assert_eq!(count("local_user_add", "ok"), 1, "{log}");
    assert_eq!(count("local_user_add", "permission_denied"), 1, "{log}");
    assert_eq!(count("local_user_role", "ok"), 10, "{log}");
    assert_eq!(count("local_user_remove", "ok"), 1, "{log}");
    assert_eq!(count("local_user_remove", "unsafe"), 1, "{log}");
}
