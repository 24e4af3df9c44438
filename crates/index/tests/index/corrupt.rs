//! Damaged, foreign and future files fail with clear errors naming the file; locks exclude.

use std::sync::Arc;

use unspun_index::{Error, Index, IndexWriter, LOCK_FILE, MemStorage, Storage, WriterConfig};

use crate::util::{add_docs, all_fingerprints, small_segments};

/// An index with two segments and a tombstone file.
fn sample() -> MemStorage {
    let storage = MemStorage::new();
    let mut writer =
        IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(2)).expect("writer");
    add_docs(&mut writer, 0..3);
    writer.delete("d0").expect("delete");
    writer.commit().expect("commit");
    storage
}

fn open(storage: &MemStorage) -> unspun_index::Result<Index> {
    Index::with_storage(Arc::new(storage.clone()) as Arc<dyn Storage>)
}

fn file_names(storage: &MemStorage) -> Vec<String> {
    let mut names = storage.list().expect("list");
    names.retain(|name| name != LOCK_FILE);
    names.sort();
    names
}

#[test]
fn every_damaged_byte_is_reported_with_the_file_name() {
    let names = file_names(&sample());
    assert_eq!(names.len(), 6, "{names:?}");
    for name in &names {
        let storage = sample();
        let original = storage.read(name).expect("read").to_vec();
        for at in 0..original.len() {
            let mut damaged = original.clone();
            damaged[at] ^= 0x20;
            storage.put(name, damaged);
            let error = open(&storage).expect_err("damage is detected");
            let message = error.to_string();
            assert!(message.contains(name.as_str()), "{name} byte {at}: {message}");
            match error {
                Error::Corrupt { .. } => assert!(message.contains("is damaged"), "{message}"),
                Error::NotAnIndex { .. } => assert!(name == "MANIFEST" && at < 8, "{message}"),
                other => panic!("{name} byte {at}: unexpected {other:?}"),
            }
            // A writer refuses it too.
            let writer = IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(2));
            assert!(writer.is_err(), "{name} byte {at}: writer opened a damaged index");
        }
        storage.put(name, original);
        open(&storage).expect("restored");
    }
}

/// Opening with no whole-file checks (what a large index gets): every damaged byte is still
/// found, at open (tables, MANIFEST, tombstones) or when the damaged block or postings chunk
/// is first read, naming the file.
#[test]
fn every_damaged_byte_is_found_by_a_lazy_open_or_on_first_read() {
    let names = file_names(&sample());
    let mut found_on_read: Vec<&str> = Vec::new();
    for name in &names {
        let storage = sample();
        let original = storage.read(name).expect("read").to_vec();
        let mut n_on_read = 0;
        for at in 0..original.len() {
            let mut damaged = original.clone();
            damaged[at] ^= 0x20;
            storage.put(name, damaged);
            let storage: Arc<dyn Storage> = Arc::new(storage.clone());
            let message = match Index::with_storage_verifying(storage, 0) {
                Err(error) => error.to_string(),
                Ok(index) => {
                    n_on_read += 1;
                    let mut errors: Vec<String> = Vec::new();
                    for doc in 0..4 {
                        if let Err(error) = index.document(unspun_core::DocId(doc)) {
                            errors.push(error.to_string());
                        }
                    }
                    let mut docs = Vec::new();
                    for hash in all_fingerprints() {
                        index.postings(hash, &mut docs);
                    }
                    errors.extend(index.damage().map(|error| error.to_string()));
                    errors.into_iter().next().unwrap_or_else(|| panic!("{name} byte {at}: unseen"))
                }
            };
            assert!(message.contains(name.as_str()), "{name} byte {at}: {message}");
            assert!(
                message.contains("is damaged") || message.contains("not an unspun index"),
                "{name} byte {at}: {message}"
            );
        }
        if n_on_read > 0 {
            found_on_read.push(name);
        }
    }
    // Blocks and chunks were left to the first read (segment 1's only block is read at open:
    // it holds a deleted document, whose outlet is subtracted).
    assert_eq!(
        found_on_read,
        ["seg-0000000001.post", "seg-0000000002.docs", "seg-0000000002.post"],
        "files with damage found after open"
    );
}

#[test]
fn truncated_and_missing_files() {
    for name in file_names(&sample()) {
        let storage = sample();
        let bytes = storage.read(&name).expect("read").to_vec();
        storage.put(&name, bytes[..bytes.len() - 1].to_vec());
        let message = open(&storage).expect_err("truncation is detected").to_string();
        assert!(message.contains(&name), "{message}");
        storage.remove(&name).expect("remove");
        let message = open(&storage).expect_err("missing file is detected").to_string();
        assert!(message.contains(&name) || message.contains("not an unspun index"), "{message}");
    }
}

#[test]
fn a_checksum_mismatch_says_so() {
    let storage = sample();
    let mut bytes = storage.read("MANIFEST").expect("read").to_vec();
    bytes[20] ^= 1;
    storage.put("MANIFEST", bytes);
    let message = open(&storage).expect_err("damaged").to_string();
    assert_eq!(
        message.split(" (").next(),
        Some("<memory>/MANIFEST is damaged: checksum mismatch"),
        "{message}"
    );
}

