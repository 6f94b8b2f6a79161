//! The shared test harness: real etcd clusters, started with the project's own `cluster/` kit on
//! free ports in a temporary directory, and stopped (by the kit's PID files) when dropped.

#![allow(dead_code)] // each test file uses its own part of the harness

pub mod app;
pub mod prometheus;
pub mod restore;
pub mod server;
pub mod sign_in;

use etcd_deck::etcd::{Etcd, EtcdSettings, EtcdTls, SamplerSettings};
use etcd_deck::services::access::{Access, AccessSettings};
use etcd_deck::services::caller::Caller;
use std::{
    collections::{hash_map::RandomState, BTreeSet},
    hash::{BuildHasher, Hasher},
    net::TcpListener,
    path::PathBuf,
    process::Command,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// The request timeout the tests give etcd-deck.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// A private etcd cluster for one test.
pub struct TestCluster {
    data_dir: tempfile::TempDir,
    pub endpoints: Vec<String>,
    /// With `--tls`: the kit's `ETCD_DECK_ETCD_CA`, `…_CERT` and `…_KEY`, as etcd-deck reads them.
    pub tls_env: Vec<(String, String)>,
    /// The base members' ports, claimed in this process until the cluster is dropped.
    ports: Vec<u16>,
}

impl TestCluster {
    /// Starts `members` etcd members (1, 3 or 5) on free ports and waits until they are healthy.
    pub fn start(members: u8) -> Self {
        Self::start_with_flags(members, "")
    }

    /// Starts a cluster whose members get more etcd flags, like `--auth-token-ttl=2`.
    pub fn start_with_flags(members: u8, etcd_flags: &str) -> Self {
        Self::start_kit(members, etcd_flags, false)
    }

    /// Starts a cluster that serves clients over TLS and requires client certificates
    /// (`cluster/up --tls`).
    pub fn start_tls(members: u8) -> Self {
        Self::start_kit(members, "", true)
    }

    fn start_kit(members: u8, etcd_flags: &str, tls: bool) -> Self {
        let data_dir = tempfile::tempdir().expect("temporary directory");
        let mut last_error = String::new();
        for _ in 0..8 {
            let (base, ports) = claim_base_port(members);
            let output = kit("up")
                .env("CLUSTER_ETCD_ARGS", etcd_flags)
                .arg(members.to_string())
                .arg("--base-port")
                .arg(base.to_string())
                .arg("--data-dir")
                .arg(data_dir.path())
                .args(tls.then_some("--tls"))
                .output()
                .expect("run cluster/up");
            if output.status.success() {
                let stdout = String::from_utf8_lossy(&output.stdout);
                let line = stdout.lines().last().unwrap_or_default();
                let endpoints = line
                    .trim_start_matches("ETCD_ENDPOINTS=")
                    .split(',')
                    .map(str::to_string)
                    .collect();
                let tls_env = stdout
                    .lines()
                    .filter(|line| line.starts_with("ETCD_DECK_ETCD_"))
                    .filter_map(|line| line.split_once('='))
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect();
                return TestCluster {
                    data_dir,
                    endpoints,
                    tls_env,
                    ports,
                };
            }
            last_error = String::from_utf8_lossy(&output.stderr).into_owned();
            let _ = kit("down")
                .arg("--purge")
                .arg("--data-dir")
                .arg(data_dir.path())
                .status();
            release_ports(&ports);
        }
        panic!("could not start an etcd cluster: {last_error}");
    }

    /// An etcd-deck handle on this cluster, as the server creates it.
    pub async fn connect(&self) -> Etcd {
        self.connect_sampling(SamplerSettings::default()).await
    }

    /// [`Self::connect`], reading the members' metrics as `sampler` says.
    pub async fn connect_sampling(&self, sampler: SamplerSettings) -> Etcd {
        self.connect_with(sampler, None).await
    }

    /// [`Self::connect`], reading the members' metrics as `sampler` says, and drawing the charts
    /// and alerts from the Prometheus at `prometheus_url` when one is given.
    pub async fn connect_with(
        &self,
        sampler: SamplerSettings,
        prometheus_url: Option<&str>,
    ) -> Etcd {
        Etcd::connect(EtcdSettings {
            endpoints: self.endpoints.clone(),
            connect_timeout: Duration::from_secs(1),
            request_timeout: REQUEST_TIMEOUT,
            health_interval: Duration::from_millis(500),
            tls: self.etcd_tls(),
            monitor: None,
            sampler,
            prometheus_url: prometheus_url.map(str::to_string),
        })
        .await
        .expect("connect to etcd")
    }

    /// One of the kit's TLS files, by the variable `cluster/up --tls` printed it as
    /// (`ETCD_DECK_ETCD_CA`…); none without TLS.
    pub fn tls_file(&self, name: &str) -> Option<PathBuf> {
        let found = self.tls_env.iter().find(|(key, _)| key == name);
        found.map(|(_, path)| PathBuf::from(path))
    }

    /// What etcd-deck trusts and presents to this cluster's members.
    pub fn etcd_tls(&self) -> EtcdTls {
        EtcdTls::from_files(
            self.tls_file("ETCD_DECK_ETCD_CA").as_deref(),
            self.tls_file("ETCD_DECK_ETCD_CERT").as_deref(),
            self.tls_file("ETCD_DECK_ETCD_KEY").as_deref(),
        )
        .expect("the kit's certificates")
    }

    /// The caller of a server where nobody signs in, acting on this cluster as etcd-deck's
    /// services see it.
    pub async fn caller(&self) -> Caller {
        let access = Access::new(self.connect().await, AccessSettings::open());
        access.anonymous(None).expect("nobody needs to sign in")
    }

    /// How many Range requests the first member has answered, by its `/metrics`.
    pub async fn ranges_answered(&self) -> u64 {
        let handled = "grpc_server_handled_total{";
        let ranges = self.metric(0, handled, "grpc_method=\"Range\"").await;
        ranges.expect("the first member answers")
    }

    /// How many watches are open on the members that answer, by their `/metrics`.
    pub async fn watchers(&self) -> u64 {
        let mut watchers = 0;
        for member in 0..self.endpoints.len() {
            let open = self
                .metric(member, "etcd_debugging_mvcc_watcher_total", "")
                .await;
            watchers += open.unwrap_or_default();
        }
        watchers
    }

    /// The sum of the samples of a metric of one member whose line starts with `name` and
    /// holds `label`; `None` when the member does not answer.
    async fn metric(&self, member: usize, name: &str, label: &str) -> Option<u64> {
        let response = reqwest::get(format!("{}/metrics", self.endpoints[member])).await;
        let metrics = response.ok()?.text().await.ok()?;
        let sum = metrics
            .lines()
            .filter(|line| line.starts_with(name) && line.contains(label))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>();
        Some(sum as u64)
    }

    /// Stops every member, keeping their data.
    pub fn stop(&self) {
        self.run("down", &[]);
    }

    /// Starts the stopped members again on their data.
    pub fn resume(&self) {
        self.run("up", &[]);
    }

    /// The member (`m1`…) serving the watches open on the cluster, if one is.
    pub async fn watching_member(&self) -> Option<String> {
        for member in 0..self.endpoints.len() {
            let open = self
                .metric(member, "etcd_debugging_mvcc_watcher_total", "")
                .await;
            if open.unwrap_or_default() > 0 {
                return Some(format!("m{}", member + 1));
            }
        }
        None
    }

    /// The process id of member `member` (`m1`…), from the kit's PID file.
    pub fn pid(&self, member: &str) -> u32 {
        let file = self.data_dir.path().join(format!("{member}.pid"));
        let text = std::fs::read_to_string(&file).expect("the member's PID file");
        text.trim().parse().expect("a PID")
    }

    /// SIGKILLs one member (`m1`…) or the current leader (`leader`); answers which it was.
    pub fn kill(&self, member: &str) -> String {
        self.run("kill", &[member])
    }

    /// Starts a killed member again.
    pub fn restart(&self, member: &str) {
        self.run("restart", &[member]);
    }

    /// Starts a new member `name` that joins the cluster (`cluster/join`), added as a learner
    /// when `learner`; answers its client URL.
    pub fn join(&self, name: &str, learner: bool) -> String {
        let mut args = vec![name];
        args.extend(learner.then_some("--learner"));
        joined_endpoint(&self.run("join", &args))
    }

    /// Starts, as `name`, the member that was added beforehand with `peer_url` (by etcd-deck or
    /// etcdctl) and has not started; answers its client URL.
    pub fn join_at(&self, name: &str, peer_url: &str) -> String {
        joined_endpoint(&self.run("join", &[name, "--peer-url", peer_url]))
    }

    /// Removes a member that `join` started from the cluster, stops it and deletes its data.
    pub fn leave(&self, name: &str) {
        self.run("leave", &[name]);
    }

    /// The kit's table of the members (`cluster/status`).
    pub fn status(&self) -> String {
        self.run("status", &[])
    }

    /// A peer URL on a free 127.0.0.1 port, for a member added before it starts. The port is
    /// above Linux's ephemeral ports, as `cluster/join` picks them: an outgoing connection could
    /// take an ephemeral one before the member listens on it.
    pub fn free_peer_url() -> String {
        loop {
            let port = 61_000 + (random() % 4_536) as u16;
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return format!("http://127.0.0.1:{port}");
            }
        }
    }

    /// Runs a script of the cluster kit on this cluster; answers what it printed, or what it
    /// said on stderr when it failed.
    pub fn try_run(&self, script: &str, args: &[&str]) -> Result<String, String> {
        let output = kit(script)
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .output()
            .expect("run the cluster kit");
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// Runs a script of the cluster kit on this cluster, which must succeed; answers what it
    /// printed.
    fn run(&self, script: &str, args: &[&str]) -> String {
        self.try_run(script, args)
            .unwrap_or_else(|stderr| panic!("cluster/{script} {args:?} failed: {stderr}"))
    }
}

/// The client URL on the last line `cluster/join` prints, `ETCD_ENDPOINT=…`.
fn joined_endpoint(printed: &str) -> String {
    let last = printed.lines().last().unwrap_or_default();
    let url = last.strip_prefix("ETCD_ENDPOINT=");
    url.unwrap_or_else(|| panic!("cluster/join printed no endpoint: {printed}"))
        .to_string()
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let _ = kit("down")
            .arg("--purge")
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .output();
        release_ports(&self.ports);
    }
}

