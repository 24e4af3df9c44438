//! The stored sentence index (`SEMANTIC`): built from an index with a stand-in embedder,
//! written, read back by `Index::open`, searched through `Candidates`, and refused when damaged.

use unspun_core::semantic::{EmbedError, Embedder};
use unspun_core::trace::Candidates;
use unspun_index::semantic::{SEMANTIC_FILE, build_sentences};
use unspun_index::{Index, IndexWriter, WriterConfig};

use crate::util::doc;

/// Vectors from the words' lengths: deterministic, unit length, different per sentence.
struct Lengths;

impl Embedder for Lengths {
    fn dim(&self) -> usize {
        8
    }
    fn name(&self) -> &str {
        "lengths"
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0.1f32; 8];
                for (i, w) in t.split_whitespace().enumerate() {
                    v[(w.len() + i) % 8] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.into_iter().map(|x| x / n).collect()
            })
            .collect())
    }
}

#[test]
fn sentence_index_round_trips_through_the_index_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    for n in 0..20i64 {
        writer.add_with_fingerprints(doc(&format!("d{n}"), n), &[n as u64], false).expect("add");
    }
    writer.commit().expect("commit");
    drop(writer);
    let index = Index::open(dir.path()).expect("open");
    assert!(index.sentences().is_none());
    let mut calls = 0;
    let stored = build_sentences(&index, &Lengths, 3, 4, &mut |_, _| calls += 1).expect("build");
    assert_eq!(stored.index.len(), 20, "one sentence of ≥ 3 words per document");
    assert!(calls >= 5);
    let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default()).expect("w");
    writer.write_sentences(&stored).expect("write");
    // Sentences of another generation are refused: they would miss documents added since.
    let stale = unspun_index::semantic::StoredSentences { generation: 0, ..stored.clone() };
    let err = writer.write_sentences(&stale).expect_err("stale").to_string();
    assert!(err.contains("generation 0") && err.contains(SEMANTIC_FILE), "{err}");
    drop(writer);

    let index = Index::open(dir.path()).expect("open with SEMANTIC");
    assert_eq!(index.sentences(), Some(&stored));
    let query = Lengths.embed(&["Body of d7: 7 words of news. ünïcödé ✓"]).expect("embed");
    let hits = index.similar_sentences("lengths", &query[0], 3);
    assert!(!hits.is_empty() && hits[0].2 > 0.99, "{hits:?}");
    assert!(index.similar_sentences("another model", &query[0], 3).is_empty());

    // A damaged file is refused, naming it.
    let path = dir.path().join(SEMANTIC_FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&path, bytes).expect("write");
    let err = Index::open(dir.path()).expect_err("damaged").to_string();
    assert!(err.contains(SEMANTIC_FILE), "{err}");
}
