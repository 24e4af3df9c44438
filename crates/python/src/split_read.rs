//! Splittable input: an uncompressed JSON Lines corpus file read in byte ranges, so that one
//! large file gives many tasks. A range owns the lines that start inside it (a line crossing
//! its start belongs to the range before, as Hadoop's line records are split); each line is
//! read by `unspun_index::ingest::json_line`, the JSON Lines reader's own rule (byte-order
//! mark on the first line, blank lines, UTF-8, the record), after the reader's length limit.
//! Line numbers are counted from the range's first line: the caller adds the lines of
//! the ranges before it (`n_lines`), since only a reader of the whole file knows them.
//!
//! `read_jsonl_lines` applies the same line rules to lines given as byte strings: what Spark's
//! text source brings from a file on any filesystem it reads (HDFS, S3, GCS, `file://`), so
//! that such a file is split by Spark and still read as `unspun index` reads it.
//!
//! A Parquet file splits at its row groups: `parquet_splits` plans runs of whole row groups
//! from the footer, and `read_parquet_row_groups` reads one run with
//! `unspun_index::ingest::ParquetRowGroupReader`, the Parquet reader of `unspun index` over
//! a row-group range, whose rows keep their numbers in the whole file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use unspun_core::Document;
use unspun_index::ingest::{
    BadRecord, Compression, Format, IdScheme, ParquetRowGroupReader, ReaderConfig, RecordResult,
    SkipReason, detect, json_line, parquet_row_groups,
};

use crate::UnspunError;
use crate::convert::{document_record, engine_error, to_python};
use crate::index::reader_config;

/// A read task: a path and, for a range of it, its start and end bytes.
type Split = (PathBuf, Option<u64>, Option<u64>);

/// Smallest range `corpus_splits` makes.
const MIN_SPLIT_BYTES: u64 = 1 << 16;

/// The read tasks of corpus inputs, in order: `(path, start, end)` byte ranges of at most
/// `split_bytes` for each uncompressed JSON Lines file (by content, as `unspun index` detects
/// it) larger than that, `(path, None, None)` for anything else (a folder, a compressed file,
/// another format: read whole). `split_bytes` is at least 65,536.
#[pyfunction]
#[pyo3(signature = (corpora, split_bytes))]
pub(crate) fn corpus_splits(
    py: Python<'_>,
    corpora: Vec<PathBuf>,
    split_bytes: u64,
) -> PyResult<Vec<Split>> {
    if split_bytes < MIN_SPLIT_BYTES {
        return Err(PyValueError::new_err(format!(
            "split_bytes must be at least {MIN_SPLIT_BYTES}"
        )));
    }
    py.detach(|| {
        let mut out = Vec::new();
        for path in corpora {
            let len = std::fs::metadata(&path)
                .map_err(|e| UnspunError::new_err(format!("{}: {e}", path.display())))?
                .len();
            let splittable = path.is_file()
                && len > split_bytes
                && matches!(detect(&path), Ok((Format::JsonLines, Compression::None)));
            if !splittable {
                out.push((path, None, None));
                continue;
            }
            let mut start = 0;
            while start < len {
                let end = (start + split_bytes).min(len);
                out.push((path.clone(), Some(start), Some(end)));
                start = end;
            }
        }
        Ok(out)
    })
}

/// The row-group runs `(first, end)` (end excluded) of the Parquet file `path`, planned from
/// its footer so that each run holds at most `split_bytes` of compressed column chunks (a
/// larger row group is a run of its own), in file order and covering every row group; `None`
/// when `path` is not an uncompressed Parquet file (by content, as `unspun index` detects it:
/// a folder, another format). A file of one row group, or whose row groups fit in
/// `split_bytes` together, is one run. `split_bytes` is at least 65,536.
#[pyfunction]
#[pyo3(signature = (path, split_bytes))]
pub(crate) fn parquet_splits(
    py: Python<'_>,
    path: PathBuf,
    split_bytes: u64,
) -> PyResult<Option<Vec<(usize, usize)>>> {
    if split_bytes < MIN_SPLIT_BYTES {
        return Err(PyValueError::new_err(format!(
            "split_bytes must be at least {MIN_SPLIT_BYTES}"
        )));
    }
    py.detach(|| {
        if !path.is_file() || !matches!(detect(&path), Ok((Format::Parquet, Compression::None))) {
            return Ok(None);
        }
        let groups = parquet_row_groups(&path)
            .map_err(|e| UnspunError::new_err(format!("{}: {e}", path.display())))?;
        let sizes: Vec<u64> = groups.iter().map(|group| group.compressed_bytes).collect();
        Ok(Some(plan_runs(&sizes, split_bytes)))
    })
}

/// Consecutive runs over items of `sizes`, each of at most `limit` in total unless it is one
/// item; `[(0, 0)]` for no items.
fn plan_runs(sizes: &[u64], limit: u64) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let (mut start, mut total) = (0, 0u64);
    for (i, &size) in sizes.iter().enumerate() {
        if i > start && total.saturating_add(size) > limit {
            runs.push((start, i));
            (start, total) = (i, 0);
        }
        total = total.saturating_add(size);
    }
    runs.push((start, sizes.len()));
    runs
}

