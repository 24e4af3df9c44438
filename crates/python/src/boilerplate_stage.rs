//! The `boilerplate` stage of `unspun cluster` on records: the count reduce over whole
//! sentence-hash groups (`sentence_counts`), then the judge over the sampled documents
//! (`boilerplate_lines`), giving the lines of `boilerplate.jsonl` without the index.

use std::collections::HashMap;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use unspun_core::cluster::boilerplate::{
    BoilerplateConfig, SentenceCount, judge_boilerplate, sentence_hashes,
};
use unspun_core::shingle::ShingleConfig;
use unspun_core::{DocId, Document};
use unspun_corpus::prints::SentenceRec;
use unspun_corpus::spill::Record;
use unspun_corpus::{boilerplate_line, sort_boilerplate_lines};

use crate::UnspunError;
use crate::convert::{record_document, shingle_scheme};
use crate::stages::packed_records;

/// A sentence record from a tuple `(hash, doc, outlet)` or a dict with those keys.
fn sentence_record(value: &Bound<'_, PyAny>, at: usize) -> PyResult<SentenceRec> {
    let bad = |why: &str| PyValueError::new_err(format!("sentences[{at}]: {why}"));
    if let Ok(tuple) = value.cast::<PyTuple>() {
        let (hash, doc, outlet): (u64, u32, u64) = tuple
            .extract()
            .map_err(|_| bad("a sentence tuple is (hash: u64, doc: u32, outlet: u64)"))?;
        return Ok(SentenceRec { hash, doc, outlet });
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            dict.get_item(name)?.ok_or_else(|| bad(&format!("field `{name}` is missing")))
        };
        let number = |name: &str| -> PyResult<u64> {
            field(name)?.extract().map_err(|_| bad(&format!("field `{name}` must be an int")))
        };
        let doc = u32::try_from(number("doc")?).map_err(|_| bad("field `doc` must be a u32"))?;
        return Ok(SentenceRec { hash: number("hash")?, doc, outlet: number("outlet")? });
    }
    Err(PyTypeError::new_err(format!(
        "sentences[{at}]: a sentence is a tuple (hash, doc, outlet) or a dict, not {}",
        value.get_type().name()?
    )))
}

/// The count reduce of the boilerplate stage over a batch of sentence records (tuples `(hash,
/// doc, outlet)` or dicts, as `document_prints` gives them) holding **every** record of each
/// of its hashes, in any order. Returns the frequent sentences, by hash: dicts `hash`,
/// `n_docs`, `sample` (the first DocIds holding it), `outlets` (up to 8 outlet keys).
#[pyfunction]
pub(crate) fn sentence_counts<'py>(
    py: Python<'py>,
    sentences: &Bound<'py, PyAny>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let mut records = Vec::new();
    for (at, value) in sentences.try_iter()?.enumerate() {
        records.push(sentence_record(&value?, at)?);
    }
    let frequent = py.detach(|| count_sentences(records));
    count_dicts(py, frequent)
}

/// `sentence_counts` over packed sentence records (byte strings of 20-byte records from
/// `document_prints_packed`, every record of each of their hashes).
#[pyfunction]
pub(crate) fn sentence_counts_packed<'py>(
    py: Python<'py>,
    blobs: Vec<Bound<'py, PyBytes>>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let blobs: Vec<&[u8]> = blobs.iter().map(|b| b.as_bytes()).collect();
    let records: Vec<SentenceRec> =
        packed_records(&blobs, SentenceRec::SIZE, "blobs")?.map(SentenceRec::decode).collect();
    let frequent = py.detach(|| count_sentences(records));
    count_dicts(py, frequent)
}

/// The frequent sentences of whole hash groups, counted in the stage's (hash, doc) order.
fn count_sentences(mut records: Vec<SentenceRec>) -> Vec<SentenceCount> {
    let config = BoilerplateConfig::default();
    records.sort_unstable();
    let mut frequent = Vec::new();
    for group in records.chunk_by(|x, y| x.hash == y.hash) {
        let mut count = SentenceCount::new(group[0].hash);
        for rec in group {
            count.add(rec.doc, rec.outlet, &config);
        }
        if count.is_frequent(&config) {
            frequent.push(count);
        }
    }
    frequent
}

