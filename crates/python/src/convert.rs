//! Values between Rust and Python: engine errors as exceptions, serde values as Python objects
//! (through JSON, so that a dict is exactly what `--json` prints), records as dicts.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString};
use unspun_core::shingle::ShingleConfig;
use unspun_core::{DocId, Document, Timestamp};

use crate::{BadRecordError, UnspunError};

/// `value` as the Python object `json.loads` gives for its serde JSON: the same dict as the
/// CLI's `--json`.
pub(crate) fn to_python<'py>(
    py: Python<'py>,
    value: &impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(value)
        .map_err(|e| UnspunError::new_err(format!("encoding JSON: {e}")))?;
    py.import("json")?.call_method1("loads", (json,))
}

/// An engine error as a Python exception: a bad record as `BadRecordError` with its place as
/// attributes, anything else as `UnspunError` with the error and its causes in the message.
pub(crate) fn engine_error(err: unspun_index::Error) -> PyErr {
    if let unspun_index::Error::BadRecord { path, line, field, reason } = &err {
        let message = err.to_string();
        let path = path.display().to_string();
        let (line, field, reason) = (*line, field.clone(), reason.clone());
        return Python::attach(|py| {
            let exc = BadRecordError::new_err(message);
            let value = exc.value(py);
            let set = || -> PyResult<()> {
                value.setattr("path", path)?;
                value.setattr("line", line)?;
                value.setattr("field", field)?;
                value.setattr("reason", reason)
            };
            match set() {
                Ok(()) => exc,
                Err(e) => e,
            }
        });
    }
    UnspunError::new_err(error_chain(&err))
}

/// An error and its sources, `a: b: c`, as anyhow's `{:#}` prints them.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A date argument: `None`, seconds since 1970 (an `int`), or a string in any format the CLI
/// reads (ISO 8601, RFC 2822, "December 31, 2017").
pub(crate) fn date_arg(
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<Timestamp>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(None) };
    if value.is_instance_of::<PyInt>() {
        return Ok(Some(Timestamp(value.extract::<i64>()?)));
    }
    if value.is_instance_of::<PyString>() {
        let raw: String = value.extract()?;
        if raw.trim().is_empty() {
            return Ok(None);
        }
        return unspun_core::date::parse_date(&raw).map(Some).ok_or_else(|| {
            PyValueError::new_err(format!(
                "{what}: cannot parse the date {raw:?} (use ISO 8601, e.g. 2016-09-01)"
            ))
        });
    }
    Err(PyTypeError::new_err(format!(
        "{what}: a date is a str, an int (seconds since 1970) or None, not {}",
        value.get_type().name()?
    )))
}

/// The fingerprint scheme named as `unspun index --fingerprints` names it.
pub(crate) fn shingle_scheme(name: &str) -> PyResult<ShingleConfig> {
    match name {
        "anchors" => Ok(ShingleConfig::default()),
        "canonical" => Ok(ShingleConfig { anchors: false, ..ShingleConfig::default() }),
        "legacy" => Ok(ShingleConfig::legacy()),
        other => Err(PyValueError::new_err(format!(
            "fingerprints={other:?}: use \"anchors\", \"canonical\" or \"legacy\""
        ))),
    }
}

/// A document as a record dict: `doc` (its DocId, or None), `id`, `title`, `text`, `date`
/// (seconds since 1970, or None), `outlet`, `url`.
pub(crate) fn document_record<'py>(
    py: Python<'py>,
    doc_id: Option<DocId>,
    doc: &Document,
) -> PyResult<Bound<'py, PyDict>> {
    let record = PyDict::new(py);
    record.set_item("doc", doc_id.map(|d| d.0))?;
    record.set_item("id", &doc.id)?;
    record.set_item("title", doc.title.as_deref())?;
    record.set_item("text", &doc.text)?;
    record.set_item("date", doc.date.map(|d| d.0))?;
    record.set_item("outlet", doc.source.as_deref())?;
    record.set_item("url", doc.url.as_deref())?;
    Ok(record)
}

/// A record dict as a document: `doc` (an int, required), `text` (required), and optional
/// `id`, `title`, `date` (see [`date_arg`]), `outlet` (or `source`), `url`. `at` names the
/// record in errors.
pub(crate) fn record_document(record: &Bound<'_, PyAny>, at: usize) -> PyResult<(DocId, Document)> {
    let what = |field: &str| format!("records[{at}]: field `{field}`");
    let dict = record.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "records[{at}]: a record is a dict, not {}",
            record.get_type().name().map(|n| n.to_string()).unwrap_or_default()
        ))
    })?;
    let get = |field: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        Ok(dict.get_item(field)?.filter(|v| !v.is_none()))
    };
    let string = |field: &str| -> PyResult<Option<String>> {
        get(field)?
            .map(|v| {
                v.extract::<String>()
                    .map_err(|_| PyTypeError::new_err(format!("{} must be a str", what(field))))
            })
            .transpose()
    };
    let doc =
        get("doc")?.ok_or_else(|| PyValueError::new_err(format!("{} is missing", what("doc"))))?;
    let doc: u32 = doc.extract().map_err(|_| {
        PyValueError::new_err(format!("{} must be an int from 0 to 2^32 - 1", what("doc")))
    })?;
    let text = string("text")?
        .ok_or_else(|| PyValueError::new_err(format!("{} is missing", what("text"))))?;
    let date = date_arg(get("date")?.as_ref(), &what("date"))?;
    let outlet = match string("outlet")? {
        Some(outlet) => Some(outlet),
        None => string("source")?,
    };
    let document = Document {
        id: string("id")?.unwrap_or_default(),
        title: string("title")?,
        text,
        date,
        source: outlet,
        url: string("url")?,
    };
    Ok((DocId(doc), document))
}