/// etcd's users in the sign-in tests: `root` (password `root-pw`); `alice` (`alice-pw`) may read
/// and write `app/`; `bob` (`bob-pw`) may read it. `other/secret` is there for none of them but
/// root. Then authentication is turned on.
pub async fn enable_etcd_auth(cluster: &TestCluster) {
    use etcd_client::Permission;
    let mut etcd = etcd_client::Client::connect(&cluster.endpoints, None)
        .await
        .unwrap();
    etcd.user_add("root", "root-pw", None).await.unwrap();
    let _ = etcd.role_add("root").await;
    etcd.user_grant_role("root", "root").await.unwrap();
    for (role, permission) in [
        ("app-rw", Permission::read_write("app/").with_prefix()),
        ("app-ro", Permission::read("app/").with_prefix()),
    ] {
        etcd.role_add(role).await.unwrap();
        etcd.role_grant_permission(role, permission).await.unwrap();
    }
    for (user, password, role) in [("alice", "alice-pw", "app-rw"), ("bob", "bob-pw", "app-ro")] {
        etcd.user_add(user, password, None).await.unwrap();
        etcd.user_grant_role(user, role).await.unwrap();
    }
    etcd.put("other/secret", "s", None).await.unwrap();
    etcd.auth_enable().await.unwrap();
}