/// Replaces bytes at `at` and recomputes the checksum trailer.
fn rewrite(storage: &MemStorage, name: &str, at: usize, new: &[u8]) {
    let mut bytes = storage.read(name).expect("read").to_vec();
    bytes[at..at + new.len()].copy_from_slice(new);
    let body = bytes.len() - 8;
    let checksum = xxhash_rust::xxh3::xxh3_64(&bytes[..body]);
    bytes[body..].copy_from_slice(&checksum.to_le_bytes());
    storage.put(name, bytes);
}

#[test]
fn foreign_magic_is_not_an_index() {
    let storage = sample();
    rewrite(&storage, "MANIFEST", 0, b"SQLite f");
    let error = open(&storage).expect_err("foreign");
    assert!(matches!(error, Error::NotAnIndex { .. }), "{error:?}");
    assert_eq!(error.to_string(), "<memory>/MANIFEST is not an unspun index");

    let storage = sample();
    let name = "seg-0000000001.docs";
    rewrite(&storage, name, 0, b"UNSPPOST");
    let error = open(&storage).expect_err("wrong kind");
    assert!(matches!(error, Error::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains(name), "{error}");
}

#[test]
fn a_newer_format_version_is_refused() {
    let storage = sample();
    rewrite(&storage, "MANIFEST", 8, &6u32.to_le_bytes());
    let error = open(&storage).expect_err("future version");
    assert!(matches!(error, Error::Version { expected: 5, got: 6, .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "<memory>/MANIFEST has format version 6, this unspun reads versions 1 to 5: a newer \
         unspun wrote it (upgrade unspun) or the file is damaged"
    );
}

/// A writer refuses an index of a newer format before touching it: every file, the unreadable
/// segments and a leftover temporary file included, stays as it was.
#[test]
fn a_writer_deletes_nothing_of_a_newer_index() {
    let storage = sample();
    rewrite(&storage, "MANIFEST", 8, &6u32.to_le_bytes());
    rewrite(&storage, "seg-0000000001.post", 8, &6u32.to_le_bytes());
    storage.put("seg-0000000009.docs.tmp", b"a newer writer's file".to_vec());
    let contents = |storage: &MemStorage| -> Vec<(String, Vec<u8>)> {
        let names = file_names(storage);
        names
            .into_iter()
            .map(|name| (name.clone(), storage.read(&name).expect("read").to_vec()))
            .collect()
    };
    let before = contents(&storage);
    let Err(error) = IndexWriter::with_storage(Arc::new(storage.clone()), WriterConfig::default())
    else {
        panic!("a newer index is refused")
    };
    assert!(matches!(error, Error::Version { expected: 5, got: 6, .. }), "{error:?}");
    assert_eq!(contents(&storage), before);
}

#[test]
fn missing_or_empty_directories_are_not_indexes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = Index::open(dir.path()).expect_err("empty dir");
    assert!(matches!(error, Error::NotAnIndex { .. }), "{error:?}");
    assert!(error.to_string().ends_with("is not an unspun index"), "{error}");
    let error = Index::open(&dir.path().join("nope")).expect_err("missing dir");
    assert!(matches!(error, Error::NotAnIndex { .. }), "{error:?}");
    assert!(matches!(open(&MemStorage::new()), Err(Error::NotAnIndex { .. })));
}

#[test]
fn a_second_writer_is_locked_out_but_readers_are_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    add_docs(&mut first, 0..2);
    first.commit().expect("commit");
    let error = IndexWriter::open_or_create(dir.path(), WriterConfig::default())
        .expect_err("second writer");
    assert!(matches!(error, Error::Locked { .. }), "{error:?}");
    assert!(error.to_string().contains("LOCK"), "{error}");
    assert_eq!(Index::open(dir.path()).expect("reader").n_docs(), 2);
    drop(first);
    IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("after release");

    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let _writer =
        IndexWriter::with_storage(Arc::clone(&storage), WriterConfig::default()).expect("w");
    let error = IndexWriter::with_storage(storage, WriterConfig::default()).expect_err("locked");
    assert!(matches!(error, Error::Locked { .. }), "{error:?}");
}

#[test]
fn damaged_document_record_in_a_valid_frame() {
    // Offsets past the records are caught at read time, not by a panic.
    let storage = sample();
    let name = "seg-0000000001.docs";
    let bytes = storage.read(name).expect("read").to_vec();
    // The first offsets table entry sits right after the ids; find it from the footer.
    let footer = bytes.len() - 8 - 32;
    let off_doc_offsets =
        u64::from_le_bytes(bytes[footer + 8..footer + 16].try_into().expect("8 bytes")) as usize;
    rewrite(&storage, name, off_doc_offsets + 8, &u64::MAX.to_le_bytes());
    // The MANIFEST's recorded checksum now differs: the open fails, naming the file.
    let message = open(&storage).expect_err("damaged").to_string();
    assert!(message.contains(name), "{message}");
}
