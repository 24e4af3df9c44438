//! Write → read round trips, incremental sessions, replacement and deletion.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use unspun_core::{DocId, Document, Timestamp};
use unspun_index::{
    AddOutcome, Index, IndexConfig, IndexWriter, MemStorage, Storage, WriterConfig,
};

use crate::util::{add_docs, doc, fingerprints, small_segments};

fn arb_doc() -> impl Strategy<Value = (Document, Vec<u64>)> {
    (
        "[a-z0-9]{0,6}",
        proptest::option::of("\\PC{0,12}"),
        "\\PC{0,40}",
        proptest::option::of(any::<i64>()),
        proptest::option::of("[A-Z][a-z]{0,5}"),
        proptest::option::of("https://[a-z]{1,8}\\.example/\\PC{0,8}"),
        // A small hash universe so that documents share fingerprints, plus extreme values.
        proptest::collection::vec(prop_oneof![0u64..40, Just(u64::MAX), any::<u64>()], 0..12),
    )
        .prop_map(|(id, title, text, date, source, url, fingerprints)| {
            let doc = Document { id, title, text, date: date.map(Timestamp), source, url };
            (doc, fingerprints)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn write_read_round_trip(
        docs in proptest::collection::vec(arb_doc(), 0..24),
        segment_max_docs in 1usize..8,
    ) {
        let storage = MemStorage::new();
        let shared: Arc<dyn Storage> = Arc::new(storage.clone());
        let mut writer = IndexWriter::with_storage(Arc::clone(&shared), small_segments(segment_max_docs))
            .expect("writer");
        // Expected state: ids are made unique by their position.
        let mut expected_postings: BTreeMap<u64, Vec<DocId>> = BTreeMap::new();
        let mut expected_docs = Vec::new();
        for (doc_idx, (mut doc, fingerprints)) in docs.into_iter().enumerate() {
            doc.id = format!("{doc_idx}-{}", doc.id);
            let outcome = writer.add_with_fingerprints(doc.clone(), &fingerprints, false).expect("add");
            let id = DocId(doc_idx as u32);
            prop_assert_eq!(outcome, AddOutcome::Added(id));
            for hash in fingerprints {
                let docs = expected_postings.entry(hash).or_default();
                if docs.last() != Some(&id) && !docs.contains(&id) {
                    docs.push(id);
                }
            }
            expected_docs.push(doc);
        }
        writer.commit().expect("commit");
        drop(writer);

        let index = Index::with_storage(shared).expect("open");
        prop_assert_eq!(index.n_docs(), expected_docs.len() as u64);
        for (doc_idx, doc) in expected_docs.iter().enumerate() {
            let id = DocId(doc_idx as u32);
            prop_assert_eq!(index.document(id).expect("read"), Some(doc.clone()));
            prop_assert_eq!(index.doc_id(&doc.id), Some(id));
        }
        prop_assert_eq!(index.document(DocId(expected_docs.len() as u32)).expect("read"), None);
        for (hash, docs) in &expected_postings {
            let mut found = Vec::new();
            index.postings(*hash, &mut found);
            prop_assert_eq!(&found, docs);
            prop_assert_eq!(index.doc_freq(*hash) as usize, docs.len());
        }
        let mut found = Vec::new();
        index.postings(0xdead_beef_dead_beef, &mut found);
        prop_assert!(found.is_empty() || expected_postings.contains_key(&0xdead_beef_dead_beef));
        let stats = index.stats();
        prop_assert_eq!(stats.n_docs, expected_docs.len() as u64);
        prop_assert_eq!(stats.n_postings, expected_postings.values().map(Vec::len).sum::<usize>() as u64);
        let n_outlets = expected_docs.iter().filter_map(|d| d.source.clone())
            .collect::<std::collections::BTreeSet<_>>().len();
        prop_assert_eq!(stats.n_outlets, n_outlets as u64);
        prop_assert_eq!(stats.date_min, expected_docs.iter().filter_map(|d| d.date).min());
        prop_assert_eq!(stats.date_max, expected_docs.iter().filter_map(|d| d.date).max());
    }
}

#[test]
fn many_postings_in_one_segment() {
    // Enough distinct keys for a multi-bit bucket directory.
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut writer =
        IndexWriter::with_storage(Arc::clone(&storage), WriterConfig::default()).expect("writer");
    for n in 0..50u64 {
        let hashes: Vec<u64> =
            (0..400u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (n % 4)).collect();
        writer.add_with_fingerprints(doc(&format!("d{n}"), n as i64), &hashes, false).expect("add");
    }
    writer.commit().expect("commit");
    let index = Index::with_storage(storage).expect("open");
    for i in [0u64, 1, 199, 399] {
        let hash = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut docs = Vec::new();
        index.postings(hash, &mut docs);
        let expected: Vec<DocId> = (0..50).filter(|n| n % 4 == 0).map(DocId).collect();
        assert_eq!(docs, expected, "hash {hash:x}");
    }
    assert_eq!(index.stats().n_postings, 50 * 400);
}

#[test]
fn incremental_sessions_duplicates_and_replacement() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    add_docs(&mut writer, 0..3);
    let info = writer.commit().expect("commit");
    assert_eq!((info.generation, info.n_docs, info.n_segments), (1, 3, 1));
    drop(writer);

    let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    assert!(writer.contains_id("d1"));
    assert_eq!(writer.n_docs(), 3);
    add_docs(&mut writer, 3..4);
    assert!(writer.contains_id("d3"), "buffered ids count");
    assert_eq!(
        writer.add_with_fingerprints(doc("d0", 0), &[1], false).expect("add"),
        AddOutcome::Duplicate(DocId(0))
    );
    assert_eq!(
        writer.add_with_fingerprints(doc("d3", 3), &[1], false).expect("add"),
        AddOutcome::Duplicate(DocId(3))
    );
    let replaced = writer.add_with_fingerprints(doc("d1", 76), &[555], true).expect("replace");
    assert_eq!(replaced, AddOutcome::Replaced { old: DocId(1), new: DocId(4) });
    // Replacing a buffered document works too.
    let replaced = writer.add_with_fingerprints(doc("d3", 78), &[556], true).expect("replace");
    assert_eq!(replaced, AddOutcome::Replaced { old: DocId(3), new: DocId(5) });
    assert!(writer.delete("d2").expect("delete"));
    assert!(!writer.delete("d2").expect("delete again"));
    assert!(!writer.delete("nope").expect("delete unknown"));
    assert_eq!(writer.n_docs(), 3);
    let info = writer.commit().expect("commit");
    assert_eq!((info.generation, info.n_docs, info.n_segments, info.n_deleted), (2, 3, 2, 3));
    // Nothing changed: no new generation.
    assert_eq!(writer.commit().expect("commit").generation, 2);
    drop(writer);

    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.n_docs(), 3);
    assert_eq!(index.doc_id("d0"), Some(DocId(0)));
    assert_eq!(index.doc_id("d1"), Some(DocId(4)));
    assert_eq!(index.doc_id("d2"), None);
    assert_eq!(index.doc_id("d3"), Some(DocId(5)));
    for gone in [1, 2, 3] {
        assert_eq!(index.document(DocId(gone)).expect("read"), None);
    }
    assert_eq!(index.document(DocId(4)).expect("read"), Some(doc("d1", 76)));
    let mut docs = Vec::new();
    index.postings(fingerprints(1)[0], &mut docs);
    assert!(docs.is_empty(), "old d1's own fingerprint is gone: {docs:?}");
    index.postings(555, &mut docs);
    assert_eq!(docs, [DocId(4)]);
    docs.clear();
    index.postings(fingerprints(0)[1], &mut docs); // 0 % 3: shared by d0 and d3 (old)
    assert_eq!(docs, [DocId(0)]);
    assert_eq!(index.doc_freq(fingerprints(0)[1]), 1);
    let stats = index.stats();
    assert_eq!((stats.n_docs, stats.n_deleted, stats.n_segments, stats.generation), (3, 3, 2, 2));
    assert!(index.has_outlet("Reuters"));
    assert!(!index.has_outlet("AFP"), "d2 (AFP) was deleted");
    let outlets: Vec<(String, u64)> =
        stats.top_outlets.iter().map(|o| (o.outlet.clone(), o.n_docs)).collect();
    assert_eq!(outlets, [("Reuters".to_string(), 2), ("AP".to_string(), 1)]);
    assert!(stats.bytes_on_disk > 0);
    let json = serde_json::to_string(&stats).expect("serialize");
    assert!(json.contains("\"format_version\":5"), "{json}");

    // The old tombstone file was replaced, not kept.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "LOCK",
            "MANIFEST",
            "del-0000000003.tomb",
            "seg-0000000001.docs",
            "seg-0000000001.post",
            "seg-0000000002.docs",
            "seg-0000000002.post"
        ]
    );
}

