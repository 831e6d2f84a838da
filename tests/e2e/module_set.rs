//! The module set: one module per division, cases routed to the nearest
//! enclosing division with a module, and an atomic swap that leaves requests
//! in flight on the set they started with.

use juzhu_runtime::module_set::{ActiveModules, ModuleSet};
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_test_support::{MODULES, component};

fn load(runtime: &Runtime, names: &[&str]) -> ModuleSet {
    let mut set = ModuleSet::default();
    for name in names {
        let bytes = std::fs::read(component(name)).unwrap();
        set.insert(runtime.load(name, &bytes).unwrap()).unwrap();
    }
    set
}

#[test]
fn cases_go_to_the_nearest_enclosing_division_with_a_module() {
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let all: Vec<&str> = MODULES.iter().map(|(n, _)| *n).collect();
    let set = load(&runtime, &all);
    assert_eq!(set.len(), 5);
    let module_for = |d: &str| set.for_division(d).map(|m| m.info().id.clone());
    assert_eq!(module_for("330105").as_deref(), Some("hangzhou-gongshu"), "a district with its own module");
    assert_eq!(module_for("330205").as_deref(), Some("ningbo-jiangbei"));
    assert_eq!(module_for("330402").as_deref(), Some("jiaxing"), "a district of a city with a city module");
    assert_eq!(module_for("350602").as_deref(), Some("zhangzhou"));
    assert_eq!(module_for("330106").as_deref(), Some("zhejiang"), "no district or city module: the province's");
    assert_eq!(module_for("110105"), None, "Beijing has no module here");
    assert_eq!(module_for("33010"), None, "not a division code");
}

#[test]
fn two_modules_for_one_division_are_refused() {
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let mut set = load(&runtime, &["jiaxing"]);
    let again = runtime.load("again", &std::fs::read(component("jiaxing")).unwrap()).unwrap();
    let err = set.insert(again).unwrap_err().to_string();
    assert!(err.contains("330400") && err.contains("jiaxing@1.0.0"), "{err}");
}

#[test]
fn a_swap_leaves_requests_in_flight_on_their_set() {
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let active = ActiveModules::new(load(&runtime, &["zhejiang"]));
    let in_flight = active.snapshot();
    let replaced = active.activate(load(&runtime, &["zhejiang", "hangzhou-gongshu"]));
    // The request that started before the swap still sees the old set...
    assert_eq!(in_flight.for_division("330105").unwrap().info().id, "zhejiang");
    assert!(std::sync::Arc::ptr_eq(&in_flight, &replaced));
    // ...and can still call its module.
    let info = in_flight.for_division("330105").unwrap().info().clone();
    assert_eq!(info.jurisdiction, "330000");
    // A request that starts after the swap sees the new one.
    assert_eq!(active.snapshot().for_division("330105").unwrap().info().id, "hangzhou-gongshu");
}
