//! What juzhu's tests share, so that no test file carries its own copy and a
//! change to a module's build, the sample applicant or the station's wiring
//! is made once:
//!
//! - [`workspace`] and [`component`]: the workspace root, and each
//!   jurisdiction module built as a component once per test binary;
//!   [`with_version`] for a distinct component claiming another version.
//! - [`ApplicationBuilder`]: the Gongshu applicant most tests submit, with
//!   the few fields they vary, as JSON or as the contract's type.
//! - [`station`]: a service over a temporary store, and [`station::Station`],
//!   that service behind Rocket's local client with a token per role.
//! - [`postgres`]: a PostgreSQL server in a temporary directory.
//! - [`registry`]: a station following a [`juzhu_registry::fixture`]
//!   registry.

pub mod application;
pub mod postgres;
pub mod process;
pub mod registry;
pub mod station;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub use application::ApplicationBuilder;

/// The five jurisdiction modules: crate directory name and division code.
pub const MODULES: [(&str, &str); 5] = [
    ("zhejiang", "330000"),
    ("ningbo-jiangbei", "330205"),
    ("hangzhou-gongshu", "330105"),
    ("jiaxing", "330400"),
    ("zhangzhou", "350600"),
];

/// The workspace root, whichever crate's test asks.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("tests/support sits in the workspace")
}

/// Builds the module crate `plugins/<name>` as a component (once per test
/// binary) and returns its path, `target/modules/<name>.wasm`.
///
/// Test binaries run in parallel share that file: `module_build` replaces it
/// atomically, so none reads half of it.
pub fn component(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(name.to_string())
        .or_insert_with(|| {
            juzhu_runtime::module_build::build(
                workspace(),
                &workspace().join("plugins").join(name),
                &workspace().join(juzhu_runtime::module_build::OUTPUT_DIR),
            )
            .unwrap_or_else(|e| panic!("building plugins/{name}: {e:#}"))
        })
        .clone()
}

/// The bytes of [`component`]`(name)`.
pub fn component_bytes(name: &str) -> Vec<u8> {
    let path = component(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `component` (module `module_id`, version 1.0.0) claiming `version`
/// instead: the version string sits right after the module id in the data
/// segment, so a same-length edit gives a distinct, valid component that
/// decides exactly as the original. The contract version it claims
/// (`juzhu_sdk::CONTRACT_VERSION`) is a separate literal and does not change.
pub fn with_version(component: &[u8], module_id: &str, version: &str) -> Vec<u8> {
    assert_eq!(version.len(), 5, "same length as 1.0.0");
    let needle = format!("{module_id}1.0.0");
    let at: Vec<usize> =
        component.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle.as_bytes()).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "the module's version string moved; update juzhu_test_support::with_version");
    let mut out = component.to_vec();
    out[at[0] + module_id.len()..at[0] + needle.len()].copy_from_slice(version.as_bytes());
    out
}

/// `tests/fixtures/defective-module` as a component carrying `defect` (the
/// fixture's marker rewritten byte for byte; see the fixture's docs), built
/// once per test binary.
pub fn defective_module(defect: &str) -> Vec<u8> {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let root = workspace();
        let path = juzhu_runtime::module_build::build(
            root,
            &root.join("tests/fixtures/defective-module"),
            &root.join("target/fixtures"),
        )
        .expect("the defective fixture builds and componentizes");
        std::fs::read(&path).expect("the built component is readable")
    });
    let clean = format!("{:_<32}", "juzhu-defect:none");
    let wanted = format!("{:_<32}", format!("juzhu-defect:{defect}"));
    assert_eq!(wanted.len(), 32, "defect `{defect}` is too long for the marker");
    let at: Vec<usize> =
        bytes.windows(32).enumerate().filter(|(_, w)| *w == clean.as_bytes()).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "the fixture's marker is not where juzhu_test_support expects it");
    let mut out = bytes.clone();
    out[at[0]..at[0] + 32].copy_from_slice(wanted.as_bytes());
    out
}
