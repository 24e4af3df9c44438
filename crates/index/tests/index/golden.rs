//! The committed golden indexes: tests/data/v1 (written by unspun 0.1), tests/data/v2,
//! tests/data/v3 and tests/data/v4 must still read, and tests/data/v5 must read and be written
//! byte for byte by this build for the same input, so that a format change cannot go
//! unnoticed.
//!
//! To regenerate after an intended format change (with a new FORMAT_VERSION and a new
//! directory), run `UNSPUN_WRITE_GOLDEN=1 cargo test -p unspun-index golden`.

use std::path::{Path, PathBuf};

use unspun_core::{DocId, Document, Timestamp};
use unspun_index::{Index, IndexWriter, LOCK_FILE, WriterConfig};

use crate::util::{doc, fingerprints};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1")
}

/// The golden index of v2 (canonical forms and anchors in the config, uncompressed segments).
fn golden_v2_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v2")
}

/// The golden index of v3 (compressed documents, packed postings with fixed-width keys).
fn golden_v3_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v3")
}

/// The golden index of v4 (a dictionary per document store, Elias–Fano keys; too few
/// documents here to train a dictionary, which the unit tests cover).
fn golden_v4_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v4")
}

/// The golden index of the current version (v5: the layout of v4, the winnowing window in
/// the MANIFEST; its fingerprints are given, so none is winnowed away).
fn golden_v5_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v5")
}

/// Writes the golden index into `dir` (deterministic) with this build's format.
fn write_golden(dir: &Path) {
    let mut config = WriterConfig { segment_max_docs: 3, ..WriterConfig::default() };
    config.index.created_by = "unspun golden v5".into();
    config.index.winnow = 4;
    let mut writer = IndexWriter::open_or_create(dir, config).expect("writer");
    for n in 0..5i64 {
        writer
            .add_with_fingerprints(doc(&format!("d{n}"), n), &fingerprints(n as u64), false)
            .expect("add");
    }
    writer.delete("d1").expect("delete");
    writer.commit().expect("commit");
    drop(writer);
    std::fs::remove_file(dir.join(LOCK_FILE)).expect("remove LOCK");
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

/// The v1 golden index (written by unspun 0.1, committed) still reads, as it is.
#[test]
fn golden_v1_index_reads() {
    let index = Index::open(&golden_dir()).expect("golden index opens");
    assert_eq!(index.stats().format_version, 1);
    // Its manifest predates canonical forms and anchors: queries must use the legacy scheme.
    assert_eq!(index.config().shingle, unspun_core::shingle::ShingleConfig::legacy());
    assert_eq!(index.config().created_by, "unspun golden v1");
    assert_eq!(index.config().shingle.k, 3);
    assert_eq!(index.n_docs(), 4);
    assert_eq!(index.doc_id("d1"), None);
    assert_eq!(index.doc_id("d4"), Some(DocId(4)));
    assert_eq!(index.document(DocId(1)).expect("read"), None);
    assert_eq!(
        index.document(DocId(2)).expect("read"),
        Some(Document {
            id: "d2".into(),
            title: Some("Title 2".into()),
            text: "Body of d2: 2 words of news. ünïcödé ✓".into(),
            date: Some(Timestamp(1_500_172_800)),
            source: Some("AFP".into()),
            url: None,
        })
    );
    let mut docs = Vec::new();
    index.postings(0, &mut docs); // n % 3 == 0 or n % 5 == 0
    assert_eq!(docs, [DocId(0), DocId(3)]);
    docs.clear();
    index.postings(u64::MAX - 1, &mut docs); // odd n, d1 deleted
    assert_eq!(docs, [DocId(3)]);
    assert_eq!(index.doc_freq(1004), 1);
    assert_eq!(index.doc_freq(1001), 0);
    let stats = index.stats();
    assert_eq!((stats.n_segments, stats.n_deleted, stats.generation), (2, 1, 2));
    assert_eq!(stats.n_postings, 19); // d0 has hash 0 twice
    assert_eq!(stats.date_min, Some(Timestamp(1_500_086_400)));
    assert_eq!(stats.date_max, Some(Timestamp(1_500_345_600)));
}

#[test]
fn golden_v2_index_reads() {
    let index = Index::open(&golden_v2_dir()).expect("golden v2 index opens");
    assert_eq!(index.stats().format_version, 2);
    assert_eq!(index.config().shingle, unspun_core::shingle::ShingleConfig::default());
    assert!(index.config().shingle.canonical && index.config().shingle.anchors);
    assert_eq!(index.config().created_by, "unspun golden v2");
    assert_eq!(index.n_docs(), 4);
    let mut docs = Vec::new();
    index.postings(u64::MAX - 1, &mut docs);
    assert_eq!(docs, [DocId(3)]);
    assert_eq!(index.document(DocId(2)).expect("read").map(|d| d.id), Some("d2".to_string()));
}

/// A v2 index extended by this build: its old segments read as they are, the new one is v5,
/// and a merge rewrites all of them as v5 with the same contents.
#[test]
fn golden_v2_index_is_extended_and_merged_as_v5() {
    extended_and_merged(&golden_v2_dir());
}

/// A v3 index extended by this build: the same.
#[test]
fn golden_v3_index_is_extended_and_merged_as_v5() {
    extended_and_merged(&golden_v3_dir());
}

/// A v4 index extended by this build: the same, and it keeps storing every fingerprint (its
/// MANIFEST has no winnowing window).
#[test]
fn golden_v4_index_is_extended_and_merged_as_v5() {
    extended_and_merged(&golden_v4_dir());
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in files(&golden_v4_dir()) {
        std::fs::write(dir.path().join(name), bytes).expect("copy");
    }
    let writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    assert_eq!(writer.config().winnow, 0);
    let text = "Markets fell sharply on Monday after the central bank raised rates again.";
    assert_eq!(
        writer.fingerprinter().fingerprints(text),
        unspun_core::shingle::document_fingerprints(
            &unspun_core::text::analyze(text),
            &writer.config().shingle
        )
    );
}

fn extended_and_merged(golden_dir: &Path) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in files(golden_dir) {
        std::fs::write(dir.path().join(name), bytes).expect("copy");
    }
    let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    writer.add_with_fingerprints(doc("d5", 5), &fingerprints(5), false).expect("add");
    writer.commit().expect("commit");
    let policy = unspun_index::MergePolicy {
        small_segment_docs: 100,
        max_small_segments: 1,
        merge_factor: 8,
    };
    let info = writer.merge_segments(&policy).expect("merge").expect("a merge is due");
    assert_eq!((info.n_segments_merged, info.n_segments), (3, 1));
    drop(writer);
    let index = Index::open(dir.path()).expect("opens");
    assert_eq!(index.stats().format_version, 5);
    assert_eq!(index.n_docs(), 5);
    let mut docs = Vec::new();
    index.postings(0, &mut docs); // n % 3 == 0 or n % 5 == 0
    assert_eq!(docs, [DocId(0), DocId(3), DocId(5)]);
    docs.clear();
    index.postings(u64::MAX - 1, &mut docs); // odd n, d1 deleted
    assert_eq!(docs, [DocId(3), DocId(5)]);
    let golden = Index::open(golden_dir).expect("golden");
    for doc in [0, 2, 3, 4] {
        assert_eq!(
            index.document(DocId(doc)).expect("read"),
            golden.document(DocId(doc)).expect("read golden")
        );
    }
    assert_eq!(index.document(DocId(1)).expect("read"), None);
}

