//! How the server is configured: flags, each with an environment variable to fall back on, and
//! Leptos' own options.

use super::assets::hash_file_beside_binary;
use super::listen::{Https, Limits};
use super::security::SiteNames;
use crate::domain::access::SignInMethod;
use crate::etcd::{Etcd, EtcdSettings, EtcdTls, EtcdUser, SamplerSettings};
use crate::services::{
    access::{Access, AccessSettings},
    audit::AuditLog,
    session::SessionCodec,
    users::UsersFile,
};
use leptos::config::{get_configuration, LeptosOptions};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// The environment variable holding the monitoring user's password.
const MONITOR_PASSWORD_ENV: &str = "ETCD_DECK_MONITOR_PASSWORD";

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

    /// How often every member's /metrics is read for the charts and alerts (1s to 5m).
    #[arg(long, env = "ETCD_DECK_METRICS_INTERVAL", default_value = "5s", value_parser = metrics_interval)]
    pub metrics_interval: Duration,

    /// How far back the charts reach: the members' figures are kept in memory this long
    /// (1m to 24h; memory stays flat however long etcd-deck runs).
    #[arg(long, env = "ETCD_DECK_METRICS_WINDOW", default_value = "1h", value_parser = metrics_window)]
    pub metrics_window: Duration,

    /// Read the charts and alerts from this Prometheus (`http://prometheus:9090`, with its path
    /// prefix if it has one), which must scrape every member's /metrics at its client URL: days
    /// of history that survive restarts, up to 7 days back. etcd-deck keeps its own samples
    /// as the fallback: when Prometheus does not answer, the charts say why and the alerts are
    /// etcd-deck's own. A user name and password in the URL are sent as basic authentication:
    /// give such a URL in ETCD_DECK_PROMETHEUS_URL, out of the process list.
    #[arg(long, env = "ETCD_DECK_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,

    /// The CA certificate (PEM) that signed the certificates of `https://` etcd endpoints
    /// [default: the system's trusted roots].
    #[arg(long, env = "ETCD_DECK_ETCD_CA")]
    pub etcd_ca: Option<PathBuf>,

    /// The client certificate (PEM) to present to etcd, for members run with
    /// `--client-cert-auth`; with --etcd-key.
    #[arg(long, env = "ETCD_DECK_ETCD_CERT", requires = "etcd_key")]
    pub etcd_cert: Option<PathBuf>,

    /// The private key (PEM) of --etcd-cert.
    #[arg(long, env = "ETCD_DECK_ETCD_KEY", requires = "etcd_cert")]
    pub etcd_key: Option<PathBuf>,

    /// An etcd user etcd-deck asks for member status as, for the cluster page of everyone
    /// signed in (etcd 3.5.28 to 3.5.31 and 3.6.9 to 3.6.11 give it to the root role only).
    /// Used for status and health only, never for anyone's reads or writes. Its password is read
    /// from --etcd-monitor-password-file, or else from ETCD_DECK_MONITOR_PASSWORD.
    #[arg(long, env = "ETCD_DECK_MONITOR_USER")]
    pub etcd_monitor_user: Option<String>,

    /// The file holding the password of --etcd-monitor-user (its first line).
    #[arg(
        long,
        env = "ETCD_DECK_MONITOR_PASSWORD_FILE",
        requires = "etcd_monitor_user"
    )]
    pub etcd_monitor_password_file: Option<PathBuf>,

    /// Address to serve the web UI on [default: LEPTOS_SITE_ADDR, or 127.0.0.1:3000].
    #[arg(long, env = "ETCD_DECK_ADDR")]
    pub addr: Option<SocketAddr>,

    /// Also serve etcd-deck's own metrics (`/metrics`, for Prometheus) on this address, to
    /// anyone who can reach it, and nothing else there. The main address serves them to clients
    /// on this machine and to admins only.
    #[arg(long, env = "ETCD_DECK_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Serve HTTPS with this certificate chain (PEM); with --tls-key.
    #[arg(long, env = "ETCD_DECK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "ETCD_DECK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// The URLs people reach etcd-deck at, when that is not the address it serves on (behind a
    /// reverse proxy, or by a DNS name), comma-separated: `https://deck.example`.
    #[arg(long, env = "ETCD_DECK_PUBLIC_URL", value_delimiter = ',')]
    pub public_url: Vec<String>,

    /// More host names requests may name, comma-separated. Loopback names and the address
    /// served on are always allowed.
    #[arg(long, env = "ETCD_DECK_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Reverse proxies (IP addresses, comma-separated) whose `X-Forwarded-For` names the client,
    /// for the sign-in limits and the audit log.
    #[arg(long, env = "ETCD_DECK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// The most client connections open at once (kept below the process's open file limit).
    #[arg(long, env = "ETCD_DECK_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// Serve on an address other machines can reach although nobody signs in (no users file,
    /// and etcd does not require authentication): anyone who reaches it can read and write every
    /// key.
    #[arg(long, env = "ETCD_DECK_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,

    /// Sign people in from this file of etcd-deck users (`etcd-deck user add` writes it), for an
    /// etcd without authentication. Without it, people sign in as etcd users when etcd requires
    /// authentication.
    #[arg(long, env = "ETCD_DECK_USERS_FILE")]
    pub users_file: Option<PathBuf>,

    /// Refuse every write, for everyone.
    #[arg(long, env = "ETCD_DECK_READ_ONLY")]
    pub read_only: bool,

    /// Write one JSON line per write attempt to this file (`-` for standard output).
    #[arg(long, env = "ETCD_DECK_AUDIT_LOG")]
    pub audit_log: Option<String>,

    /// The file with the key that seals sessions, made if missing. Processes given the same key
    /// honour each other's sessions; without one, sessions end when the process stops.
    #[arg(long, env = "ETCD_DECK_SESSION_KEY_FILE")]
    pub session_key_file: Option<PathBuf>,

    /// A session not used for this long ends.
    #[arg(long, env = "ETCD_DECK_SESSION_IDLE", default_value = "1h", value_parser = humantime::parse_duration)]
    pub session_idle: Duration,

    /// No session lasts longer than this.
    #[arg(long, env = "ETCD_DECK_SESSION_MAX", default_value = "12h", value_parser = humantime::parse_duration)]
    pub session_max: Duration,

    /// How long a client may take to send a request's head, and the longest an idle connection
    /// is kept.
    #[arg(long, env = "ETCD_DECK_HEADER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
}

