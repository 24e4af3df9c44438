//! The corpus stages of `unspun cluster` (`unspun_corpus`) as functions on batches of plain
//! records, for any engine's partitions:
//!
//! - `document_prints` (map): documents → fingerprint records `(fingerprint, date, doc)` and
//!   sentence records `(hash, doc, outlet)`, as `prints-*.bin` and `sentences-*.bin` hold them.
//! - `fingerprint_pairs` (reduce after a shuffle by fingerprint): all the prints of some
//!   fingerprints → pair counts of this batch, with the dates of both documents, and the
//!   batch's share of the stage's counts (`pairs.json`).
//! - `candidate_pairs` (after pair counts are summed over batches): the pairs sharing enough
//!   fingerprints, with their date direction: the records of `pairs.bin`.
//! - `group_pairs`, `pair_direction`: the pure rules under them, one fingerprint or one pair.
//!
//! Every record function runs without the GIL once its input is read.

use std::collections::BTreeMap;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use unspun_corpus::pairs::{PairConfig, PairRec, PairStats, directions};
use unspun_corpus::prints::{PrintRec, SentenceRec};
use unspun_corpus::spill::Record;

use crate::convert::{record_document, shingle_scheme, to_python};

/// Pair counts of a batch: `(a, b, n, date_a, date_b)`.
type PairCount = (u32, u32, u32, i64, i64);

/// Fingerprints and whole-sentence hashes of a batch of documents (the `prints` stage's map).
///
/// `records` are dicts with `doc` (the document's DocId: pairs name documents by it), `text`,
/// and optional `date` (seconds since 1970, or a date string the CLI reads), `outlet` (or
/// `source`). `fingerprints` is the index's scheme (`"anchors"`, the default of a new index,
/// `"canonical"` or `"legacy"`). Returns `(prints, sentences)`: dicts `{"fingerprint", "date",
/// "doc"}` (date `UNDATED` when unknown) and `{"hash", "doc", "outlet"}` (xxh3 of the outlet
/// name, 0 when unknown), or tuples in that field order with `as_tuples=True`, each
/// document's distinct values sorted, documents in the order given.
#[pyfunction]
#[pyo3(signature = (records, fingerprints="anchors", as_tuples=false))]
pub(crate) fn document_prints<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    fingerprints: &str,
    as_tuples: bool,
) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
    let shingle = shingle_scheme(fingerprints)?;
    let mut docs = Vec::new();
    for (at, record) in records.try_iter()?.enumerate() {
        docs.push(record_document(&record?, at)?);
    }
    let (prints, sentences) = py.detach(|| {
        let mut prints: Vec<PrintRec> = Vec::new();
        let mut sentences: Vec<SentenceRec> = Vec::new();
        for (doc_id, doc) in &docs {
            let (p, s) = unspun_corpus::prints::document_prints(*doc_id, doc, &shingle);
            prints.extend(p);
            sentences.extend(s);
        }
        (prints, sentences)
    });
    let out_prints = PyList::empty(py);
    let out_sentences = PyList::empty(py);
    for p in &prints {
        if as_tuples {
            out_prints.append((p.fingerprint, p.date, p.doc))?;
        } else {
            let d = PyDict::new(py);
            d.set_item("fingerprint", p.fingerprint)?;
            d.set_item("date", p.date)?;
            d.set_item("doc", p.doc)?;
            out_prints.append(d)?;
        }
    }
    for s in &sentences {
        if as_tuples {
            out_sentences.append((s.hash, s.doc, s.outlet))?;
        } else {
            let d = PyDict::new(py);
            d.set_item("hash", s.hash)?;
            d.set_item("doc", s.doc)?;
            d.set_item("outlet", s.outlet)?;
            out_sentences.append(d)?;
        }
    }
    Ok((out_prints, out_sentences))
}

