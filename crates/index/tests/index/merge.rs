//! Segment merging: a merge keeps every document, DocId, tombstone and posting of live
//! documents (so traces are unchanged), readers of the previous generation keep working, and
//! a crash at any write step of a merge leaves an index holding every committed document.

use std::sync::Arc;

use unspun_core::trace::{TraceConfig, TraceInput};
use unspun_core::{DocId, Document};
use unspun_index::{
    FailingStorage, Index, IndexWriter, LOCK_FILE, MemStorage, MergePolicy, Storage,
};

use crate::util::{add_docs, describe, describe_storage, doc, small_segments};

/// Segments under 100 documents are small; more than 3 small ones trigger a merge of up to 4.
fn policy() -> MergePolicy {
    MergePolicy { small_segment_docs: 100, max_small_segments: 3, merge_factor: 4 }
}

/// Ten one-document commits, a deletion and a replacement: 11 segments and tombstones.
fn many_segments() -> MemStorage {
    let storage = MemStorage::new();
    let mut writer =
        IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
    for n in 0..10 {
        add_docs(&mut writer, n..n + 1);
        writer.commit().expect("commit");
    }
    assert!(writer.delete("d3").expect("delete"));
    writer.add_with_fingerprints(doc("d5", 55), &[5, 6, 7], true).expect("replace");
    writer.commit().expect("commit");
    assert_eq!(writer.n_segments(), 11);
    storage
}

fn n_segments(storage: &MemStorage) -> u64 {
    Index::with_storage(Arc::new(storage.clone())).expect("open").stats().n_segments
}

#[test]
fn merging_keeps_every_document_id_and_tombstone() {
    let storage = many_segments();
    let before = describe_storage(&storage);
    let old_reader = Index::with_storage(Arc::new(storage.clone())).expect("open");
    let mut writer =
        IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
    let mut n_merges = 0;
    while let Some(info) = writer.merge_segments(&policy()).expect("merge") {
        assert!(info.n_segments_merged >= 2);
        n_merges += 1;
    }
    assert!(n_merges >= 2, "{n_merges} merges");
    assert!(!writer.merge_due(&policy()));
    assert!(writer.n_segments() <= 4, "{} segments", writer.n_segments());
    // The writer still knows every id: a duplicate is refused, a new document continues the
    // DocIds.
    assert!(writer.contains_id("d9") && !writer.contains_id("d3"));
    drop(writer);
    assert_eq!(describe_storage(&storage), before);
    let index = Index::with_storage(Arc::new(storage.clone())).expect("open");
    assert_eq!(index.doc_id("d5"), Some(DocId(10)));
    assert_eq!(index.document(DocId(3)).expect("read"), None, "d3 stays deleted");
    assert_eq!(index.stats().n_deleted, 2);
    // A reader of the previous generation reads its (now removed) files as before.
    assert_eq!(describe(&old_reader), before);
}

#[test]
fn a_reader_on_disk_keeps_its_files_after_a_merge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut writer = IndexWriter::open_or_create(dir.path(), small_segments(100)).expect("w");
    for n in 0..6 {
        add_docs(&mut writer, n..n + 1);
        writer.commit().expect("commit");
    }
    let old_reader = Index::open(dir.path()).expect("open");
    let before = describe(&old_reader);
    writer.merge_segments(&policy()).expect("merge").expect("a merge was due");
    // The merged segments' files are gone from the directory ...
    let n_files = std::fs::read_dir(dir.path()).expect("list").count();
    let stats = Index::open(dir.path()).expect("open").stats();
    assert_eq!(n_files, 2 * stats.n_segments as usize + 2, "MANIFEST, LOCK and segments");
    // ... and the old reader's mappings still read them.
    assert_eq!(describe(&old_reader), before);
    assert_eq!(describe(&Index::open(dir.path()).expect("open")), before);
}

