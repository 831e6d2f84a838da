//! An independent TUF client, python-tuf's ngclient, verifies a juzhu
//! registry and downloads a module and its attestation from it over HTTP.
//! The test fails (never skips) when python-tuf is missing: `scripts/setup.sh`
//! installs it from tests/interop/requirements.txt.

mod common;

use std::process::Command;

use common::*;
use sha2::{Digest, Sha256};

fn run_ngclient(f: &Fixture, targets: &[&str]) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/tuf_client.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(f.dir()).arg(f.path("metadata/1.root.json")).args(targets);
    cmd.output().expect("python3 runs (install it, then `pip install -r host/registry/tests/interop/requirements.txt`)")
}

#[test]
fn python_tuf_ngclient_downloads_a_module_and_its_attestation() {
    let probe = Command::new("python3").args(["-c", "import tuf.ngclient"]).output().expect("python3 is installed");
    assert!(
        probe.status.success(),
        "python-tuf is not installed: run scripts/setup.sh (pip install -r host/registry/tests/interop/requirements.txt)\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let f = fixture();
    // A root rotation and a second version, so ngclient walks the chain and
    // reads a delegated role at a version above 1.
    f.repo().unwrap().rotate_root(|_| {}, &f.keyring(&[&f.keys.root])).unwrap();
    let v11 = f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", &f.today.to_string()).unwrap();
    f.attest(&v11, VECTORS).unwrap();
    let module = "districts/330105/hangzhou-gongshu-1.1.0.wasm";
    let attestation = "attestations/330105/hangzhou-gongshu-1.1.0.json";
    let out = run_ngclient(&f, &[module, attestation]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ngclient refused the registry:\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["target"], module);
    assert_eq!(lines[0]["sha256"], hex::encode(Sha256::digest(&v11)));
    assert_eq!(lines[0]["length"], v11.len());
    assert_eq!(lines[0]["custom"]["module_id"], "hangzhou-gongshu");
    assert_eq!(lines[0]["custom"]["version"], "1.1.0");
    assert_eq!(lines[0]["custom"]["supersedes"], "1.0.0");
    assert_eq!(lines[0]["custom"]["effective_from"], f.today.to_string());
    assert_eq!(lines[1]["custom"]["sha256"], hex::encode(Sha256::digest(&v11)));
}

#[test]
fn python_tuf_ngclient_refuses_tampered_stand_in_module() {
    let f = fixture();
    let module = "districts/330105/hangzhou-gongshu-1.0.0.wasm";
    let stored = f.stored_module(module);
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes[1] ^= 1;
    std::fs::write(&stored, bytes).unwrap();
    let out = run_ngclient(&f, &[module]);
    assert!(!out.status.success(), "ngclient accepted tampered bytes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("LengthOrHashMismatch") || stderr.contains("hash"), "{stderr}");
}
