//! The etcd adapter against a real etcd: reads, writes, paging, and etcd going away and coming back.

mod common;

use common::{eventually, TestCluster, REQUEST_TIMEOUT};
use etcd_deck::domain::AppError;
use etcd_deck::domain::{
    lease::Expiry, limits::MAX_REQUEST_BYTES, Key, PageRequest, PutCondition, Value, ValueView,
};
use etcd_deck::services::keys;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn put_get_list_and_delete_a_key() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let key = Key::from("app/config/a b%c?d#e/ünï");

    let written = keys::put(
        &etcd,
        &key,
        b"v1".to_vec(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();
    let detail = keys::get(&etcd, &key).await.unwrap();
    assert_eq!(detail.value, Value(b"v1".to_vec()));
    assert_eq!(detail.summary.key, key);
    assert_eq!(detail.summary.version, 1);
    assert_eq!(detail.summary.mod_revision, written.revision);
    assert_eq!(detail.summary.create_revision, written.revision);
    assert_eq!(detail.summary.lease, 0);
    assert!(detail.revision >= written.revision);

    let listing = keys::list(&etcd, &PageRequest::new(Key::from("app/"), None, None))
        .await
        .unwrap();
    assert_eq!(listing.total, 1);
    assert_eq!(listing.keys.len(), 1);
    assert_eq!(listing.keys[0].key, key);

    let deleted = keys::delete(&etcd, &key).await.unwrap();
    assert!(deleted.revision > written.revision);
    assert!(matches!(
        keys::get(&etcd, &key).await,
        Err(AppError::NotFound { .. })
    ));
}

#[tokio::test]
async fn binary_values_and_keys_are_kept_byte_exact() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let key = Key::new(vec![b'b', b'/', 0xff, 0x00, 0xfe]);
    let value = vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x80];

    keys::put(
        &etcd,
        &key,
        value.clone(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();
    let detail = keys::get(&etcd, &key).await.unwrap();
    assert_eq!(detail.value, Value(value));
    assert!(matches!(detail.value.view(), ValueView::Binary { .. }));
    let listing = keys::list(&etcd, &PageRequest::new(Key::from("b/"), None, None))
        .await
        .unwrap();
    assert_eq!(listing.keys[0].key, key);
}

#[tokio::test]
async fn a_missing_key_is_not_found_for_get_and_delete() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let missing = Key::from("no/such/key");
    let get = keys::get(&etcd, &missing).await.unwrap_err();
    let delete = keys::delete(&etcd, &missing).await.unwrap_err();
    for err in [get, delete] {
        assert_eq!(
            err,
            AppError::NotFound {
                key: "no/such/key".into()
            }
        );
        assert_eq!(err.status(), 404);
    }
}

#[tokio::test]
async fn conditional_puts_never_overwrite_unseen_changes() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let key = Key::from("cas");

    let created = keys::put(
        &etcd,
        &key,
        b"one".to_vec(),
        PutCondition::Absent,
        Expiry::Never,
    )
    .await
    .unwrap();
    let again = keys::put(
        &etcd,
        &key,
        b"two".to_vec(),
        PutCondition::Absent,
        Expiry::Never,
    )
    .await
    .unwrap_err();
    assert_eq!(again.status(), 412);

    let expected = PutCondition::ModRevision(created.revision);
    let updated = keys::put(&etcd, &key, b"two".to_vec(), expected, Expiry::Never)
        .await
        .unwrap();
    let stale = keys::put(&etcd, &key, b"three".to_vec(), expected, Expiry::Never)
        .await
        .unwrap_err();
    assert_eq!(stale.status(), 412);
    assert!(
        stale.to_string().contains(&updated.revision.to_string()),
        "{stale}"
    );
    assert_eq!(
        keys::get(&etcd, &key).await.unwrap().value,
        Value(b"two".to_vec())
    );

    keys::delete(&etcd, &key).await.unwrap();
    let deleted = keys::put(
        &etcd,
        &key,
        b"four".to_vec(),
        PutCondition::ModRevision(updated.revision),
        Expiry::Never,
    );
    assert!(deleted.await.unwrap_err().to_string().contains("deleted"));
    assert!(matches!(
        keys::get(&etcd, &key).await,
        Err(AppError::NotFound { .. })
    ));
}

