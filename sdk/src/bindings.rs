//! The types and traits generated from `wit/policy.wit`.
//!
//! Every record derives serde, so the same types read JSON requests and YAML
//! vectors. Field names are snake_case and enum cases are CamelCase, exactly as
//! the host's own bindings (generated from the same WIT) spell them.

wit_bindgen::generate!({
    path: "../wit",
    world: "policy-module",
    pub_export_macro: true,
    export_macro_name: "export_policy_module",
    default_bindings_module: "juzhu_sdk::bindings",
    additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
});
