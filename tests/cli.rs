//! `etcd-deck kv`, the real binary, against a running etcd-deck and a real etcd: output and exit
//! codes.

mod common;

use common::{server::TestServer, TestCluster};
use std::process::Output;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[test]
fn put_get_has_ls_append_pop_and_del() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);

    let put = server.kv(&["put", "app/a b?c#d%", "héllo"]);
    assert_eq!(code(&put), 0, "{put:?}");
    assert!(stdout(&put).starts_with("OK (revision "));
    server.kv(&["put", "app/z", "last"]);

    let get = server.kv(&["get", "app/a b?c#d%"]);
    assert_eq!((code(&get), stdout(&get)), (0, "héllo\n".to_string()));

    let json = server.kv(&["get", "app/a b?c#d%", "-o", "json"]);
    let body: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(body["value"], "héllo");
    assert_eq!(body["version"], 1);

    let table = server.kv(&["ls", "app/", "-o", "table"]);
    let lines: Vec<String> = stdout(&table).lines().map(str::to_string).collect();
    assert!(lines[0].starts_with("KEY"), "{lines:?}");
    assert_eq!(lines.len(), 3);
    assert_eq!(stdout(&server.kv(&["ls", "app/"])), "app/a b?c#d%\napp/z\n");
    assert_eq!(
        stdout(&server.kv(&["ls", "app/", "--limit", "1"])),
        "app/a b?c#d%\n"
    );

    assert_eq!(code(&server.kv(&["has", "app/z"])), 0);
    let missing = server.kv(&["has", "app/nope"]);
    assert_eq!(
        (code(&missing), stdout(&missing)),
        (1, "false\n".to_string())
    );

    server.kv(&["append", "app/list", "1"]);
    let appended = server.kv(&["append", "app/list", "two"]);
    assert!(
        stdout(&appended).starts_with("OK (length 2"),
        "{appended:?}"
    );
    assert_eq!(stdout(&server.kv(&["get", "app/list"])), "[1,\"two\"]\n");

    let popped = server.kv(&["pop", "app/z"]);
    assert_eq!((code(&popped), stdout(&popped)), (0, "last\n".to_string()));
    let deleted = server.kv(&["del", "app/list"]);
    assert_eq!(
        (code(&deleted), stdout(&deleted)),
        (0, "deleted app/list\n".to_string())
    );
    assert_eq!(code(&server.kv(&["get", "app/list"])), 1);
    assert_eq!(code(&server.kv(&["del", "app/list"])), 1);
}

#[test]
fn exit_codes_tell_usage_conflict_and_unavailable_apart() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);

    assert_eq!(
        code(&server.kv(&["get"])),
        2,
        "a missing argument is a usage error"
    );
    assert_eq!(code(&server.kv(&["frobnicate"])), 2);
    server.kv(&["put", "text", "plain"]);
    let conflict = server.kv(&["append", "text", "1"]);
    assert_eq!(code(&conflict), 3, "{conflict:?}");
    assert!(String::from_utf8_lossy(&conflict.stderr).contains("not a JSON array"));

    cluster.stop();
    let down = server.kv(&["get", "text"]);
    assert_eq!(code(&down), 3);
    assert!(String::from_utf8_lossy(&down.stderr).contains("etcd is unavailable"));

    drop(server);
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let url = server.url.clone();
    drop(server);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_etcd-deck"))
        .args(["kv", "--server", &url, "get", "k"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 3, "no server is unavailable");
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not reach etcd-deck"));
}

#[test]
fn members_lists_the_cluster() {
    let cluster = TestCluster::start(3);
    let server = TestServer::start(&cluster);
    let members = server.kv(&["members"]);
    assert_eq!(code(&members), 0);
    let lines = stdout(&members);
    assert_eq!(lines.lines().count(), 3, "{lines}");
    assert_eq!(lines.matches("\tleader\t").count(), 1, "{lines}");
    assert_eq!(lines.matches("\thealthy\t").count(), 3, "{lines}");
    let leader = lines.lines().find(|line| line.contains("\tleader\t"));
    let leader = leader.and_then(|line| line.split('\t').next()).unwrap();
    let leader = leader.to_string();

    // Where a key lives: every member has its latest write.
    assert_eq!(code(&server.kv(&["put", "app/where", "v"])), 0);
    let located = server.kv(&["locate", "app/where", "-o", "table"]);
    assert_eq!(code(&located), 0, "{located:?}");
    let table = stdout(&located);
    println!("{table}");
    assert!(
        table.starts_with("app/where: last written at revision "),
        "{table}"
    );
    assert_eq!(table.matches(" current").count(), 3, "{table}");

    // The leader going down is the hard case: until the other two elect a new one, etcd answers
    // "no leader", which etcd-deck waits out within its request timeout. The member that is
    // down is still listed, as down, with why in words.
    cluster.kill(&leader);
    let members = server.kv(&["members"]);
    let lines = stdout(&members);
    let down = lines
        .lines()
        .find(|line| line.starts_with(&format!("{leader}\t")));
    let down = down.unwrap_or_else(|| panic!("{leader} is listed: {members:?}"));
    assert!(down.contains("\tdown: connection refused\t"), "{down}");
    assert_eq!(lines.matches("\thealthy\t").count(), 2, "{lines}");
    let output = server.kv(&["locate", "app/where"]);
    let located = stdout(&output);
    let down = located
        .lines()
        .find(|line| line.starts_with(&format!("{leader}\t")));
    let down = down.unwrap_or_else(|| panic!("{leader} is listed: {output:?}"));
    assert!(
        down.ends_with("unreachable") || down.contains("\tunreachable: "),
        "{down}"
    );
    assert_eq!(located.matches("\tcurrent").count(), 2, "{located}");
}