#[tokio::test]
async fn listing_250_keys_takes_3_pages_with_none_missed_or_repeated() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let written: BTreeSet<Key> = (0..250)
        .map(|i| Key::from(format!("many/{i}").as_str()))
        .collect();
    for key in &written {
        keys::put(
            &etcd,
            key,
            b"x".to_vec(),
            PutCondition::Always,
            Expiry::Never,
        )
        .await
        .unwrap();
    }

    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest::new(Key::from("many/"), after, Some(100));
        let listing = keys::list(&etcd, &page).await.unwrap();
        assert_eq!(listing.total, 250);
        assert_eq!(listing.offset, seen.len() as i64);
        pages.push(listing.keys.len());
        seen.extend(listing.keys.into_iter().map(|summary| summary.key));
        match listing.next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, [100, 100, 50]);
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), written);
    assert!(
        seen.windows(2).all(|pair| pair[0] < pair[1]),
        "keys come in order"
    );
}

#[tokio::test]
async fn a_prefix_lists_only_the_keys_under_it() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    for key in ["ap", "app", "app/a", "app/b", "app0", "apple", "b"] {
        keys::put(
            &etcd,
            &Key::from(key),
            b"v".to_vec(),
            PutCondition::Always,
            Expiry::Never,
        )
        .await
        .unwrap();
    }
    let keys = |prefix: &'static str| {
        let etcd = etcd.clone();
        async move {
            let listing = keys::list(&etcd, &PageRequest::new(Key::from(prefix), None, None))
                .await
                .unwrap();
            assert_eq!(listing.total, listing.keys.len() as i64);
            listing
                .keys
                .into_iter()
                .map(|s| s.key.display())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(keys("app/").await, ["app/a", "app/b"]);
    assert_eq!(
        keys("app").await,
        ["app", "app/a", "app/b", "app0", "apple"]
    );
    assert_eq!(keys("").await.len(), 7);
    assert!(keys("zzz").await.is_empty());
}

