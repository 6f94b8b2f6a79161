//! The HTTP surface of the whole app against a real etcd: page status codes, server functions
//! called as the browser calls them (with and without JavaScript), and the health probes.

mod common;

use common::{app::TestApp, TestCluster};
use etcd_deck::domain::{lease::Expiry, Key, PutCondition};
use etcd_deck::server_fns::{CreateKey, DeleteKey, GetKey};
use etcd_deck::urls::routes::key_url;
use leptos::server_fn::ServerFn;
use std::time::Duration;

#[tokio::test]
async fn health_probes_tell_process_and_etcd_apart() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);

    cluster.stop();
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains(&cluster.endpoints[0]), "{body}");
}

#[tokio::test]
async fn pages_carry_the_status_of_what_they_show() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let key = Key::from("<img src=x onerror=alert(1)>");
    app.etcd
        .put(
            &key,
            b"<b>bold</b>".to_vec(),
            PutCondition::Always,
            Expiry::Never,
        )
        .await
        .unwrap();

    let (status, body) = app.get("/").await;
    assert_eq!(status, 200);
    // The key is shown escaped (with <wbr> after its separators, where it may wrap).
    assert!(body.contains("&lt;img src="), "the key is escaped");
    assert!(body.contains("alert(1)&gt;"), "the key is escaped");
    assert!(
        !body.contains("<img src=x"),
        "no markup from etcd reaches the page"
    );

    // The value is markup: laid out as XML, in text, never as markup.
    let (status, body) = app.get(&key_url(&key)).await;
    assert_eq!(status, 200);
    assert!(body.contains("XML, 11 B"), "{body}");
    assert!(
        !body.contains("<b>bold"),
        "no markup from a value reaches the page"
    );
    assert!(
        body.contains("&lt;b&gt;bold&lt;/b&gt;</textarea>"),
        "the editor holds it as text"
    );

    // A value that would end the editor's <textarea> stays inside it.
    let closing = Key::from("xss/closing");
    let value = b"</textarea><img src=x onerror=alert(3)>".to_vec();
    app.etcd
        .put(&closing, value, PutCondition::Always, Expiry::Never)
        .await
        .unwrap();
    let (status, body) = app.get(&key_url(&closing)).await;
    assert_eq!(status, 200);
    assert!(
        !body.contains("<img src=x"),
        "no markup from a value reaches the page"
    );
    assert!(body.contains("&lt;/textarea&gt;&lt;img src=x onerror=alert(3)&gt;</textarea>"));
    let (status, body) = app.get(&format!("{}?view=raw", key_url(&key))).await;
    assert_eq!(status, 200);
    assert!(body.contains("&lt;b&gt;bold&lt;/b&gt;"));

    let (status, body) = app.get(&key_url(&Key::from("missing/key"))).await;
    assert_eq!(status, 404);
    assert!(body.contains("key not found: missing/key"), "{body}");

    assert_eq!(app.get("/no/such/page").await.0, 404);

    cluster.stop();
    let (status, body) = app.get("/").await;
    assert_eq!(status, 503);
    assert!(body.contains("etcd is unavailable"), "{body}");
    assert_eq!(app.get(&key_url(&key)).await.0, 503);
}

