//! The `trace` stage of `unspun cluster` on records instead of an index: each document traced
//! against its candidate partners, given as records, with the document frequencies of its own
//! fingerprints, so that an engine without the index (Spark) gives the lines of
//! `trace-NNNNN.jsonl`.
//!
//! The index is seen from one document exactly as `unspun_corpus::align::PartnerCandidates`
//! sees it: postings cut down to the partners (a partner is in a fingerprint's postings when
//! its own fingerprints, by the index's scheme, hold it), frequencies of the whole corpus, the
//! partners' documents, the corpus's outlets. A document without partners goes through
//! `unsourced_document`, or is traced against nothing with only its sentences' frequencies
//! (`LonelyCandidates`), as the local driver does.

use std::collections::{BTreeMap, HashMap, HashSet};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use unspun_core::cluster::boilerplate::sentence_hashes;
use unspun_core::cluster::{ClusterConfig, trace_document, unsourced_document};
use unspun_core::shingle::{ShingleConfig, document_fingerprints};
use unspun_core::text::analyze;
use unspun_core::trace::{Candidates, TraceConfig, Tracer};
use unspun_core::{DocId, Document};

use crate::UnspunError;
use crate::convert::{record_document, shingle_scheme};
use crate::stages::unpack_doc_freqs;

/// Analysed candidates a batch's tracer keeps (the native trace stage's number).
const CANDIDATE_CACHE_DOCS: usize = 4096;

/// One document to trace, read from Python.
struct Item {
    doc_id: DocId,
    doc: Document,
    /// Partners (those that may be its source), sorted by DocId, with their fingerprints.
    partners: Vec<(DocId, Document, Vec<u64>)>,
    /// Document frequencies of its fingerprints (absent: 0).
    doc_freq: HashMap<u64, u32>,
}

/// The corpus seen from one document (see the module documentation).
struct RecordCandidates<'a> {
    n_docs: u64,
    item: &'a Item,
    /// `None`: every frequency of `item.doc_freq`; `Some`: only these (sorted) hashes.
    only: Option<Vec<u64>>,
    outlets: &'a [String],
}

impl Candidates for RecordCandidates<'_> {
    fn n_docs(&self) -> u64 {
        self.n_docs
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        if self.only.as_ref().is_some_and(|only| only.binary_search(&fingerprint).is_err()) {
            return 0;
        }
        self.item.doc_freq.get(&fingerprint).copied().unwrap_or(0)
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        for (doc_id, _, prints) in &self.item.partners {
            if prints.binary_search(&fingerprint).is_ok() {
                out.push(*doc_id);
            }
        }
    }
    fn document(&self, doc: DocId) -> Option<Document> {
        let at = self.item.partners.binary_search_by_key(&doc, |(d, _, _)| *d).ok()?;
        Some(self.item.partners[at].1.clone())
    }
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        // `Index::has_outlet_like`: the name, or the name followed by a non-alphanumeric.
        let name = outlet.to_ascii_lowercase();
        Some(self.outlets.iter().any(|known| {
            let known = known.to_ascii_lowercase();
            known == name
                || known
                    .strip_prefix(&name)
                    .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric()))
        }))
    }
}

/// An item dict: `doc` (a record with its `doc`), `partners` (records), and, unless
/// `doc_freqs` come packed, `doc_freqs` (a dict fingerprint → documents).
fn read_item(
    value: &Bound<'_, PyAny>,
    at: usize,
    packed_doc_freqs: Option<&mut BTreeMap<u32, Vec<(u64, u32)>>>,
) -> PyResult<Item> {
    let dict = value
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("items[{at}]: an item is a dict")))?;
    let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
        dict.get_item(name)?
            .ok_or_else(|| PyValueError::new_err(format!("items[{at}]: field `{name}` is missing")))
    };
    let (doc_id, doc) = record_document(&field("doc")?, at)?;
    let mut partners = Vec::new();
    for (p, record) in field("partners")?.try_iter()?.enumerate() {
        let (partner_id, partner) = record_document(&record?, p)?;
        partners.push((partner_id, partner, Vec::new()));
    }
    partners.sort_by_key(|(d, _, _)| *d);
    let doc_freq: HashMap<u64, u32> = match packed_doc_freqs {
        Some(packed) => packed.remove(&doc_id.0).unwrap_or_default().into_iter().collect(),
        None => field("doc_freqs")?.extract().map_err(|_| {
            PyValueError::new_err(format!(
                "items[{at}]: field `doc_freqs` must map fingerprints (u64) to counts (u32)"
            ))
        })?,
    };
    Ok(Item { doc_id, doc, partners, doc_freq })
}

/// The `trace` stage on records: each item's document traced against its partners, as the
/// local driver of `unspun cluster` traces it. Returns one JSON line (a `TracedDoc`, without
/// the newline) per item, the lines of `trace-NNNNN.jsonl`.
///
/// `items` are dicts: `doc` (the document's record with its `doc`), `partners` (the records
/// of its candidate partners that may be its source by date: `pairs.bin` with the direction
/// bits), `doc_freqs` (fingerprint → number of documents of the corpus holding it, for at
/// least the document's own fingerprints: the group sizes of the pairs reduce; with
/// `sparse_doc_freqs=True`, only those held by two or more documents: its other fingerprints
/// count 1). `n_docs` is the corpus's document count, `outlets` its distinct outlet names,
/// `boilerplate` the sentence hashes of `boilerplate.jsonl` (ints).
#[pyfunction]
#[pyo3(signature = (items, *, n_docs, outlets, boilerplate, fingerprints="anchors",
                    sparse_doc_freqs=false))]
