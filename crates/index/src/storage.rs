//! Where index bytes live. Everything the index reads or writes goes through [`Storage`], so the
//! same code runs on a directory ([`FsStorage`]), in memory ([`MemStorage`]) and on a storage
//! that simulates a crash after a given number of write steps ([`FailingStorage`]).
//!
//! The trait has small primitives (create, write, sync, rename, sync the directory, remove) and
//! one provided method, [`Storage::write_atomic`], which is the only way the index writes a file:
//! `NAME.tmp` is written and synced, then renamed over `NAME`, then the directory is synced.
//! A reader therefore sees either the old file or the complete new one, never a torn one.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::format::WRITING_PLACEHOLDER;

/// Suffix of files being written; leftovers of a crash are removed by the next writer.
pub const TMP_SUFFIX: &str = ".tmp";
/// Name of the writer lock file.
pub const LOCK_FILE: &str = "LOCK";

/// The bytes of a whole file: memory-mapped ([`FsStorage`]) or owned ([`MemStorage`]).
/// Cheap to clone; the bytes stay valid as long as a clone lives.
#[derive(Clone)]
pub struct FileBytes(Arc<BytesInner>);

enum BytesInner {
    Mmap(memmap2::Mmap),
    Owned(Box<[u8]>),
}

impl FileBytes {
    /// Bytes held in memory.
    pub fn from_vec(bytes: Vec<u8>) -> FileBytes {
        FileBytes(Arc::new(BytesInner::Owned(bytes.into_boxed_slice())))
    }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &*self.0 {
            BytesInner::Mmap(map) => map,
            BytesInner::Owned(bytes) => bytes,
        }
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileBytes({} bytes)", self.len())
    }
}

/// A file being written by [`Storage::create`].
pub trait StorageFile: Write + Send {
    /// Makes everything written so far durable (fsync).
    fn sync(&mut self) -> io::Result<()>;
}

/// Proof that this process holds the exclusive writer lock; released when dropped.
pub struct StorageLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl fmt::Debug for StorageLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageLock")
    }
}

/// A flat namespace of immutable files: the only way the index touches bytes.
///
/// Names are plain file names without directories. Files are never modified in place: they are
/// written once through [`Storage::write_atomic`] and later removed.
pub trait Storage: Send + Sync + fmt::Debug {
    /// A path naming `name` for error messages (a real path for [`FsStorage`]).
    fn path_of(&self, name: &str) -> PathBuf;
    /// Whether `name` exists.
    fn exists(&self, name: &str) -> Result<bool>;
    /// The whole content of `name` (memory-mapped where possible).
    fn read(&self, name: &str) -> Result<FileBytes>;
    /// Creates (or truncates) `name` for writing. Prefer [`Storage::write_atomic`].
    fn create(&self, name: &str) -> Result<Box<dyn StorageFile>>;
    /// Atomically renames `from` to `to`, replacing `to`.
    fn rename(&self, from: &str, to: &str) -> Result<()>;
    /// Makes renames and removals in the namespace durable (fsync of the directory).
    fn sync_dir(&self) -> Result<()>;
    /// Names of all files, in no particular order.
    fn list(&self) -> Result<Vec<String>>;
    /// Removes `name`.
    fn remove(&self, name: &str) -> Result<()>;
    /// Takes the exclusive writer lock, or fails with [`Error::Locked`] if it is held.
    fn lock(&self) -> Result<StorageLock>;

    /// Writes `name` atomically: `write` fills `name.tmp`, which is synced, renamed to `name`,
    /// and the directory is synced. After a crash at any point, `name` is either absent, the
    /// previous version or the complete new one; a `name.tmp` may be left over.
    fn write_atomic(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        let tmp = format!("{name}{TMP_SUFFIX}");
        let mut file = self.create(&tmp)?;
        {
            let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut file);
            let written = write(&mut buffered)
                .and_then(|()| buffered.flush().map_err(|e| Error::io(self.path_of(&tmp), e)));
            written.map_err(|error| match error {
                Error::Io { path, source } if path.as_os_str() == WRITING_PLACEHOLDER => {
                    Error::io(self.path_of(&tmp), source)
                }
                error => error,
            })?;
        }
        file.sync().map_err(|e| Error::io(self.path_of(&tmp), e))?;
        drop(file);
        self.rename(&tmp, name)?;
        self.sync_dir()
    }
}

/// [`Storage`] on a directory of the file system. Files are read through `mmap`.
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
}

