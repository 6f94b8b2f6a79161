//! Command-line flags, each with an environment variable to fall back on.

use crate::cli::KvArgs;
use crate::etcd::EtcdSettings;
use clap::{Parser, Subcommand};
use std::{net::SocketAddr, time::Duration};

/// etcd-deck: a web console for etcd. Without a command, it serves the web UI and REST API.
#[derive(Debug, Parser)]
#[command(
    name = "etcd-deck",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read and write keys through a running etcd-deck, from the command line.
    Kv(KvArgs),
}

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_comma_separated_and_timeouts_human() {
        let cli = Cli::try_parse_from([
            "etcd-deck",
            "--etcd-endpoints",
            "http://a:2379, http://b:2379,",
            "--request-timeout",
            "500ms",
        ])
        .unwrap();
        let settings = cli.serve.etcd_settings();
        assert_eq!(settings.endpoints, ["http://a:2379", "http://b:2379"]);
        assert_eq!(settings.request_timeout, Duration::from_millis(500));
        assert_eq!(settings.connect_timeout, Duration::from_secs(2));
    }

    #[test]
    fn kv_is_a_command_of_its_own() {
        let cli = Cli::try_parse_from(["etcd-deck", "kv", "get", "a/b", "-o", "json"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Kv(_))));
        let mixed = Cli::try_parse_from(["etcd-deck", "--request-timeout", "1s", "kv", "ls"]);
        assert!(mixed.is_err(), "server flags do not mix with kv");
    }
}
