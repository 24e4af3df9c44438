//! [`MemoryCandidates`]: the [`Candidates`] of a few documents held in memory.

use std::collections::HashMap;

use super::Candidates;
use crate::shingle::{ShingleConfig, document_fingerprints};
use crate::text::analyze;
use crate::{DocId, Document};

/// An in-memory [`Candidates`] over a few documents: for tests, examples and small jobs.
#[derive(Debug, Clone, Default)]
pub struct MemoryCandidates {
    docs: Vec<Document>,
    postings: HashMap<u64, Vec<DocId>>,
}

impl MemoryCandidates {
    /// Fingerprints and holds `docs`; `DocId(i)` is `docs[i]`.
    pub fn new(docs: Vec<Document>, config: &ShingleConfig) -> MemoryCandidates {
        let mut postings: HashMap<u64, Vec<DocId>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for fp in document_fingerprints(&analyze(&doc.text), config) {
                postings.entry(fp).or_default().push(DocId(i as u32));
            }
        }
        MemoryCandidates { docs, postings }
    }
}

impl Candidates for MemoryCandidates {
    fn n_docs(&self) -> u64 {
        self.docs.len() as u64
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        self.postings.get(&fingerprint).map_or(0, |p| p.len() as u32)
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        if let Some(p) = self.postings.get(&fingerprint) {
            out.extend_from_slice(p);
        }
    }
    fn document(&self, doc: DocId) -> Option<Document> {
        self.docs.get(doc.0 as usize).cloned()
    }
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        Some(
            self.docs
                .iter()
                .any(|d| d.source.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(outlet))),
        )
    }
}
