//! The client's address behind reverse proxies.
//!
//! Behind a proxy, every connection comes from the proxy, so the sign-in limits and the audit
//! log would see one client. A proxy says whom it forwards in `X-Forwarded-For`, but anyone can
//! send that header: it is believed only from the proxies named with `--trusted-proxies`, and
//! only as far back as the chain of trusted proxies goes.

use super::hook::Hook;
use axum::{
    extract::{ConnectInfo, Request},
    http::HeaderMap,
    response::Response,
};
use std::net::{IpAddr, SocketAddr};

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    pub fn new(proxies: &[IpAddr]) -> Self {
        TrustedProxies(proxies.iter().map(IpAddr::to_canonical).collect())
    }

    /// The address a request comes from: the peer's; or, when the peer is a trusted proxy, the
    /// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. An entry that is
    /// no address stops the walk there, at the last trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.0.contains(&client) {
            return client;
        }
        let forwarded = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for entry in forwarded.into_iter().rev() {
            let Some(address) = parse(entry.trim()) else {
                break;
            };
            client = address;
            if !self.0.contains(&client) {
                break;
            }
        }
        client
    }
}

/// Whether a request comes from this machine: from a loopback address, as the [`TrustedProxies`]
/// hook left it, and not passed on by a proxy. A proxy on this machine that is not named in
/// `--trusted-proxies` connects from loopback for everyone it forwards; the headers proxies add
/// say so.
pub fn from_this_machine(client: Option<IpAddr>, headers: &HeaderMap) -> bool {
    let loopback = client.is_some_and(|ip| ip.to_canonical().is_loopback());
    let proxied = [X_FORWARDED_FOR, "forwarded", "x-real-ip"]
        .iter()
        .any(|name| headers.contains_key(*name));
    loopback && !proxied
}

/// An `X-Forwarded-For` entry: an address, maybe with a port (`[::1]:80`, `10.0.0.1:80`).
/// IPv4 addresses seen through IPv6 (`::ffff:10.0.0.1`) are the IPv4 they are.
fn parse(entry: &str) -> Option<IpAddr> {
    let address = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|addr| addr.ip()))?;
    Some(address.to_canonical())
}

/// When the peer is a trusted proxy, the request's `ConnectInfo` becomes the client it forwards
/// (port 0: the client's port is not known).
impl Hook for TrustedProxies {
    type Carry = ();

    fn before(&self, request: &mut Request) -> Result<(), Response> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        if let Some(peer) = peer {
            let client = self.client(peer.ip(), request.headers());
            if client != peer.ip() {
                let forwarded = SocketAddr::new(client, 0);
                request.extensions_mut().insert(ConnectInfo(forwarded));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(proxies: &[&str], peer: &str, forwarded: &[&str]) -> String {
        let proxies: Vec<IpAddr> = proxies.iter().map(|p| p.parse().unwrap()).collect();
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(X_FORWARDED_FOR, value.parse().unwrap());
        }
        let proxies = TrustedProxies::new(&proxies);
        proxies.client(peer.parse().unwrap(), &headers).to_string()
    }

    #[test]
    fn only_loopback_not_proxied_is_this_machine() {
        let local = |client: &str, header: Option<(&'static str, &'static str)>| {
            let mut headers = HeaderMap::new();
            if let Some((name, value)) = header {
                headers.insert(name, value.parse().unwrap());
            }
            from_this_machine(client.parse().ok(), &headers)
        };
        assert!(local("127.0.0.1", None));
        assert!(local("::1", None));
        assert!(local("::ffff:127.0.0.1", None));
        assert!(!local("10.0.0.9", None));
        assert!(!local("none", None), "no address known");
        assert!(!local(
            "127.0.0.1",
            Some(("x-forwarded-for", "203.0.113.7"))
        ));
        assert!(!local("127.0.0.1", Some(("forwarded", "for=203.0.113.7"))));
        assert!(!local("127.0.0.1", Some(("x-real-ip", "203.0.113.7"))));
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        // No proxy trusted: the header is anyone's to write.
        assert_eq!(client(&[], "10.0.0.9", &["203.0.113.7"]), "10.0.0.9");
        // From a trusted proxy: the client it names.
        assert_eq!(
            client(&["10.0.0.2"], "10.0.0.2", &["203.0.113.7"]),
            "203.0.113.7"
        );
        // A client that sends its own header cannot hide behind it: the proxy appends.
        let spoofed = ["198.51.100.1, 203.0.113.7"];
        assert_eq!(client(&["10.0.0.2"], "10.0.0.2", &spoofed), "203.0.113.7");
        // Through two trusted proxies, across two header lines.
        let chain = ["203.0.113.7, 10.0.0.3", "10.0.0.4"];
        let trusted = ["10.0.0.2", "10.0.0.3", "10.0.0.4"];
        assert_eq!(client(&trusted, "10.0.0.2", &chain), "203.0.113.7");
        // Garbage stops the walk at the last trusted hop; ports and IPv6 are understood.
        assert_eq!(client(&["10.0.0.2"], "10.0.0.2", &["unknown"]), "10.0.0.2");
        assert_eq!(client(&["10.0.0.2"], "10.0.0.2", &[]), "10.0.0.2");
        assert_eq!(
            client(&["10.0.0.2"], "10.0.0.2", &["[2001:db8::1]:443"]),
            "2001:db8::1"
        );
        assert_eq!(
            client(&["10.0.0.2"], "::ffff:10.0.0.2", &["192.0.2.5:80"]),
            "192.0.2.5"
        );
    }
}
