//! juzhu: the host for jurisdictional residence-permit policy modules.
//!
//! The data flow, and the module that owns each step:
//! - [`module_build`]: a policy crate becomes a wasm component;
//! - [`runtime`]: components are checked, compiled, cached and called in a
//!   sandbox under fuel, time and memory limits;
//! - [`certify`]: the conformance kit runs a module's vectors through the wasm
//!   component and its native build;
//! - [`bench`]: the runtime's speed figures against their targets;
//! - [`cli`]: the `juzhu` subcommands.

pub mod bench;
pub mod certify;
pub mod cli;
/// The permit state machine over the store: issue, endorse, suspend, restore, cancel.
pub mod lifecycle;
pub mod module_build;
pub mod native;
pub mod runtime;
/// SQLite persistence: schema migrations, records, and the hash-chained audit log.
pub mod store;
