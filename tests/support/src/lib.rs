//! What juzhu's tests share, so no test file carries its own copy: the
//! workspace root, the jurisdiction components built once per test binary,
//! and sample applications.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The five jurisdiction modules: crate directory name and division code.
pub const MODULES: [(&str, &str); 5] = [
    ("zhejiang", "330000"),
    ("ningbo-jiangbei", "330205"),
    ("hangzhou-gongshu", "330105"),
    ("jiaxing", "330400"),
    ("zhangzhou", "350600"),
];

pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("tests/support sits in the workspace")
}

/// Builds the module crate `plugins/<name>` as a component (once per test
/// binary) and returns its path.
pub fn component(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<std::collections::HashMap<String, PathBuf>>> = OnceLock::new();
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