/// The records of row groups `[start, end)` of a Parquet corpus file, read as `unspun index`
/// reads the file (the same column mapping, checks and warnings): a dict with `documents`
/// (record dicts, `doc` None), `bad_records` (as `read_corpus` gives them, `line` the row's
/// number in the whole file), `first_row` (the rows before the run) and `n_rows` (the rows
/// read, bad ones included). Together, the runs of `parquet_splits` give the records of
/// `read_corpus` over the file, in the same order. A page that cannot be decoded raises
/// `UnspunError`, as `read_corpus` does. Same keyword arguments as `read_jsonl_range`; ids
/// made from row numbers (`generate_ids="line"`) are those of the whole file.
#[pyfunction]
#[pyo3(signature = (
    path, start, end, *, id_field="id", text_field="text", title_field="title",
    date_field="date", source_field="source", url_field="url", generate_ids=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_parquet_row_groups<'py>(
    py: Python<'py>,
    path: PathBuf,
    start: usize,
    end: usize,
    id_field: &str,
    text_field: &str,
    title_field: &str,
    date_field: &str,
    source_field: &str,
    url_field: &str,
    generate_ids: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let config = reader_config(
        id_field,
        text_field,
        title_field,
        date_field,
        source_field,
        url_field,
        None,
        generate_ids,
    )?;
    let read = py.detach(|| -> PyResult<_> {
        // Errors as `read_corpus` gives them for the whole file.
        let mut reader = ParquetRowGroupReader::open(&path, &config, start..end)
            .map_err(|e| unspun_index::Error::io(&path, e))
            .map_err(engine_error)?;
        let first_row = reader.first_row();
        let mut out = RangeRead { docs: Vec::new(), bad: Vec::new(), n_lines: 0 };
        for record in reader.by_ref() {
            out.n_lines += 1;
            match record {
                RecordResult::Ok { doc, .. } => out.docs.push(doc),
                RecordResult::Skipped(record) => out.bad.push(record),
            }
        }
        if let Some(stop) = reader.incomplete() {
            return Err(UnspunError::new_err(format!(
                "corpus {} could not be read to its end: {stop}",
                path.display()
            )));
        }
        Ok((out, first_row))
    });
    let (read, first_row) = read?;
    let out = range_dict(py, &read)?;
    out.del_item("n_lines")?;
    out.set_item("first_row", first_row)?;
    out.set_item("n_rows", read.n_lines)?;
    Ok(out)
}

/// What one range gave.
struct RangeRead {
    docs: Vec<Document>,
    bad: Vec<BadRecord>,
    n_lines: u64,
}

/// Reads the lines that start in `[start, end)` of the JSON Lines file `path`.
fn read_range(path: &Path, start: u64, end: u64, config: &ReaderConfig) -> io::Result<RangeRead> {
    let mut file = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut offset = start;
    if start > 0 {
        // The line holding byte `start - 1` is the previous range's, up to its newline.
        file.seek(SeekFrom::Start(start - 1))?;
        offset = start - 1 + file.skip_until(b'\n')? as u64;
    }
    let mut out = RangeRead { docs: Vec::new(), bad: Vec::new(), n_lines: 0 };
    let limit = u64::try_from(config.max_record_bytes).unwrap_or(u64::MAX).saturating_add(1);
    let mut buffer = Vec::new();
    while offset < end {
        buffer.clear();
        let line_start = offset;
        let n_read = (&mut file).take(limit).read_until(b'\n', &mut buffer)? as u64;
        if n_read == 0 {
            break;
        }
        out.n_lines += 1;
        let line = out.n_lines;
        offset += n_read;
        if buffer.last() == Some(&b'\n') {
            buffer.pop();
        } else if n_read == limit {
            // `limit` bytes and no newline: longer than `max_record_bytes`.
            let n_total = n_read + file.skip_until(b'\n')? as u64;
            offset = line_start + n_total;
            let detail = format!(
                "record of {n_total} bytes exceeds max_record_bytes ({})",
                config.max_record_bytes
            );
            out.bad.push(bad_record(path, line, SkipReason::TooLarge, detail));
            continue;
        }
        parse_line(&buffer, line_start == 0, line, path, config, &mut out);
    }
    Ok(out)
}

/// Reads one line (its newline removed) by ingest's own rule ([`json_line`]: the byte-order
/// mark, blank lines, UTF-8, the record). `line` is its number in the range.
fn parse_line(
    bytes: &[u8],
    at_file_start: bool,
    line: u64,
    path: &Path,
    config: &ReaderConfig,
    out: &mut RangeRead,
) {
    match json_line(bytes, at_file_start, config, path, line) {
        Ok(None) => {}
        Ok(Some((doc, _warning))) => out.docs.push(doc),
        Err(record) => out.bad.push(record),
    }
}

