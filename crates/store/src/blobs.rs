//! The blob store: attachments as files named by their SHA-256, so the same bytes are stored
//! once however many messages carry them, and raw messages appended to pack files, one per
//! sync batch. Blob files are written to a temporary name and renamed, so a crash never
//! leaves a half-written blob under a real name; a pack is only referred to by the
//! transaction that commits after it was flushed, so bytes a crash cut off are never pointed
//! at (they are garbage at the end of a pack nobody reads). A sync batch flushes its blobs and
//! its pack (each file, then their directories) just before its database transaction commits:
//! one pack instead of one file per message is what keeps a first sync from spending its time
//! in `fsync`. (`syncfs` was tried: fast on a quiet disk, but it waits for every
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
        format!("{:x}", Sha256::digest(bytes))
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
            pack: None,
        }
    }

    /// The bytes of blob `key`.
    pub fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path(key))
    }

    /// The bytes `len` long at `offset` of pack `name` (see [`BlobBatch::put_packed`]).
    pub fn get_packed(&self, name: &str, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.pack_path(name)?;
        let mut file = std::fs::File::open(path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.take(len).read_to_end(&mut bytes)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) != len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "pack {name} ends before byte {}",
                    offset.saturating_add(len)
                ),
            ));
        }
        Ok(bytes)
    }

    fn pack_path(&self, name: &str) -> std::io::Result<PathBuf> {
        // Names come from the database: never let one point outside the packs folder.
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("not a pack name: {name:?}"),
            ));
        }
        Ok(self.root.join(PACKS).join(format!("{name}.pack")))
    }
}

/// The folder of pack files under the blob store's root.
const PACKS: &str = "packs";

/// Where a packed blob lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// The pack's name (its file is `packs/<name>.pack`).
    pub pack: String,
    /// Where the bytes start in it.
    pub offset: u64,
}

/// The pack a batch appends to, created on its first write.
#[derive(Debug)]
struct PackWriter {
    name: String,
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    len: u64,
}

/// Blobs written but not yet flushed to disk.
#[derive(Debug)]
pub struct BlobBatch<'a> {
    store: &'a BlobStore,
    written: Vec<PathBuf>,
    pack: Option<PackWriter>,
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

    /// Appends `bytes` to this batch's pack (no deduplication: for raw messages, which the
    /// database already tells apart by Message-ID); durable after [`BlobBatch::sync`].
    pub fn put_packed(&mut self, bytes: &[u8]) -> std::io::Result<Packed> {
        let pack = match &mut self.pack {
            Some(pack) => pack,
            None => self.pack.insert(new_pack(&self.store.root)?),
        };
        let offset = pack.len;
        pack.file.write_all(bytes)?;
        pack.len += u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Ok(Packed {
            pack: pack.name.clone(),
            offset,
        })
    }

    /// Flushes every blob of the batch (and their directory entries) to disk. Call it before
    /// committing the transaction that refers to them.
    pub fn sync(self) -> std::io::Result<()> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(pack) = self.pack {
            let file = pack.file.into_inner().map_err(|e| e.into_error())?;
            file.sync_data()?;
            if let Some(dir) = pack.path.parent() {
                dirs.push(dir.to_path_buf());
            }
        }
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

/// A new, empty pack file with a name no other batch (of this or another process) has.
fn new_pack(root: &Path) -> std::io::Result<PackWriter> {
    let dir = root.join(PACKS);
    std::fs::create_dir_all(&dir)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let name = format!(
            "{}-{:09}-{}-{attempt}",
            stamp.as_secs(),
            stamp.subsec_nanos(),
            std::process::id()
        );
        let path = dir.join(format!("{name}.pack"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                return Ok(PackWriter {
                    name,
                    path,
                    file: std::io::BufWriter::with_capacity(1 << 20, file),
                    len: 0,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("Cannot create a pack file"))
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

    #[test]
    fn packed_bytes_read_back_and_a_batch_writes_one_pack() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let blobs = BlobStore::new(dir.path());
        let mut batch = blobs.batch();
        let a = batch.put_packed(b"first message")?;
        let b = batch.put_packed(b"second")?;
        let c = batch.put_packed(b"")?;
        batch.sync()?;
        assert_eq!(a.pack, b.pack);
        assert_eq!((a.offset, b.offset, c.offset), (0, 13, 19));
        assert_eq!(blobs.get_packed(&a.pack, a.offset, 13)?, b"first message");
        assert_eq!(blobs.get_packed(&b.pack, b.offset, 6)?, b"second");
        assert_eq!(blobs.get_packed(&c.pack, c.offset, 0)?, b"");
        let mut next = blobs.batch();
        let d = next.put_packed(b"other batch")?;
        next.sync()?;
        assert_ne!(d.pack, a.pack, "each batch has its own pack");
        let packs = std::fs::read_dir(dir.path().join(PACKS))?.count();
        assert_eq!(packs, 2);
        // A length past the end, and names that would leave the folder, are errors.
        assert!(blobs.get_packed(&a.pack, 15, 10).is_err());
        for bad in ["../x", "a/b", "", ".."] {
            assert!(blobs.get_packed(bad, 0, 1).is_err(), "{bad}");
        }
        Ok(())
    }
}
