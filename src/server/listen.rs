//! Accepting connections, with limits a slow or hostile client cannot wear out.
//!
//! Every connection must send a whole request head within the header timeout, then its body at
//! a minimum rate (see [`super::slow_body`]), and an idle keep-alive connection is closed after
//! the header timeout (HTTP/1.1; a browser talking to a plain
//! `http://` server does not use HTTP/2). At most `max_connections` are open at once, kept below
//! what the process may hold, so that a client holding many connections open cannot take the
//! file descriptors the server needs for everyone else. With a certificate, connections are
//! HTTPS (rustls), and the TLS handshake must also finish within the header timeout.

use axum::{
    extract::ConnectInfo,
    http::{header, HeaderValue},
    response::Response,
    Router,
};
use hyper::{body::Incoming, server::conn::http1, Request};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::{GracefulShutdown, Watcher},
    service::TowerToHyperService,
};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use std::{future::Future, net::SocketAddr, path::Path, pin::pin, sync::Arc, time::Duration};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
    sync::Semaphore,
};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::slow_body::cut_off_when_slow;

/// How long connections still serving a request may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Browsers that reached etcd-deck over HTTPS use nothing else on that host for a year.
const STRICT_TRANSPORT: HeaderValue = HeaderValue::from_static("max-age=31536000");
/// File descriptors kept for everything but client connections: etcd channels, files, logs.
const RESERVED_DESCRIPTORS: usize = 256;

/// What one client connection may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; more wait in the kernel's backlog until one closes.
    pub max_connections: usize,
    /// The time to send a request head, and the longest a kept-alive connection may idle.
    pub header_timeout: Duration,
}

impl Limits {
    /// These limits, with at most as many connections as the process may open files, less a
    /// reserve.
    pub fn within_open_file_limit(self) -> Self {
        let Some(limit) = open_file_limit() else {
            return self;
        };
        let most = limit.saturating_sub(RESERVED_DESCRIPTORS).max(1);
        if self.max_connections > most {
            tracing::warn!(
                max_connections = most,
                open_file_limit = limit,
                "fewer connections allowed than asked: the process may not open more files"
            );
        }
        Limits {
            max_connections: self.max_connections.min(most),
            ..self
        }
    }
}

/// The certificate etcd-deck serves HTTPS with.
#[derive(Clone)]
pub struct Https(TlsAcceptor);

impl Https {
    /// Reads a PEM certificate chain and its private key.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Self, String> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|err| format!("cannot read the certificate {}: {err}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!("no certificate in {}", cert.display()));
        }
        let key_der = PrivateKeyDer::from_pem_file(key)
            .map_err(|err| format!("cannot read the private key {}: {err}", key.display()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| {
                builder
                    .with_no_client_auth()
                    .with_single_cert(chain, key_der)
            })
            .map_err(|err| {
                format!(
                    "cannot serve HTTPS with {} and {}: {err}",
                    cert.display(),
                    key.display()
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Https(TlsAcceptor::from(Arc::new(config))))
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish. With
/// `https`, every connection is TLS.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    https: Option<Https>,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted.
                    tracing::warn!("could not accept a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let watcher = graceful.watcher();
        let https = https.clone();
        tokio::spawn(async move {
            match https {
                None => serve_connection(stream, client, app, limits, watcher, false).await,
                Some(Https(acceptor)) => {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(limits.header_timeout, handshake).await {
                        Ok(Ok(stream)) => {
                            serve_connection(stream, client, app, limits, watcher, true).await
                        }
                        Ok(Err(err)) => tracing::debug!(%client, "TLS handshake failed: {err}"),
                        Err(_) => tracing::debug!(%client, "TLS handshake timed out"),
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("stopped with requests still open after {SHUTDOWN_GRACE:?}");
    }
}

/// Serves the requests of one connection until it closes, or is idle past the header timeout.
/// Over TLS, responses tell browsers to come back over HTTPS only.
async fn serve_connection<IO>(
    stream: IO,
    client: SocketAddr,
    app: Router,
    limits: Limits,
    watcher: Watcher,
    tls: bool,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = app
        .map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(client));
            request.map(|body| cut_off_when_slow(body, limits.header_timeout))
        })
        .map_response(move |mut response: Response| {
            if tls {
                response
                    .headers_mut()
                    .insert(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT);
            }
            response
        });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    if let Err(err) = watcher.watch(connection).await {
        tracing::debug!(%client, "connection closed: {err}");
    }
}

/// The most files this process may have open (its soft `RLIMIT_NOFILE`), on Linux.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_stay_below_the_open_file_limit() {
        let limit = open_file_limit().expect("Linux reports its limits");
        let limits = Limits {
            max_connections: usize::MAX,
            header_timeout: Duration::from_secs(1),
        };
        let capped = limits.within_open_file_limit();
        assert_eq!(capped.max_connections, limit - RESERVED_DESCRIPTORS);
        let small = Limits {
            max_connections: 10,
            ..limits
        };
        assert_eq!(small.within_open_file_limit().max_connections, 10);
    }
}
