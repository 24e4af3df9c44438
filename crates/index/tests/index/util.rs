//! Fixtures and helpers shared by the tests.

use std::fmt::Write as _;
use std::sync::Arc;

use unspun_core::{DocId, Document, Timestamp};
use unspun_index::{Index, IndexWriter, MemStorage, Storage, WriterConfig};

/// A small document with every field set according to `n`.
pub fn doc(id: &str, n: i64) -> Document {
    Document {
        id: id.to_string(),
        title: (n % 2 == 0).then(|| format!("Title {n}")),
        text: format!("Body of {id}: {n} words of news. ünïcödé ✓"),
        date: (n % 3 != 0).then_some(Timestamp(1_500_000_000 + n * 86_400)),
        source: Some(["Reuters", "AP", "AFP"][n as usize % 3].to_string()),
        url: (n % 2 == 1).then(|| format!("https://example.com/{id}")),
    }
}

/// Fingerprints of doc `n`: one of its own and some shared with neighbours.
pub fn fingerprints(n: u64) -> Vec<u64> {
    vec![1000 + n, n % 3, (n % 5) << 60, u64::MAX - n % 2]
}

/// Every fingerprint [`fingerprints`] can produce for n < 100 (to probe postings).
pub fn all_fingerprints() -> Vec<u64> {
    let mut all: Vec<u64> = (0..100).flat_map(fingerprints).collect();
    all.push(123_456_789);
    all.sort_unstable();
    all.dedup();
    all
}

/// Writer config with tiny segments.
pub fn small_segments(segment_max_docs: usize) -> WriterConfig {
    WriterConfig { segment_max_docs, ..WriterConfig::default() }
}

/// A text description of everything an [`Index`] shows, to compare states.
pub fn describe(index: &Index) -> String {
    let mut out = String::new();
    let stats = index.stats();
    writeln!(out, "n_docs {} deleted {}", index.n_docs(), stats.n_deleted).expect("fmt");
    let mut doc = 0u32;
    let mut n_seen = 0;
    // DocIds are dense up to the last segment; walk until all live ones are seen.
    while n_seen < index.n_docs() && doc < 10_000 {
        if let Some(d) = index.document(DocId(doc)).expect("document reads") {
            assert_eq!(index.doc_id(&d.id), Some(DocId(doc)));
            writeln!(out, "{doc} {d:?}").expect("fmt");
            n_seen += 1;
        }
        doc += 1;
    }
    for hash in all_fingerprints() {
        let mut docs = Vec::new();
        index.postings(hash, &mut docs);
        assert_eq!(index.doc_freq(hash) as usize, docs.len(), "doc_freq of {hash}");
        if !docs.is_empty() {
            writeln!(out, "{hash:x} {docs:?}").expect("fmt");
        }
    }
    out
}

/// Opens `storage` read-only and describes it.
pub fn describe_storage(storage: &MemStorage) -> String {
    let index =
        Index::with_storage(Arc::new(storage.clone()) as Arc<dyn Storage>).expect("index opens");
    describe(&index)
}

/// Adds docs `range` (ids "d{n}") to `writer`.
pub fn add_docs(writer: &mut IndexWriter, range: std::ops::Range<i64>) {
    for n in range {
        writer
            .add_with_fingerprints(doc(&format!("d{n}"), n), &fingerprints(n as u64), false)
            .expect("add");
    }
}
