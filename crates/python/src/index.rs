//! `unspun.Index` (open, trace, stats, documents), `unspun.index` (build or extend an index
//! through the ingest pipeline of `unspun index`) and `unspun.read_corpus`.

use std::path::PathBuf;

use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use unspun_core::DocId;
use unspun_core::trace::{TraceConfig, TraceInput, Tracer};
use unspun_index::ingest::pipeline::{IngestConfig, IngestReport, ingest_corpora};
use unspun_index::ingest::{
    CorpusReader, FieldMap, Format, IdScheme, ReaderConfig, RecordResult, expand_inputs,
};
use unspun_index::{Index, IndexWriter, WriterConfig};

use crate::UnspunError;
use crate::convert::{
    date_arg, document_record, engine_error, error_chain, shingle_scheme, to_python,
};

/// An opened unspun index (read-only: a view of its last commit).
///
/// `Index(path)` opens the index directory `path` and checks its files, as `unspun trace`
/// does; a missing or damaged index raises `UnspunError` naming the file. One `Index` may be
/// used from several Python threads: traces run without the GIL.
#[pyclass(name = "Index", module = "unspun", frozen)]
pub(crate) struct PyIndex {
    index: Index,
    tracer: Tracer,
    path: PathBuf,
}

#[pymethods]
impl PyIndex {
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<PyIndex> {
        let opened = py.detach(|| Index::open(&path));
        let index = opened.map_err(|e| {
            UnspunError::new_err(format!("opening index {}: {}", path.display(), error_chain(&e)))
        })?;
        // The configuration of `unspun trace` without flags.
        let tracer = index.tracer(TraceConfig::default());
        Ok(PyIndex { index, tracer, path })
    }

    /// The index directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Documents in the index (deleted ones left out).
    fn __len__(&self) -> usize {
        self.index.live_docs().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "unspun.Index({:?}, n_docs={})",
            self.path.display().to_string(),
            self.index.n_docs()
        )
    }

    /// Traces `text` against the index: the same dict as `unspun trace --json` prints
    /// (schema `unspun.trace/1`, docs/trace-report.md).
    ///
    /// `title` is traced on its own too; `date` (ISO 8601 or another date the CLI reads, or
    /// seconds since 1970) excludes later sources; `id` is the article's own id in the index,
    /// never its own source. Raises `ValueError` for an empty text or an unreadable date.
    #[pyo3(signature = (text, title=None, date=None, id=None))]
    fn trace<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        title: Option<&str>,
        date: Option<&Bound<'py, PyAny>>,
        id: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if text.trim().is_empty() {
            return Err(PyValueError::new_err("nothing to trace: the article's text is empty"));
        }
        let date = date_arg(date, "date")?;
        let input = TraceInput { id, title, text, date };
        let report = py.detach(|| self.tracer.trace(&input, &self.index));
        to_python(py, &report)
    }

    /// What the index holds: the dict of `unspun stats --json`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.index.stats())
    }

    /// The DocIds of the documents in the index (deleted ones left out), in index order.
    fn doc_ids(&self) -> Vec<u32> {
        let mut docs = self.index.live_docs();
        docs.sort_unstable();
        docs.into_iter().map(|d| d.0).collect()
    }

    /// The DocId of the document with corpus id `id`, or None.
    fn doc_id(&self, id: &str) -> Option<u32> {
        self.index.doc_id(id).map(|d| d.0)
    }

    /// The documents with DocIds `docs`, as record dicts (`doc`, `id`, `title`, `text`, `date`
    /// in seconds or None, `outlet`, `url`): the records the stage functions take. A deleted
    /// document gives None; a DocId past the end raises `IndexError`.
    fn documents<'py>(&self, py: Python<'py>, docs: Vec<u32>) -> PyResult<Bound<'py, PyList>> {
        let n_docs = self.index.n_docs();
        if let Some(bad) = docs.iter().find(|&&d| u64::from(d) >= n_docs) {
            return Err(PyIndexError::new_err(format!(
                "DocId {bad} is past the end of the index ({n_docs} DocIds)"
            )));
        }
        let read = py.detach(|| {
            docs.iter()
                .map(|&d| self.index.document(DocId(d)).map(|doc| (DocId(d), doc)))
                .collect::<unspun_index::Result<Vec<_>>>()
        });
        let read = read.map_err(engine_error)?;
        let out = PyList::empty(py);
        for (doc_id, doc) in read {
            match doc {
                Some(doc) => out.append(document_record(py, Some(doc_id), &doc)?)?,
                None => out.append(py.None())?,
            }
        }
        Ok(out)
    }
}