/// A print record from a tuple `(fingerprint, date, doc)` or a dict with those keys.
fn print_record(value: &Bound<'_, PyAny>, at: usize) -> PyResult<PrintRec> {
    let bad = |why: &str| PyValueError::new_err(format!("prints[{at}]: {why}"));
    if let Ok(tuple) = value.cast::<PyTuple>() {
        let (fingerprint, date, doc): (u64, i64, u32) = tuple
            .extract()
            .map_err(|_| bad("a print tuple is (fingerprint: u64, date: i64, doc: u32)"))?;
        return Ok(PrintRec { fingerprint, date, doc });
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            dict.get_item(name)?.ok_or_else(|| bad(&format!("field `{name}` is missing")))
        };
        let number = |name: &str| -> PyResult<Bound<'_, PyAny>> { field(name) };
        return Ok(PrintRec {
            fingerprint: number("fingerprint")?
                .extract()
                .map_err(|_| bad("field `fingerprint` must be an int from 0 to 2^64 - 1"))?,
            date: number("date")?.extract().map_err(|_| bad("field `date` must be an i64"))?,
            doc: number("doc")?.extract().map_err(|_| bad("field `doc` must be a u32"))?,
        });
    }
    Err(PyTypeError::new_err(format!(
        "prints[{at}]: a print is a tuple (fingerprint, date, doc) or a dict, not {}",
        value.get_type().name()?
    )))
}

/// The pair stage's knobs, checked.
fn pair_config(
    all_pairs_docs: usize,
    star_docs: usize,
    max_doc_freq: usize,
) -> PyResult<PairConfig> {
    if star_docs == 0 {
        return Err(PyValueError::new_err("star_docs must be at least 1"));
    }
    Ok(PairConfig { all_pairs_docs, star_docs, max_doc_freq, ..PairConfig::default() })
}

/// The pairs one fingerprint gives (`unspun_corpus::pairs::group_pairs`): `group` is its
/// print records (tuples `(fingerprint, date, doc)` or dicts), in any order (they are put
/// earliest first: by date, then DocId). Returns `(a, b)` tuples, `a < b`, one per emission.
#[pyfunction]
#[pyo3(signature = (group, *, all_pairs_docs=64, star_docs=16, max_doc_freq=2000))]
pub(crate) fn group_pairs(
    group: &Bound<'_, PyAny>,
    all_pairs_docs: usize,
    star_docs: usize,
    max_doc_freq: usize,
) -> PyResult<Vec<(u32, u32)>> {
    let config = pair_config(all_pairs_docs, star_docs, max_doc_freq)?;
    let mut records = Vec::new();
    for (at, value) in group.try_iter()?.enumerate() {
        records.push(print_record(&value?, at)?);
    }
    records.sort_unstable();
    let mut out = Vec::new();
    unspun_corpus::pairs::group_pairs(&records, &config, &mut |p| out.push((p.a, p.b)));
    Ok(out)
}

/// The reduce of the pair stage over one batch of print records (tuples `(fingerprint, date,
/// doc)` or dicts) holding **every** print of each of its fingerprints (what a shuffle or a
/// partitioning by fingerprint gives), in any order.
///
/// Returns `(counts, stats)`: `counts` are tuples `(a, b, n, date_a, date_b)`, sorted, one per
/// pair of this batch (`a < b`, `n` the fingerprints of this batch they share); sum `n` over
/// batches by `(a, b)` and pass the sums to `candidate_pairs`. `stats` is this batch's share of
/// the stage's counts (`n_prints`, `n_fingerprints`, `n_shared_fingerprints`,
/// `n_star_fingerprints`, `n_common_fingerprints`, `n_emitted`): sums over batches equal
/// `pairs.json` of `unspun cluster`.
#[pyfunction]
#[pyo3(signature = (prints, *, all_pairs_docs=64, star_docs=16, max_doc_freq=2000))]
pub(crate) fn fingerprint_pairs<'py>(
    py: Python<'py>,
    prints: &Bound<'py, PyAny>,
    all_pairs_docs: usize,
    star_docs: usize,
    max_doc_freq: usize,
) -> PyResult<(Vec<PairCount>, Bound<'py, PyAny>)> {
    let config = pair_config(all_pairs_docs, star_docs, max_doc_freq)?;
    let mut records = Vec::new();
    for (at, value) in prints.try_iter()?.enumerate() {
        records.push(print_record(&value?, at)?);
    }
    let (counts, stats) = py.detach(|| count_pairs(records, &config));
    let stats = pair_stats(py, &stats)?;
    Ok((counts, stats))
}

/// The pair counts of whole fingerprint groups, with the dates of both documents, and the
/// stage's counts of this batch.
fn count_pairs(records: Vec<PrintRec>, config: &PairConfig) -> (Vec<PairCount>, PairStats) {
    count_pairs_with(records, config, &mut |_| {})
}

