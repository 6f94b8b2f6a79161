//! A snapshot restored into a new one-member cluster, as an operator restores one: with
//! `etcdutl snapshot restore` (`etcdctl snapshot restore` where the etcd has no etcdutl), then
//! etcd started on the restored data on free ports. Stopped by its PID when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Restored {
    child: Child,
    pub endpoint: String,
}

/// A tool of the etcd the suite runs against (`etcd`, `etcdctl`, `etcdutl`): in
/// `$CLUSTER_ETCD_BIN`, or else on the PATH.
pub fn tool(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CLUSTER_ETCD_BIN").map(PathBuf::from);
    let candidates = dir.into_iter().chain(
        std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    candidates
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Restored {
    /// Restores `snapshot` into a data directory under `dir` and starts etcd on it.
    pub async fn start(snapshot: &Path, dir: &Path) -> Self {
        let (client, peer) = (free_port(), free_port());
        let peer_url = format!("http://127.0.0.1:{peer}");
        let cluster = format!("restored={peer_url}");
        let data = dir.join("restored.etcd");
        let (program, mut restore) = match tool("etcdutl") {
            Some(etcdutl) => ("etcdutl", Command::new(etcdutl)),
            None => ("etcdctl", Command::new(tool("etcdctl").expect("etcdctl"))),
        };
        let restored = restore
            .env("ETCDCTL_API", "3")
            .args(["snapshot", "restore"])
            .arg(snapshot)
            .arg("--data-dir")
            .arg(&data)
            .args(["--name", "restored", "--initial-cluster", &cluster])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .output()
            .unwrap();
        assert!(
            restored.status.success(),
            "{program} snapshot restore: {restored:?}"
        );
        let endpoint = format!("http://127.0.0.1:{client}");
        let child = Command::new(tool("etcd").expect("etcd"))
            .arg("--data-dir")
            .arg(&data)
            .args(["--name", "restored", "--initial-cluster", &cluster])
            .args(["--listen-peer-urls", &peer_url])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .args(["--listen-client-urls", &endpoint])
            .args(["--advertise-client-urls", &endpoint])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let restored = Restored { child, endpoint };
        let deadline = Instant::now() + Duration::from_secs(20);
        let health = format!("{}/health", restored.endpoint);
        loop {
            let answer = reqwest::get(&health).await;
            if answer.is_ok_and(|answer| answer.status().is_success()) {
                break;
            }
            assert!(Instant::now() < deadline, "the restored etcd did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        restored
    }
}

impl Drop for Restored {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