/// The reader settings of `unspun index`'s flags.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reader_config(
    id_field: &str,
    text_field: &str,
    title_field: &str,
    date_field: &str,
    source_field: &str,
    url_field: &str,
    format: Option<&str>,
    generate_ids: Option<&str>,
) -> PyResult<ReaderConfig> {
    let format = match format {
        None => None,
        Some("jsonl") => Some(Format::JsonLines),
        Some("json-array") => Some(Format::JsonArray),
        Some("html") => Some(Format::Html),
        Some("text") => Some(Format::Text),
        Some("csv") => Some(Format::Csv),
        Some("tsv") => Some(Format::Tsv),
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "format={other:?}: use \"jsonl\", \"json-array\", \"csv\", \"tsv\", \"html\" or \
                 \"text\" (or None to detect it)"
            )));
        }
    };
    let generate_ids = match generate_ids {
        None => None,
        Some("hash") => Some(IdScheme::Hash),
        Some("line") => Some(IdScheme::Line),
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "generate_ids={other:?}: use \"hash\" or \"line\" (or None)"
            )));
        }
    };
    Ok(ReaderConfig {
        fields: FieldMap {
            id: id_field.to_owned(),
            text: text_field.to_owned(),
            title: title_field.to_owned(),
            date: date_field.to_owned(),
            source: source_field.to_owned(),
            url: url_field.to_owned(),
        },
        format,
        generate_ids,
        ..ReaderConfig::default()
    })
}

/// Builds the index `path` from `corpora` (files or folders), or extends the index there, as
/// `unspun index --index PATH CORPUS...` does, and returns its report as a dict (the fields of
/// `unspun index --json`: `n_added`, `n_skipped`, `bad_records`, ... and `n_docs_in_index`).
///
/// Raises `BadRecordError` (with `path`, `line`, `field`, `reason`) for a bad record when
/// `strict`, `UnspunError` when a corpus cannot be opened (before the index is touched), when
/// one could not be read to its end (unless `keep_going`; what came before is committed) or
/// when nothing was indexed because every record was bad (naming the first one).
#[pyfunction]
#[pyo3(signature = (
    path, corpora, *, fingerprints="anchors", replace=false, strict=false, keep_going=false,
    id_field="id", text_field="text", title_field="title", date_field="date",
    source_field="source", url_field="url", format=None, generate_ids=None, glob=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn index<'py>(
    py: Python<'py>,
    path: PathBuf,
    corpora: Vec<PathBuf>,
    fingerprints: &str,
    replace: bool,
    strict: bool,
    keep_going: bool,
    id_field: &str,
    text_field: &str,
    title_field: &str,
    date_field: &str,
    source_field: &str,
    url_field: &str,
    format: Option<&str>,
    generate_ids: Option<&str>,
    glob: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    if corpora.is_empty() {
        return Err(PyValueError::new_err("corpora: name at least one corpus file or folder"));
    }
    let reader = reader_config(
        id_field,
        text_field,
        title_field,
        date_field,
        source_field,
        url_field,
        format,
        generate_ids,
    )?;
    let shingle = shingle_scheme(fingerprints)?;
    let config = IngestConfig { reader, replace, strict, keep_going, ..IngestConfig::default() };
    let result: Result<(IngestReport, u64), PyErr> = py.detach(|| {
        let inputs = expand_inputs(&corpora, glob)
            .map_err(|e| UnspunError::new_err(format!("cannot read corpus: {e}")))?;
        // Every corpus is opened before the index, so that a typo fails before anything is
        // created or changed.
        for input in &inputs {
            CorpusReader::open(&input.path, &config.reader).map_err(|e| {
                let message = e.to_string();
                let shown = input.path.display().to_string();
                UnspunError::new_err(if message.contains(&shown) {
                    format!("cannot read corpus: {message}")
                } else {
                    format!("cannot read corpus {shown}: {message}")
                })
            })?;
        }
        let mut writer_config = WriterConfig::default();
        writer_config.index.shingle = shingle;
        let mut writer = IndexWriter::open_or_create(&path, writer_config).map_err(|e| {
            UnspunError::new_err(format!(
                "opening index {} for writing: {}",
                path.display(),
                error_chain(&e)
            ))
        })?;
        let report =
            ingest_corpora(&mut writer, &inputs, &config, &mut |_| {}).map_err(engine_error)?;
        drop(writer);
        let index = Index::open(&path).map_err(engine_error)?;
        Ok((report, index.n_docs()))
    });
    let (report, n_docs_in_index) = result?;
    if !keep_going && let Some(incomplete) = report.files_incomplete.first() {
        return Err(UnspunError::new_err(format!(
            "corpus {} could not be read to its end: {incomplete} (what was read before the \
             damage is committed; keep_going=True indexes the rest anyway)",
            incomplete.path.display()
        )));
    }
    let n_indexed = report.n_added + report.n_replaced + report.n_duplicate;
    if n_indexed == 0 {
        let first = report.bad_records.first().map(|bad| format!(": the first, {bad}"));
        return Err(UnspunError::new_err(format!(
            "nothing was indexed: {} records were bad{}",
            report.n_skipped,
            first.unwrap_or_default()
        )));
    }
    let out = to_python(py, &report)?;
    out.set_item("n_docs_in_index", n_docs_in_index)?;
    Ok(out)
}