#[test]
fn full_buffer_commits_by_itself() {
    let storage = MemStorage::new();
    let shared: Arc<dyn Storage> = Arc::new(storage.clone());
    let mut writer = IndexWriter::with_storage(Arc::clone(&shared), small_segments(2)).expect("w");
    add_docs(&mut writer, 0..5);
    assert_eq!(writer.generation(), 2);
    drop(writer); // the fifth document was never committed

    let index = Index::with_storage(Arc::clone(&shared)).expect("open");
    assert_eq!((index.n_docs(), index.generation(), index.stats().n_segments), (4, 2, 2));
    assert_eq!(index.doc_id("d4"), None);

    // Byte limit: every document exceeds it.
    let config = WriterConfig { segment_max_bytes: 1, ..WriterConfig::default() };
    let mut writer = IndexWriter::with_storage(shared, config).expect("w");
    add_docs(&mut writer, 10..12);
    assert_eq!(writer.generation(), 4);
}

#[test]
fn existing_config_wins() {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut config = WriterConfig::default();
    config.index.shingle.k = 5;
    config.index.created_by = "first".into();
    let writer = IndexWriter::with_storage(Arc::clone(&storage), config).expect("w");
    assert_eq!(writer.config().shingle.k, 5);
    drop(writer);
    let writer =
        IndexWriter::with_storage(Arc::clone(&storage), WriterConfig::default()).expect("w");
    assert_eq!(writer.config().created_by, "first");
    drop(writer);
    let index = Index::with_storage(storage).expect("open");
    assert_eq!(index.config().shingle.k, 5);
    assert_eq!(index.n_docs(), 0, "a new index is committed empty");
    assert_ne!(IndexConfig::default().created_by, "");
}

