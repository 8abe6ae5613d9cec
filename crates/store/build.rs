//! Embeds `migrations/NNNN_name.sql` into the store at build time, checking that the files are
//! numbered 1, 2, 3… without gaps, so a missing or misnamed migration fails the build.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let dir = manifest.join("../../migrations").canonicalize()?;
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<(u32, String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        println!("cargo::rerun-if-changed={}", path.display());
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".sql") else {
            continue;
        };
        let (number, name) = stem
            .split_once('_')
            .ok_or_else(|| format!("migration {file} is not named NNNN_name.sql"))?;
        if number.len() != 4 || name.is_empty() {
            return Err(format!("migration {file} is not named NNNN_name.sql").into());
        }
        files.push((number.parse()?, name.to_owned(), path.clone()));
    }
    files.sort();
    let mut code = String::from(
        "/// Every migration in `migrations/`, in order.\npub(crate) const MIGRATIONS: &[Migration] = &[\n",
    );
    for (index, (number, name, path)) in files.iter().enumerate() {
        let expected = u32::try_from(index)? + 1;
        if *number != expected {
            return Err(format!("migration numbers must run 1, 2, 3…: expected {expected:04}, found {number:04}_{name}").into());
        }
        writeln!(
            code,
            "    Migration {{ version: {number}, name: {name:?}, sql: include_str!({path:?}) }},",
            path = path.display().to_string()
        )?;
    }
    code.push_str("];\n");
    std::fs::write(
        PathBuf::from(std::env::var("OUT_DIR")?).join("migrations.rs"),
        code,
    )?;
    Ok(())
}
