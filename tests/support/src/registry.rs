//! A station following a [`juzhu_registry::fixture`] registry.
//!
//! The fixture makes the registry and keeps its keys; what a test adds is
//! the station's side: where its data lives and which root it trusts.

use juzhu_registry::fixture::Fixture;
use juzhu_station::config::StationConfig;

/// The station file for a station that follows `f`'s registry, trusting its
/// first root, with its data in the fixture's scratch directory beside the
/// registry (`<scratch>/data`).
pub fn station_config(f: &Fixture) -> StationConfig {
    let scratch = f.scratch().expect("a fixture in a temporary directory (not `Builder::at`)");
    let mut config = StationConfig { data_dir: scratch.join("data"), ..StationConfig::default() };
    config.registry.location = Some(f.dir().to_path_buf());
    config.registry.trusted_root = Some(f.path("metadata/1.root.json"));
    config
}