pub(crate) fn trace_documents(
    py: Python<'_>,
    items: &Bound<'_, PyAny>,
    n_docs: u64,
    outlets: Vec<String>,
    boilerplate: HashSet<u64>,
    fingerprints: &str,
    sparse_doc_freqs: bool,
) -> PyResult<Vec<String>> {
    let shingle = shingle_scheme(fingerprints)?;
    let mut read = Vec::new();
    for (at, item) in items.try_iter()?.enumerate() {
        read.push(read_item(&item?, at, None)?);
    }
    let stage = TraceStage { n_docs, outlets, boilerplate, shingle, sparse: sparse_doc_freqs };
    py.detach(|| stage.trace(read))
}

/// `trace_documents` with the document frequencies packed, as `fingerprint_reduce_packed`
/// gives them per shard: `items` are dicts `doc` and `partners` (no `doc_freqs`); `doc_freqs`
/// the byte strings of 16-byte records (doc u32, fingerprint u64, n_docs u32) of the
/// fingerprints held by two or more documents, for the items' documents (records of other
/// documents are ignored); every other fingerprint of a document counts 1.
#[pyfunction]
#[pyo3(signature = (items, doc_freqs, *, n_docs, outlets, boilerplate, fingerprints="anchors"))]
pub(crate) fn trace_documents_packed(
    py: Python<'_>,
    items: &Bound<'_, PyAny>,
    doc_freqs: Vec<Bound<'_, PyBytes>>,
    n_docs: u64,
    outlets: Vec<String>,
    boilerplate: HashSet<u64>,
    fingerprints: &str,
) -> PyResult<Vec<String>> {
    let shingle = shingle_scheme(fingerprints)?;
    let blobs: Vec<&[u8]> = doc_freqs.iter().map(|b| b.as_bytes()).collect();
    let mut packed = py.detach(|| unpack_doc_freqs(&blobs))?;
    let mut read = Vec::new();
    for (at, item) in items.try_iter()?.enumerate() {
        read.push(read_item(&item?, at, Some(&mut packed))?);
    }
    let stage = TraceStage { n_docs, outlets, boilerplate, shingle, sparse: true };
    py.detach(|| stage.trace(read))
}

/// What every trace of a batch shares.
struct TraceStage {
    n_docs: u64,
    outlets: Vec<String>,
    boilerplate: HashSet<u64>,
    shingle: ShingleConfig,
    /// Whether fingerprints missing from an item's `doc_freq` count 1 when they are its own.
    sparse: bool,
}

impl TraceStage {
    /// The trace lines of `items` (without the GIL: it analyses every text).
    fn trace(&self, mut items: Vec<Item>) -> PyResult<Vec<String>> {
        let shingle = &self.shingle;
        let own_prints = |text: &str| {
            let mut prints = document_fingerprints(&analyze(text), shingle);
            prints.sort_unstable();
            prints.dedup();
            prints
        };
        // A partner is the partner of several documents of a batch: fingerprinted once.
        let mut partner_prints: HashMap<DocId, Vec<u64>> = HashMap::new();
        for item in &mut items {
            for (partner_id, partner, prints) in &mut item.partners {
                prints.clone_from(
                    partner_prints.entry(*partner_id).or_insert_with(|| own_prints(&partner.text)),
                );
            }
            if self.sparse {
                for fingerprint in own_prints(&item.doc.text) {
                    item.doc_freq.entry(fingerprint).or_insert(1);
                }
            }
        }
        let boilerplate = &self.boilerplate;
        let config = TraceConfig { shingle: shingle.clone(), ..TraceConfig::default() };
        let cluster = ClusterConfig::default();
        // Analysed candidates kept between the traces of the batch, as the native trace stage
        // keeps them (`CANDIDATE_CACHE_DOCS`); the reports are the same.
        let tracer = Tracer::with_cache(shingle, config.clone(), CANDIDATE_CACHE_DOCS);
        let traced = items
            .iter()
            .map(|item| {
                let resolve = |id: &str| {
                    item.partners.iter().find(|(_, d, _)| d.id == id).map(|(d, _, _)| *d)
                };
                let unsourced = item.partners.is_empty().then(|| {
                    unsourced_document(
                        item.doc_id,
                        &item.doc,
                        shingle,
                        boilerplate,
                        &|h| item.doc_freq.get(&h).copied().unwrap_or(0),
                        config.common_sentence_docs,
                        config.limits.max_sentence_tokens,
                    )
                });
                let traced = match unsourced {
                    Some(Some(done)) => done,
                    _ => {
                        // Long sentences are windowed by the trace: such documents are traced,
                        // against nothing when they have no partner.
                        let only = item.partners.is_empty().then(|| {
                            let mut hashes: Vec<u64> = sentence_hashes(&item.doc.text, shingle)
                                .into_iter()
                                .map(|(h, _)| h)
                                .collect();
                            hashes.sort_unstable();
                            hashes
                        });
                        let candidates = RecordCandidates {
                            n_docs: self.n_docs,
                            item,
                            only,
                            outlets: &self.outlets,
                        };
                        trace_document(
                            item.doc_id,
                            &item.doc,
                            &candidates,
                            &tracer,
                            boilerplate,
                            &resolve,
                            &cluster,
                        )
                    }
                };
                serde_json::to_string(&traced)
            })
            .collect::<Result<Vec<String>, _>>();
        traced.map_err(|e| UnspunError::new_err(format!("encoding a traced document: {e}")))
    }
}
