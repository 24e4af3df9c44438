//! Crash safety: a crash at any write step of a commit leaves exactly the previous committed
//! state (or, once MANIFEST is renamed, the new one), and the next writer cleans up.

use std::sync::Arc;

use unspun_index::{
    FailingStorage, Index, IndexWriter, LOCK_FILE, MANIFEST_FILE, MemStorage, Storage,
};

use crate::util::{add_docs, describe, describe_storage, doc, small_segments};

/// State A: two segments and a deletion, committed.
fn state_a() -> MemStorage {
    let storage = MemStorage::new();
    let mut writer =
        IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(3)).expect("writer");
    add_docs(&mut writer, 0..5);
    assert!(writer.delete("d1").expect("delete"));
    writer.commit().expect("commit");
    storage
}

/// The changes of the commit under test: new documents, a replacement and a deletion.
fn change(writer: &mut IndexWriter) {
    add_docs(writer, 5..7);
    writer.add_with_fingerprints(doc("d0", 40), &[7, 8, 9], true).expect("replace");
    assert!(writer.delete("d2").expect("delete"));
}

/// After reopening with a writer, only MANIFEST, LOCK and referenced files remain.
fn assert_clean(storage: &MemStorage) {
    let writer = IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100))
        .expect("writer reopens after a crash");
    drop(writer);
    let mut names = storage.list().expect("list");
    names.sort();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    let index = Index::with_storage(Arc::new(storage.clone())).expect("open");
    let stats = index.stats();
    // MemStorage keeps its lock in memory: no LOCK file.
    assert!(!names.iter().any(|n| n == LOCK_FILE));
    let n_expected = 2 * stats.n_segments as usize + 1 + usize::from(stats.n_deleted > 0);
    assert_eq!(names.len(), n_expected, "garbage left: {names:?}");
    assert!(names.iter().any(|n| n == MANIFEST_FILE));
}

#[test]
fn crash_at_every_step_of_a_commit() {
    let before = describe_storage(&state_a());
    let after = {
        let storage = state_a();
        let mut writer =
            IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
        change(&mut writer);
        writer.commit().expect("commit");
        describe_storage(&storage)
    };
    assert_ne!(before, after);

    let mut n_crashes = 0;
    let mut n_new_state = 0;
    let mut n_late_crashes = 0;
    for fail_after in 0.. {
        assert!(fail_after < 10_000, "the commit never finished");
        let storage = state_a();
        let failing = FailingStorage::new(Arc::new(storage.clone()));
        let mut writer =
            IndexWriter::with_storage(Arc::new(failing.clone()), small_segments(100)).expect("w");
        change(&mut writer);
        failing.fail_after(fail_after);
        let result = writer.commit();
        drop(writer);
        let now = describe_storage(&storage);
        match result {
            Err(error) => {
                assert!(failing.crashed());
                let cause = std::error::Error::source(&error).map(ToString::to_string);
                assert!(cause.is_some_and(|c| c.contains("simulated crash")), "{error}");
                if now == after {
                    // Only the directory sync after the MANIFEST rename may fail this late.
                    n_late_crashes += 1;
                } else {
                    assert_eq!(now, before, "crash after {fail_after} steps changed the state");
                }
                n_crashes += 1;
            }
            Ok(_) => {
                // Crashes while removing obsolete files are invisible: the MANIFEST is in.
                assert_eq!(now, after, "commit with budget {fail_after}");
                n_new_state += 1;
            }
        }
        assert_clean(&storage);
        assert_eq!(describe_storage(&storage), now, "cleanup changed the state");
        if !failing.crashed() {
            break;
        }
    }
    // docs + postings + tombstones + MANIFEST: at least create, write, sync, rename and
    // directory sync each.
    assert!(n_crashes >= 20, "only {n_crashes} crash points");
    assert_eq!(n_late_crashes, 1, "crashes after the MANIFEST rename");
    assert!(n_new_state >= 2, "the removal of the old tombstone file was not exercised");
}