#[test]
fn buffered_documents_are_committed_before_a_merge() {
    let storage = many_segments();
    let mut writer =
        IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
    add_docs(&mut writer, 20..22);
    assert!(writer.delete("d0").expect("delete"));
    writer.merge_segments(&policy()).expect("merge").expect("a merge was due");
    drop(writer);
    let index = Index::with_storage(Arc::new(storage.clone())).expect("open");
    assert!(index.doc_id("d21").is_some());
    assert_eq!(index.doc_id("d0"), None);
}

const ARTICLES: [&str; 4] = [
    "The central bank raised interest rates by half a point on Tuesday. Analysts had expected \
     a smaller rise. Markets fell sharply after the announcement in London.",
    "Heavy rain flooded the valley overnight and hundreds of families left their homes. The \
     river rose faster than the forecasters had warned.",
    "The minister resigned after the report was published on Friday. Her party said the \
     inquiry had been unfair and promised to appeal.",
    "Engineers finished the new bridge two years late and far over budget. The city council \
     opened it to traffic on Monday morning.",
];

#[test]
fn traces_are_the_same_after_a_merge() {
    let storage = MemStorage::new();
    let mut writer =
        IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
    for (n, text) in ARTICLES.iter().cycle().take(9).enumerate() {
        let doc = Document { id: format!("a{n}"), text: text.to_string(), ..Document::default() };
        writer.add(doc, false).expect("add");
        writer.commit().expect("commit");
    }
    assert!(writer.delete("a1").expect("delete"));
    writer.commit().expect("commit");
    let query = format!("{} {}", ARTICLES[0], ARTICLES[1]);
    let report = |index: &Index| {
        let input = TraceInput { id: None, title: None, text: &query, date: None };
        serde_json::to_string(&index.tracer(TraceConfig::default()).trace(&input, index))
            .expect("json")
    };
    let before = report(&Index::with_storage(Arc::new(storage.clone())).expect("open"));
    while writer.merge_segments(&policy()).expect("merge").is_some() {}
    assert!(writer.n_segments() < 10);
    let after = report(&Index::with_storage(Arc::new(storage.clone())).expect("open"));
    assert_eq!(after, before);
    assert!(before.contains("\"a0\""), "the trace found its sources: {before}");
}

#[test]
fn crash_at_every_step_of_a_merge() {
    let before = describe_storage(&many_segments());
    let n_before = n_segments(&many_segments());
    let mut n_crashes = 0;
    let mut n_merged = 0;
    for fail_after in 0.. {
        assert!(fail_after < 10_000, "the merge never finished");
        let storage = many_segments();
        let failing = FailingStorage::new(Arc::new(storage.clone()));
        let mut writer =
            IndexWriter::with_storage(Arc::new(failing.clone()), small_segments(100)).expect("w");
        failing.fail_after(fail_after);
        let result = writer.merge_segments(&policy());
        drop(writer);
        // Crashed or not, the index shows every committed document, as before.
        assert_eq!(describe_storage(&storage), before, "budget {fail_after}: {result:?}");
        let n_now = n_segments(&storage);
        match result {
            Err(error) => {
                assert!(failing.crashed());
                let cause = std::error::Error::source(&error).map(ToString::to_string);
                assert!(cause.is_some_and(|c| c.contains("simulated crash")), "{error}");
                n_crashes += 1;
            }
            Ok(info) => {
                assert!(info.is_some());
                assert!(n_now < n_before);
                n_merged += 1;
            }
        }
        // The next writer removes what the crash left and can merge to the end.
        let mut writer =
            IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
        let mut names = storage.list().expect("list");
        names.retain(|name| name != LOCK_FILE);
        let n_files = 2 * writer.n_segments() as usize + 2;
        assert_eq!(names.len(), n_files, "garbage after budget {fail_after}: {names:?}");
        while writer.merge_segments(&policy()).expect("merge").is_some() {}
        drop(writer);
        assert_eq!(describe_storage(&storage), before);
        if !failing.crashed() {
            break;
        }
    }
    // docs + postings + MANIFEST: create, write, sync, rename, directory sync each at least.
    assert!(n_crashes >= 15, "only {n_crashes} crash points");
    assert!(n_merged >= 1);
}