#[tokio::test]
async fn server_functions_answer_errors_with_their_status() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;

    let (status, body) = app.call(GetKey::PATH, "key=nope").await;
    assert_eq!(status, 404);
    assert!(body.contains("NotFound"), "{body}");

    let (status, _) = app.call(DeleteKey::PATH, "key=nope").await;
    assert_eq!(status, 404);

    let form = "prefix=&key=&value=v&format=text";
    assert_eq!(app.call(CreateKey::PATH, form).await.0, 400);

    let form = "prefix=&key=k&value=zz&format=hex";
    assert_eq!(app.call(CreateKey::PATH, form).await.0, 400);

    let huge = "x".repeat(1600 * 1024);
    let form = format!("prefix=&key=k&value={huge}&format=text");
    assert_eq!(app.call(CreateKey::PATH, &form).await.0, 413);

    assert_eq!(app.call(GetKey::PATH, "wrong=field").await.0, 400);

    cluster.stop();
    assert_eq!(app.call(GetKey::PATH, "key=k").await.0, 503);
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;

    let form = "prefix=app%2F&key=app%2Fnew+key&value=hello&format=text";
    let (status, location, _) = app.post_form(CreateKey::PATH, form).await;
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("/?prefix=app%2F&created=app%2Fnew%20key")
    );
    let stored = app.etcd.get(&Key::from("app/new key")).await.unwrap();
    assert_eq!(stored.value, etcd_deck::domain::Value(b"hello".to_vec()));

    // Creating it again fails: back to the form's page, with the error in the URL...
    let (status, location, _) = app.post_form(CreateKey::PATH, form).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.contains("__err="), "{location}");
    // ...and that page shows it, with the error's status.
    let (status, body) = app
        .get(location.trim_start_matches("http://localhost"))
        .await;
    assert_eq!(status, 412);
    assert!(body.contains("already exists"), "{body}");

    let segment = Key::from("app/new key").to_segment();
    let (status, location, _) = app
        .post_form(DeleteKey::PATH, &format!("key={segment}"))
        .await;
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("/?prefix=app%2F&deleted=app%2Fnew%20key")
    );
    assert!(app.etcd.get(&Key::from("app/new key")).await.is_err());
}

#[tokio::test]
async fn list_pages_hold_their_revision_and_start_again_after_a_compaction() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    for key in ["p/a", "p/b", "p/c"] {
        etcd.put(key, "v", None).await.unwrap();
    }
    let (status, first) = app.get("/?prefix=p%2F&limit=2").await;
    assert_eq!(status, 200);
    let revision = etcd
        .get("p/", None)
        .await
        .unwrap()
        .header()
        .unwrap()
        .revision();
    let next = format!("/?prefix=p%2F&after=p%2Fb&limit=2&revision={revision}");
    assert!(
        first.contains(&next.replace('&', "&amp;")),
        "the next page's link holds the revision: {first}"
    );
    etcd.put("p/d", "v", None).await.unwrap();
    let (_, pinned) = app.get(&next).await;
    assert!(pinned.contains("Keys 3–3 of 3"), "{pinned}");

    etcd.compact(revision + 1, None).await.unwrap();
    let (status, restarted) = app.get(&next).await;
    assert_eq!(status, 200);
    assert!(
        restarted.contains("data-testid=\"compacted\""),
        "{restarted}"
    );
    assert!(
        restarted.contains(&format!("read at revision {revision}")),
        "{restarted}"
    );
    assert!(restarted.contains("Keys 1–2 of 4"), "{restarted}");
}

/// Leptos lists a router's page routes by rendering the app with resource loading suppressed, by
/// a flag for the whole process; a resource first asked for meanwhile never loads (leptos#4773),
/// and its page never finishes. Routers built while pages render must leave every page whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_load_while_other_routers_are_built() {
    let cluster = TestCluster::start(1);
    let app = TestApp::start(&cluster).await;
    let etcd = app.etcd.clone();
    let (key, value) = (Key::from("p/a"), b"v".to_vec());
    let put = app
        .etcd
        .put(&key, value, PutCondition::Always, Expiry::Never);
    put.await.unwrap();
    let building = tokio::spawn(async move {
        for _ in 0..200 {
            drop(TestApp::on(etcd.clone()));
            tokio::task::yield_now().await;
        }
    });
    let mut pages = 0;
    while !building.is_finished() {
        let page = tokio::time::timeout(Duration::from_secs(10), app.get("/?prefix=p%2F"));
        let (status, body) = page
            .await
            .expect("the page finishes while routers are built");
        assert_eq!(status, 200);
        assert!(body.contains("Keys 1–1 of 1"), "{body}");
        pages += 1;
    }
    building.await.unwrap();
    assert!(
        pages > 10,
        "only {pages} pages rendered while the routers were built"
    );
}
