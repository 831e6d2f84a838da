//! The host's bindings to `wit/policy.wit`.
//!
//! These are generated from the same WIT as the SDK's, with the same serde
//! derives, so a JSON request or YAML vector reads into either the same way.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "policy-module",
    additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
});

pub use exports::juzhu::policy::types;
