//! Connections to single members, kept between the requests that need one member alone.

use etcd_client::Client;
use std::collections::HashMap;
use std::sync::Mutex;

/// Clients of single members, by URL, kept so that reading every member's status every few
/// seconds neither connects nor signs in again each time. A member's connection comes back by
/// itself after the member does; the map is emptied when it outgrows [`MEMBER_CLIENTS`].
#[derive(Default)]
pub(super) struct MemberClients(Mutex<HashMap<String, Client>>);

/// The most member clients kept per user: more members than a cluster has.
const MEMBER_CLIENTS: usize = 16;

impl MemberClients {
    pub(super) fn get(&self, url: &str) -> Option<Client> {
        self.0.lock().ok()?.get(url).cloned()
    }

    pub(super) fn keep(&self, url: &str, client: &Client) {
        if let Ok(mut clients) = self.0.lock() {
            if clients.len() >= MEMBER_CLIENTS {
                clients.clear();
            }
            clients.insert(url.to_string(), client.clone());
        }
    }
}
