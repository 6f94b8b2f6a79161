//! Uploads held between two requests: an import file between its dry run and its apply, so a
//! form without JavaScript can apply what it reported on. Each belongs to the person who sent
//! it, lives a quarter of an hour, and the whole stash holds at most [`STASH_BYTES`], and each
//! person's uploads at most [`STASH_BYTES_EACH`] (the oldest go first). Nothing here is ever
//! logged.

use rand::RngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most the stash holds, in bytes.
pub const STASH_BYTES: usize = 512 * 1024 * 1024;
/// The most one person's uploads hold, in bytes: one import of the largest size.
pub const STASH_BYTES_EACH: usize = 256 * 1024 * 1024;
/// How long an upload is kept.
pub const STASH_FOR: Duration = Duration::from_secs(15 * 60);

/// The uploads held, by id.
#[derive(Clone, Default)]
pub struct Stash(Arc<Mutex<HashMap<String, Held>>>);

struct Held {
    owner: Option<String>,
    at: Instant,
    bytes: Arc<Vec<u8>>,
}

impl Stash {
    /// Keeps `bytes` for `owner`; answers the id to ask for them by.
    pub fn put(&self, owner: Option<&str>, bytes: Vec<u8>) -> String {
        let id = new_id();
        self.put_as(owner, &id, bytes);
        id
    }

    /// Keeps `bytes` for `owner` under an id they chose, replacing what they kept under it. The
    /// id is theirs alone: another owner's under the same id is another entry.
    pub fn put_as(&self, owner: Option<&str>, id: &str, bytes: Vec<u8>) {
        let id = stash_id(owner, id);
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.retain(|_, upload| upload.at.elapsed() < STASH_FOR);
        held.remove(&id);
        let theirs = |upload: &Held| upload.owner.as_deref() == owner;
        for (limit, whose) in [
            (STASH_BYTES_EACH, &theirs as &dyn Fn(&Held) -> bool),
            (STASH_BYTES, &|_: &Held| true),
        ] {
            let mut total: usize = held
                .values()
                .filter(|upload| whose(upload))
                .map(|upload| upload.bytes.len())
                .sum();
            while total + bytes.len() > limit {
                let Some(oldest) = held
                    .iter()
                    .filter(|(_, upload)| whose(upload))
                    .min_by_key(|(_, upload)| upload.at)
                    .map(|(id, _)| id.clone())
                else {
                    break;
                };
                total -= held.remove(&oldest).map_or(0, |upload| upload.bytes.len());
            }
        }
        held.insert(
            id.clone(),
            Held {
                owner: owner.map(str::to_string),
                at: Instant::now(),
                bytes: Arc::new(bytes),
            },
        );
    }

    /// The bytes `owner` stashed under `id`, while they are kept.
    pub fn get(&self, owner: Option<&str>, id: &str) -> Option<Arc<Vec<u8>>> {
        let held = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.get(&stash_id(owner, id))
            .filter(|upload| upload.owner.as_deref() == owner && upload.at.elapsed() < STASH_FOR)
            .map(|upload| upload.bytes.clone())
    }
}

/// A new id to keep something under: 32 random hex digits.
pub fn new_id() -> String {
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    hex::encode(id)
}

/// Where an owner's entry is held: ids are per owner, so nobody can replace another's.
fn stash_id(owner: Option<&str>, id: &str) -> String {
    format!("{}/{id}", owner.map(hex::encode).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_its_owners_alone() {
        let stash = Stash::default();
        let id = stash.put(Some("alice"), b"file".to_vec());
        assert_eq!(
            stash.get(Some("alice"), &id).as_deref().map(Vec::as_slice),
            Some(b"file".as_slice())
        );
        assert!(stash.get(Some("bob"), &id).is_none());
        assert!(stash.get(None, &id).is_none());
        let bob = stash.put(Some("bob"), vec![0; STASH_BYTES_EACH - 10]);
        let again = stash.put(Some("bob"), vec![1; 20]);
        assert!(
            stash.get(Some("bob"), &bob).is_none(),
            "his older upload made room"
        );
        assert!(stash.get(Some("bob"), &again).is_some());
        assert!(stash.get(Some("alice"), &id).is_some(), "hers stays");
        assert!(stash.get(Some("alice"), "nope").is_none());
        stash.put_as(Some("bob"), &id, b"his".to_vec());
        assert_eq!(
            stash.get(Some("alice"), &id).as_deref().map(Vec::as_slice),
            Some(b"file".as_slice())
        );
        assert_eq!(
            stash.get(Some("bob"), &id).as_deref().map(Vec::as_slice),
            Some(b"his".as_slice())
        );
    }
}
