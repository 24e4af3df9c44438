//! The `reuse` stage of `unspun cluster` without the index: the trace lines of the whole run
//! → `unspun_core::cluster::build`, the outlet graph and the publisher report → the ten files
//! and `reuse.done`, written by `unspun_corpus::write_reuse` (the native driver's own writer),
//! the passage texts filled from records the caller fetches.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use std::io::Write;
use unspun_core::cluster::graph::{OutletEdge, Publisher, add_spins, outlet_edges, publishers};
use unspun_core::cluster::{ClusterConfig, ClusterOutput, TracedDoc, build};
use unspun_index::{FsStorage, Storage};

use crate::convert::{engine_error, to_python};

/// What `summary.json` says of the reuse stage: the native driver's counts
/// (`unspun_corpus::reuse_counts`), then the publishers.
#[derive(Serialize)]
struct ReuseCounts<'a> {
    #[serde(flatten)]
    counts: unspun_corpus::ReuseCounts,
    publishers: &'a [Publisher],
}

fn reuse_counts<'a>(
    output: &ClusterOutput,
    edges: &[OutletEdge],
    report: &'a [Publisher],
) -> ReuseCounts<'a> {
    ReuseCounts { counts: unspun_corpus::reuse_counts(output, edges), publishers: report }
}

/// The `reuse` stage over the trace lines of a whole run (every `trace-NNNNN.jsonl` line, in
/// DocId order): builds the links, verdicts, document and passage clusters, spins, outlet
/// graph and publishers as `unspun cluster` does, and writes into `out_dir` its ten files and
/// `reuse.done`, each atomically, with the native writer (the same bytes).
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
    let config = ClusterConfig::default();
    let built = py.detach(|| -> Result<_, String> {
        let mut docs = Vec::with_capacity(traced.len());
        for (at, line) in traced.iter().enumerate() {
            let doc: TracedDoc =
                serde_json::from_str(line).map_err(|e| format!("traced[{at}]: {e}"))?;
            docs.push(doc);
        }
        let output = build(&docs, &config);
        let edges = outlet_edges(&output.links);
        let mut report = publishers(&output.documents, &output.links);
        add_spins(&mut report, &output.spins);
        Ok((output, edges, report))
    });
    let (mut output, edges, report) = built.map_err(PyValueError::new_err)?;
    let ids = unspun_corpus::passage_text_ids(&output);
    let found = texts.call1((ids,))?;
    let found = found.cast::<PyDict>().map_err(|_| {
        PyValueError::new_err("texts(ids) must return a dict of document id → text")
    })?;
    let mut by_id = std::collections::HashMap::new();
    for (id, text) in found.iter() {
        let (id, text): (String, String) = (id.extract()?, text.extract()?);
        by_id.insert(id, text);
    }
    py.detach(|| -> unspun_index::Result<()> {
        unspun_corpus::fill_passage_texts_with(&mut output, &mut |id| Ok(by_id.get(id).cloned()))?;
        std::fs::create_dir_all(&out_dir).map_err(|e| unspun_index::Error::io(&out_dir, e))?;
        let storage = FsStorage::new(&out_dir);
        let marker = "reuse.done";
        if storage.exists(marker)? {
            storage.remove(marker)?;
        }
        unspun_corpus::write_reuse(&storage, &output, &edges, &report)?;
        let path = storage.path_of(marker);
        let bytes = unspun_corpus::reuse_marker(&config);
        storage.write_atomic(marker, &mut |out: &mut dyn Write| {
            out.write_all(bytes.as_bytes()).map_err(|e| unspun_index::Error::io(&path, e))
        })
    })
    .map_err(engine_error)?;
    to_python(py, &reuse_counts(&output, &edges, &report))
}