/// [`count_pairs`], handing every fingerprint group (its records, earliest first) to `group_of`.
///
/// The pairs go into a buffer that is sorted and combined (counts of one pair summed) whenever
/// it fills, and grows when combining frees less than half of it: on the real corpora (12 M
/// prints a part, 17 M emissions) about a fifth of the time of a map entry per emission. Dates
/// are kept for the documents of groups that pair, the only ones a count needs.
fn count_pairs_with(
    mut records: Vec<PrintRec>,
    config: &PairConfig,
    group_of: &mut dyn FnMut(&[PrintRec]),
) -> (Vec<PairCount>, PairStats) {
    records.sort_unstable();
    let mut stats = PairStats { n_prints: records.len() as u64, ..PairStats::default() };
    let mut dates: unspun_core::canon::KeyMap<i64> = unspun_core::canon::KeyMap::default();
    let mut pairs = PairBuffer::new();
    for group in records.chunk_by(|x, y| x.fingerprint == y.fingerprint) {
        group_of(group);
        stats.count_group(group.len(), config);
        if group.len() < 2 {
            continue;
        }
        for rec in group {
            dates.insert(doc_key(rec.doc), rec.date);
        }
        unspun_corpus::pairs::group_pairs(group, config, &mut |pair| {
            stats.n_emitted += 1;
            pairs.push(pair);
        });
    }
    let date =
        |doc: u32| dates.get(&doc_key(doc)).copied().unwrap_or(unspun_corpus::prints::UNDATED);
    let counts = pairs.finish().into_iter().map(|p| (p.a, p.b, p.n, date(p.a), date(p.b)));
    (counts.collect(), stats)
}

/// A document's key in a [`unspun_core::canon::KeyMap`] (whose keys are their own hash).
fn doc_key(doc: u32) -> u64 {
    u64::from(doc).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Pair counts, sorted and combined as the buffer fills ([`count_pairs_with`]).
struct PairBuffer {
    buf: Vec<PairRec>,
    cap: usize,
}

impl PairBuffer {
    fn new() -> Self {
        PairBuffer { buf: Vec::new(), cap: 1 << 20 }
    }

    fn push(&mut self, pair: PairRec) {
        self.buf.push(pair);
        if self.buf.len() >= self.cap {
            self.compact();
            if self.buf.len() > self.cap / 2 {
                self.cap *= 2;
            }
        }
    }

    fn compact(&mut self) {
        // `PairRec` orders by `(a, b)`.
        self.buf.sort_unstable();
        unspun_corpus::spill::combine_sorted(&mut self.buf, unspun_corpus::pairs::add_counts);
    }

    /// Every pair once, sorted by `(a, b)`, with its counts summed.
    fn finish(mut self) -> Vec<PairRec> {
        self.compact();
        self.buf
    }
}

/// The stage's counts of one batch (without the fields only the final step knows).
fn pair_stats<'py>(py: Python<'py>, stats: &PairStats) -> PyResult<Bound<'py, PyAny>> {
    let out = to_python(py, stats)?;
    for field in ["n_pairs", "n_candidates"] {
        out.del_item(field)?;
    }
    Ok(out)
}

/// The candidate pairs from pair counts summed over all batches: tuples `(a, b, n, date_a,
/// date_b)` (a pair given more than once has its counts summed). Returns the pairs sharing at
/// least `min_shared` fingerprints as `(a, b, n, dir)` sorted by `(a, b)`, `dir` the date
/// direction (`A_SOURCE_OF_B | B_SOURCE_OF_A` bits): the records of `pairs.bin`.
#[pyfunction]
#[pyo3(signature = (counts, *, min_shared=8))]
pub(crate) fn candidate_pairs(
    py: Python<'_>,
    counts: Vec<PairCount>,
    min_shared: u32,
) -> PyResult<Vec<(u32, u32, u32, u8)>> {
    if let Some(bad) = counts.iter().find(|c| c.0 >= c.1) {
        return Err(PyValueError::new_err(format!(
            "counts: pair ({}, {}) is not (a, b) with a < b",
            bad.0, bad.1
        )));
    }
    Ok(py.detach(|| {
        let mut counts = counts;
        counts.sort_unstable();
        let mut out: Vec<(u32, u32, u32, u8)> = Vec::new();
        for same in counts.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let (a, b, _, date_a, date_b) = same[0];
            let n = same.iter().fold(0u32, |sum, c| sum.saturating_add(c.2));
            if n >= min_shared {
                out.push((a, b, n, directions(date_a, date_b)));
            }
        }
        out
    }))
}