impl Config {
    pub fn etcd_settings(&self) -> Result<EtcdSettings, String> {
        let tls = EtcdTls::from_files(
            self.etcd_ca.as_deref(),
            self.etcd_cert.as_deref(),
            self.etcd_key.as_deref(),
        )?;
        Ok(EtcdSettings {
            endpoints: self
                .etcd_endpoints
                .iter()
                .map(|endpoint| endpoint.trim().to_string())
                .filter(|endpoint| !endpoint.is_empty())
                .collect(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            health_interval: self.health_interval,
            tls,
            monitor: self.monitor_user()?,
            sampler: SamplerSettings {
                interval: self.metrics_interval,
                window: self.metrics_window,
            },
            prometheus_url: (self.prometheus_url.as_deref())
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(str::to_string),
        })
    }

    /// The monitoring user and its password, from a file or the environment (never a flag,
    /// which anyone on the machine could read from the process list).
    fn monitor_user(&self) -> Result<Option<EtcdUser>, String> {
        let Some(name) = self.etcd_monitor_user.clone().filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let password = match &self.etcd_monitor_password_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|err| format!("cannot read {}: {err}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
            None => std::env::var(MONITOR_PASSWORD_ENV).map_err(|_| {
                format!(
                    "--etcd-monitor-user {name} needs a password: give \
                     --etcd-monitor-password-file or set {MONITOR_PASSWORD_ENV}"
                )
            })?,
        };
        Ok(Some(EtcdUser { name, password }))
    }

    /// The certificate to serve HTTPS with, if one is given.
    pub fn https(&self) -> Result<Option<Https>, String> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Https::from_files(cert, key).map(Some),
            _ => Ok(None),
        }
    }

    /// Who may use etcd-deck and how: sign-in from the users file, or as etcd users when etcd
    /// requires it (asked now when serving beyond loopback), or nobody. Serving the keyspace
    /// without sign-in on an address other machines can reach is refused, unless
    /// `--insecure-no-auth` says so.
    pub async fn access(&self, etcd: Etcd, addr: SocketAddr) -> Result<Access, String> {
        let users = match &self.users_file {
            Some(path) => Some(UsersFile::load(path)?),
            None => None,
        };
        let audit = match &self.audit_log {
            Some(path) => Some(
                AuditLog::open(path)
                    .map_err(|err| format!("cannot open the audit log {path}: {err}"))?,
            ),
            None => None,
        };
        let sessions = match &self.session_key_file {
            Some(path) => SessionCodec::from_key_file(path, self.session_idle, self.session_max)?,
            None => SessionCodec::ephemeral(self.session_idle, self.session_max),
        };
        let method = if users.is_some() {
            SignInMethod::UsersFile
        } else {
            SignInMethod::None
        };
        let access = Access::new(
            etcd,
            AccessSettings {
                method,
                users,
                read_only: self.read_only,
                audit: audit.unwrap_or_default(),
                sessions,
            },
        );
        if method == SignInMethod::None && !self.may_serve_without_sign_in(addr) {
            match access.detect_etcd_authentication().await {
                Ok(true) => {}
                Ok(false) => {
                    return Err(format!(
                        "refusing to serve on {addr}: nobody would sign in (etcd does not require \
                     authentication, and no --users-file is given), so anyone who can reach that \
                     address could read and write every key. Enable authentication in etcd, give \
                     --users-file, serve on 127.0.0.1, or pass --insecure-no-auth to serve anyway."
                    ))
                }
                Err(err) => {
                    return Err(format!(
                        "refusing to serve on {addr}: could not ask etcd whether it requires \
                     authentication ({err}), and without it nobody would sign in. Give \
                     --users-file, serve on 127.0.0.1, start etcd first, or pass \
                     --insecure-no-auth to serve anyway."
                    ))
                }
            }
        }
        Ok(access)
    }

    /// Whether the keyspace may be served on `addr` with nobody signing in.
    pub fn may_serve_without_sign_in(&self, addr: SocketAddr) -> bool {
        addr.ip().is_loopback() || self.insecure_no_auth
    }

    /// Whether people reach etcd-deck over HTTPS (served with a certificate, or behind a proxy
    /// that does), so cookies must say `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.tls_cert.is_some()
            || self
                .public_url
                .iter()
                .any(|url| url.to_ascii_lowercase().starts_with("https://"))
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

