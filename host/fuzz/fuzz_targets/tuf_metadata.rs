//! TUF metadata as fetched from a registry (a directory or an HTTP mirror):
//! every role's parser must return an error or metadata, never panic.
#![no_main]

use juzhu_registry::metadata::{Envelope, Root, Snapshot, Targets, Timestamp, parse_expiry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((env, root)) = Envelope::parse::<Root>("root.json", data) {
        let _ = parse_expiry("root", &root.expires);
        let _ = juzhu_registry::canonical::canonical(&env.signed);
    }
    if let Ok((_, targets)) = Envelope::parse::<Targets>("targets.json", data) {
        let _ = parse_expiry("targets", &targets.expires);
    }
    let _ = Envelope::parse::<Snapshot>("snapshot.json", data);
    let _ = Envelope::parse::<Timestamp>("timestamp.json", data);
});
