//! Detection, layouts, checks and dumps, on values of every format.

use super::*;
use crate::domain::value::ValueFormat;

fn layers(bytes: &[u8]) -> Vec<Format> {
    show(bytes).layers
}

fn pretty(value: &str) -> String {
    pretty_text(&show(value.as_bytes()).pretty)
}

#[test]
fn formats_are_told_apart() {
    assert_eq!(layers(br#"{"a": [1, 2]}"#), [Format::Json]);
    assert_eq!(layers(b"a: 1\nb: [x, y]\n"), [Format::Yaml]);
    assert_eq!(layers(b"- one\n- two\n"), [Format::Yaml]);
    assert_eq!(
        layers(b"title = \"x\"\n[owner]\nname = \"y\"\n"),
        [Format::Toml]
    );
    assert_eq!(
        layers(b"<?xml version=\"1.0\"?><a x=\"1\"><b/></a>"),
        [Format::Xml]
    );
    assert_eq!(layers(b"hello world"), [Format::Text]);
    assert_eq!(layers(b"42"), [Format::Text]);
    assert_eq!(layers(b""), [Format::Text]);
    assert_eq!(layers(b"<b>unclosed"), [Format::Text]);
    assert_eq!(layers(b"{not json"), [Format::Text]);
    assert_eq!(layers(&[0, 159, 146, 150]), [Format::Binary]);
    // "password" is valid base64, but what it decodes to is not text.
    assert_eq!(layers(b"passwordpassword"), [Format::Text]);
}

#[test]
fn wrappings_are_unwrapped_and_what_they_hold_detected() {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use std::io::Write;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(br#"{"replicas": 3}"#).unwrap();
    let gzip = gzip.finish().unwrap();
    let shown = show(&gzip);
    assert_eq!(shown.layers, [Format::Gzip, Format::Json]);
    assert_eq!(shown.unwrapped_len, Some(15));
    assert_eq!(shown.describe(), "gzip holding JSON");

    let wrapped = STANDARD.encode("plain words, wrapped");
    let shown = show(wrapped.as_bytes());
    assert_eq!(shown.layers, [Format::Base64, Format::Text]);
    assert_eq!(shown.unwrapped.as_deref(), Some("plain words, wrapped"));
    assert_eq!(
        layers(STANDARD.encode("a: 1\nb: 2\n").as_bytes()),
        [Format::Base64, Format::Yaml]
    );
}

#[test]
fn kubernetes_objects_show_their_type_and_name() {
    // A ConfigMap as the API server stores it: ObjectMeta (name 1, namespace 3, uid 5,
    // labels 11) inside the object, inside runtime.Unknown behind `k8s\0`.
    let mut meta = Vec::new();
    prost::encoding::string::encode(1, &"settings".to_string(), &mut meta);
    prost::encoding::string::encode(3, &"prod".to_string(), &mut meta);
    prost::encoding::string::encode(5, &"1f0c-77".to_string(), &mut meta);
    let mut object = Vec::new();
    prost::encoding::bytes::encode(1, &meta, &mut object);
    prost::encoding::string::encode(2, &"data".to_string(), &mut object);
    let mut types = Vec::new();
    prost::encoding::string::encode(1, &"v1".to_string(), &mut types);
    prost::encoding::string::encode(2, &"ConfigMap".to_string(), &mut types);
    let mut envelope = b"k8s\0".to_vec();
    prost::encoding::bytes::encode(1, &types, &mut envelope);
    prost::encoding::bytes::encode(2, &object, &mut envelope);
    let shown = show(&envelope);
    assert_eq!(shown.layers, [Format::Kubernetes]);
    let object_shown = shown.kubernetes.unwrap();
    assert_eq!(
        (
            object_shown.api_version.as_str(),
            object_shown.kind.as_str()
        ),
        ("v1", "ConfigMap")
    );
    assert_eq!(
        (object_shown.namespace.as_str(), object_shown.name.as_str()),
        ("prod", "settings")
    );
    assert_eq!(object_shown.uid, "1f0c-77");
    assert_eq!(object_shown.raw_len, object.len());
}

#[test]
fn json_is_laid_out_in_its_own_order_with_its_own_digits() {
    assert_eq!(
        pretty(r#"{"z":1,"a":{"n":12345678901234567890123,"s":"x\"y"},"l":[],"e":{}}"#),
        "{\n  \"z\": 1,\n  \"a\": {\n    \"n\": 12345678901234567890123,\n    \"s\": \"x\\\"y\"\n  },\n  \"l\": [],\n  \"e\": {}\n}\n"
    );
    assert_eq!(
        pretty("[1, [true, null]]"),
        "[\n  1,\n  [\n    true,\n    null\n  ]\n]\n"
    );
}

#[test]
fn yaml_is_laid_out_in_its_own_order() {
    assert_eq!(
        pretty("z: 1\na:\n  - x\n  - {k: 'v'}\nempty: []\n"),
        "z: 1\na:\n  - x\n  -\n    k: 'v'\nempty: []\n"
    );
    assert_eq!(pretty("a: 1\n---\nb: 2\n"), "a: 1\n---\nb: 2\n");
}

#[test]
fn yaml_comments_are_kept_where_they_were() {
    let text = "# top\nname: web # the service\nports:\n  # public\n  - 80\n  - 443 # tls\n\
                url: 'a#b' # quoted\nenv: # by name\n  A: 1\n# end\n";
    assert_eq!(
        pretty(text),
        "# top\nname: web # the service\nports:\n  # public\n  - 80\n  - 443 # tls\n\
         url: 'a#b' # quoted\nenv: # by name\n  A: 1\n# end\n"
    );
}

#[test]
fn xml_is_laid_out_by_element() {
    assert_eq!(
        pretty("<a x=\"1\"><b>text</b><c/></a>"),
        "<a x=\"1\">\n  <b>text</b>\n  <c/>\n</a>\n"
    );
}

#[test]
fn long_views_stop_at_the_line_budget() {
    let long = format!(
        "[{}]",
        (0..PRETTY_LINES * 2)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let shown = show(long.as_bytes());
    assert_eq!(shown.pretty_cut, Some(PRETTY_LINES * 2 + 2));
    assert_eq!(
        shown.pretty.iter().map(Pretty::lines).sum::<usize>(),
        PRETTY_LINES
    );
}

#[test]
fn checks_name_line_and_column() {
    let err = check("{\n  \"a\": 1,\n  \"b\" 2\n}", ValueFormat::Json).unwrap_err();
    assert!(
        err.to_string().contains("not valid JSON: line 3, column 7"),
        "{err}"
    );
    let err = check("a: 1\n b: 2\n", ValueFormat::Yaml).unwrap_err();
    assert!(
        err.to_string().contains("not valid YAML: line 2, column 3"),
        "{err}"
    );
    let err = check("a = 1\nb = \n", ValueFormat::Toml).unwrap_err();
    assert!(err.to_string().contains("not valid TOML: line 2"), "{err}");
    assert!(check("{}", ValueFormat::Json).is_ok());
    assert!(check("anything {", ValueFormat::Text).is_ok());
}

#[test]
fn formatting_keeps_the_data_and_refuses_what_it_would_change() {
    assert_eq!(
        reformat(r#"{"b":[1,2],"a":"x"}"#, ValueFormat::Json).unwrap(),
        "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": \"x\"\n}\n"
    );
    assert_eq!(
        reformat("a:   1\nb: [x, 'y z']\n", ValueFormat::Yaml).unwrap(),
        "a: 1\nb:\n  - x\n  - 'y z'\n"
    );
    assert!(reformat("a: 1 # why\n", ValueFormat::Yaml).is_err());
    assert!(reformat("{", ValueFormat::Json).is_err());
    assert!(reformat("a = 1", ValueFormat::Toml).is_err());
}

#[test]
fn yaml_aliases_are_never_expanded() {
    // "Billion laughs": nine levels of ten aliases each would be a billion nodes loaded.
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let prev = format!("*a{}", level - 1);
        laughs.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            [prev.as_str(); 10].join(", ")
        ));
    }
    assert!(load_yaml(&laughs).is_none());
    assert!(
        load_yaml("base: &b {x: 1}\nmore: *b\n").is_some(),
        "a few aliases load"
    );
    let shown = show(laughs.as_bytes());
    assert_eq!(shown.layers, [Format::Yaml]);
    assert!(shown.pretty.iter().map(Pretty::lines).sum::<usize>() < 200);
    assert!(check(&laughs, ValueFormat::Yaml).is_ok());
    assert!(reformat(&laughs, ValueFormat::Yaml).is_err());
    let diff = crate::domain::diff::diff_values(laughs.as_bytes(), b"a: 1");
    assert_eq!(diff.basis, crate::domain::diff::DiffBasis::Text);
}

#[test]
fn hex_dumps_have_offsets_and_text() {
    let dump = hex_dump(b"0123456789abcdefXY\x00");
    assert_eq!(
        dump,
        "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n\
         00000010  58 59 00                                          |XY.|\n"
    );
}

#[test]
fn the_deepest_values_are_shown_raw_on_a_server_workers_stack() {
    // A tokio worker's stack, which the server runs requests on.
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            for (name, value) in nesting::deepest_values() {
                let shown = show(value.as_bytes());
                assert!(shown.pretty.is_empty(), "{name} was laid out");
                for format in [
                    ValueFormat::Json,
                    ValueFormat::Yaml,
                    ValueFormat::Toml,
                    ValueFormat::Text,
                ] {
                    let _ = check(&value, format);
                }
                for format in [ValueFormat::Json, ValueFormat::Yaml] {
                    let _ = reformat(&value, format);
                }
                let _ = load_yaml(&value);
                let _ = crate::domain::diff::diff_values(value.as_bytes(), b"{}\n");
            }
        })
        .unwrap();
    worker.join().expect("the worker's stack held");
}

#[test]
fn a_value_too_deep_to_check_says_so() {
    let deep = format!("a = {}1{}", "[".repeat(40), "]".repeat(40));
    let err = check(&deep, ValueFormat::Toml).unwrap_err().to_string();
    assert!(err.contains("nests deeper than 32 levels"), "{err}");
    let deep: String = (0..40).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let err = check(&deep, ValueFormat::Yaml).unwrap_err().to_string();
    assert!(
        err.contains("too deep for etcd-deck to check as YAML"),
        "{err}"
    );
    // Up to the bound, values are laid out as before.
    let within = format!("{}1{}", "[".repeat(32), "]".repeat(32));
    assert!(!show(within.as_bytes()).pretty.is_empty());
}
