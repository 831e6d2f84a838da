//! `juzhu module new`: the crate it makes builds into a component and passes
//! `juzhu certify` as it is; bad names, bad codes, an existing directory and
//! a place inside this workspace's member globs are refused, writing nothing.

use std::path::Path;
use std::process::{Command, Output};

use juzhu_test_support::workspace;

fn juzhu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juzhu")).current_dir(workspace()).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut all: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    all.sort();
    all
}

#[test]
fn a_new_module_builds_and_certifies_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let out = juzhu(&["module", "new", "kit-demo-district", "--division", "999997", "--into", into]);
    assert!(out.status.success(), "{}", text(&out));
    let crate_dir = dir.path().join("kit-demo-district");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "clauses.toml",
        "src/lib.rs",
        "src/clauses.rs",
        "vectors/evaluate.yaml",
        "README.md",
    ] {
        assert!(crate_dir.join(file).exists(), "{file} missing");
    }
    assert_eq!(entries(dir.path()), ["kit-demo-district"], "no partial directory is left");

    let out = juzhu(&["module", "build", crate_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("built kit-demo-district@0.1.0"), "{}", text(&out));

    let report = dir.path().join("report");
    let module = workspace().join("target/modules/kit-demo-district.wasm");
    let out = juzhu(&[
        "certify",
        module.to_str().unwrap(),
        "--vectors",
        crate_dir.join("vectors").to_str().unwrap(),
        "--cases",
        "300",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["coverage"]["percent"], 100.0, "{}", json["coverage"]);
    assert_eq!(json["wasm_passed"], 3);
    assert!(json["invariants"]["violations"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_file(module);
}

#[test]
fn bad_names_codes_and_places_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().to_str().unwrap();
    let refused = |args: &[&str], says: &str| {
        let out = juzhu(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    };
    refused(
        &["module", "new", "Bad_Name", "--division", "999997", "--into", into],
        "module name `Bad_Name` is not usable",
    );
    refused(&["module", "new", "ok-name", "--division", "99999", "--into", into], "expected six digits");
    refused(&["module", "new", "ok-name", "--division", "abcdef", "--into", into], "is not a GB/T 2260 code");
    assert!(entries(dir.path()).is_empty(), "a refused run wrote {:?}", entries(dir.path()));

    std::fs::create_dir(dir.path().join("taken")).unwrap();
    refused(&["module", "new", "taken", "--division", "999997", "--into", into], "already exists; nothing was written");
    assert!(entries(&dir.path().join("taken")).is_empty());

    let plugins = workspace().join("plugins");
    refused(
        &["module", "new", "inside", "--division", "999997", "--into", plugins.to_str().unwrap()],
        "members of its workspace",
    );
    assert!(!plugins.join("inside").exists());
}
