//! The station file: whatever an operator (or a deployment tool) writes must
//! be accepted or refused with an error naming the place, never panic.
#![no_main]

use juzhu_config::StationConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(e) = StationConfig::from_toml_str(text, "station.toml")
    {
        // Rendering the error slices the text at the error's offset.
        let _ = e.to_string();
    }
});