#[test]
fn golden_v3_index_reads() {
    check_golden(&golden_v3_dir(), 3);
}

#[test]
fn golden_v4_index_reads() {
    check_golden(&golden_v4_dir(), 4);
    assert_eq!(Index::open(&golden_v4_dir()).expect("opens").config().winnow, 0);
}

#[test]
fn golden_v5_index_reads() {
    let dir = golden_v5_dir();
    if std::env::var_os("UNSPUN_WRITE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        write_golden(&dir);
    }
    check_golden(&dir, 5);
    assert_eq!(Index::open(&dir).expect("opens").config().winnow, 4);
}

/// The contents every golden index of v3 on holds.
fn check_golden(dir: &Path, version: u32) {
    let index = Index::open(dir).expect("golden index opens");
    assert_eq!(index.stats().format_version, version);
    assert_eq!(index.config().shingle, unspun_core::shingle::ShingleConfig::default());
    assert_eq!(index.config().created_by, format!("unspun golden v{version}"));
    assert_eq!(index.n_docs(), 4);
    let mut docs = Vec::new();
    index.postings(u64::MAX - 1, &mut docs);
    assert_eq!(docs, [DocId(3)]);
    docs.clear();
    index.postings(0, &mut docs);
    assert_eq!(docs, [DocId(0), DocId(3)]);
    assert_eq!(index.doc_freq(1004), 1);
    assert_eq!(index.doc_freq(1001), 0);
    assert_eq!(
        index.document(DocId(2)).expect("read"),
        Some(Document {
            id: "d2".into(),
            title: Some("Title 2".into()),
            text: "Body of d2: 2 words of news. ünïcödé ✓".into(),
            date: Some(Timestamp(1_500_172_800)),
            source: Some("AFP".into()),
            url: None,
        })
    );
}

#[test]
fn golden_v5_bytes_are_reproduced() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_golden(dir.path());
    let written = files(dir.path());
    let golden = files(&golden_v5_dir());
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&written), names(&golden));
    for ((name, bytes), (_, golden_bytes)) in written.iter().zip(&golden) {
        assert!(bytes == golden_bytes, "{name} differs from the golden v5 file: format changed?");
    }
}