#[test]
fn index_is_shared_across_threads() {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut writer = IndexWriter::with_storage(Arc::clone(&storage), small_segments(3)).expect("w");
    add_docs(&mut writer, 0..10);
    writer.commit().expect("commit");
    let index = Arc::new(Index::with_storage(storage).expect("open"));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                let mut docs = Vec::new();
                index.postings(1, &mut docs); // n % 3 == 1
                docs
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("thread"), [DocId(1), DocId(4), DocId(7)]);
    }
}

#[test]
fn outlets_match_by_name_or_word_prefix() {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut writer =
        IndexWriter::with_storage(Arc::clone(&storage), WriterConfig::default()).expect("w");
    for (i, outlet) in ["CNN (Web News)", "cnnmoney.com", "Reuters"].iter().enumerate() {
        let mut d = doc(&format!("d{i}"), i as i64);
        d.source = Some((*outlet).to_string());
        writer.add_with_fingerprints(d, &fingerprints(i as u64), false).expect("add");
    }
    writer.commit().expect("commit");
    drop(writer);
    let index = Index::with_storage(storage).expect("open");
    assert!(index.has_outlet("Reuters") && !index.has_outlet("CNN"));
    assert!(index.has_outlet_like("CNN"), "word prefix of CNN (Web News)");
    assert!(index.has_outlet_like("reuters"), "case-insensitive");
    assert!(!index.has_outlet_like("AP"), "no outlet starts with the word AP");
    assert!(index.has_outlet_like("cnnmoney"), "a domain starts with the name");
    assert!(!index.has_outlet_like("Reut"), "a prefix must end at a word boundary");
}

