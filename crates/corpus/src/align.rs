//! Stage 4 (map over documents): each document traced against its candidate partners only.
//!
//! The tracer is the one of `unspun trace`, so a link says what a trace would say; but its
//! postings are cut down to the document's partners from the pair stage, so the work per
//! document no longer grows with the corpus and chance fingerprint matches are never aligned.

use std::cell::RefCell;
use std::collections::HashMap;

use unspun_core::canon::KeyMap;
use unspun_core::cluster::boilerplate::sentence_hashes;
use unspun_core::shingle::ShingleConfig;
use unspun_core::trace::Candidates;
use unspun_core::{DocId, Document};
use unspun_index::Index;

use crate::docprints::{DocPrints, FreqTable};
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
///
/// A trace asks for a fingerprint's frequency, then (when it is not too common) for its
/// postings, and asks again for the frequencies of the fingerprints its alignments matched.
/// Each fingerprint is answered once per document and kept in [`Lookups`] for the questions
/// that follow. Two ways to answer, with the same answers:
///
/// - from the index ([`PartnerCandidates::new`]): the fingerprint's postings (one lookup per
///   segment), whose number is the index's frequency ([`Index::doc_freq`] counts the live
///   documents that [`Index::postings`] lists), filtered to the partners;
/// - from the run's own records ([`PartnerCandidates::with_prints`]): the frequency from the
///   pairs stage's [`FreqTable`] (or, for a fingerprint the table does not hold, 1 when the
///   document holds it itself; its own are looked up together when the view is made), the
///   postings from the partners' own fingerprints
///   ([`DocPrints`]). Only a fingerprint neither the document nor the table holds (of the
///   title, or of a long sentence cut into windows) is asked of the index.
pub struct PartnerCandidates<'a> {
    /// The index (frequencies stay those of the whole index).
    pub index: &'a Index,
    /// The document's partners, sorted.
    pub partners: &'a [u32],
    lookups: &'a RefCell<Lookups>,
    /// The frequencies of the run's shared fingerprints, when they are the index's.
    freqs: Option<&'a FreqTable>,
    /// Whether `lookups` holds the document's and its partners' own fingerprints.
    with_prints: bool,
    /// Whether the index is a store of documents only: every answer from the records.
    records_only: bool,
}

/// Partners above this many are looked up in the index's postings: a binary search in each
/// partner's fingerprints would cost more than reading the postings.
const MAX_PARTNERS_BY_PRINTS: usize = 64;

impl<'a> PartnerCandidates<'a> {
    /// `doc`'s view of `index` through its sorted `partners`, remembering its lookups in
    /// `lookups` (emptied here: one per thread, reused document after document).
    pub fn new(index: &'a Index, partners: &'a [u32], lookups: &'a RefCell<Lookups>) -> Self {
        lookups.borrow_mut().clear();
        PartnerCandidates {
            index,
            partners,
            lookups,
            freqs: None,
            with_prints: false,
            records_only: false,
        }
    }

    /// The same view answered from the run's records: `doc`'s and its partners' own
    /// fingerprints read from `prints`, frequencies from `freqs` (`None`: from the index).
    /// Falls back to [`PartnerCandidates::new`] when `prints` lacks one of the documents or
    /// the partners are many.
    ///
    /// Over a store of documents only ([`unspun_index::IndexConfig::documents_only`]), which
    /// has no postings, there is no falling back: the records answer for any number of
    /// partners, a fingerprint the table lacks counts the partners holding it (the table
    /// holds every fingerprint of two or more documents, so that is its frequency among the
    /// others), and a document missing from `prints` or a missing `freqs` is an error.
    pub fn with_prints(
        index: &'a Index,
        doc: DocId,
        partners: &'a [u32],
        lookups: &'a RefCell<Lookups>,
        prints: &DocPrints,
        freqs: Option<&'a FreqTable>,
    ) -> unspun_index::Result<Self> {
        let mut view = PartnerCandidates::new(index, partners, lookups);
        let records_only = index.config().documents_only;
        if records_only && freqs.is_none() {
            return Err(missing_records("the pairs stage's fingerprint frequencies"));
        }
        if partners.is_empty() || (partners.len() > MAX_PARTNERS_BY_PRINTS && !records_only) {
            return Ok(view);
        }
        let mut guard = lookups.borrow_mut();
        let Lookups { own, own_freqs, partner_prints, .. } = &mut *guard;
        if !prints.read(doc, own)? {
            if records_only {
                return Err(missing_records("the prints stage's document fingerprints"));
            }
            return Ok(view);
        }
        // All at once, in one tight loop: the table is large and each lookup a cache miss,
        // which the processor overlaps when the lookups do not wait on each other.
        own_freqs.clear();
        if let Some(freqs) = freqs {
            own_freqs.extend(own.iter().map(|&fingerprint| freqs.get(fingerprint).unwrap_or(1)));
        }
        if partner_prints.len() < partners.len() {
            partner_prints.resize_with(partners.len(), Vec::new);
        }
        for (partner, out) in partners.iter().zip(partner_prints.iter_mut()) {
            if !prints.read(DocId(*partner), out)? {
                if records_only {
                    return Err(missing_records("the prints stage's document fingerprints"));
                }
                return Ok(view);
            }
        }
        drop(guard);
        view.freqs = freqs;
        view.with_prints = true;
        view.records_only = records_only;
        Ok(view)
    }