#[test]
fn crash_while_creating_an_index() {
    for fail_after in 0..20 {
        let storage = MemStorage::new();
        let failing = FailingStorage::new(Arc::new(storage.clone()));
        failing.fail_after(fail_after);
        let shared: Arc<dyn Storage> = Arc::new(failing.clone());
        let created = IndexWriter::with_storage(shared, small_segments(100));
        let crashed = failing.crashed();
        drop(created);
        match Index::with_storage(Arc::new(storage.clone())) {
            Ok(index) => assert_eq!(describe(&index), "n_docs 0 deleted 0\n"),
            Err(error) => {
                assert!(crashed);
                assert!(error.to_string().contains("is not an unspun index"), "{error}");
            }
        }
        // The next writer creates or opens it cleanly.
        let mut writer = IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100))
            .expect("writer after crash");
        add_docs(&mut writer, 0..1);
        writer.commit().expect("commit");
        drop(writer);
        assert_clean(&storage);
        if !crashed {
            return;
        }
    }
    panic!("creation never finished");
}

#[test]
fn a_failed_commit_can_be_retried() {
    let storage = state_a();
    let failing = FailingStorage::new(Arc::new(storage.clone()));
    let mut writer =
        IndexWriter::with_storage(Arc::new(failing.clone()), small_segments(100)).expect("w");
    change(&mut writer);
    failing.fail_after(3);
    writer.commit().expect_err("crash");
    failing.fail_after(u64::MAX);
    writer.commit().expect("retry succeeds");
    drop(writer);
    let index = Index::with_storage(Arc::new(storage.clone())).expect("open");
    assert_eq!(index.n_docs(), 5);
    assert!(index.doc_id("d6").is_some());
    assert_clean(&storage);
}

/// A sentence index of generation `generation`: one vector per document, distinct by `seed`.
fn sentences(generation: u64, seed: f32) -> unspun_index::semantic::StoredSentences {
    use unspun_core::semantic::{SentenceIndex, SentenceRef};
    let refs: Vec<SentenceRef> =
        (0..4).map(|n| SentenceRef { doc: unspun_core::DocId(n), sentence: 0 }).collect();
    let vectors: Vec<Vec<f32>> = (0..4)
        .map(|n| {
            let v = [seed, n as f32 + 1.0, 1.0];
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter().map(|x| x / norm).collect()
        })
        .collect();
    unspun_index::semantic::StoredSentences {
        generation,
        n_docs: 4,
        model: "test".into(),
        index: SentenceIndex::build(3, refs, &vectors),
    }
}

#[test]
fn crash_at_every_step_of_writing_sentences() {
    // SEMANTIC goes through the writer's storage like any index file: a crash leaves the
    // old file or the new one, never a torn one, and the next writer removes its temporary.
    let base = state_a();
    let generation = Index::with_storage(Arc::new(base.clone())).expect("open").generation();
    let old = sentences(generation, 0.5);
    let new = sentences(generation, 2.0);
    let mut n_crashes = 0;
    for fail_after in 0.. {
        assert!(fail_after < 1_000, "the write never finished");
        let storage = state_a();
        let mut writer =
            IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100)).expect("w");
        writer.write_sentences(&old).expect("first write");
        drop(writer);
        let failing = FailingStorage::new(Arc::new(storage.clone()));
        let mut writer =
            IndexWriter::with_storage(Arc::new(failing.clone()), small_segments(100)).expect("w");
        failing.fail_after(fail_after);
        let result = writer.write_sentences(&new);
        drop(writer);
        let index = Index::with_storage(Arc::new(storage.clone())).expect("opens after a crash");
        let stored = index.sentences().expect("a SEMANTIC file").clone();
        match result {
            Err(error) => {
                assert!(failing.crashed());
                let cause = std::error::Error::source(&error).map(ToString::to_string);
                assert!(cause.is_some_and(|c| c.contains("simulated crash")), "{error}");
                // Only the directory sync after the rename may fail once the new file is in.
                assert!(stored == old || stored == new, "crash after {fail_after} steps");
                n_crashes += 1;
            }
            Ok(()) => assert_eq!(stored, new),
        }
        let writer = IndexWriter::with_storage(Arc::new(storage.clone()), small_segments(100))
            .expect("writer reopens after a crash");
        drop(writer);
        let names = storage.list().expect("list");
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        if !failing.crashed() {
            break;
        }
    }
    assert!(n_crashes >= 4, "only {n_crashes} crash points");
}
