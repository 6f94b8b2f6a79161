//! Random and malformed requests against the whole app: a client's mistake never gets a 5xx,
//! nothing panics, and the server still serves afterwards.

mod common;

use common::{app::TestApp, TestCluster};
use rand::{rngs::StdRng, Rng, SeedableRng};

const METHODS: [&str; 7] = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"];
const PATHS: [&str; 9] = [
    "/api/v1/keys",
    "/api/v1/keys/",
    "/api/v1/keys/{key}",
    "/api/v1/keys/{key}/append",
    "/api/v1/cluster",
    "/api/v1/{key}",
    "/key/{key}",
    "/?prefix={key}",
    "/fn/get_key",
];
const QUERIES: [&str; 10] = [
    "",
    "?encoding=base64",
    "?encoding=utf9",
    "?limit=-5",
    "?limit=99999999999",
    "?after=%%%",
    "?values=maybe",
    "?prefix={key}&confirm={key}",
    "?prefix=&confirm=",
    "?after=AAAA&encoding=base64",
];

fn random_key(rng: &mut StdRng) -> String {
    let len = rng.random_range(0..12);
    (0..len)
        .map(|_| match rng.random_range(0..4) {
            0 => format!("%{:02X}", rng.random::<u8>()),
            1 => "/".to_string(),
            2 => ["~", ".", "..", "%", "-", "_"][rng.random_range(0..6)].to_string(),
            _ => (rng.random_range(b'a'..=b'z') as char).to_string(),
        })
        .collect()
}

fn random_body(rng: &mut StdRng) -> Vec<u8> {
    match rng.random_range(0..8) {
        0 => Vec::new(),
        1 => b"{\"value\": ".to_vec(),
        2 => b"{\"value\": 42, \"ttl\": \"soon\"}".to_vec(),
        3 => b"[1, 2, 3]".to_vec(),
        4 => format!(
            "{{\"value\": \"{}\"}}",
            "v".repeat(rng.random_range(0..3000))
        )
        .into_bytes(),
        5 => (0..rng.random_range(0..512))
            .map(|_| rng.random())
            .collect(),
        6 => vec![b'{'; 8 * 1024 * 1024],
        _ => b"{\"value\": {\"nested\": [true, null]}, \"ttl\": -1}".to_vec(),
    }
}

fn random_headers(rng: &mut StdRng) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if rng.random_bool(0.7) {
        let types = [
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "json",
        ];
        headers.push((
            "content-type".into(),
            types[rng.random_range(0..types.len())].into(),
        ));
    }
    if rng.random_bool(0.3) {
        let values = ["*", "12", "\"3\"", "abc", "-1", ""];
        let name = if rng.random_bool(0.5) {
            "if-match"
        } else {
            "if-none-match"
        };
        headers.push((
            name.into(),
            values[rng.random_range(0..values.len())].into(),
        ));
    }
    if rng.random_bool(0.2) {
        headers.push(("accept".into(), "text/html".into()));
    }
    headers
}

#[tokio::test]
async fn a_thousand_random_requests_get_no_5xx() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let seed = rand::random::<u64>();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut server_errors = Vec::new();
    for _ in 0..1000 {
        let key = random_key(&mut rng);
        let path = PATHS[rng.random_range(0..PATHS.len())].replace("{key}", &key);
        let query = QUERIES[rng.random_range(0..QUERIES.len())].replace("{key}", &key);
        let uri = if path.contains('?') {
            format!("{path}{}", query.replacen('?', "&", 1))
        } else {
            format!("{path}{query}")
        };
        let method = METHODS[rng.random_range(0..METHODS.len())];
        let headers = random_headers(&mut rng);
        let body = random_body(&mut rng);
        let status = app.raw(method, &uri, &headers, body).await;
        if status >= 500 {
            server_errors.push(format!("{status} {method} {uri} {headers:?}"));
        }
    }
    assert!(server_errors.is_empty(), "seed {seed}: {server_errors:#?}");
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);
    assert_eq!(app.raw("GET", "/api/v1/keys", &[], vec![]).await, 200);
}
