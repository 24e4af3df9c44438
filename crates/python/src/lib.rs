//! The Python face of unspun (`import unspun`): PyO3 bindings over the same Rust code as the
//! `unspun` binary, built by maturin as one abi3 wheel (CPython ≥ 3.9).
//!
//! - [`index::PyIndex`] (`unspun.Index`): an opened index; `trace` returns the dict of
//!   `unspun trace --json` (the serde JSON of `unspun_core::report::TraceReport`, read back by
//!   Python's `json`), `stats` that of `unspun stats --json`.
//! - `unspun.index(...)`: builds or extends an index through `unspun_index::ingest`, the
//!   path `unspun index` drives; [`split_read`]: large JSON Lines files read in byte ranges,
//!   or as lines brought by another reader (Spark's, from any filesystem), and Parquet files
//!   in runs of row groups.
//! - [`stages`]: the corpus stages of `unspun_corpus` as functions on batches of plain records
//!   (lists of dicts or tuples), so that any engine (Spark, Dask, Ray, a loop) can run them on
//!   its partitions; [`trace_stage`]: the trace stage over records (partners and document
//!   frequencies given, no index); [`reuse_stage`]: the reuse stage over the trace lines,
//!   writing the native files; [`boilerplate_stage`]: the boilerplate stage's count and
//!   judge over records.
//!
//! Every call that does Rust work of any size releases the GIL. Errors become Python
//! exceptions: `unspun.UnspunError`, and its subclass `unspun.BadRecordError` carrying `path`,
//! `line`, `field` and `reason` of the record at fault; a malformed argument is a `ValueError`
//! or `TypeError` naming the record and field.

mod boilerplate_stage;
mod convert;
mod index;
mod reuse_stage;
mod split_read;
mod stages;
mod trace_stage;

/// mimalloc for the extension's own (Rust) allocations, as in the `unspun` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pyo3::prelude::*;

pyo3::create_exception!(
    _unspun,
    UnspunError,
    pyo3::exceptions::PyException,
    "An error of the unspun engine: an index that cannot be opened or written, an unreadable \
     corpus, a run that found nothing to index. The message names the file."
);
pyo3::create_exception!(
    _unspun,
    BadRecordError,
    UnspunError,
    "A bad input record (with strict=True, or when every record was bad): attributes `path`, \
     `line`, `field` (or None) and `reason`."
);

/// The native module `unspun._unspun`; `unspun/__init__.py` re-exports it.
#[pymodule]
fn _unspun(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("UnspunError", py.get_type::<UnspunError>())?;
    m.add("BadRecordError", py.get_type::<BadRecordError>())?;
    m.add("UNDATED", unspun_corpus::prints::UNDATED)?;
    m.add("A_SOURCE_OF_B", unspun_corpus::pairs::A_SOURCE_OF_B)?;
    m.add("B_SOURCE_OF_A", unspun_corpus::pairs::B_SOURCE_OF_A)?;
    m.add_class::<index::PyIndex>()?;
    m.add_function(wrap_pyfunction!(index::index, m)?)?;
    m.add_function(wrap_pyfunction!(index::read_corpus, m)?)?;
    m.add_function(wrap_pyfunction!(split_read::corpus_splits, m)?)?;
    m.add_function(wrap_pyfunction!(split_read::read_jsonl_range, m)?)?;
    m.add_function(wrap_pyfunction!(split_read::read_jsonl_lines, m)?)?;
    m.add_function(wrap_pyfunction!(split_read::parquet_splits, m)?)?;
    m.add_function(wrap_pyfunction!(split_read::read_parquet_row_groups, m)?)?;
    m.add_function(wrap_pyfunction!(stages::document_prints, m)?)?;
    m.add_function(wrap_pyfunction!(stages::group_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(stages::fingerprint_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(stages::candidate_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(stages::pair_direction, m)?)?;
    m.add_function(wrap_pyfunction!(stages::document_prints_packed, m)?)?;
    m.add_function(wrap_pyfunction!(stages::fingerprint_pairs_packed, m)?)?;
    m.add_function(wrap_pyfunction!(stages::candidate_pairs_packed, m)?)?;
    m.add_function(wrap_pyfunction!(stages::fingerprint_reduce_packed, m)?)?;
    m.add_function(wrap_pyfunction!(trace_stage::trace_documents, m)?)?;
    m.add_function(wrap_pyfunction!(trace_stage::trace_documents_packed, m)?)?;
    m.add_function(wrap_pyfunction!(reuse_stage::reuse_stage, m)?)?;
    m.add_function(wrap_pyfunction!(reuse_stage::reuse_stage_files, m)?)?;
    m.add_function(wrap_pyfunction!(boilerplate_stage::sentence_counts, m)?)?;
    m.add_function(wrap_pyfunction!(boilerplate_stage::sentence_counts_packed, m)?)?;
    m.add_function(wrap_pyfunction!(boilerplate_stage::boilerplate_lines, m)?)?;
    Ok(())
}
