//! The REST contract, checked by a property-based tester: Schemathesis (pinned in the Makefile,
//! installed by `make setup` into `.tools/schemathesis`) reads the OpenAPI document the real
//! server serves, generates valid and invalid requests for every operation from it, sends them to
//! that server on a real etcd, and checks each answer against the document: no 5xx, only
//! documented statuses, bodies and headers, valid requests accepted, invalid ones refused, and
//! 405s with a correct `Allow`. What it runs, and why each exception, is in `tests/contract.toml`
//! and `tests/contract_hooks.py`.

mod common;

use common::{server::TestServer, TestCluster};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Where `make setup` installs the pinned Schemathesis.
const SCHEMATHESIS: &str = ".tools/schemathesis/bin/st";

#[test]
fn the_server_answers_as_its_openapi_document_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let st = root.join(SCHEMATHESIS);
    assert!(
        st.exists(),
        "{} is missing: run `make setup` to install the pinned Schemathesis",
        st.display()
    );
    let cluster = TestCluster::start(1);
    let server = TestServer::start(&cluster);
    let report = tempfile::tempdir().expect("temporary directory");
    let started = Instant::now();
    let output = Command::new(&st)
        .arg("--config-file")
        .arg(root.join("tests/contract.toml"))
        .args(["run", "--no-color"])
        .arg(format!("{}/api/v1/openapi.json", server.url))
        .arg("--report-dir")
        .arg(report.path())
        .current_dir(report.path())
        .env("SCHEMATHESIS_HOOKS", root.join("tests/contract_hooks.py"))
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "Schemathesis found requests the server answers unlike its document \
         (exit {:?}, {:.0?}):\n{stdout}\n{stderr}",
        output.status.code(),
        started.elapsed()
    );
    println!("{stdout}\nSchemathesis took {:.0?}", started.elapsed());
}