/// Compacts etcd's history up to its current revision; answers that revision.
pub async fn compact_now(etcd: &mut etcd_client::Client) -> i64 {
    let now = etcd.get("\0", None).await.unwrap();
    let revision = now.header().unwrap().revision();
    etcd.compact(revision, None).await.unwrap();
    revision
}

/// A number from the environment variable `name`, or `default`: how benches take their sizes.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Polls `check` until it returns true or `within` has passed; returns whether it did.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn kit(script: &str) -> Command {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("cluster")
        .join(script);
    let mut command = Command::new(path);
    command.env_remove("ETCD_ENDPOINTS");
    command
}

/// The first port of Linux's ephemeral range (`net.ipv4.ip_local_port_range`), from which
/// outgoing connections take their ports.
const EPHEMERAL_START: u32 = 32_768;
/// The lowest base port the tests take: the first unprivileged port.
const LOWEST_BASE: u32 = 1_024;

/// The ports of the base members of the clusters this process has started and not dropped. A
/// stopped or killed member keeps its ports, and no other test's cluster may take them meanwhile.
static CLAIMED_PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// The ports `cluster/up` gives `members` members at `base`: member I's client port (m1's at the
/// base, mI's at I × 10000 + base), then its peer and metrics ports at I × 10000 + base + 1 and + 2.
fn kit_ports(members: u8, base: u16) -> Vec<u16> {
    (1..=u16::from(members))
        .flat_map(|i| {
            let client = if i == 1 { base } else { i * 10_000 + base };
            [client, i * 10_000 + base + 1, i * 10_000 + base + 2]
        })
        .collect()
}

/// A base port, and its members' ports, which are free and claimed by no other cluster of this
/// process; it claims them. Up to 3 members' ports are below the ephemeral range: a killed
/// member's port there could be taken by an outgoing connection before the member started again
/// (etcd then exits with "bind: address already in use"). Five members cannot all fit below it;
/// m4's and m5's ports are in it.
fn claim_base_port(members: u8) -> (u16, Vec<u16>) {
    let highest = u32::from(members.min(3)) * 10_000 + 2;
    let bases = EPHEMERAL_START - highest - LOWEST_BASE;
    loop {
        let base = (LOWEST_BASE + (random() % u64::from(bases)) as u32) as u16;
        let ports = kit_ports(members, base);
        let mut claimed = CLAIMED_PORTS.lock().unwrap_or_else(PoisonError::into_inner);
        let free =
            |port: &u16| !claimed.contains(port) && TcpListener::bind(("127.0.0.1", *port)).is_ok();
        if ports.iter().all(free) {
            claimed.extend(&ports);
            return (base, ports);
        }
    }
}

/// Gives back the ports [`claim_base_port`] claimed.
fn release_ports(ports: &[u16]) {
    let mut claimed = CLAIMED_PORTS.lock().unwrap_or_else(PoisonError::into_inner);
    for port in ports {
        claimed.remove(port);
    }
}

fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id()));
    hasher.finish()
}
