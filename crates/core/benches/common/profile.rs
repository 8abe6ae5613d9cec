//! A throwaway Orbit profile for a bench (in-memory keyring, system clock), and percentiles.

// Each bench uses part of the common modules.
#![allow(dead_code)]

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use orbit_core::{EnvOverrides, Keyring, OpenOptions, Orbit, SystemClock};

pub fn open(dir: &Path) -> Result<Orbit, Box<dyn Error>> {
    Ok(Orbit::open(OpenOptions {
        data_dir: dir.to_path_buf(),
        keyring: Keyring::in_memory("bench")?,
        clock: Arc::new(SystemClock),
        env: EnvOverrides::default(),
        net_timeout: Duration::from_secs(5),
        busy_timeout: Duration::from_secs(5),
    })?)
}

/// The `p` quantile (0–1) of sorted figures.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}
