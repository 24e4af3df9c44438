//! Stage 4 (map over documents): each document traced against its candidate partners only.
//!
//! The tracer is the one of `unspun trace`, so a link says what a trace would say; but its
//! postings are cut down to the document's partners from the pair stage, so the work per
//! document no longer grows with the corpus and chance fingerprint matches are never aligned.

use unspun_core::cluster::boilerplate::sentence_hashes;
use unspun_core::shingle::ShingleConfig;
use unspun_core::trace::Candidates;
use unspun_core::{DocId, Document};
use unspun_index::Index;

use crate::pairs::{A_SOURCE_OF_B, B_SOURCE_OF_A, PairRec};

/// Every document's candidate partners, both directions (compressed sparse rows by DocId).
#[derive(Debug, Default)]
pub struct Partners {
    /// `starts[d]..starts[d + 1]` indexes `partners` for DocId `d`.
    starts: Vec<u64>,
    partners: Vec<u32>,
}

impl Partners {
    /// From the candidate pairs (`a < b`), for DocIds below `n_ids`: a document's partners
    /// are the documents of its pairs that may be its source by date ([`PairRec::dir`]).
    pub fn from_pairs(pairs: &[PairRec], n_ids: usize) -> Self {
        let edges = |p: &PairRec| {
            [(p.b, p.a, p.dir & A_SOURCE_OF_B != 0), (p.a, p.b, p.dir & B_SOURCE_OF_A != 0)]
                .into_iter()
                .filter_map(|(from, to, yes)| yes.then_some((from, to)))
        };
        let mut counts = vec![0u64; n_ids + 1];
        for p in pairs {
            for (from, _) in edges(p) {
                counts[from as usize] += 1;
            }
        }
        let mut starts = Vec::with_capacity(n_ids + 1);
        let mut total = 0u64;
        for c in &counts[..n_ids] {
            starts.push(total);
            total += c;
        }
        starts.push(total);
        let mut fill: Vec<u64> = starts[..n_ids].to_vec();
        let mut partners = vec![0u32; total as usize];
        for p in pairs {
            for (from, to) in edges(p) {
                let at = &mut fill[from as usize];
                partners[*at as usize] = to;
                *at += 1;
            }
        }
        for d in 0..n_ids {
            partners[starts[d] as usize..starts[d + 1] as usize].sort_unstable();
        }
        Partners { starts, partners }
    }

    /// The partners of `doc`, sorted.
    pub fn of(&self, doc: DocId) -> &[u32] {
        let d = doc.0 as usize;
        if d + 1 >= self.starts.len() {
            return &[];
        }
        &self.partners[self.starts[d] as usize..self.starts[d + 1] as usize]
    }
}

/// The index seen from one document: only its partners are found.
pub struct PartnerCandidates<'a> {
    /// The index (frequencies stay those of the whole index).
    pub index: &'a Index,
    /// The document's partners, sorted.
    pub partners: &'a [u32],
}

impl Candidates for PartnerCandidates<'_> {
    fn n_docs(&self) -> u64 {
        self.index.n_docs()
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        self.index.doc_freq(fingerprint)
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        if self.partners.is_empty() {
            return;
        }
        let start = out.len();
        self.index.postings(fingerprint, out);
        let mut kept = start;
        for i in start..out.len() {
            if self.partners.binary_search(&out[i].0).is_ok() {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
    }
    fn document(&self, doc: DocId) -> Option<Document> {
        if self.partners.binary_search(&doc.0).is_err() {
            return None;
        }
        self.index.document(doc).ok().flatten()
    }
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        Some(self.index.has_outlet_like(outlet))
    }
}

/// The index seen from a document without partners: no document is found, but its sentences'
/// frequencies are those of the index, so that the trace marks common sentences and title
/// repeats (left out of its content) exactly as a full trace would, without a lookup of each
/// of its fingerprints.
pub struct LonelyCandidates<'a> {
    /// The index.
    pub index: &'a Index,
    /// The document's whole-sentence hashes, sorted.
    pub sentence_hashes: Vec<u64>,
}

impl<'a> LonelyCandidates<'a> {
    /// For `text` fingerprinted with `shingle`.
    pub fn new(index: &'a Index, text: &str, shingle: &ShingleConfig) -> Self {
        let mut sentence_hashes: Vec<u64> =
            sentence_hashes(text, shingle).into_iter().map(|(h, _)| h).collect();
        sentence_hashes.sort_unstable();
        LonelyCandidates { index, sentence_hashes }
    }
}

impl Candidates for LonelyCandidates<'_> {
    fn n_docs(&self) -> u64 {
        self.index.n_docs()
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        if self.sentence_hashes.binary_search(&fingerprint).is_ok() {
            self.index.doc_freq(fingerprint)
        } else {
            0
        }
    }
    fn postings(&self, _fingerprint: u64, _out: &mut Vec<DocId>) {}
    fn document(&self, _doc: DocId) -> Option<Document> {
        None
    }
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        Some(self.index.has_outlet_like(outlet))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners_are_symmetric_and_sorted() {
        let both = A_SOURCE_OF_B | B_SOURCE_OF_A;
        let pairs = [
            PairRec { a: 0, b: 3, n: 5, dir: both },
            PairRec { a: 1, b: 3, n: 9, dir: both },
            PairRec { a: 2, b: 4, n: 9, dir: A_SOURCE_OF_B },
        ];
        let p = Partners::from_pairs(&pairs, 5);
        assert_eq!(p.of(DocId(3)), &[0, 1]);
        assert_eq!(p.of(DocId(0)), &[3]);
        // 2 is earlier than 4: a source of 4, never its copy.
        assert_eq!(p.of(DocId(4)), &[2]);
        assert!(p.of(DocId(2)).is_empty());
        assert!(p.of(DocId(99)).is_empty());
    }
}