/// Articles of the winnowing test: long sentences, so that a window of 8 shingles fits in one.
const NEWS: [&str; 4] = [
    "The central bank raised its benchmark interest rate by half a percentage point on Tuesday \
     morning, citing stubborn inflation in housing, energy and food prices across the country. \
     Analysts at several large investment banks had expected a much smaller increase this month. \
     Stock markets in London, Frankfurt and Paris fell sharply within minutes of the announcement.",
    "Heavy rain flooded the northern valley overnight and hundreds of farming families left their \
     homes before dawn with whatever belongings they could carry. The river rose far faster than \
     the regional forecasters had warned in their bulletin on Sunday evening.",
    "The health minister resigned on Friday after the independent report on hospital waiting lists \
     was published in full by the parliamentary committee. Her party said the inquiry had been \
     deeply unfair to the nurses and doctors involved and promised a formal appeal next week.",
    "Engineers finished the new suspension bridge across the estuary two years late and far over \
     its original budget of four hundred million pounds. The city council opened the bridge to \
     cars, buses and cyclists on Monday morning after a short ceremony.",
];

/// A winnowed (v5) index stores fewer postings, records its window, and a patchwork of two of
/// its documents (one sentence each, the second with two words changed) is still traced to both.
#[test]
fn a_patchwork_is_traced_on_a_winnowed_index() {
    use unspun_core::trace::{TraceConfig, TraceInput};
    let build = |winnow: u32| {
        let storage = MemStorage::new();
        let mut config = WriterConfig::default();
        config.index.winnow = winnow;
        let mut writer = IndexWriter::with_storage(Arc::new(storage.clone()), config).expect("w");
        for (n, text) in NEWS.iter().enumerate() {
            let doc =
                Document { id: format!("n{n}"), text: text.to_string(), ..Document::default() };
            writer.add(doc, false).expect("add");
        }
        writer.commit().expect("commit");
        drop(writer);
        Index::with_storage(Arc::new(storage)).expect("open")
    };
    let (all, winnowed) = (build(0), build(8));
    assert_eq!((all.config().winnow, winnowed.config().winnow), (0, 8));
    assert_eq!(winnowed.stats().format_version, 5);
    let (n_all, n_winnowed) = (all.stats().n_postings, winnowed.stats().n_postings);
    assert!(n_winnowed * 10 < n_all * 6, "{n_winnowed} of {n_all} postings kept");
    let query = "Analysts at several large investment banks had expected a much smaller increase \
                 this month. The health minister quit on Friday after the independent report on \
                 hospital waiting lists was released in full by the parliamentary committee.";
    let input = TraceInput { id: None, title: None, text: query, date: None };
    let report = winnowed.tracer(TraceConfig::default()).trace(&input, &winnowed);
    let report = serde_json::to_string(&report).expect("json");
    assert!(report.contains("\"n0\"") && report.contains("\"n2\""), "{report}");
}

#[test]
fn fingerprints_sharing_a_key_in_one_document_are_one_posting() {
    // Two fingerprints of one document whose 40-bit keys are equal: one posting, counted once in
    // the MANIFEST (a count taken before the duplicate was dropped made the index unopenable).
    let (a, b) = (0x1d04_0364_54bf_b677_u64, 0x7e66_f3db_a449_d375_u64);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    writer.add_with_fingerprints(doc("d0", 0), &[a, b, 7], false).expect("add");
    writer.add_with_fingerprints(doc("d1", 1), &[a], false).expect("add");
    writer.commit().expect("commit");
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.doc_freq(a), 2);
    assert_eq!(index.doc_freq(b), 2, "one key: one fingerprint to the index");
    assert_eq!(index.doc_freq(7), 1);
}
