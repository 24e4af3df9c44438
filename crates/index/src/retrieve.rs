//! The index as the source of candidates for [`unspun_core::trace::trace`], and the
//! [`Tracer`] built with its fingerprint scheme.

use unspun_core::trace::{Candidates, TraceConfig, Tracer};
use unspun_core::{DocId, Document};

use crate::Index;

impl Index {
    /// A [`Tracer`] for this index: the knobs of `config` with the index's fingerprint scheme
    /// (whatever `config.shingle` says); no candidate is cached.
    pub fn tracer(&self, config: TraceConfig) -> Tracer {
        Tracer::new(&self.config().shingle, config)
    }

    /// [`Index::tracer`], keeping at most `cache_docs` analysed candidates between traces.
    pub fn tracer_with_cache(&self, config: TraceConfig, cache_docs: usize) -> Tracer {
        Tracer::with_cache(&self.config().shingle, config, cache_docs)
    }
}

impl Candidates for Index {
    fn n_docs(&self) -> u64 {
        Index::n_docs(self)
    }

    fn doc_freq(&self, fingerprint: u64) -> u32 {
        Index::doc_freq(self, fingerprint)
    }

    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        Index::postings(self, fingerprint, out);
    }

    fn document(&self, doc: DocId) -> Option<Document> {
        // Files were checksummed when the index was opened, so a read error here means the
        // files changed underneath us; the trace goes on without that candidate.
        Index::document(self, doc).ok().flatten()
    }

    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        Some(self.has_outlet_like(outlet))
    }

    fn similar_sentences(&self, model: &str, vector: &[f32], k: usize) -> Vec<(DocId, u32, f32)> {
        let Some(stored) = self.sentences() else { return Vec::new() };
        if stored.model != model {
            return Vec::new();
        }
        stored
            .index
            .search(vector, N_PROBE, k)
            .into_iter()
            .map(|(r, sim)| (r.doc, r.sentence, sim))
            .collect()
    }
}

/// Lists of the stored sentence index searched per query: with about √n lists, 16 of them
/// scan about 16/√n of the vectors (1.5 % at 1M sentences).
const N_PROBE: usize = 16;
