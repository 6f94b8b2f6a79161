//! The export and import round trip, and the reports.

use super::*;
use crate::domain::Key;

#[test]
fn any_key_and_value_round_trip_through_an_export_line() {
    let cases: [(&[u8], &[u8]); 4] = [
        (b"app/config", b"{\"a\": 1}"),
        (b"bin/\xff\x00", b"\x00\x01\xfe"),
        ("ключ/🙂 ?#%".as_bytes(), b"<b>html</b>\n"),
        (b"empty", b""),
    ];
    let mut file = ExportHeader::new(&Key::from("x/"), 42, "2026-11-22T00:00:00Z".into());
    file.prefix = String::new();
    let mut text = serde_json::to_string(&file).unwrap() + "\n";
    for (key, value) in cases {
        text += &ExportLine::new(key, value, Some(30)).to_line();
    }
    let read = parse_import(text.as_bytes()).unwrap();
    assert_eq!(read.header.unwrap().revision, 42);
    let got: Vec<(&[u8], &[u8])> = read
        .entries
        .iter()
        .map(|e| (e.key.as_slice(), e.value.as_slice()))
        .collect();
    assert_eq!(got, cases);
    assert!(read.entries.iter().all(|e| e.lease_ttl == Some(30)));
    let binary = ExportLine::new(b"bin/\xff", b"ok", None);
    assert_eq!(binary.key_encoding, Some(LineEncoding::Base64));
    assert_eq!(binary.value_encoding, None);
}

#[test]
fn a_flat_object_imports_and_bad_files_name_their_line() {
    let flat = parse_import(br#"{"a/1": "one", "a/2": {"n": 2}}"#).unwrap();
    assert_eq!(flat.entries[1].value, br#"{"n":2}"#);
    let header =
        serde_json::to_string(&ExportHeader::new(&Key::from("a/"), 1, String::new())).unwrap();
    for (body, says) in [
        (
            format!("{header}\n{{\"key\":\"k\",\"value\":\"v\"}}\nnot json\n"),
            "line 3",
        ),
        (
            format!("{header}\n{{\"key\":\"\",\"value\":\"v\"}}\n"),
            "line 2",
        ),
        (
            format!("{header}\n{{\"key\":\"k\",\"value\":\"@@\",\"value_encoding\":\"base64\"}}\n"),
            "base64",
        ),
        ("[1, 2]".to_string(), "neither"),
    ] {
        let err = parse_import(body.as_bytes()).unwrap_err();
        assert_eq!(err.status().as_u16(), 400);
        assert!(err.to_string().contains(says), "{err}");
    }
}

#[test]
fn a_selection_round_trips_through_its_url() {
    let selection = Selection {
        prefix: Key::from("a b/"),
        revision: 42,
        all: false,
        keys: vec![Key::from("a b/1?&="), Key::new(b"a b/\xff".to_vec())],
    };
    let url = selection.url();
    let search = url.split_once('?').unwrap().1;
    assert_eq!(Selection::from_query(search), selection);
    let all = Selection {
        all: true,
        keys: vec![],
        ..selection
    };
    assert_eq!(
        Selection::from_query(all.url().split_once('?').unwrap().1),
        all
    );
}

#[test]
fn the_counts_of_a_write_round_trip_through_the_url_it_lands_on() {
    let tally = |count| Tally {
        count,
        examples: Vec::new(),
    };
    let bulk = BulkReport {
        done: tally(3),
        changed: tally(1),
        exists: tally(2),
        gone: tally(4),
        ..BulkReport::default()
    };
    let search = format!("prefix=a&{}", bulk.query("moved"));
    assert_eq!(
        BulkReport::from_query(&search),
        Some(("moved".into(), bulk))
    );
    assert_eq!(BulkReport::from_query("prefix=a"), None);

    let import = ImportReport {
        written_revision: Some(42),
        create: tally(5),
        update: tally(6),
        unchanged: tally(7),
        conflict: tally(8),
        ..ImportReport::default()
    };
    let search = format!("upload=x&{}", import.query());
    assert_eq!(ImportReport::from_query(&search), Some(import));
    assert_eq!(ImportReport::from_query("upload=x"), None);
}

#[test]
fn keys_move_from_one_prefix_to_another() {
    assert_eq!(moved_key(b"a/x/y", b"a/", b"b/c/"), b"b/c/x/y");
    assert_eq!(moved_key(b"a", b"a", b"b"), b"b");
}
