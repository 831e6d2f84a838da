//! The resource profile: what the module's calls cost against the station's
//! limits.
//!
//! Every vector and generated case run through the component is measured:
//! fuel used, the most linear memory held, and the bytes of the result's
//! JSON form. The report gives the maximum and the 99th percentile of each.
//! A module whose maximum passes a quarter of a limit fails: the station's
//! limits are a backstop against runaway modules, and a module that already
//! needs a quarter of one on the kit's cases has no margin for a real
//! applicant with longer histories. Wall-clock time is not profiled: it
//! depends on the machine, and fuel measures the same work exactly.

use serde::Serialize;

use crate::{CallStats, SandboxLimits};

/// The share of a limit above which a module fails.
pub const CEILING: f64 = 0.25;

/// One measured quantity.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    pub name: &'static str,
    pub max: u64,
    pub p99: u64,
    pub limit: u64,
    /// `max / limit`.
    pub share_of_limit: f64,
    pub within: bool,
}

/// The profile of every call the kit made through the component.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Profile {
    pub calls: usize,
    pub ceiling: f64,
    pub measures: Vec<Measure>,
}

impl Profile {
    pub fn within_limits(&self) -> bool {
        self.measures.iter().all(|m| m.within)
    }
}

fn measure(name: &'static str, mut values: Vec<u64>, limit: u64) -> Measure {
    values.sort_unstable();
    let max = values.last().copied().unwrap_or(0);
    // Nearest-rank percentile.
    let p99 = if values.is_empty() { 0 } else { values[((values.len() * 99).div_ceil(100)).max(1) - 1] };
    let share_of_limit = if limit == 0 { 0.0 } else { max as f64 / limit as f64 };
    Measure { name, max, p99, limit, share_of_limit, within: share_of_limit <= CEILING }
}

/// Profiles `samples` against `limits`.
pub fn profile(samples: &[CallStats], limits: &SandboxLimits) -> Profile {
    Profile {
        calls: samples.len(),
        ceiling: CEILING,
        measures: vec![
            measure("fuel", samples.iter().map(|s| s.fuel_used).collect(), limits.fuel),
            measure("memory_bytes", samples.iter().map(|s| s.memory_peak as u64).collect(), limits.memory_bytes as u64),
            measure(
                "result_bytes",
                samples.iter().map(|s| s.result_bytes as u64).collect(),
                limits.max_result_bytes as u64,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(fuel: u64) -> CallStats {
        CallStats { fuel_used: fuel, memory_peak: 1 << 20, result_bytes: 100, ..Default::default() }
    }

    #[test]
    fn the_maximum_past_a_quarter_of_a_limit_fails_and_p99_is_by_rank() {
        let limits = SandboxLimits { fuel: 1000, ..SandboxLimits::default() };
        let mut samples: Vec<CallStats> = (1..=100).map(stats).collect();
        let p = profile(&samples, &limits);
        let fuel = &p.measures[0];
        assert_eq!((fuel.max, fuel.p99), (100, 99));
        assert!(p.within_limits());
        samples.push(stats(251));
        let p = profile(&samples, &limits);
        assert!(!p.measures[0].within && !p.within_limits(), "251 of 1000 is past 25%");
        assert!(p.measures[1].within && p.measures[2].within);
    }
}
