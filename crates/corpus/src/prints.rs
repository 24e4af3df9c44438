//! Stage 1 (map): the fingerprints and whole-sentence hashes of one document, as plain records.
//!
//! Pure: a document in, records out. The local driver runs it over shards of the index; a
//! distributed driver can run it over any partition of documents.

use unspun_core::cluster::{UnsourcedProfile, unsourced_profile};
use unspun_core::shingle::{ShingleConfig, document_fingerprints, sentence_hash};
use unspun_core::text::{Analyzed, analyze};
use unspun_core::{DocId, Document};

use crate::spill::Record;

/// Sort key of an undated document: after every dated one.
pub const UNDATED: i64 = i64::MAX;

/// One fingerprint of one document. Ordered by fingerprint, then date, then document, so that a
/// fingerprint's group lists its earliest documents first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrintRec {
    /// The fingerprint (shingle, anchor or sentence hash), as stored in the index's postings.
    pub fingerprint: u64,
    /// The document's date in seconds, [`UNDATED`] when unknown.
    pub date: i64,
    /// The document.
    pub doc: u32,
}

impl Record for PrintRec {
    const SIZE: usize = 20;
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.fingerprint.to_le_bytes());
        out[8..16].copy_from_slice(&self.date.to_le_bytes());
        out[16..20].copy_from_slice(&self.doc.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        PrintRec { fingerprint: u64_at(b, 0), date: u64_at(b, 8) as i64, doc: u32_at(b, 16) }
    }
}

/// One whole-sentence hash of one document, with its outlet (as a hash of the name; 0 when
/// unknown). Ordered by hash, then document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SentenceRec {
    /// [`unspun_core::shingle::sentence_hash`].
    pub hash: u64,
    /// The document.
    pub doc: u32,
    /// xxh3 of the outlet name, 0 when unknown.
    pub outlet: u64,
}

impl Record for SentenceRec {
    const SIZE: usize = 20;
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.hash.to_le_bytes());
        out[8..12].copy_from_slice(&self.doc.to_le_bytes());
        out[12..20].copy_from_slice(&self.outlet.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        SentenceRec { hash: u64_at(b, 0), doc: u32_at(b, 8), outlet: u64_at(b, 12) }
    }
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(bytes)
}

/// The outlet key of [`SentenceRec`].
pub fn outlet_key(outlet: Option<&str>) -> u64 {
    outlet.map_or(0, |name| xxhash_rust::xxh3::xxh3_64(name.as_bytes()).max(1))
}

/// The records of one document: its distinct fingerprints, and its distinct whole-sentence
/// hashes (both sorted).
pub fn document_prints(
    doc_id: DocId,
    doc: &Document,
    shingle: &ShingleConfig,
) -> (Vec<PrintRec>, Vec<SentenceRec>) {
    prints_of(doc_id, doc, &analyze(&doc.text), shingle)
}

/// [`document_prints`] and the document's [`UnsourcedProfile`] (`None`: a sentence is longer
/// than `max_sentence_tokens`), from one analysis of its text.
pub fn document_prints_and_profile(
    doc_id: DocId,
    doc: &Document,
    shingle: &ShingleConfig,
    max_sentence_tokens: usize,
) -> (Vec<PrintRec>, Vec<SentenceRec>, Option<UnsourcedProfile>) {
    let analyzed = analyze(&doc.text);
    let (prints, sentences) = prints_of(doc_id, doc, &analyzed, shingle);
    (prints, sentences, unsourced_profile(doc, &analyzed, shingle, max_sentence_tokens))
}

fn prints_of(
    doc_id: DocId,
    doc: &Document,
    analyzed: &Analyzed,
    shingle: &ShingleConfig,
) -> (Vec<PrintRec>, Vec<SentenceRec>) {
    let date = doc.date.map_or(UNDATED, |d| d.0);
    let prints = document_fingerprints(analyzed, shingle)
        .into_iter()
        .map(|fingerprint| PrintRec { fingerprint, date, doc: doc_id.0 })
        .collect();
    let outlet = outlet_key(doc.source.as_deref());
    let mut hashes: Vec<u64> = (0..analyzed.sentences.len())
        .filter_map(|idx| sentence_hash(analyzed, idx, shingle))
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let sentences =
        hashes.into_iter().map(|hash| SentenceRec { hash, doc: doc_id.0, outlet }).collect();
    (prints, sentences)
}