/// Reads the given lines of a JSON Lines file as `read_range` reads the lines of a range:
/// `lines` are the file's lines in order (newlines removed), the first one at the file's
/// start when `at_file_start`; a line longer than `max_record_bytes` is a `TooLarge` record.
fn read_lines(
    lines: &[&[u8]],
    at_file_start: bool,
    path: &Path,
    config: &ReaderConfig,
) -> RangeRead {
    let mut out = RangeRead { docs: Vec::new(), bad: Vec::new(), n_lines: 0 };
    for (i, bytes) in lines.iter().enumerate() {
        out.n_lines += 1;
        let line = out.n_lines;
        if bytes.len() > config.max_record_bytes {
            // As `read_range` counts it: the line and its newline.
            let detail = format!(
                "record of {} bytes exceeds max_record_bytes ({})",
                bytes.len() + 1,
                config.max_record_bytes
            );
            out.bad.push(bad_record(path, line, SkipReason::TooLarge, detail));
            continue;
        }
        parse_line(bytes, at_file_start && i == 0, line, path, config, &mut out);
    }
    out
}

fn bad_record(path: &Path, line: u64, reason: SkipReason, detail: String) -> BadRecord {
    BadRecord { path: path.to_path_buf(), line, field: None, reason, detail }
}

/// The records of the lines starting in bytes `[start, end)` of an uncompressed JSON Lines
/// corpus file, read as `unspun index` reads them: a dict with `documents` (record dicts, `doc`
/// None), `bad_records` (as `read_corpus` gives them, `line` counted from the range's first
/// line) and `n_lines` (the lines that start in the range, blank ones included). Together, the
/// ranges of `corpus_splits` give the records of `read_corpus` in the same order. Same
/// keyword arguments as `read_corpus`, but `generate_ids="line"` (ids from line numbers) is
/// refused: a range does not know its line numbers.
#[pyfunction]
#[pyo3(signature = (
    path, start, end, *, id_field="id", text_field="text", title_field="title",
    date_field="date", source_field="source", url_field="url", generate_ids=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_jsonl_range<'py>(
    py: Python<'py>,
    path: PathBuf,
    start: u64,
    end: u64,
    id_field: &str,
    text_field: &str,
    title_field: &str,
    date_field: &str,
    source_field: &str,
    url_field: &str,
    generate_ids: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let fields = [id_field, text_field, title_field, date_field, source_field, url_field];
    let config = part_config(fields, generate_ids)?;
    if start > end {
        return Err(PyValueError::new_err(format!("start {start} is after end {end}")));
    }
    let read = py
        .detach(|| read_range(&path, start, end, &config))
        .map_err(|e| UnspunError::new_err(format!("{}: {e}", path.display())))?;
    range_dict(py, &read)
}

/// The records of consecutive lines of an uncompressed JSON Lines corpus file, given as byte
/// strings without their newlines (as Spark's text source, or any reader of the file through
/// another filesystem, gives them): read as `read_jsonl_range` reads the lines of a range, into
/// the same dict (`documents`, `bad_records` named by `path` with `line` counted from the
/// first line given, `n_lines`). `at_file_start` says the first line is the file's first (its
/// byte-order mark is dropped). Same keyword arguments as `read_jsonl_range`.
#[pyfunction]
#[pyo3(signature = (
    path, lines, *, at_file_start, id_field="id", text_field="text", title_field="title",
    date_field="date", source_field="source", url_field="url", generate_ids=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_jsonl_lines<'py>(
    py: Python<'py>,
    path: PathBuf,
    lines: Vec<Bound<'py, PyBytes>>,
    at_file_start: bool,
    id_field: &str,
    text_field: &str,
    title_field: &str,
    date_field: &str,
    source_field: &str,
    url_field: &str,
    generate_ids: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let fields = [id_field, text_field, title_field, date_field, source_field, url_field];
    let config = part_config(fields, generate_ids)?;
    let lines: Vec<&[u8]> = lines.iter().map(|line| line.as_bytes()).collect();
    let read = py.detach(|| read_lines(&lines, at_file_start, &path, &config));
    range_dict(py, &read)
}

/// The JSON Lines reader's settings for a part of a file: the field names (id, text, title,
/// date, source, url) and the id scheme, which cannot number lines (a part does not know the
/// lines before it).
fn part_config(fields: [&str; 6], generate_ids: Option<&str>) -> PyResult<ReaderConfig> {
    let [id, text, title, date, source, url] = fields;
    let config = reader_config(id, text, title, date, source, url, Some("jsonl"), generate_ids)?;
    if config.generate_ids == Some(IdScheme::Line) {
        return Err(PyValueError::new_err(
            "generate_ids=\"line\" needs the whole file: read it with read_corpus",
        ));
    }
    Ok(config)
}

/// `documents`, `bad_records` and `n_lines` of a read.
fn range_dict<'py>(py: Python<'py>, read: &RangeRead) -> PyResult<Bound<'py, PyDict>> {
    let documents = PyList::empty(py);
    for doc in &read.docs {
        documents.append(document_record(py, None, doc)?)?;
    }
    let out = PyDict::new(py);
    out.set_item("documents", documents)?;
    out.set_item("bad_records", to_python(py, &read.bad)?)?;
    out.set_item("n_lines", read.n_lines)?;
    Ok(out)
}