/// Reads corpus files (or folders) as `unspun index` reads them, without indexing: a dict
/// with `documents` (record dicts in input order, `doc` None: see `Index.documents`) and
/// `bad_records` (dicts with `path`, `line`, `field`, `reason`, `detail`). With `strict`, the
/// first bad record raises `BadRecordError`. Same keyword arguments as `unspun.index`.
#[pyfunction]
#[pyo3(signature = (
    corpora, *, strict=false, id_field="id", text_field="text", title_field="title",
    date_field="date", source_field="source", url_field="url", format=None, generate_ids=None,
    glob=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_corpus<'py>(
    py: Python<'py>,
    corpora: Vec<PathBuf>,
    strict: bool,
    id_field: &str,
    text_field: &str,
    title_field: &str,
    date_field: &str,
    source_field: &str,
    url_field: &str,
    format: Option<&str>,
    generate_ids: Option<&str>,
    glob: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let config = reader_config(
        id_field,
        text_field,
        title_field,
        date_field,
        source_field,
        url_field,
        format,
        generate_ids,
    )?;
    let read = py.detach(|| -> PyResult<_> {
        let inputs = expand_inputs(&corpora, glob)
            .map_err(|e| UnspunError::new_err(format!("cannot read corpus: {e}")))?;
        let mut docs = Vec::new();
        let mut bad = Vec::new();
        for input in &inputs {
            let mut reader = CorpusReader::open_as(&input.path, &config, input.doc_id.clone())
                .map_err(|e| unspun_index::Error::io(&input.path, e))
                .map_err(engine_error)?;
            for record in reader.by_ref() {
                match record {
                    RecordResult::Ok { doc, .. } => docs.push(doc),
                    RecordResult::Skipped(record) if strict => {
                        return Err(engine_error(unspun_index::Error::BadRecord {
                            path: record.path.clone(),
                            line: record.line,
                            field: record.field.clone(),
                            reason: record.detail.clone(),
                        }));
                    }
                    RecordResult::Skipped(record) => bad.push(record),
                }
            }
            if let Some(stop) = reader.incomplete() {
                return Err(UnspunError::new_err(format!(
                    "corpus {} could not be read to its end: {stop}",
                    input.path.display()
                )));
            }
        }
        Ok((docs, bad))
    });
    let (docs, bad) = read?;
    let documents = PyList::empty(py);
    for doc in &docs {
        documents.append(document_record(py, None, doc)?)?;
    }
    let out = PyDict::new(py);
    out.set_item("documents", documents)?;
    out.set_item("bad_records", to_python(py, &bad)?)?;
    Ok(out)
}
