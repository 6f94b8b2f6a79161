//! TLS end to end, against a real etcd from the kit's `cluster/up --tls` (members that serve
//! clients over TLS and require a client certificate): etcd-deck reaches it with the kit's CA
//! and client certificate, serves HTTPS itself, and the CLI talks to it over HTTPS.

mod common;

use common::{server::TestServer, TestCluster};
use etcd_client::{Certificate, Client, ConnectOptions, Identity, Permission, TlsOptions};
use etcd_deck::domain::AppError;
use etcd_deck::etcd::{Etcd, EtcdSettings, EtcdTls};
use reqwest::{redirect::Policy, StatusCode};
use serde_json::{json, Value};
use std::{path::PathBuf, time::Duration};

/// One of the kit's TLS files, by the variable `cluster/up --tls` printed it as.
fn kit_file(cluster: &TestCluster, name: &str) -> PathBuf {
    cluster
        .tls_file(name)
        .unwrap_or_else(|| panic!("cluster/up --tls printed {name}"))
}

/// The member certificate, which names 127.0.0.1, serves etcd-deck's HTTPS too.
fn serve_https(cluster: &TestCluster, more: &[(&str, &str)]) -> TestServer {
    let dir = kit_file(cluster, "ETCD_DECK_ETCD_CA");
    let dir = dir.parent().unwrap();
    let cert = dir.join("member.pem");
    let key = dir.join("member-key.pem");
    let mut env = vec![
        ("ETCD_DECK_TLS_CERT", cert.to_str().unwrap()),
        ("ETCD_DECK_TLS_KEY", key.to_str().unwrap()),
    ];
    env.extend_from_slice(more);
    TestServer::start_with(cluster, &env)
}

