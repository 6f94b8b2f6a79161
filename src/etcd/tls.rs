//! TLS to etcd: the certificate authority to trust for `https://` endpoints, and the client
//! certificate to present when etcd asks for one (`--client-cert-auth`).

use etcd_client::{Certificate, Identity, TlsOptions};
use std::{fmt, fs, path::Path};

/// What etcd-deck trusts and presents on `https://` endpoints. Without a CA, the system's
/// trusted roots are used.
#[derive(Clone, Default)]
pub struct EtcdTls {
    ca: Option<Vec<u8>>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl EtcdTls {
    /// Reads the PEM files given: a CA bundle, and a client certificate with its key (both or
    /// neither).
    pub fn from_files(
        ca: Option<&Path>,
        cert: Option<&Path>,
        key: Option<&Path>,
    ) -> Result<Self, String> {
        let read = |what: &str, path: &Path| {
            let pem = fs::read(path)
                .map_err(|err| format!("cannot read the {what} {}: {err}", path.display()))?;
            if !pem.windows(11).any(|window| window == b"-----BEGIN ") {
                return Err(format!("the {what} {} is not PEM", path.display()));
            }
            Ok(pem)
        };
        let identity = match (cert, key) {
            (Some(cert), Some(key)) => Some((
                read("etcd client certificate", cert)?,
                read("etcd client key", key)?,
            )),
            (None, None) => None,
            _ => return Err("--etcd-cert and --etcd-key go together: give both or neither".into()),
        };
        Ok(EtcdTls {
            ca: ca
                .map(|path| read("etcd CA certificate", path))
                .transpose()?,
            identity,
        })
    }

    /// Whether anything was given beyond the defaults.
    pub fn is_configured(&self) -> bool {
        self.ca.is_some() || self.identity.is_some()
    }

    pub(super) fn options(&self) -> TlsOptions {
        let options = match &self.ca {
            Some(ca) => TlsOptions::new().ca_certificate(Certificate::from_pem(ca)),
            None => TlsOptions::new().with_native_roots(),
        };
        match &self.identity {
            Some((cert, key)) => options.identity(Identity::from_pem(cert, key)),
            None => options,
        }
    }
}

impl EtcdTls {
    /// An HTTP client for the members' own HTTP endpoints (`/metrics`), trusting and presenting
    /// what the gRPC clients do.
    pub(super) fn http_client(
        &self,
        timeout: std::time::Duration,
    ) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder().timeout(timeout);
        if let Some(ca) = &self.ca {
            let ca = reqwest::Certificate::from_pem(ca).map_err(|err| err.to_string())?;
            builder = builder.add_root_certificate(ca);
        }
        if let Some((cert, key)) = &self.identity {
            let pem = [cert.as_slice(), b"\n", key.as_slice()].concat();
            let identity = reqwest::Identity::from_pem(&pem).map_err(|err| err.to_string())?;
            builder = builder.identity(identity);
        }
        builder.build().map_err(|err| err.to_string())
    }
}

impl fmt::Debug for EtcdTls {
    /// Says what is configured, never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EtcdTls")
            .field("ca", &self.ca.is_some())
            .field("client_certificate", &self.identity.is_some())
            .finish()
    }
}

/// Whether `url` is reached over TLS.
pub(super) fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_certificate_needs_its_key_and_files_must_be_pem() {
        let mut pem = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            pem,
            "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"
        )
        .unwrap();
        let mut other = tempfile::NamedTempFile::new().unwrap();
        writeln!(other, "not a certificate").unwrap();
        let half = EtcdTls::from_files(None, Some(pem.path()), None);
        assert!(half.unwrap_err().contains("give both or neither"));
        let not_pem = EtcdTls::from_files(Some(other.path()), None, None).unwrap_err();
        assert!(not_pem.contains("is not PEM"), "{not_pem}");
        let missing = EtcdTls::from_files(Some(Path::new("/nonexistent/ca.pem")), None, None);
        assert!(missing.unwrap_err().contains("/nonexistent/ca.pem"));
        let both = EtcdTls::from_files(Some(pem.path()), Some(pem.path()), Some(pem.path()));
        let both = both.unwrap();
        assert!(both.is_configured());
        assert_eq!(
            format!("{both:?}"),
            "EtcdTls { ca: true, client_certificate: true }"
        );
        assert!(!EtcdTls::default().is_configured());
    }

    #[test]
    fn https_is_told_by_the_scheme() {
        assert!(is_https("https://10.0.0.1:2379"));
        assert!(is_https("HTTPS://a:2379"));
        assert!(!is_https("http://a:2379"));
        assert!(!is_https("a:2379"));
    }
}
