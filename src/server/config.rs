//! How the server is configured: flags, each with an environment variable to fall back on, and
//! Leptos' own options.

use super::assets::hash_file_beside_binary;
use super::listen::Limits;
use super::security::SiteNames;
use crate::etcd::EtcdSettings;
use leptos::config::{get_configuration, LeptosOptions};
use std::{net::SocketAddr, time::Duration};

/// How the server reaches etcd and where it listens.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// etcd client URLs, comma-separated.
    #[arg(
        long,
        env = "ETCD_ENDPOINTS",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:2379"
    )]
    pub etcd_endpoints: Vec<String>,

    /// How long any one etcd request may take before it is reported as unavailable.
    #[arg(long, env = "ETCD_REQUEST_TIMEOUT", default_value = "2s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// How long connecting to an etcd member may take.
    #[arg(long, env = "ETCD_CONNECT_TIMEOUT", default_value = "2s", value_parser = humantime::parse_duration)]
    pub connect_timeout: Duration,

    /// How often every etcd endpoint's health is checked.
    #[arg(long, env = "ETCD_HEALTH_INTERVAL", default_value = "1s", value_parser = humantime::parse_duration)]
    pub health_interval: Duration,

    /// Address to serve the web UI on [default: LEPTOS_SITE_ADDR, or 127.0.0.1:3000].
    #[arg(long, env = "ETCD_DECK_ADDR")]
    pub addr: Option<SocketAddr>,

    /// The URLs people reach etcd-deck at, when that is not the address it serves on (behind a
    /// reverse proxy, or by a DNS name), comma-separated: `https://deck.example`.
    #[arg(long, env = "ETCD_DECK_PUBLIC_URL", value_delimiter = ',')]
    pub public_url: Vec<String>,

    /// More host names requests may name, comma-separated. Loopback names and the address
    /// served on are always allowed.
    #[arg(long, env = "ETCD_DECK_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// The most client connections open at once (kept below the process's open file limit).
    #[arg(long, env = "ETCD_DECK_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// Serve on an address other machines can reach although etcd-deck has no sign-in: anyone
    /// who reaches it can read and write every key.
    #[arg(long, env = "ETCD_DECK_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,

    /// How long a client may take to send a request's head, and the longest an idle connection
    /// is kept.
    #[arg(long, env = "ETCD_DECK_HEADER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
}

impl Config {
    pub fn etcd_settings(&self) -> EtcdSettings {
        EtcdSettings {
            endpoints: self
                .etcd_endpoints
                .iter()
                .map(|endpoint| endpoint.trim().to_string())
                .filter(|endpoint| !endpoint.is_empty())
                .collect(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            health_interval: self.health_interval,
        }
    }

    /// Refuses to serve the keyspace without sign-in on an address other machines can reach,
    /// unless `--insecure-no-auth` says so.
    pub fn check_exposure(&self, addr: SocketAddr) -> Result<(), String> {
        if addr.ip().is_loopback() || self.insecure_no_auth {
            return Ok(());
        }
        Err(format!(
            "refusing to serve on {addr}: etcd-deck has no sign-in yet, so anyone who can reach \
             that address could read and write every key. Serve on 127.0.0.1 (behind a proxy that \
             signs people in), or pass --insecure-no-auth to serve anyway."
        ))
    }

    /// What one client connection may cost.
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections,
            header_timeout: self.header_timeout,
        }
        .within_open_file_limit()
    }

    /// The names and origins this server answers to when it serves on `addr`.
    pub fn site_names(&self, addr: SocketAddr) -> Result<SiteNames, String> {
        SiteNames::new(addr, &self.public_url, &self.allowed_hosts)
    }

    /// Leptos' options from its environment variables, with this configuration's address. The
    /// release build's hashed file names are used whenever its `hash.txt` is beside the binary.
    pub fn leptos_options(
        &self,
    ) -> Result<LeptosOptions, leptos::config::errors::LeptosConfigError> {
        let mut options = get_configuration(None)?.leptos_options;
        if let Some(addr) = self.addr {
            options.site_addr = addr;
        }
        options.hash_files |= hash_file_beside_binary(&options.hash_file);
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn only_loopback_is_served_without_sign_in_unless_asked() {
        let flags = |args: &[&str]| Flags::try_parse_from(args).unwrap().config;
        let open = flags(&["etcd-deck"]);
        assert!(open
            .check_exposure("127.0.0.1:3000".parse().unwrap())
            .is_ok());
        assert!(open.check_exposure("[::1]:3000".parse().unwrap()).is_ok());
        let refused = open.check_exposure("0.0.0.0:3000".parse().unwrap());
        assert!(refused.unwrap_err().contains("--insecure-no-auth"));
        assert!(open
            .check_exposure("10.0.0.5:3000".parse().unwrap())
            .is_err());
        let insecure = flags(&["etcd-deck", "--insecure-no-auth"]);
        assert!(insecure
            .check_exposure("0.0.0.0:3000".parse().unwrap())
            .is_ok());
    }

    #[test]
    fn endpoints_are_comma_separated_and_timeouts_human() {
        let flags = Flags::try_parse_from([
            "etcd-deck",
            "--etcd-endpoints",
            "http://a:2379, http://b:2379,",
            "--request-timeout",
            "500ms",
        ])
        .unwrap();
        let settings = flags.config.etcd_settings();
        assert_eq!(settings.endpoints, ["http://a:2379", "http://b:2379"]);
        assert_eq!(settings.request_timeout, Duration::from_millis(500));
        assert_eq!(settings.connect_timeout, Duration::from_secs(2));
    }
}