/// An HTTPS client that trusts the kit's CA.
fn https(cluster: &TestCluster) -> reqwest::Client {
    let pem = std::fs::read(kit_file(cluster, "ETCD_DECK_ETCD_CA")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// etcd-client on the cluster with the kit's certificates, as etcdctl would use them.
async fn etcd_directly(cluster: &TestCluster, user: Option<(&str, &str)>) -> Client {
    let read = |name| std::fs::read(kit_file(cluster, name)).unwrap();
    let tls = TlsOptions::new()
        .ca_certificate(Certificate::from_pem(read("ETCD_DECK_ETCD_CA")))
        .identity(Identity::from_pem(
            read("ETCD_DECK_ETCD_CERT"),
            read("ETCD_DECK_ETCD_KEY"),
        ));
    let mut options = ConnectOptions::new().with_tls(tls);
    if let Some((name, password)) = user {
        options = options.with_user(name, password);
    }
    Client::connect(&cluster.endpoints, Some(options))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tls_cluster_round_trips_a_key_with_client_certificates() {
    let cluster = TestCluster::start_tls(1);
    assert!(cluster.endpoints[0].starts_with("https://"));
    let server = serve_https(&cluster, &[]);
    assert!(server.url.starts_with("https://"));
    let client = https(&cluster);

    let response = client
        .put(format!("{}/api/v1/keys/tls/greeting", server.url))
        .json(&json!({ "value": "over TLS, both ways" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let hsts = response.headers()["strict-transport-security"].clone();
    assert_eq!(hsts, "max-age=31536000");
    let mut etcd = etcd_directly(&cluster, None).await;
    let stored = etcd.get("tls/greeting", None).await.unwrap();
    assert_eq!(stored.kvs()[0].value(), b"over TLS, both ways");

    let get_json = |path: &str| {
        let request = client.get(format!("{}{path}", server.url));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let read = get_json("/api/v1/keys/tls/greeting").await;
    assert_eq!(read["value"], "over TLS, both ways", "{read}");
    let page = client.get(&server.url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // Each member's space comes from its /metrics, over TLS with the client certificate.
    let overview = get_json("/api/v1/cluster").await;
    let space = &overview["space"][0];
    assert!(space["space"]["quota_bytes"].as_u64() > Some(0), "{space}");

    // Plain HTTP to the HTTPS port gets no answer, and nothing in the clear.
    let plain = server.url.replacen("https://", "http://", 1);
    let answer = reqwest::get(format!("{plain}/api/v1/keys/tls/greeting")).await;
    assert!(answer.is_err(), "HTTPS only: {answer:?}");

    // The CLI trusts the CA it is given, and says why it refuses a server it cannot trust.
    let ca = kit_file(&cluster, "ETCD_DECK_ETCD_CA");
    let output = server.kv(&["--ca-cert", ca.to_str().unwrap(), "get", "tls/greeting"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        "over TLS, both ways"
    );
    let untrusted = server.kv(&["get", "tls/greeting"]);
    assert_eq!(untrusted.status.code(), Some(3), "{untrusted:?}");
    let said = String::from_utf8_lossy(&untrusted.stderr);
    assert!(said.contains("certificate"), "{said}");
}

#[tokio::test]
async fn etcd_turns_away_a_client_without_its_certificate_and_says_so() {
    let cluster = TestCluster::start_tls(1);
    let ca = kit_file(&cluster, "ETCD_DECK_ETCD_CA");
    let settings = |tls: EtcdTls, endpoints: Vec<String>| EtcdSettings {
        endpoints,
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        health_interval: Duration::from_secs(60),
        tls,
        monitor: None,
        sampler: Default::default(),
        prometheus_url: None,
    };
    let ca_only = EtcdTls::from_files(Some(&ca), None, None).unwrap();
    let etcd = Etcd::connect(settings(ca_only, cluster.endpoints.clone()))
        .await
        .unwrap();
    let err = etcd.connection().await.unwrap_err();
    assert!(matches!(err, AppError::EtcdUnavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("client certificate"), "{err}");

    let untrusted = Etcd::connect(settings(EtcdTls::default(), cluster.endpoints.clone()))
        .await
        .unwrap();
    let err = untrusted.connection().await.unwrap_err();
    assert!(matches!(err, AppError::EtcdUnavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");

    // Certificates for plain http:// endpoints are a mistake worth saying at start.
    let plain = vec![cluster.endpoints[0].replacen("https://", "http://", 1)];
    let tls = EtcdTls::from_files(Some(&ca), None, None).unwrap();
    let err = Etcd::connect(settings(tls, plain)).await.err().unwrap();
    assert!(err.to_string().contains("no endpoint is https://"), "{err}");

    // The full set works.
    let etcd = Etcd::connect(settings(cluster.etcd_tls(), cluster.endpoints.clone()))
        .await
        .unwrap();
    etcd.connection().await.unwrap();
}

#[tokio::test]
async fn signing_in_over_https_to_an_etcd_with_authentication() {
    let cluster = TestCluster::start_tls(1);
    let mut etcd = etcd_directly(&cluster, None).await;
    etcd.user_add("root", "root-pw", None).await.unwrap();
    let _ = etcd.role_add("root").await;
    etcd.user_grant_role("root", "root").await.unwrap();
    etcd.role_add("app-rw").await.unwrap();
    let app = Permission::read_write("app/").with_prefix();
    etcd.role_grant_permission("app-rw", app).await.unwrap();
    etcd.user_add("alice", "alice-pw", None).await.unwrap();
    etcd.user_grant_role("alice", "app-rw").await.unwrap();
    etcd.auth_enable().await.unwrap();

    let server = serve_https(&cluster, &[]);
    let client = https(&cluster);
    let put = |path: &str, user: Option<(&str, &str)>| {
        let mut request = client
            .put(format!("{}/api/v1/keys/{path}", server.url))
            .json(&json!({ "value": "v" }));
        if let Some((name, password)) = user {
            request = request.basic_auth(name, Some(password));
        }
        request.send()
    };
    // The client certificate's name is no etcd user: it gives nobody any rights.
    assert_eq!(put("app/a", None).await.unwrap().status(), 401);
    let alice = Some(("alice", "alice-pw"));
    assert_eq!(put("app/a", alice).await.unwrap().status(), 200);
    assert_eq!(put("other/a", alice).await.unwrap().status(), 403);
    let mut root = etcd_directly(&cluster, Some(("root", "root-pw"))).await;
    assert_eq!(root.get("app/a", None).await.unwrap().count(), 1);
    assert_eq!(root.get("other/a", None).await.unwrap().count(), 0);

    // The session cookie is only ever sent back over HTTPS.
    let signed_in = client
        .post(format!("{}/auth/sign-in", server.url))
        .header("origin", &server.url)
        .form(&[("user", "alice"), ("password", "alice-pw"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