fn count_dicts(py: Python<'_>, frequent: Vec<SentenceCount>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    frequent
        .into_iter()
        .map(|c| {
            let d = PyDict::new(py);
            d.set_item("hash", c.hash)?;
            d.set_item("n_docs", c.n_docs)?;
            d.set_item("sample", c.sample)?;
            d.set_item("outlets", c.outlets)?;
            Ok(d)
        })
        .collect()
}

/// A count dict of `sentence_counts`.
fn read_count(value: &Bound<'_, PyAny>, at: usize) -> PyResult<SentenceCount> {
    let bad = || {
        PyValueError::new_err(format!(
            "counts[{at}]: a count is a dict with `hash`, `n_docs`, `sample`, `outlets`"
        ))
    };
    let dict = value.cast::<PyDict>().map_err(|_| bad())?;
    let field = |name: &str| dict.get_item(name).ok().flatten().ok_or_else(bad);
    Ok(SentenceCount {
        hash: field("hash")?.extract().map_err(|_| bad())?,
        n_docs: field("n_docs")?.extract().map_err(|_| bad())?,
        sample: field("sample")?.extract().map_err(|_| bad())?,
        outlets: field("outlets")?.extract().map_err(|_| bad())?,
    })
}

/// The judge of the boilerplate stage: the frequent sentences of every batch
/// (`sentence_counts`), and `docs`, the records (with `doc`) of at least their sampled
/// documents. Returns the JSON lines of `boilerplate.jsonl`, most widespread first.
#[pyfunction]
#[pyo3(signature = (counts, docs, fingerprints="anchors"))]
pub(crate) fn boilerplate_lines(
    py: Python<'_>,
    counts: &Bound<'_, PyAny>,
    docs: &Bound<'_, PyAny>,
    fingerprints: &str,
) -> PyResult<Vec<String>> {
    let shingle = shingle_scheme(fingerprints)?;
    let mut frequent = Vec::new();
    for (at, value) in counts.try_iter()?.enumerate() {
        frequent.push(read_count(&value?, at)?);
    }
    let mut documents: HashMap<u32, Document> = HashMap::new();
    for (at, record) in docs.try_iter()?.enumerate() {
        let (DocId(doc), document) = record_document(&record?, at)?;
        documents.insert(doc, document);
    }
    if let Some(missing) =
        frequent.iter().flat_map(|c| c.sample.iter()).find(|d| !documents.contains_key(d))
    {
        return Err(PyValueError::new_err(format!(
            "docs: the sampled document {missing} is missing"
        )));
    }
    let lines = py.detach(|| judge(frequent, &documents, &shingle));
    lines.map_err(|e| UnspunError::new_err(format!("encoding boilerplate.jsonl: {e}")))
}

/// The judge and the lines, as the local driver's `boilerplate_stage` makes them.
fn judge(
    mut frequent: Vec<SentenceCount>,
    documents: &HashMap<u32, Document>,
    shingle: &ShingleConfig,
) -> serde_json::Result<Vec<String>> {
    let config = BoilerplateConfig::default();
    frequent.sort_by_key(|c| c.hash);
    let hashes: HashMap<u32, Vec<u64>> = documents
        .iter()
        .map(|(doc, d)| {
            (*doc, sentence_hashes(&d.text, shingle).into_iter().map(|(h, _)| h).collect())
        })
        .collect();
    let lookup = |doc: u32| hashes.get(&doc).map(Vec::as_slice);
    let found = judge_boilerplate(&frequent, &lookup, &config);
    let mut lines = Vec::with_capacity(found.len());
    for b in &found {
        let document = documents.get(&(b.first_doc as u32)).cloned().unwrap_or_default();
        lines.push(boilerplate_line(b, document, shingle));
    }
    sort_boilerplate_lines(&mut lines);
    lines.iter().map(serde_json::to_string).collect()
}