/// Which document of a pair may be the other's source by date (the trace's own rule; dates in
/// seconds, `UNDATED` when unknown): `A_SOURCE_OF_B`, `B_SOURCE_OF_A`, both, or 0.
#[pyfunction]
pub(crate) fn pair_direction(date_a: i64, date_b: i64) -> u8 {
    directions(date_a, date_b)
}

/// Byte strings, one per part of a shuffle.
type Parts<'py> = Vec<Bound<'py, PyBytes>>;

/// Bytes of one packed pair count: `a` u32, `b` u32, `n` u32, `date_a` i64, `date_b` i64, LE.
const PAIR_COUNT_SIZE: usize = 28;

/// The part of `n_parts` a fingerprint goes to (fingerprints are xxh3 values: uniform).
fn fingerprint_part(fingerprint: u64, n_parts: u64) -> usize {
    (fingerprint % n_parts) as usize
}

/// The part of `n_parts` a pair goes to.
fn pair_part(a: u32, b: u32, n_parts: u64) -> usize {
    let key = (u64::from(a) << 32) | u64::from(b);
    ((key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % n_parts) as usize
}

fn check_parts(n_parts: u64) -> PyResult<u64> {
    if n_parts == 0 || n_parts > 1 << 20 {
        return Err(PyValueError::new_err("n_parts must be from 1 to 2^20"));
    }
    Ok(n_parts)
}

/// Records of `size` bytes from concatenated blobs, checked.
pub(crate) fn packed_records<'a>(
    blobs: &'a [&'a [u8]],
    size: usize,
    what: &str,
) -> PyResult<impl Iterator<Item = &'a [u8]>> {
    if let Some(at) = blobs.iter().position(|b| b.len() % size != 0) {
        return Err(PyValueError::new_err(format!(
            "{what}[{at}]: {} bytes is not a whole number of {size}-byte records",
            blobs[at].len()
        )));
    }
    Ok(blobs.iter().flat_map(move |b| b.chunks_exact(size)))
}

/// `document_prints` packed for shuffles: returns `(prints, sentences)`, each `n_parts` byte
/// strings. Part `k` of `prints` holds the print records of the fingerprints `fingerprint %
/// n_parts == k`, 20 bytes each as in `prints-*.bin` (fingerprint u64, date i64, doc u32,
/// little-endian); part `k` of `sentences` the sentence records of the hashes `hash % n_parts
/// == k`, 20 bytes each as in `sentences-*.bin` (hash u64, doc u32, outlet u64). Engines move a
/// few large byte strings instead of a Python object per fingerprint.
#[pyfunction]
#[pyo3(signature = (records, n_parts, fingerprints="anchors"))]
pub(crate) fn document_prints_packed<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    n_parts: u64,
    fingerprints: &str,
) -> PyResult<(Parts<'py>, Parts<'py>)> {
    let n_parts = check_parts(n_parts)?;
    let shingle = shingle_scheme(fingerprints)?;
    let mut docs = Vec::new();
    for (at, record) in records.try_iter()?.enumerate() {
        docs.push(record_document(&record?, at)?);
    }
    let (prints, sentences) = py.detach(|| {
        let mut prints: Vec<Vec<u8>> = vec![Vec::new(); n_parts as usize];
        let mut sentences: Vec<Vec<u8>> = vec![Vec::new(); n_parts as usize];
        let mut bytes = [0u8; PrintRec::SIZE];
        for (doc_id, doc) in &docs {
            let (p, s) = unspun_corpus::prints::document_prints(*doc_id, doc, &shingle);
            for p in p {
                p.encode(&mut bytes);
                prints[fingerprint_part(p.fingerprint, n_parts)].extend_from_slice(&bytes);
            }
            for s in s {
                s.encode(&mut bytes);
                sentences[fingerprint_part(s.hash, n_parts)].extend_from_slice(&bytes);
            }
        }
        (prints, sentences)
    });
    let bytes = |parts: &[Vec<u8>]| parts.iter().map(|p| PyBytes::new(py, p)).collect();
    Ok((bytes(&prints), bytes(&sentences)))
}

