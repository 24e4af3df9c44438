//! [`Fingerprinter`]: the fingerprint scheme of one index, so that no caller chooses one.
//!
//! Documents are fingerprinted with the scheme stored in the index's `IndexConfig`; a trace
//! must look up the same scheme or it silently finds no candidates. The writer
//! ([`crate::IndexWriter::add`]) and the reader ([`crate::Index::tracer`]) both take it from
//! the index.

use unspun_core::shingle::{ShingleConfig, document_fingerprints_winnowed};
use unspun_core::text::analyze;

/// Computes a document's fingerprints with one index's scheme. Cheap to clone; `Sync`, so the
/// ingest pipeline can fingerprint on the rayon pool.
#[derive(Debug, Clone)]
pub struct Fingerprinter {
    shingle: ShingleConfig,
    /// The index's winnowing window ([`crate::IndexConfig::winnow`]).
    winnow: usize,
}

impl Fingerprinter {
    pub(crate) fn new(config: &crate::IndexConfig) -> Fingerprinter {
        Fingerprinter { shingle: config.shingle.clone(), winnow: config.winnow as usize }
    }

    /// The fingerprints the index stores of a document's `text` (any order, duplicates
    /// possible): all of them, or the winnowed subset when the index winnows.
    pub fn fingerprints(&self, text: &str) -> Vec<u64> {
        document_fingerprints_winnowed(&analyze(text), &self.shingle, self.winnow)
    }
}