#[test]
fn the_shell_runs_the_same_commands() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let script = "put greeting \"hello world\"\nget greeting\nhelp\nget missing\nexit\nget never\n";
    let output = server.kv_with_input(&["shell"], Some(script));
    assert_eq!(code(&output), 0);
    let out = stdout(&output);
    assert!(out.contains("hello world\n"), "{out}");
    assert!(out.contains("append"), "help lists the commands: {out}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("key not found: missing"), "{err}");
    assert!(!err.contains("never"), "nothing runs after exit: {err}");
}

#[test]
fn export_then_import_with_a_dry_run_first() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    server.kv(&["put", "ex/a", "one"]);
    server.kv(&["put", "ex/b c", "two\nlines"]);

    let export = server.kv(&["export", "ex/"]);
    assert_eq!(code(&export), 0, "{export:?}");
    let text = stdout(&export);
    assert_eq!(text.lines().count(), 3, "a header and two keys: {text}");
    let file = std::env::temp_dir().join(format!(
        "etcd-deck-cli-export-{}.ndjson",
        std::process::id()
    ));
    std::fs::write(&file, &export.stdout).unwrap();
    server.kv(&["del", "ex/a"]);
    server.kv(&["put", "ex/b c", "changed"]);

    let path = file.to_str().unwrap();
    let dry = server.kv(&["import", path]);
    assert_eq!(code(&dry), 0, "{dry:?}");
    assert!(
        stdout(&dry).contains("(dry run: nothing written)"),
        "{}",
        stdout(&dry)
    );
    assert!(
        stdout(&dry).contains("1 would be created (e.g. ex/a)"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(
        code(&server.kv(&["has", "ex/a"])),
        1,
        "a dry run writes nothing"
    );

    let applied = server.kv(&["import", path, "--apply"]);
    assert_eq!(code(&applied), 0, "{applied:?}");
    assert!(
        stdout(&applied).contains("1 was created"),
        "{}",
        stdout(&applied)
    );
    assert_eq!(stdout(&server.kv(&["get", "ex/a"])), "one\n");
    assert_eq!(stdout(&server.kv(&["get", "ex/b c"])), "two\nlines\n");

    std::fs::write(&file, "not an export").unwrap();
    let bad = server.kv(&["import", path]);
    assert_eq!(code(&bad), 2, "{bad:?}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn cluster_recover_snapshot_save_and_check() {
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    for i in 0..5 {
        server.kv(&["put", "app/k", &format!("v{i}")]);
    }

    // A snapshot, saved whole, with its member, revision, size and digest.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("etcd.db");
    let saved = server.cluster(&["snapshot", "save", file.to_str().unwrap()]);
    assert_eq!(code(&saved), 0, "{saved:?}");
    let said = stdout(&saved);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(
        said.contains(&format!("({size} bytes) from member m1 at revision 6")),
        "{said}"
    );
    assert!(said.contains("SHA-256 "), "{said}");
    assert!(!dir.path().join("etcd.db.part").exists());
    let missing = server.cluster(&["snapshot", "save", "/nonexistent/dir/x.db"]);
    assert_eq!(code(&missing), 2, "{missing:?}");
    let nobody = dir.path().join("nobody.db");
    let unknown = server.cluster(&[
        "snapshot",
        "save",
        nobody.to_str().unwrap(),
        "--member",
        "m9",
    ]);
    assert_eq!(code(&unknown), 1, "{unknown:?}");
    assert!(!nobody.exists() && !dir.path().join("nobody.db.part").exists());

    // The members agree.
    let check = server.cluster(&["check"]);
    assert_eq!(code(&check), 0, "{check:?}");
    assert!(stdout(&check).contains("every member agrees"), "{check:?}");

    // The recovery shows its plan and, without a terminal, wants the revision given.
    let unconfirmed = server.cluster(&["recover"]);
    assert_eq!(code(&unconfirmed), 2, "{unconfirmed:?}");
    assert!(stdout(&unconfirmed).contains("compact the history to revision 6"));
    let recovered = server.cluster(&["recover", "--revision", "6"]);
    assert_eq!(code(&recovered), 0, "{recovered:?}");
    let said = stdout(&recovered);
    assert!(
        said.contains("✓ compacted the history to revision 6"),
        "{said}"
    );
    assert!(said.contains("✓ defragmented member m1"), "{said}");
    assert!(said.contains("etcd takes writes again"), "{said}");
}
