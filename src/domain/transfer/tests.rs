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
fn keys_move_from_one_prefix_to_another() {
    assert_eq!(moved_key(b"a/x/y", b"a/", b"b/c/"), b"b/c/x/y");
    assert_eq!(moved_key(b"a", b"a", b"b"), b"b");
}
