//! The blob store: attachments and raw messages as files named by their SHA-256, so the same
//! bytes are stored once however many messages carry them. Files are written to a temporary
//! name and renamed, so a crash never leaves a half-written blob under a real name. A sync
//! batch flushes its blobs (each file, then their directories) just before its database
//! transaction commits. (`syncfs` was tried: fast on a quiet disk, but it waits for every
//! other program's dirty data too, which made a sync ten times slower on a busy one.)

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A folder of content-addressed files: `<root>/ab/abcdef…`.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// The blob store under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The SHA-256 of `bytes`, in lower-case hex.
    pub fn key(bytes: &[u8]) -> String {
        let digest = Sha256::digest(bytes);
        let mut hex = String::with_capacity(64);
        for byte in digest {
            hex.push_str(&format!("{byte:02x}"));
        }
        hex
    }

    /// Where the blob `key` lives.
    pub fn path(&self, key: &str) -> PathBuf {
        let prefix = key.get(..2).unwrap_or("00");
        self.root.join(prefix).join(key)
    }

    /// Stores `bytes` (once), durably, and returns its key.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let mut batch = self.batch();
        let key = batch.put(bytes)?;
        batch.sync()?;
        Ok(key)
    }

    /// A batch of writes made durable together by [`BlobBatch::sync`].
    pub fn batch(&self) -> BlobBatch<'_> {
        BlobBatch {
            store: self,
            written: Vec::new(),
        }
    }

    /// The bytes of blob `key`.
    pub fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path(key))
    }
}

/// Blobs written but not yet flushed to disk.
#[derive(Debug)]
pub struct BlobBatch<'a> {
    store: &'a BlobStore,
    written: Vec<PathBuf>,
}

impl BlobBatch<'_> {
    /// Stores `bytes` (once) and returns its key; durable after [`BlobBatch::sync`].
    pub fn put(&mut self, bytes: &[u8]) -> std::io::Result<String> {
        let key = BlobStore::key(bytes);
        let path = self.store.path(&key);
        if path.exists() {
            return Ok(key);
        }
        let dir = path.parent().unwrap_or(&self.store.root);
        std::fs::create_dir_all(dir)?;
        let (tmp_path, mut file) = tempfile_in(dir)?;
        file.write_all(bytes)?;
        drop(file);
        std::fs::rename(&tmp_path, &path)?;
        self.written.push(path);
        Ok(key)
    }

    /// Flushes every blob of the batch (and their directory entries) to disk. Call it before
    /// committing the transaction that refers to them.
    pub fn sync(self) -> std::io::Result<()> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        // Reopened at the end rather than kept open, so a big batch never runs out of file
        // descriptors.
        for path in &self.written {
            std::fs::File::open(path)?.sync_data()?;
            if let Some(dir) = path.parent()
                && !dirs.iter().any(|d| d == dir)
            {
                dirs.push(dir.to_path_buf());
            }
        }
        // The renames are durable once their directories are.
        #[cfg(unix)]
        for dir in dirs {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for attempt in 0..100u32 {
        let name = format!(
            ".tmp-{}-{}-{attempt}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default()
        );
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("Cannot create a temporary blob file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_stored_once() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let blobs = BlobStore::new(dir.path());
        let a = blobs.put(b"hello")?;
        let b = blobs.put(b"hello")?;
        assert_eq!(a, b);
        assert_eq!(
            a,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(blobs.get(&a)?, b"hello");
        let files = std::fs::read_dir(dir.path().join("2c"))?.count();
        assert_eq!(files, 1, "one file, no temporaries left");
        Ok(())
    }
}
