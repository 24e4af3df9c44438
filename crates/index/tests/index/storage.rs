//! One test suite run on every [`Storage`] implementation.

use std::io::Write;
use std::sync::Arc;

use unspun_index::{Error, FsStorage, MemStorage, Storage};

fn write(storage: &dyn Storage, name: &str, bytes: &[u8]) {
    storage
        .write_atomic(name, &mut |out: &mut dyn Write| {
            out.write_all(bytes).map_err(|e| Error::io("x", e))
        })
        .expect("write_atomic");
}

fn suite(storage: &dyn Storage) {
    assert!(!storage.exists("a").expect("exists"));
    assert!(matches!(storage.read("a"), Err(Error::Io { .. })));

    write(storage, "a", b"hello");
    assert!(storage.exists("a").expect("exists"));
    assert_eq!(&*storage.read("a").expect("read"), b"hello");

    // Atomic replacement, and readers of the old bytes keep them.
    let old = storage.read("a").expect("read");
    write(storage, "a", b"bye");
    assert_eq!(&*storage.read("a").expect("read"), b"bye");
    assert_eq!(&*old, b"hello");

    write(storage, "empty", b"");
    assert!(storage.read("empty").expect("read").is_empty());

    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    write(storage, "big", &big);
    assert_eq!(&*storage.read("big").expect("read"), &big[..]);

    let mut names = storage.list().expect("list");
    names.sort();
    names.retain(|name| name != "LOCK");
    assert_eq!(names, ["a", "big", "empty"], "no temporary files remain");

    let mut file = storage.create("raw").expect("create");
    file.write_all(b"12").expect("write");
    file.sync().expect("sync");
    drop(file);
    storage.rename("raw", "renamed").expect("rename");
    assert!(!storage.exists("raw").expect("exists"));
    assert_eq!(&*storage.read("renamed").expect("read"), b"12");

    storage.remove("renamed").expect("remove");
    assert!(!storage.exists("renamed").expect("exists"));
    assert!(storage.remove("renamed").is_err());
    storage.sync_dir().expect("sync_dir");

    let lock = storage.lock().expect("first lock");
    assert!(matches!(storage.lock(), Err(Error::Locked { .. })));
    drop(lock);
    let _again = storage.lock().expect("lock after release");

    assert!(storage.path_of("a").ends_with("a"));
}

#[test]
fn mem_storage() {
    suite(&MemStorage::new());
}

#[test]
fn fs_storage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = FsStorage::new(dir.path());
    suite(&storage);
    assert_eq!(storage.path_of("a"), dir.path().join("a"));
}

#[test]
fn fs_lock_is_exclusive_across_handles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one: Arc<dyn Storage> = Arc::new(FsStorage::new(dir.path()));
    let two: Arc<dyn Storage> = Arc::new(FsStorage::new(dir.path()));
    let lock = one.lock().expect("lock");
    let err = two.lock().expect_err("second handle is locked out");
    assert!(err.to_string().contains("LOCK"), "{err}");
    drop(lock);
    two.lock().expect("lock after release");
}

#[test]
fn mem_storage_clones_share_files() {
    let one = MemStorage::new();
    let two = one.clone();
    write(&one, "a", b"x");
    assert_eq!(&*two.read("a").expect("read"), b"x");
}