    /// The frequency of `fingerprint` and the range of [`Lookups::partner_docs`] holding its
    /// partners, looked up once.
    fn lookup(&self, fingerprint: u64) -> (u32, usize, usize) {
        let mut lookups = self.lookups.borrow_mut();
        if let Some(&(n_docs, start, end)) = lookups.seen.get(&fingerprint) {
            return (n_docs, start as usize, end as usize);
        }
        let Lookups { seen, partner_docs, scratch, own, own_freqs, partner_prints } = &mut *lookups;
        let start = partner_docs.len();
        let n_docs = if self.with_prints {
            let own_at = own.binary_search(&fingerprint).ok();
            let held = own_at.is_some();
            // `None`: the number of partners holding it (see below).
            let n_docs = match (own_at, self.freqs) {
                (Some(at), Some(_)) => Some(own_freqs[at]),
                // Not held by this document: held by two or more of the run, or else by one
                // other or none (the index says which; without one, the partners do: one
                // that no partner holds cannot be the source of a match).
                (None, Some(freqs)) => match freqs.get(fingerprint) {
                    Some(n_docs) => Some(n_docs),
                    None if self.records_only => None,
                    None => Some(self.index.doc_freq(fingerprint)),
                },
                (_, None) => Some(self.index.doc_freq(fingerprint)),
            };
            // Held by this document alone: no partner holds it.
            if n_docs.is_none_or(|n_docs| n_docs > u32::from(held)) {
                partner_docs.extend(
                    self.partners
                        .iter()
                        .zip(partner_prints.iter())
                        .filter(|(_, prints)| prints.binary_search(&fingerprint).is_ok())
                        .map(|(partner, _)| DocId(*partner)),
                );
            }
            n_docs.unwrap_or((partner_docs.len() - start) as u32)
        } else {
            scratch.clear();
            self.index.postings(fingerprint, scratch);
            partner_docs
                .extend(scratch.iter().filter(|doc| self.partners.binary_search(&doc.0).is_ok()));
            u32::try_from(scratch.len()).unwrap_or(u32::MAX)
        };
        let end = partner_docs.len();
        seen.insert(fingerprint, (n_docs, start as u32, end as u32));
        (n_docs, start, end)
    }
}

impl Candidates for PartnerCandidates<'_> {
    fn n_docs(&self) -> u64 {
        self.index.n_docs()
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        if self.partners.is_empty() {
            return self.index.doc_freq(fingerprint);
        }
        self.lookup(fingerprint).0
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        if self.partners.is_empty() {
            return;
        }
        let (_, start, end) = self.lookup(fingerprint);
        out.extend_from_slice(&self.lookups.borrow().partner_docs[start..end]);
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

/// The error of a run over a store of documents only that lacks one of its own records.
fn missing_records(what: &str) -> unspun_index::Error {
    unspun_index::Error::RunMismatch {
        path: crate::input::STORE_DIR.into(),
        reason: format!(
            "is a store of documents only, and {what} are gone from the run: rerun with --fresh"
        ),
    }
}

/// What one document's trace has looked up in the index ([`PartnerCandidates`]): for each
/// fingerprint its frequency and its postings among the partners. One per thread, emptied per
/// document, so that its tables are allocated once.
#[derive(Debug, Default)]
pub struct Lookups {
    /// Fingerprint → (frequency in the index, `partner_docs[start..end]`).
    seen: KeyMap<(u32, u32, u32)>,
    /// The partners of every fingerprint looked up, one run per fingerprint.
    partner_docs: Vec<DocId>,
    /// One fingerprint's postings in the whole index.
    scratch: Vec<DocId>,
    /// The document's own fingerprints, ascending (with prints).
    own: Vec<u64>,
    /// Their frequencies, from the [`FreqTable`] (1 for those it lacks), when there is one.
    own_freqs: Vec<u32>,
    /// Each partner's own fingerprints, ascending, in the order of the partners (with
    /// prints; only the first `partners.len()` are the document's).
    partner_prints: Vec<Vec<u64>>,
}

impl Lookups {
    fn clear(&mut self) {
        self.seen.clear();
        self.partner_docs.clear();
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
    /// Over a store of documents only: the sentences of the run in at least
    /// `common_sentence_docs` documents, with their counts (any other of the document's own
    /// sentences counts 1, which is below that threshold as the true count is).
    pub common: Option<&'a HashMap<u64, u32>>,
}

impl<'a> LonelyCandidates<'a> {
    /// For `text` fingerprinted with `shingle`.
    pub fn new(index: &'a Index, text: &str, shingle: &ShingleConfig) -> Self {
        let mut sentence_hashes: Vec<u64> =
            sentence_hashes(text, shingle).into_iter().map(|(h, _)| h).collect();
        sentence_hashes.sort_unstable();
        LonelyCandidates { index, sentence_hashes, common: None }
    }
}

impl Candidates for LonelyCandidates<'_> {
    fn n_docs(&self) -> u64 {
        self.index.n_docs()
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        if self.sentence_hashes.binary_search(&fingerprint).is_ok() {
            match self.common {
                Some(common) => common.get(&fingerprint).copied().unwrap_or(1),
                None => self.index.doc_freq(fingerprint),
            }
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
