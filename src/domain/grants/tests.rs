use super::*;

fn key(text: &str) -> Key {
    Key::new(text.as_bytes())
}

fn role(name: &str, permissions: &[(Permits, KeyRange)]) -> RoleGrants {
    RoleGrants {
        name: name.into(),
        permissions: permissions
            .iter()
            .map(|(permits, range)| Permission {
                permits: *permits,
                range: range.clone(),
            })
            .collect(),
    }
}

fn user(name: &str, roles: &[&str]) -> UserRoles {
    UserRoles {
        name: name.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn prefix(text: &str) -> KeyRange {
    KeyRange::Prefix { prefix: key(text) }
}

fn on_key(text: &str) -> Target {
    Target::Key { key: key(text) }
}

fn under(text: &str) -> Target {
    Target::Prefix { prefix: key(text) }
}

#[test]
fn ranges_read_back_as_they_were_written() {
    let shapes = [
        KeyRange::Everything,
        prefix("/app/"),
        KeyRange::Key { key: key("/a") },
        KeyRange::FromKey { from: key("/a") },
        KeyRange::Range {
            from: key("/a"),
            to: key("/c"),
        },
    ];
    for shape in shapes {
        let (start, end) = shape.to_etcd();
        assert_eq!(KeyRange::from_etcd(&start, &end), shape, "{shape:?}");
    }
    // etcd matches no key from an empty start: older versions stored such ranges.
    let nothing = KeyRange::from_etcd(b"", b"\0");
    assert!(nothing.is_empty(), "{nothing:?}");
    assert!(nothing.describe().starts_with("no key"));
    assert_eq!(KeyRange::from_etcd(b"\0", b"\0"), KeyRange::Everything);
    // Keys of 0xff bytes: their prefix runs to the end of the keyspace.
    assert_eq!(
        KeyRange::from_etcd(&[0xff], &[0]),
        KeyRange::Prefix {
            prefix: Key::new(vec![0xff])
        }
    );
    let (start, end) = KeyRange::Prefix {
        prefix: Key::new(vec![b'a', 0xff]),
    }
    .to_etcd();
    assert_eq!(
        (start.as_slice(), end.as_slice()),
        (&[b'a', 0xff][..], &b"b"[..])
    );
    // A range that happens to end where a prefix ends is that prefix.
    assert_eq!(KeyRange::from_etcd(b"/app/", b"/app0"), prefix("/app/"));
    assert_eq!(prefix("/app/").describe(), "keys under /app/");
    assert_eq!(
        KeyRange::Key {
            key: Key::new(vec![0xff, b'a'])
        }
        .describe(),
        "the key \\xffa"
    );
}

#[test]
fn one_key_is_allowed_by_any_range_holding_it_and_a_range_end_is_exclusive() {
    let roles = [role(
        "app",
        &[
            (Permits::ReadWrite, prefix("/app/")),
            (
                Permits::Read,
                KeyRange::Range {
                    from: key("/b"),
                    to: key("/d"),
                },
            ),
        ],
    )];
    let alice = user("alice", &["app"]);
    let at = |k: &str| effective(&alice, &roles, &on_key(k), true);
    assert!(at("/app/x").read.allowed() && at("/app/x").write.allowed());
    assert_eq!(at("/app/x").write.granted_by[0].role, "app");
    assert!(at("/c").read.allowed() && !at("/c").write.allowed());
    assert!(!at("/d").read.allowed(), "the end of a range is not in it");
    assert!(at("/b").read.allowed());
    assert!(
        !at("/app").read.allowed(),
        "the prefix /app/ does not hold /app"
    );
    assert_eq!(at("/d").read.coverage, Coverage::None);
    assert!(at("/d").read.reason.contains("No role of alice"));
}

#[test]
fn a_prefix_is_allowed_when_the_ranges_together_cover_it() {
    let roles = [
        role(
            "low",
            &[(
                Permits::ReadWrite,
                KeyRange::Range {
                    from: key("/app/"),
                    to: key("/app/m"),
                },
            )],
        ),
        role(
            "high",
            &[(
                Permits::Write,
                KeyRange::FromKey {
                    from: key("/app/m"),
                },
            )],
        ),
    ];
    let both = user("both", &["low", "high"]);
    let write = effective(&both, &roles, &under("/app/"), true).write;
    assert_eq!(write.coverage, Coverage::All, "{write:?}");
    assert_eq!(write.granted_by.len(), 2);

    let low = user("low-only", &["low"]);
    let write = effective(&low, &roles, &under("/app/"), true).write;
    assert_eq!(write.coverage, Coverage::Part);
    assert_eq!(
        write.not_covered,
        vec![KeyRange::Range {
            from: key("/app/m"),
            to: key("/app0")
        }]
    );
    // Reading: only "low" reads, so the same part.
    let read = effective(&both, &roles, &under("/app/"), true).read;
    assert_eq!(read.coverage, Coverage::Part);
}

#[test]
fn gaps_between_ranges_are_named() {
    let roles = [role(
        "spotty",
        &[
            (Permits::Read, KeyRange::Key { key: key("/p/a") }),
            (Permits::Read, prefix("/p/c")),
        ],
    )];
    let read = effective(&user("u", &["spotty"]), &roles, &under("/p/"), true).read;
    assert_eq!(read.coverage, Coverage::Part);
    assert_eq!(
        read.not_covered,
        vec![
            KeyRange::Range {
                from: key("/p/"),
                to: key("/p/a")
            },
            KeyRange::Range {
                from: Key::new(b"/p/a\0".to_vec()),
                to: key("/p/c")
            },
            KeyRange::Range {
                from: key("/p/d"),
                to: key("/p0")
            },
        ]
    );
}

#[test]
fn root_and_authentication_off_allow_everything_and_other_roles_nothing() {
    let roles = [role("app", &[(Permits::Read, prefix("/app/"))])];
    let root = effective(&user("root", &["root"]), &roles, &under(""), true);
    assert!(root.write.allowed() && root.read.reason.contains("root role"));
    let off = effective(&user("bob", &[]), &roles, &on_key("/x"), false);
    assert!(off.write.allowed() && off.write.reason.contains("off"));
    // A role the user does not hold grants nothing; one etcd did not return either.
    let bob = effective(&user("bob", &["other"]), &roles, &on_key("/app/x"), true);
    assert_eq!(bob.read.coverage, Coverage::None);
    let everything = [role("all", &[(Permits::Read, KeyRange::Everything)])];
    let reader = user("r", &["all"]);
    assert!(effective(&reader, &everything, &under(""), true)
        .read
        .allowed());
    assert!(!effective(&reader, &everything, &under(""), true)
        .write
        .allowed());
}

#[test]
fn who_may_lists_users_with_any_coverage() {
    let roles = [
        role("app", &[(Permits::ReadWrite, prefix("/app/"))]),
        role(
            "one",
            &[(Permits::Write, KeyRange::Key { key: key("/app/x") })],
        ),
    ];
    let users = [
        user("alice", &["app"]),
        user("bob", &["one"]),
        user("carol", &[]),
        user("root", &["root"]),
    ];
    let may: Vec<(String, Coverage)> =
        who_may(&users, &roles, &under("/app/"), true, Action::Write)
            .into_iter()
            .map(|may| (may.user, may.coverage))
            .collect();
    assert_eq!(
        may,
        vec![
            ("alice".to_string(), Coverage::All),
            ("bob".to_string(), Coverage::Part),
            ("root".to_string(), Coverage::All),
        ]
    );
}

#[test]
fn authentication_needs_a_root_user_with_the_root_role() {
    assert!(enable_refusal(&[user("alice", &["root"])]).is_some());
    assert!(enable_refusal(&[user("root", &[])])
        .unwrap()
        .contains("does not hold"));
    assert_eq!(enable_refusal(&[user("root", &["root"])]), None);
}

#[test]
fn names_are_checked() {
    assert!(check_name("user", "alice").is_ok());
    assert!(check_name("user", "").is_err());
    assert!(check_name("role", " x").is_err());
    assert!(check_name("role", "a\nb").is_err());
    assert!(check_name("role", &"x".repeat(129)).is_err());
    assert!(check_name("role", "<b>ünï</b>").is_ok());
}

#[test]
fn permits_have_etcdctl_words() {
    for permits in [Permits::Read, Permits::Write, Permits::ReadWrite] {
        assert_eq!(Permits::parse(permits.word()), Some(permits));
    }
    assert_eq!(Permits::parse("delete"), None);
}

#[test]
fn passwords_fit_bcrypt() {
    let add = |password: &str| AccessChange::AddUser {
        name: "u".into(),
        password: Some(Secret(password.into())),
    };
    assert!(add(&"x".repeat(72)).check().is_ok());
    assert!(add(&"x".repeat(73))
        .check()
        .unwrap_err()
        .contains("at most 72 bytes"));
    // Bytes, not characters: 37 two-byte letters are 74 bytes.
    assert!(add(&"é".repeat(37)).check().is_err());
    let change = AccessChange::ChangePassword {
        name: "u".into(),
        password: Secret("y".repeat(100)),
    };
    assert!(change.check().is_err());
    assert!(
        !format!("{change:?}").contains("yyy"),
        "a password is never printed"
    );
}