#[tokio::test]
async fn a_value_just_under_etcds_limit_is_stored_and_one_over_refused_before_sending() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let key = Key::from("big");
    let near_limit = vec![b'x'; MAX_REQUEST_BYTES - 1024];
    keys::put(
        &etcd,
        &key,
        near_limit.clone(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();
    assert_eq!(
        keys::get(&etcd, &key).await.unwrap().value.as_bytes().len(),
        near_limit.len()
    );

    let over = keys::put(
        &etcd,
        &key,
        vec![b'x'; MAX_REQUEST_BYTES],
        PutCondition::Always,
        Expiry::Never,
    )
    .await;
    assert_eq!(over.unwrap_err().status(), 413);
    let empty = keys::put(
        &etcd,
        &Key::default(),
        b"v".to_vec(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await;
    assert_eq!(empty.unwrap_err().status(), 400);
}

#[tokio::test]
async fn with_etcd_stopped_every_operation_is_unavailable_in_time_and_recovers_after() {
    let cluster = TestCluster::start(1);
    let etcd = cluster.caller().await;
    let key = Key::from("survivor");
    keys::put(
        &etcd,
        &key,
        b"before".to_vec(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();

    cluster.stop();
    let page = PageRequest::new(Key::default(), None, None);
    let deadline = REQUEST_TIMEOUT + Duration::from_millis(500);
    let results = [
        timed(async { etcd.etcd.connection().await.map(|_| ()) }).await,
        timed(async { keys::get(&etcd, &key).await.map(|_| ()) }).await,
        timed(async { keys::list(&etcd, &page).await.map(|_| ()) }).await,
        timed(async {
            keys::put(
                &etcd,
                &key,
                b"during".to_vec(),
                PutCondition::Always,
                Expiry::Never,
            )
            .await
            .map(|_| ())
        })
        .await,
        timed(async { keys::delete(&etcd, &key).await.map(|_| ()) }).await,
    ];
    for (result, took) in results {
        let err = result.unwrap_err();
        assert!(matches!(err, AppError::EtcdUnavailable { .. }), "{err:?}");
        assert_eq!(err.status(), 503);
        assert!(err.to_string().contains(&cluster.endpoints[0]), "{err}");
        assert!(took < deadline, "answered after {took:?}");
    }

    cluster.resume();
    let back = eventually(Duration::from_secs(10), || async {
        etcd.etcd.connection().await.is_ok()
    });
    assert!(back.await, "the same handle works again once etcd is back");
    assert_eq!(
        keys::get(&etcd, &key).await.unwrap().value,
        Value(b"before".to_vec())
    );
    keys::put(
        &etcd,
        &key,
        b"after".to_vec(),
        PutCondition::Always,
        Expiry::Never,
    )
    .await
    .unwrap();
    keys::delete(&etcd, &key).await.unwrap();
}

async fn timed<T>(operation: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let result = operation.await;
    (result, started.elapsed())
}

#[tokio::test]
async fn later_pages_hold_the_first_pages_revision_until_etcd_compacts_it() {
    let cluster = TestCluster::start(1);
    let caller = cluster.caller().await;
    let mut direct = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    for i in 0..10 {
        direct.put(format!("pin/{i:02}"), "v", None).await.unwrap();
    }
    let names = |listing: &etcd_deck::domain::KeyListing| -> Vec<String> {
        listing.keys.iter().map(|k| k.key.display()).collect()
    };
    let first = keys::list(&caller, &PageRequest::new(Key::from("pin/"), None, Some(4)))
        .await
        .unwrap();
    assert_eq!((first.total, first.offset), (10, 0));
    assert_eq!(names(&first), ["pin/00", "pin/01", "pin/02", "pin/03"]);

    // Written after the first page: a key before the cursor, one after it, and a deletion.
    direct.put("pin/00a", "v", None).await.unwrap();
    direct.put("pin/99", "v", None).await.unwrap();
    direct.delete("pin/05", None).await.unwrap();

    let second = first
        .request
        .next(first.next.as_ref().unwrap(), first.revision);
    let pinned = keys::list(&caller, &second).await.unwrap();
    assert_eq!(pinned.revision, first.revision);
    assert_eq!(names(&pinned), ["pin/04", "pin/05", "pin/06", "pin/07"]);
    assert_eq!(
        (pinned.total, pinned.offset),
        (10, 4),
        "the first page's snapshot"
    );
    let third = pinned
        .request
        .next(pinned.next.as_ref().unwrap(), pinned.revision);
    let last = keys::list(&caller, &third).await.unwrap();
    assert_eq!(names(&last), ["pin/08", "pin/09"]);
    assert_eq!((last.total, last.offset, last.next), (10, 8, None));

    // Without a revision, the same cursor sees the keyspace as it is now.
    let mut now = second.clone();
    now.revision = None;
    let current = keys::list(&caller, &now).await.unwrap();
    assert_eq!(names(&current), ["pin/04", "pin/06", "pin/07", "pin/08"]);
    assert_eq!((current.total, current.offset), (11, 5));

    // Once etcd compacts past it, the revision is gone; the pages start again, and say so.
    let revision = common::compact_now(&mut direct).await;
    let gone = keys::list(&caller, &second).await.unwrap_err();
    assert_eq!(
        gone,
        AppError::Compacted {
            revision: first.revision
        }
    );
    assert_eq!(gone.status(), 410);
    let restarted = keys::list_or_restart(&caller, &second).await.unwrap();
    assert_eq!(restarted.compacted, Some(first.revision));
    assert_eq!(restarted.request.after, None);
    assert_eq!(names(&restarted), ["pin/00", "pin/00a", "pin/01", "pin/02"]);
    assert_eq!((restarted.total, restarted.revision), (11, revision));
}
