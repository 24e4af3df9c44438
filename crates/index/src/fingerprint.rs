//! [`Fingerprinter`]: the fingerprint scheme of one index, so that no caller chooses one.
//!
//! Documents are fingerprinted with the scheme stored in the index's `IndexConfig`; a trace
//! must look up the same scheme or it silently finds no candidates. The writer
//! ([`crate::IndexWriter::add`]) and the reader ([`crate::Index::tracer`]) both take it from
//! the index.

use unspun_core::shingle::{ShingleConfig, document_fingerprints};
use unspun_core::text::analyze;

/// Computes a document's fingerprints with one index's scheme. Cheap to clone; `Sync`, so the
/// ingest pipeline can fingerprint on the rayon pool.
#[derive(Debug, Clone)]
pub struct Fingerprinter {
    shingle: ShingleConfig,
}

impl Fingerprinter {
    pub(crate) fn new(shingle: &ShingleConfig) -> Fingerprinter {
        Fingerprinter { shingle: shingle.clone() }
    }

    /// The fingerprints of a document's `text` (any order, duplicates possible).
    pub fn fingerprints(&self, text: &str) -> Vec<u64> {
        document_fingerprints(&analyze(text), &self.shingle)
    }
}
