//! juzhu: the host for jurisdictional residence-permit policy modules.
//!
//! The data flow, and the module that owns each step:
//! - [`module_build`]: a policy crate becomes a wasm component;
//! - [`runtime`]: components are checked, compiled, cached and called in a
//!   sandbox under fuel, time and memory limits;
//! - [`registry_client`]: a signed registry is followed: verified, checked,
//!   precompiled, and its certified versions put in force by effective date;
//! - [`modules`]: the module set in force, by jurisdiction and effective date,
//!   swapped atomically;
//! - [`service`]: one API call as a domain operation: snapshot the modules,
//!   call the one in force, hand its answer to the lifecycle;
//! - [`certify`]: the conformance kit runs a module's vectors through the wasm
//!   component and its native build;
//! - [`bench`]: the station's speed figures against their targets;
//! - [`issuance`]: permits written onto IC cards through the station's
//!   encoders, under a write-ahead journal;
//! - [`cli`]: the `juzhu` subcommands.

/// API tokens and their roles.
pub mod auth;
pub mod bench;
pub mod certify;
pub mod cli;
/// The station's TOML file: listen address, data, modules, sandbox limits, encoders.
pub mod config;
/// The HTTP API over the service.
pub mod http;
/// IC-card issuance: the station's encoders and the write-ahead issuance journal.
pub mod issuance;
/// The permit state machine over the store: issue, endorse, suspend, restore, cancel.
pub mod lifecycle;
/// Prometheus counters and histograms for requests, decisions and module calls.
pub mod metrics;
pub mod module_build;
pub mod modules;
pub mod native;
/// Following a signed registry: poll, verify, precompile, swap.
pub mod registry_client;
pub mod runtime;
pub mod server;
pub mod service;
/// SQLite persistence: schema migrations, records, and the hash-chained audit log.
pub mod store;
