//! What a password guesser can cost: how many sign-ins each user name and client address may
//! try, and how many passwords are checked at once.
//!
//! An attempt is counted *before* its password is checked, under the same lock that compares
//! the count with the limit, so a burst of simultaneous guesses gets no more checks than the
//! limit; a right password gives its attempt back. Checking a password is expensive on purpose
//! (argon2 takes about 19 MiB and tens of milliseconds; etcd's Authenticate runs bcrypt on the
//! leader), so only a few checks run at once and the rest wait their turn, briefly.

use crate::domain::AppError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Sign-ins allowed per user name and client address in one [`ATTEMPT_WINDOW`], unless right.
const PER_USER_AND_ADDRESS: u32 = 5;
/// Sign-ins allowed per client address, whatever the user names, in one window, unless right.
const PER_ADDRESS: u32 = 20;
const ATTEMPT_WINDOW: Duration = Duration::from_secs(60);
/// Beyond this many counts, the stale ones are dropped.
const MAX_COUNTED: usize = 10_000;
/// The longest a sign-in waits for its turn to be checked before it is refused.
const TURN_WAIT: Duration = Duration::from_secs(5);

/// The sign-in attempts counted, and the turns to check a password.
pub struct Attempts {
    counted: Mutex<HashMap<String, (u32, Instant)>>,
    checks: Semaphore,
    /// Wrong names or passwords since the process started, for etcd-deck's own metrics.
    failed: AtomicU64,
    /// Attempts refused unchecked, over the limits or for want of a turn, likewise.
    throttled: AtomicU64,
}

impl Default for Attempts {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        Attempts {
            counted: Mutex::default(),
            checks: Semaphore::new(cores.clamp(1, 4)),
            failed: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }
}

/// One attempt counted against the limits; [`Attempt::give_back`] gives it back.
#[must_use]
pub struct Attempt<'a> {
    attempts: &'a Attempts,
    keys: [String; 2],
}

impl Attempts {
    /// Counts an attempt to sign in as `name` from `client`, or refuses it while too many
    /// recent ones were counted for this user and address, or for this address.
    pub fn begin(&self, name: &str, client: Option<IpAddr>) -> Result<Attempt<'_>, AppError> {
        let keys = attempt_keys(name, client);
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        if counted.len() >= MAX_COUNTED {
            counted.retain(|_, (_, since)| since.elapsed() < ATTEMPT_WINDOW);
        }
        for (key, limit) in keys.iter().zip([PER_USER_AND_ADDRESS, PER_ADDRESS]) {
            if let Some((count, since)) = counted.get(key) {
                let elapsed = since.elapsed();
                if *count >= limit && elapsed < ATTEMPT_WINDOW {
                    self.throttled.fetch_add(1, Ordering::Relaxed);
                    let wait = (ATTEMPT_WINDOW - elapsed).as_secs() + 1;
                    return Err(AppError::TooManyAttempts {
                        message: format!("too many failed sign-ins; try again in {wait} s"),
                        retry_after_secs: wait,
                    });
                }
            }
        }
        for key in &keys {
            let entry = counted.entry(key.clone()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= ATTEMPT_WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        Ok(Attempt {
            attempts: self,
            keys,
        })
    }

    /// A turn to check a password, once one of the few is free; refused after a short wait.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(TURN_WAIT, self.checks.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                self.throttled.fetch_add(1, Ordering::Relaxed);
                Err(AppError::Busy {
                    message: "too many sign-ins at once; try again in a few seconds".into(),
                    retry_after_secs: TURN_WAIT.as_secs(),
                })
            }
        }
    }

    /// How many sign-ins named a wrong user or password since the process started.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// How many sign-ins were refused unchecked since the process started: too many attempts,
    /// or too many at once.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}

impl Attempt<'_> {
    /// The name or password was wrong: the attempt stays counted, among the failures too.
    pub fn failed(self) {
        self.attempts.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// The password was right, or was never checked (etcd could not be asked): the attempt does
    /// not count.
    pub fn give_back(self) {
        let mut counted = self
            .attempts
            .counted
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for key in &self.keys {
            if let Some((count, _)) = counted.get_mut(key) {
                *count = count.saturating_sub(1);
            }
        }
    }
}

fn attempt_keys(name: &str, client: Option<IpAddr>) -> [String; 2] {
    let address = client.map(|ip| ip.to_string()).unwrap_or_default();
    [format!("{address} {name}"), address]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_counted_before_they_are_checked() {
        let attempts = Attempts::default();
        let here = Some(IpAddr::from([10, 0, 0, 1]));
        let held: Vec<_> = (0..PER_USER_AND_ADDRESS)
            .map(|_| attempts.begin("root", here).unwrap())
            .collect();
        assert!(
            attempts.begin("root", here).is_err(),
            "a sixth guess is refused while five are still being checked"
        );
        assert!(attempts.begin("alice", here).is_ok(), "another name is not");
        for attempt in held {
            attempt.give_back();
        }
        assert!(
            attempts.begin("root", here).is_ok(),
            "right ones give theirs back"
        );
        let elsewhere = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(attempts.begin("root", elsewhere).is_ok());
    }

    #[test]
    fn an_address_has_a_limit_over_all_names() {
        let attempts = Attempts::default();
        let here = Some(IpAddr::from([10, 0, 0, 1]));
        for number in 0..PER_ADDRESS {
            let _counted = attempts.begin(&format!("user{number}"), here).unwrap();
        }
        assert!(attempts.begin("another", here).is_err());
    }
}