/// `fingerprint_pairs` over packed prints (byte strings of 20-byte records holding **every**
/// print of each of their fingerprints, e.g. one part of `document_prints_packed` from every
/// batch). Returns `(parts, stats)`: `n_parts` byte strings of pair counts, 28 bytes each (a
/// u32, b u32, n u32, date_a i64, date_b i64, little-endian), part `k` the pairs of one hash
/// class (the same pair always goes to the same part), for `candidate_pairs_packed`.
#[pyfunction]
#[pyo3(signature = (blobs, n_parts, *, all_pairs_docs=64, star_docs=16, max_doc_freq=2000))]
pub(crate) fn fingerprint_pairs_packed<'py>(
    py: Python<'py>,
    blobs: Vec<Bound<'py, PyBytes>>,
    n_parts: u64,
    all_pairs_docs: usize,
    star_docs: usize,
    max_doc_freq: usize,
) -> PyResult<(Vec<Bound<'py, PyBytes>>, Bound<'py, PyAny>)> {
    let (parts, stats, _) =
        fingerprint_reduce(py, blobs, n_parts, 0, all_pairs_docs, star_docs, max_doc_freq)?;
    Ok((parts, stats))
}

/// Bytes of one packed document frequency: `doc` u32, `fingerprint` u64, `n_docs` u32, LE.
const DOC_FREQ_SIZE: usize = 16;

/// Packed pair counts by pair part, the batch's counts, and the packed document frequencies by
/// shard (`doc / shard_docs`; none when `shard_docs` is 0).
type Reduced<'py> = (Parts<'py>, Bound<'py, PyAny>, Vec<(u64, Bound<'py, PyBytes>)>);

/// The reduce by fingerprint of the pairs and trace stages: `fingerprint_pairs_packed`, and
/// for every fingerprint held by two or more documents, one record per document holding it
/// with the number of documents (its `doc_freq` in an index of the corpus).
fn fingerprint_reduce<'py>(
    py: Python<'py>,
    blobs: Vec<Bound<'py, PyBytes>>,
    n_parts: u64,
    shard_docs: u64,
    all_pairs_docs: usize,
    star_docs: usize,
    max_doc_freq: usize,
) -> PyResult<Reduced<'py>> {
    let n_parts = check_parts(n_parts)?;
    let config = pair_config(all_pairs_docs, star_docs, max_doc_freq)?;
    let blobs: Vec<&[u8]> = blobs.iter().map(|b| b.as_bytes()).collect();
    let records = packed_records(&blobs, PrintRec::SIZE, "blobs")?;
    let records: Vec<PrintRec> = records.map(PrintRec::decode).collect();
    let (parts, stats, doc_freqs) = py.detach(|| {
        let mut doc_freqs: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        let mut group_of = |group: &[PrintRec]| {
            if shard_docs == 0 || group.len() < 2 {
                return;
            }
            let n_docs = u32::try_from(group.len()).unwrap_or(u32::MAX);
            for rec in group {
                let shard = doc_freqs.entry(u64::from(rec.doc) / shard_docs).or_default();
                shard.extend_from_slice(&rec.doc.to_le_bytes());
                shard.extend_from_slice(&rec.fingerprint.to_le_bytes());
                shard.extend_from_slice(&n_docs.to_le_bytes());
            }
        };
        let (counts, stats) = count_pairs_with(records, &config, &mut group_of);
        let mut parts: Vec<Vec<u8>> = vec![Vec::new(); n_parts as usize];
        for (a, b, n, date_a, date_b) in counts {
            let part = &mut parts[pair_part(a, b, n_parts)];
            part.extend_from_slice(&a.to_le_bytes());
            part.extend_from_slice(&b.to_le_bytes());
            part.extend_from_slice(&n.to_le_bytes());
            part.extend_from_slice(&date_a.to_le_bytes());
            part.extend_from_slice(&date_b.to_le_bytes());
        }
        (parts, stats, doc_freqs)
    });
    let parts = parts.iter().map(|p| PyBytes::new(py, p)).collect();
    let doc_freqs = doc_freqs.into_iter().map(|(k, v)| (k, PyBytes::new(py, &v))).collect();
    Ok((parts, pair_stats(py, &stats)?, doc_freqs))
}

