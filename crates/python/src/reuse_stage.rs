//! The `reuse` stage of `unspun cluster` without the index: the traced documents of the whole
//! run (trace lines, or the run's `trace-NNNNN.jsonl` files) → `unspun_corpus::reuse_stage`,
//! the native driver's own streamed builder and writer: the ten files and `reuse.done`, the
//! same bytes, in about 80 bytes a document and 40 a passage. The passage texts come from
//! records the caller fetches.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use unspun_core::cluster::graph::Publisher;
use unspun_core::cluster::{ClusterConfig, TracedDoc};
use unspun_index::FsStorage;

use crate::convert::{engine_error, to_python};

/// What `summary.json` says of the reuse stage: the native driver's counts
/// (`unspun_corpus::ReuseCounts`), then the publishers.
#[derive(Serialize)]
struct ReuseCounts {
    #[serde(flatten)]
    counts: unspun_corpus::ReuseCounts,
    publishers: Vec<Publisher>,
}

/// The reuse stage over every trace line of a run (the lines of its `trace-NNNNN.jsonl`
/// files, in DocId order): builds the links, verdicts, document and passage clusters, spins,
/// outlet graph and publishers as `unspun cluster` does, and writes into `out_dir` its ten
/// files and `reuse.done`, each atomically, with the native writer (the same bytes).
///
/// `texts` is called once, with the ids of the documents whose text a passage cluster shows
/// (each cluster's first member), and returns a dict id → text (a missing id leaves its
/// cluster without `text`, as a document missing from the index does). Returns the fields of
/// `summary.json` this stage fills (`n_links`, …, `publishers`).
#[pyfunction]
#[pyo3(signature = (out_dir, traced, texts))]
pub(crate) fn reuse_stage<'py>(
    py: Python<'py>,
    out_dir: std::path::PathBuf,
    traced: Vec<String>,
    texts: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let bad_line: Mutex<Option<String>> = Mutex::new(None);
    let mut each_doc = |each: &mut dyn FnMut(&TracedDoc)| -> unspun_index::Result<()> {
        for (at, line) in traced.iter().enumerate() {
            match serde_json::from_str::<TracedDoc>(line) {
                Ok(doc) => each(&doc),
                Err(e) => {
                    let message = format!("traced[{at}]: {e}");
                    if let Ok(mut slot) = bad_line.lock() {
                        *slot = Some(message.clone());
                    }
                    return Err(unspun_index::Error::corrupt("traced", message));
                }
            }
        }
        Ok(())
    };
    let result = run(py, out_dir, &mut each_doc, texts);
    if let Some(message) = bad_line.into_inner().ok().flatten() {
        return Err(PyValueError::new_err(message));
    }
    result
}

/// [`reuse_stage`] over the trace files `trace-00000.jsonl` … of `n_shards` shards already in
/// `out_dir` (one shard held at a time): what the Spark driver calls once it has written them,
/// so that no more than one shard's lines is ever on the driver.
#[pyfunction]
#[pyo3(signature = (out_dir, n_shards, texts))]
pub(crate) fn reuse_stage_files<'py>(
    py: Python<'py>,
    out_dir: std::path::PathBuf,
    n_shards: usize,
    texts: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let storage = FsStorage::new(&out_dir);
    let mut each_doc =
        |each: &mut dyn FnMut(&TracedDoc)| unspun_corpus::each_traced_doc(&storage, n_shards, each);
    run(py, out_dir.clone(), &mut each_doc, texts)
}

/// Runs the stage into `out_dir` without the GIL, taking it only to call `texts`.
fn run<'py>(
    py: Python<'py>,
    out_dir: std::path::PathBuf,
    each_doc: &mut unspun_corpus::EachTracedDoc<'_>,
    texts: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let config = ClusterConfig::default();
    let texts = texts.clone().unbind();
    let failed: Mutex<Option<PyErr>> = Mutex::new(None);
    let result = py.detach(|| -> unspun_index::Result<_> {
        std::fs::create_dir_all(&out_dir).map_err(|e| unspun_index::Error::io(&out_dir, e))?;
        let storage = FsStorage::new(&out_dir);
        let mut fetch = |ids: Vec<String>| -> unspun_index::Result<HashMap<String, String>> {
            Python::attach(|py| fetch_texts(py, &texts, ids)).map_err(|err| {
                let message = err.to_string();
                if let Ok(mut slot) = failed.lock() {
                    *slot = Some(err);
                }
                unspun_index::Error::corrupt("texts", message)
            })
        };
        unspun_corpus::reuse_stage(&storage, &config, each_doc, &mut fetch)
    });
    if let Some(err) = failed.into_inner().ok().flatten() {
        return Err(err);
    }
    let (counts, publishers) = result.map_err(engine_error)?;
    to_python(py, &ReuseCounts { counts, publishers })
}

/// `texts(ids)` as a map id → text.
fn fetch_texts(
    py: Python<'_>,
    texts: &Py<PyAny>,
    ids: Vec<String>,
) -> PyResult<HashMap<String, String>> {
    let found = texts.bind(py).call1((ids,))?;
    let found = found.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err("texts(ids) must return a dict of document id → text")
    })?;
    let mut by_id = HashMap::new();
    for (id, text) in found.iter() {
        let (id, text): (String, String) = (id.extract()?, text.extract()?);
        by_id.insert(id, text);
    }
    Ok(by_id)
}
