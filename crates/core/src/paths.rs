//! Where a profile lives: `--data-dir`, else `ORBIT_DATA_DIR`, else the OS data directory
//! (a separate one for development builds, so they never touch a release profile).

use std::path::PathBuf;

use crate::{Error, ErrorCode, Result};

/// The environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "ORBIT_DATA_DIR";

/// The OS data directory for this build's profile, e.g. `~/.local/share/orbit` on Linux,
/// `~/Library/Application Support/app.orbit.Orbit` on macOS, `%APPDATA%\Orbit\Orbit\data` on
/// Windows; development builds use an `Orbit-Dev` application name.
pub fn default_data_dir() -> Result<PathBuf> {
    let app = if cfg!(debug_assertions) {
        "Orbit-Dev"
    } else {
        "Orbit"
    };
    directories::ProjectDirs::from("app", "Orbit", app)
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Database,
                format!("Cannot find a home directory for the data: set {DATA_DIR_ENV} or pass --data-dir"),
            )
        })
}

/// The data directory to use: `explicit` (from `--data-dir`), else `ORBIT_DATA_DIR`, else
/// [`default_data_dir`].
pub fn resolve_data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    default_data_dir()
}