/// A duration within `min` and `max`, as a flag gives it.
fn duration_within(text: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|err| err.to_string())?;
    if duration < min || duration > max {
        return Err(format!(
            "give between {} and {}",
            humantime::format_duration(min),
            humantime::format_duration(max)
        ));
    }
    Ok(duration)
}

fn metrics_interval(text: &str) -> Result<Duration, String> {
    duration_within(text, Duration::from_secs(1), Duration::from_secs(300))
}

fn metrics_window(text: &str) -> Result<Duration, String> {
    duration_within(
        text,
        Duration::from_secs(60),
        Duration::from_secs(24 * 3600),
    )
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
        let addr = |text: &str| text.parse().unwrap();
        let open = flags(&["etcd-deck"]);
        assert!(open.may_serve_without_sign_in(addr("127.0.0.1:3000")));
        assert!(open.may_serve_without_sign_in(addr("[::1]:3000")));
        assert!(!open.may_serve_without_sign_in(addr("0.0.0.0:3000")));
        assert!(!open.may_serve_without_sign_in(addr("10.0.0.5:3000")));
        let insecure = flags(&["etcd-deck", "--insecure-no-auth"]);
        assert!(insecure.may_serve_without_sign_in(addr("0.0.0.0:3000")));
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
        let settings = flags.config.etcd_settings().unwrap();
        assert_eq!(settings.endpoints, ["http://a:2379", "http://b:2379"]);
        assert_eq!(settings.request_timeout, Duration::from_millis(500));
        assert_eq!(settings.connect_timeout, Duration::from_secs(2));
        assert_eq!(settings.prometheus_url, None);
        let prometheus = [
            "etcd-deck",
            "--prometheus-url",
            " http://prometheus:9090/prom ",
        ];
        let settings = Flags::try_parse_from(prometheus).unwrap().config;
        let settings = settings.etcd_settings().unwrap();
        assert_eq!(
            settings.prometheus_url.as_deref(),
            Some("http://prometheus:9090/prom")
        );
    }

    #[test]
    fn certificates_come_with_their_keys() {
        let parse = |args: &[&str]| Flags::try_parse_from(args).map(|flags| flags.config);
        assert!(parse(&["etcd-deck", "--tls-cert", "c.pem"]).is_err());
        assert!(parse(&["etcd-deck", "--etcd-key", "k.pem"]).is_err());
        let https = parse(&["etcd-deck", "--tls-cert", "c.pem", "--tls-key", "k.pem"]).unwrap();
        assert!(https.secure_cookies());
        let missing = https.https().err().unwrap();
        assert!(missing.contains("c.pem"), "{missing}");
        assert!(!parse(&["etcd-deck"]).unwrap().secure_cookies());
    }
}
