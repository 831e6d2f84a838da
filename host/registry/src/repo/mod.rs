//! The publishing side: create a registry and sign every change to it.
//!
//! Each operation loads the newest metadata, changes one role, and re-signs
//! that role, then snapshot and timestamp, with the keys given in a
//! [`Keyring`]. Every signature is made before any file is written, so a
//! refusal (a missing key, a bad date, a duplicate version) leaves the
//! registry as it was. Each operation returns what it signed, line by line.
//!
//! - `state`: the [`Repository`] value and opening one from disk;
//! - `spec`: what an operation is given (keys, role specs, lifetimes);
//! - `trust`: init, delegation, key revocation and rotation, the timestamp;
//! - `modules`: publish, attest, revoke a module, list the modules;
//! - `signing`: the signing step shared by every role, and the durable write;
//! - `status`: the registry at a glance.

mod modules;
mod signing;
mod spec;
mod state;
mod status;
mod trust;

pub use modules::PublishedModule;
pub use spec::{InitSpec, Keyring, Lifetimes, ModuleDescription, RoleSpec, Rotation};
pub use state::Repository;