/// `fingerprint_pairs_packed` that also gives the document frequencies the trace stage needs:
/// returns `(parts, stats, doc_freqs)`, `doc_freqs` a list of `(shard, bytes)` (shard = `doc //
/// shard_docs`, ascending) of 16-byte records (doc u32, fingerprint u64, n_docs u32,
/// little-endian), one per document of every fingerprint of the batch held by two or more
/// documents. Fingerprints of a single document are left out: `trace_documents(...,
/// sparse_doc_freqs=True)` counts them 1.
#[pyfunction]
#[pyo3(signature = (blobs, n_parts, *, shard_docs, all_pairs_docs=64, star_docs=16,
                    max_doc_freq=2000))]
pub(crate) fn fingerprint_reduce_packed<'py>(
    py: Python<'py>,
    blobs: Vec<Bound<'py, PyBytes>>,
    n_parts: u64,
    shard_docs: u64,
    all_pairs_docs: usize,
    star_docs: usize,
    max_doc_freq: usize,
) -> PyResult<Reduced<'py>> {
    if shard_docs == 0 {
        return Err(PyValueError::new_err("shard_docs must be at least 1"));
    }
    fingerprint_reduce(py, blobs, n_parts, shard_docs, all_pairs_docs, star_docs, max_doc_freq)
}

/// Document frequencies from packed 16-byte records (`fingerprint_reduce_packed`): a dict
/// doc → {fingerprint: n_docs}.
pub(crate) fn unpack_doc_freqs(blobs: &[&[u8]]) -> PyResult<BTreeMap<u32, Vec<(u64, u32)>>> {
    let mut out: BTreeMap<u32, Vec<(u64, u32)>> = BTreeMap::new();
    for r in packed_records(blobs, DOC_FREQ_SIZE, "doc_freqs")? {
        let doc = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
        let mut fingerprint = [0u8; 8];
        fingerprint.copy_from_slice(&r[4..12]);
        let n_docs = u32::from_le_bytes([r[12], r[13], r[14], r[15]]);
        out.entry(doc).or_default().push((u64::from_le_bytes(fingerprint), n_docs));
    }
    Ok(out)
}

/// `candidate_pairs` over packed pair counts (byte strings of 28-byte records from
/// `fingerprint_pairs_packed`, every count of each of their pairs). Returns `(pairs, n_pairs)`:
/// the candidates as the bytes of `pairs.bin` (13-byte records, sorted by `(a, b)`) and the
/// number of distinct pairs counted.
#[pyfunction]
#[pyo3(signature = (blobs, *, min_shared=8))]
pub(crate) fn candidate_pairs_packed<'py>(
    py: Python<'py>,
    blobs: Vec<Bound<'py, PyBytes>>,
    min_shared: u32,
) -> PyResult<(Bound<'py, PyBytes>, u64)> {
    let blobs: Vec<&[u8]> = blobs.iter().map(|b| b.as_bytes()).collect();
    let records = packed_records(&blobs, PAIR_COUNT_SIZE, "blobs")?;
    let counts: Vec<PairCount> = records
        .map(|r| {
            let u32_at = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
            let i64_at = |at: usize| {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&r[at..at + 8]);
                i64::from_le_bytes(bytes)
            };
            (u32_at(0), u32_at(4), u32_at(8), i64_at(12), i64_at(20))
        })
        .collect();
    let (bytes, n_pairs) = py.detach(|| {
        let mut counts = counts;
        counts.sort_unstable();
        let mut n_pairs = 0u64;
        let mut out = Vec::new();
        let mut record = [0u8; PairRec::SIZE];
        for same in counts.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            n_pairs += 1;
            let (a, b, _, date_a, date_b) = same[0];
            let n = same.iter().fold(0u32, |sum, c| sum.saturating_add(c.2));
            if n >= min_shared {
                PairRec { a, b, n, dir: directions(date_a, date_b) }.encode(&mut record);
                out.extend_from_slice(&record);
            }
        }
        (out, n_pairs)
    });
    Ok((PyBytes::new(py, &bytes), n_pairs))
}