impl FsStorage {
    /// Storage on the existing directory `root`.
    pub fn new(root: impl Into<PathBuf>) -> FsStorage {
        FsStorage { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Maps `file` into memory read-only.
#[allow(unsafe_code)]
fn mmap_file(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the index never modifies a file after it has been renamed into place (every write
    // goes to a fresh `.tmp` name, see `Storage::write_atomic`), and obsolete files are only
    // unlinked, which keeps existing mappings valid on Unix. Modifying index files behind the
    // index's back is outside its contract, as for every mmap-based store.
    unsafe { memmap2::Mmap::map(file) }
}

struct FsFile(File);

impl Write for FsFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl StorageFile for FsFile {
    fn sync(&mut self) -> io::Result<()> {
        self.0.sync_all()
    }
}

impl Storage for FsStorage {
    fn path_of(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn exists(&self, name: &str) -> Result<bool> {
        let path = self.path_of(name);
        path.try_exists().map_err(|e| Error::io(path, e))
    }

    fn read(&self, name: &str) -> Result<FileBytes> {
        let path = self.path_of(name);
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if len == 0 {
            // Mapping an empty file fails on some platforms.
            return Ok(FileBytes::from_vec(Vec::new()));
        }
        let map = mmap_file(&file).map_err(|e| Error::io(&path, e))?;
        Ok(FileBytes(Arc::new(BytesInner::Mmap(map))))
    }

    fn create(&self, name: &str) -> Result<Box<dyn StorageFile>> {
        let path = self.path_of(name);
        let file = File::create(&path).map_err(|e| Error::io(path, e))?;
        Ok(Box::new(FsFile(file)))
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        fs::rename(self.path_of(from), self.path_of(to)).map_err(|e| Error::io(self.path_of(to), e))
    }

    fn sync_dir(&self) -> Result<()> {
        // Directories cannot be opened as files on Windows; there renames are durable anyway.
        if cfg!(unix) {
            let dir = File::open(&self.root).map_err(|e| Error::io(&self.root, e))?;
            dir.sync_all().map_err(|e| Error::io(&self.root, e))?;
        }
        Ok(())
    }

    fn list(&self) -> Result<Vec<String>> {
        let entries = fs::read_dir(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.root, e))?;
            if let Some(name) = entry.file_name().to_str() {
                names.push(name.to_string());
            }
        }
        Ok(names)
    }

    fn remove(&self, name: &str) -> Result<()> {
        let path = self.path_of(name);
        fs::remove_file(&path).map_err(|e| Error::io(path, e))
    }

    // `File::try_lock` is stable since Rust 1.89; the workspace's rust-version still says 1.85.
    #[allow(clippy::incompatible_msrv)]
    fn lock(&self) -> Result<StorageLock> {
        let path = self.path_of(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(StorageLock(Box::new(file))),
            Err(TryLockError::WouldBlock) => Err(Error::Locked { path }),
            Err(TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }
}

/// [`Storage`] in memory, for tests and throw-away indexes. Clones share the same files, like
/// two handles on one directory.
#[derive(Debug, Clone, Default)]
pub struct MemStorage {
    shared: Arc<MemShared>,
}

#[derive(Debug, Default)]
struct MemShared {
    files: Mutex<HashMap<String, Vec<u8>>>,
    locked: Arc<AtomicBool>,
}

impl MemStorage {
    /// An empty storage.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    fn files(&self) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
        // A panic while holding the lock leaves the map consistent (each operation is one
        // insert/remove), so a poisoned lock is safe to use.
        self.shared.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the content of `name` (tests use this to damage files).
    pub fn put(&self, name: &str, bytes: Vec<u8>) {
        self.files().insert(name.to_string(), bytes);
    }
}

fn not_found(path: PathBuf) -> Error {
    Error::io(path, io::Error::new(io::ErrorKind::NotFound, "no such file"))
}

struct MemFile {
    storage: MemStorage,
    name: String,
}

impl Write for MemFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut files = self.storage.files();
        let file = files
            .get_mut(&self.name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "file removed while open"))?;
        file.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl StorageFile for MemFile {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct MemLock(Arc<AtomicBool>);

impl Drop for MemLock {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Storage for MemStorage {
    fn path_of(&self, name: &str) -> PathBuf {
        PathBuf::from("<memory>").join(name)
    }

    fn exists(&self, name: &str) -> Result<bool> {
        Ok(self.files().contains_key(name))
    }

    fn read(&self, name: &str) -> Result<FileBytes> {
        let bytes = self.files().get(name).cloned().ok_or_else(|| not_found(self.path_of(name)))?;
        Ok(FileBytes::from_vec(bytes))
    }

    fn create(&self, name: &str) -> Result<Box<dyn StorageFile>> {
        self.files().insert(name.to_string(), Vec::new());
        Ok(Box::new(MemFile { storage: self.clone(), name: name.to_string() }))
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        let mut files = self.files();
        let bytes = files.remove(from).ok_or_else(|| not_found(self.path_of(from)))?;
        files.insert(to.to_string(), bytes);
        Ok(())
    }

    fn sync_dir(&self) -> Result<()> {
        Ok(())
    }

    fn list(&self) -> Result<Vec<String>> {
        Ok(self.files().keys().cloned().collect())
    }

    fn remove(&self, name: &str) -> Result<()> {
        self.files().remove(name).map(drop).ok_or_else(|| not_found(self.path_of(name)))
    }

    fn lock(&self) -> Result<StorageLock> {
        let locked = &self.shared.locked;
        if locked.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return Err(Error::Locked { path: self.path_of(LOCK_FILE) });
        }
        Ok(StorageLock(Box::new(MemLock(Arc::clone(locked)))))
    }
}

/// A [`Storage`] for crash tests: it forwards to an inner storage until a budget of write steps
/// is spent, then every further step fails, as if the process had died there.
///
/// Write steps are: creating a file, each `write` call, each sync, each rename, each directory
/// sync and each removal. The failing `write` first writes half of its buffer to the inner
/// storage, to leave a torn file behind. Reads, listing and locking are not counted.
#[derive(Debug, Clone)]
pub struct FailingStorage {
    inner: Arc<dyn Storage>,
    budget: Arc<AtomicU64>,
    steps: Arc<AtomicU64>,
}

impl FailingStorage {
    /// Wraps `inner` with an unlimited budget (see [`FailingStorage::fail_after`]).
    pub fn new(inner: Arc<dyn Storage>) -> FailingStorage {
        FailingStorage {
            inner,
            budget: Arc::new(AtomicU64::new(u64::MAX)),
            steps: Arc::new(AtomicU64::new(0)),
        }
    }

    /// From now on, allows `n_steps` more write steps; the next one fails.
    pub fn fail_after(&self, n_steps: u64) {
        self.budget.store(n_steps, Ordering::SeqCst);
    }

    /// The number of write steps performed so far (including failed ones).
    pub fn steps(&self) -> u64 {
        self.steps.load(Ordering::SeqCst)
    }

    /// Whether the budget has been spent (the simulated crash happened).
    pub fn crashed(&self) -> bool {
        self.budget.load(Ordering::SeqCst) == 0
    }

    /// Spends one step; `Err` once the budget is spent.
    fn step(&self) -> io::Result<()> {
        self.steps.fetch_add(1, Ordering::SeqCst);
        let spent = self
            .budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| match b {
                0 => None,
                u64::MAX => Some(u64::MAX),
                b => Some(b - 1),
            })
            .is_err();
        if spent { Err(io::Error::other("simulated crash (FailingStorage)")) } else { Ok(()) }
    }

    fn step_for(&self, name: &str) -> Result<()> {
        self.step().map_err(|e| Error::io(self.path_of(name), e))
    }
}

struct FailingFile {
    storage: FailingStorage,
    inner: Box<dyn StorageFile>,
}

impl Write for FailingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Err(crash) = self.storage.step() {
            let half = &buf[..buf.len() / 2];
            self.inner.write_all(half)?;
            return Err(crash);
        }
        self.inner.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl StorageFile for FailingFile {
    fn sync(&mut self) -> io::Result<()> {
        self.storage.step()?;
        self.inner.sync()
    }
}

impl Storage for FailingStorage {
    fn path_of(&self, name: &str) -> PathBuf {
        self.inner.path_of(name)
    }
    fn exists(&self, name: &str) -> Result<bool> {
        self.inner.exists(name)
    }
    fn read(&self, name: &str) -> Result<FileBytes> {
        self.inner.read(name)
    }
    fn create(&self, name: &str) -> Result<Box<dyn StorageFile>> {
        self.step_for(name)?;
        let inner = self.inner.create(name)?;
        Ok(Box::new(FailingFile { storage: self.clone(), inner }))
    }
    fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.step_for(to)?;
        self.inner.rename(from, to)
    }
    fn sync_dir(&self) -> Result<()> {
        self.step_for(".")?;
        self.inner.sync_dir()
    }
    fn list(&self) -> Result<Vec<String>> {
        self.inner.list()
    }
    fn remove(&self, name: &str) -> Result<()> {
        self.step_for(name)?;
        self.inner.remove(name)
    }
    fn lock(&self) -> Result<StorageLock> {
        self.inner.lock()
    }
}
