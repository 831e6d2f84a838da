//! The issuance station: what a district's service hall runs.
//!
//! The data flow through this crate:
//! - [`front`]: the listener: connection caps and read timeouts, then each
//!   request into Rocket's dispatcher;
//! - [`http`]: Rocket routes, the token guard, JSON errors, the access log,
//!   OpenAPI. Handlers are thin: each calls one [`service`] operation;
//! - [`service`]: one API call as a domain operation: snapshot the module
//!   set, call the module in force, hand its answer to the store's lifecycle;
//! - [`follower`]: follows a signed registry and returns what it verified;
//!   the service puts it in force;
//! - [`issuance`]: permits written onto IC cards through the station's
//!   encoders, under a write-ahead journal;
//! - beside them: [`config`] (the station file), [`auth`] (tokens and roles),
//!   [`checkpoint`] (signed heads of the audit log),
//!   [`metrics`] (Prometheus), [`server`] (start-up), [`logging`] (tracing).
//!
//! This crate never interprets a rule: every outcome, status and ground comes
//! from a module through `juzhu-runtime`, and every record goes through
//! `juzhu-store`.

/// API tokens and their roles.
pub mod auth;
pub mod checkpoint;
/// The station's TOML file: listen address, data, modules, sandbox limits,
/// encoders (its own crate, `juzhu-config`).
pub use juzhu_config as config;
pub mod follower;
pub mod front;
/// The HTTP API over the service.
pub mod http;
/// IC-card issuance: the station's encoders and the write-ahead issuance journal.
pub mod issuance;
pub mod logging;
/// Prometheus counters and histograms for requests, decisions and module calls.
pub mod metrics;
pub mod server;
pub mod service;
