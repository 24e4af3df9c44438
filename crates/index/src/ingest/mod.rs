//! Corpus ingest: streaming readers that turn corpus files into [`Document`]s.
//!
//! A corpus is a JSON Lines, CSV or TSV file, optionally gzip-compressed (detected by its
//! magic bytes, multi-member streams included). [`CorpusReader`] streams it record by record,
//! never holding more than one record (at most [`ReaderConfig::max_record_bytes`]) in memory,
//! and yields a [`RecordResult`] per record: a document, or a [`BadRecord`] saying where and why
//! the record was skipped. A bad record is data, not an abort: the reader never panics and
//! never stops early, except when the rest of the file cannot be read: a read error or a
//! damaged gzip stream ([`SkipReason::Io`]: truncated, corrupt deflate data, CRC mismatch), a
//! CSV quote left open to the end of the file ([`SkipReason::UnclosedQuote`]) or a CSV record
//! over the size limit. It reports that once, and [`CorpusReader::incomplete`] keeps it.
//! Turning skips into errors (`--strict`) is the caller's choice: see
//! [`SkipReason::is_fatal_in_strict`].
//!
//! Gzip checks a member's CRC-32 only at the member's end, so text decoded from a damaged
//! member may be garbage before the error shows. The reader decodes member by member and
//! tells how far the checked data goes ([`CorpusReader::verified_byte_end`]); each record says
//! where it ends ([`RecordResult::Ok`]'s `byte_end`), so a caller can hold records until a
//! checksum covers them (the pipeline does).
//!
//! ```no_run
//! use std::path::Path;
//! use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};
//!
//! let mut reader = CorpusReader::open(Path::new("articles.jsonl.gz"), &ReaderConfig::default())?;
//! for result in &mut reader {
//!     match result {
//!         RecordResult::Ok { doc, .. } => println!("{}", doc.id),
//!         RecordResult::Skipped(bad) => eprintln!("skipped {bad}"),
//!     }
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

mod article;
mod compress;
mod date;
mod delimited;
mod detect;
pub mod html;
mod inputs;
mod json_array;
mod jsonl;
pub mod pipeline;
#[cfg(feature = "parquet")]
mod read_parquet;
mod read_warc;
mod record;
mod warc;
pub mod wordnet;
#[cfg(feature = "parquet")]
mod write_parquet;

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use unspun_core::Document;

pub use article::{Article, ArticleError, id_field, kind, string_field};
pub use compress::Compression;
use compress::{Units, XzPipe, describe_read_error};
pub use date::{DateConfig, check_format, parse_window};
use delimited::DelimitedReader;
pub use detect::{detect, first_record_fields, looks_like};

pub use inputs::{CorpusInput, FOLDER_EXTENSIONS, expand_inputs, glob_match};
use json_array::ArrayReader;
use jsonl::{Line, LineReader};
#[cfg(feature = "parquet")]
pub use read_parquet::{ParquetRowGroup, ParquetRowGroupReader, parquet_row_groups};
pub use read_warc::url_host;
use read_warc::{WarcState, next_warc};
pub use record::{
    BadRecord, RecordWarning, SkipReason, WarningKind, document_record, is_fatal_in_strict,
    json_id, quote_cut,
};
use record::{Problem, Warning};
use warc::{Content, WarcReader};
#[cfg(feature = "parquet")]
pub use write_parquet::ParquetDocWriter;

/// Size of the read buffers, compressed and decompressed.
const BUFFER_BYTES: usize = 256 * 1024;

/// How many decompressed bytes [`detect`] looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// What `unspun index` reads, for the message about a file it cannot read.
pub const SUPPORTED: &str = "JSON Lines, JSON arrays, CSV, TSV, Parquet, WARC, HTML and \
    plain-text files and folders of them, plain or compressed with gzip, zstd, bzip2 or xz";

/// Names of the record fields (JSON keys or header columns) that become [`Document`] fields.
///
/// The default, `id`, `text`, `title`, `date`, `source`, `url`, reads every corpus in
/// `shared/data` as it is. `id` and `text` are required; the others are optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    /// Field holding the document id (a string or a number).
    pub id: String,
    /// Field holding the body text.
    pub text: String,
    /// Field holding the headline.
    pub title: String,
    /// Field holding the publication date, in any form [`unspun_core::date::parse_date`] reads.
    pub date: String,
    /// Field holding the publisher or outlet.
    pub source: String,
    /// Field holding the original URL.
    pub url: String,
}

impl FieldMap {
    /// Whether a field name is a path into nested JSON objects (holds a `.`).
    pub fn has_paths(&self) -> bool {
        [&self.id, &self.text, &self.title, &self.date, &self.source, &self.url]
            .iter()
            .any(|name| name.contains('.'))
    }
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            id: "id".to_owned(),
            text: "text".to_owned(),
            title: "title".to_owned(),
            date: "date".to_owned(),
            source: "source".to_owned(),
            url: "url".to_owned(),
        }
    }
}

/// Record format of a corpus file (after decompression).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// One JSON array of objects (`[{...}, {...}]`), streamed element by element.
    JsonArray,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Tab-separated values with a header row (`.tsv`).
    Tsv,
    /// One HTML page (`.html`, `.htm`, or HTML content): one document, the extracted
    /// article ([`html::extract`]).
    Html,
    /// One plain-text file (`.txt`, `.text`, `.md`): one document; a first line followed by
    /// a blank line is the title.
    Text,
    /// A WARC web archive (`WARC/1.0`, `.warc`, `.warc.gz`): one document per HTML response
    /// or text resource/conversion record.
    Warc,
    /// An Apache Parquet file (`PAR1` at both ends): one document per row, columns mapped
    /// like JSON keys. Needs the `parquet` feature (on by default).
    Parquet,
}

impl Format {
    /// Short name: `"jsonl"`, `"json-array"`, `"csv"` or `"tsv"` (what [`Format::from_str`]
    /// reads).
    pub fn name(&self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::JsonArray => "json-array",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Html => "html",
            Format::Text => "text",
            Format::Warc => "warc",
            Format::Parquet => "parquet",
        }
    }

    /// Whether a file of this format is one document (HTML, text) rather than records.
    pub fn is_single_document(&self) -> bool {
        matches!(self, Format::Html | Format::Text)
    }

    /// The format a file name announces (`.jsonl`, `.ndjson`, `.json`, `.csv`, `.tsv`, each
    /// optionally followed by `.gz`, `.zst`, `.bz2` or `.xz`, any case), or `None`. A `.json`
    /// file is JSON Lines by name; its content says when it is an array.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = [".gz", ".zst", ".zstd", ".bz2", ".xz"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        let (_, extension) = name.rsplit_once('.')?;
        match extension {
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
            "html" | "htm" | "xhtml" | "shtml" => Some(Format::Html),
            "txt" | "text" | "md" => Some(Format::Text),
            "warc" | "arc" => Some(Format::Warc),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Reads `jsonl` (or `ndjson`, `json`), `json-array`, `csv` or `tsv`, any case.
    fn from_str(name: &str) -> Result<Format, String> {
        match name.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" | "jsonlines" => Ok(Format::JsonLines),
            "json-array" | "array" => Ok(Format::JsonArray),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "html" => Ok(Format::Html),
            "text" | "txt" => Ok(Format::Text),
            "warc" => Ok(Format::Warc),
            "parquet" => Ok(Format::Parquet),
            _ => Err(format!(
                "unknown corpus format `{name}` (expected jsonl, json-array, csv, tsv, html, text, \
                 warc or parquet)"
            )),
        }
    }
}

/// How a record without an id gets one (`--generate-ids`). Both are stable: the same corpus
/// gives the same ids on every run and every machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdScheme {
    /// `h` and the 16 hex digits of the XXH3-64 hash of the text: the id follows the text, so
    /// an identical text read again is a duplicate id (skipped, or replaced with `--replace`).
    Hash,
    /// `path:line`, the file as given and the record's 1-based line: the id follows the place.
    Line,
}

/// Settings of a [`CorpusReader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Which record fields become document fields.
    pub fields: FieldMap,
    /// Format to use instead of detecting it with [`detect`].
    pub format: Option<Format>,
    /// Largest record (a JSON line, or a CSV row) in uncompressed bytes; longer ones are
    /// skipped as [`SkipReason::TooLarge`]. This bounds the reader's memory. Default 16 MiB.
    pub max_record_bytes: usize,
    /// Largest text in bytes; longer ones are skipped as [`SkipReason::TooLarge`].
    /// Default 8 MiB.
    pub max_text_bytes: usize,
    /// How dates are read (`--date-format`) and which are plausible (`--date-window`).
    pub dates: DateConfig,
    /// Ids for records that have none (`--generate-ids`); `None`: such records are skipped
    /// as [`SkipReason::MissingId`].
    pub generate_ids: Option<IdScheme>,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            fields: FieldMap::default(),
            format: None,
            max_record_bytes: 16 << 20,
            max_text_bytes: 8 << 20,
            dates: DateConfig::default(),
            generate_ids: None,
        }
    }
}

/// What the reader produced for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordResult {
    /// A usable document.
    Ok {
        /// The document.
        doc: Document,
        /// 1-based line where the record starts.
        line: u64,
        /// Uncompressed size of the record in the file, line terminator included.
        bytes: u64,
        /// Offset just past the record in the uncompressed stream. The record is covered by a
        /// gzip checksum once [`CorpusReader::verified_byte_end`] reaches it.
        byte_end: u64,
    },
    /// A record that was skipped, and why.
    Skipped(BadRecord),
}

impl RecordResult {
    /// The document, or the bad record as an error.
    pub fn into_result(self) -> Result<Document, BadRecord> {
        match self {
            RecordResult::Ok { doc, .. } => Ok(doc),
            RecordResult::Skipped(bad) => Err(bad),
        }
    }
}

/// Counts the bytes read from the file, for progress reports.
struct CountingReader {
    file: File,
    n_read: Arc<AtomicU64>,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n_read = self.file.read(buf)?;
        self.n_read.fetch_add(n_read as u64, Ordering::Relaxed);
        Ok(n_read)
    }
}

enum Records {
    /// An HTML or text file: one document, read at the first `next`.
    Single(Option<Box<dyn BufRead + Send>>),
    JsonLines(LineReader),
    JsonArray(ArrayReader),
    Warc(Box<WarcState>),
    Delimited(Box<DelimitedReader>),
    #[cfg(feature = "parquet")]
    Parquet(Box<read_parquet::ParquetState>),
}

/// Streams the records of one corpus file as [`RecordResult`]s.
///
/// Memory stays bounded by [`ReaderConfig::max_record_bytes`] plus fixed buffers. The iterator
/// ends at the end of the file, or right after the record that stopped the reading (a read
/// error or damaged gzip stream reported once as [`SkipReason::Io`], an unclosed CSV quote, a
/// CSV record over the limit; see [`CorpusReader::incomplete`]). It is `Send`, so it can feed
/// a pipeline from its own thread.
pub struct CorpusReader {
    context: Context,
    file_len: u64,
    n_read: Arc<AtomicU64>,
    format: Format,
    compression: Compression,
    records: Records,
    /// Last line consumed (JSON Lines only; CSV rows carry their own position).
    line: u64,
    /// Uncompressed bytes consumed (JSON Lines only; CSV rows carry their own position).
    byte_offset: u64,
    /// For compressed files, the uncompressed bytes covered by checked units.
    verified: Option<Arc<AtomicU64>>,
    /// Why the file was not read to its end, once that is known.
    incomplete: Option<BadRecord>,
    /// Warnings about records yielded so far, not yet taken.
    warnings: Vec<RecordWarning>,
    done: bool,
}

impl fmt::Debug for CorpusReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorpusReader")
            .field("path", &self.context.path)
            .field("format", &self.format)
            .field("compression", &self.compression)
            .field("bytes_read", &self.bytes_read())
            .field("file_len", &self.file_len)
            .finish_non_exhaustive()
    }
}

impl CorpusReader {
    /// Opens a corpus file. Fails when the file cannot be opened or, for CSV/TSV, when the
    /// header row cannot be read or has no id or text column; all later problems are
    /// reported per record.
    pub fn open(path: &Path, config: &ReaderConfig) -> io::Result<CorpusReader> {
        CorpusReader::open_as(path, config, None)
    }

    /// [`CorpusReader::open`], naming the document of an HTML or text file `doc_id` (the
    /// path relative to the folder it was found in; default: the path as given).
    pub fn open_as(
        path: &Path,
        config: &ReaderConfig,
        doc_id: Option<String>,
    ) -> io::Result<CorpusReader> {
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        let n_read = Arc::new(AtomicU64::new(0));
        let counting = CountingReader { file, n_read: Arc::clone(&n_read) };
        let mut raw = BufReader::with_capacity(BUFFER_BYTES, counting);
        let compression = Compression::from_magic(raw.fill_buf()?);
        // Detection also refuses what is not a corpus (a PDF, a ZIP, ...), forced format or not.
        let (detected, _) = detect(path).map_err(|error| {
            if error.kind() == io::ErrorKind::InvalidData {
                error
            } else {
                let message = describe_read_error(&error, compression);
                io::Error::new(error.kind(), format!("{}: {message}", path.display()))
            }
        })?;
        let format = config.format.unwrap_or(detected);
        let mut verified = None;
        let stream: Box<dyn BufRead + Send> = match compression {
            Compression::None => Box::new(raw),
            Compression::Xz => {
                let checked = Arc::clone(verified.insert(Arc::new(AtomicU64::new(0))));
                Box::new(BufReader::with_capacity(BUFFER_BYTES, XzPipe::new(raw, checked)))
            }
            _ => {
                let checked = Arc::clone(verified.insert(Arc::new(AtomicU64::new(0))));
                let units = Units::new(compression, raw, checked).map_err(|error| {
                    let message = describe_read_error(&error, compression);
                    io::Error::new(error.kind(), format!("{}: {message}", path.display()))
                })?;
                Box::new(BufReader::with_capacity(BUFFER_BYTES, units))
            }
        };
        let id_required = config.generate_ids.is_none();
        let records = match format {
            #[cfg(feature = "parquet")]
            Format::Parquet => {
                let state = read_parquet::open(path, &config.fields, id_required, &n_read)?;
                Records::Parquet(Box::new(state))
            }
            #[cfg(not(feature = "parquet"))]
            Format::Parquet => return Err(detect::no_parquet(path)),
            Format::Html | Format::Text => Records::Single(Some(stream)),
            Format::Warc => Records::Warc(Box::new(WarcState {
                reader: WarcReader::new(stream, config.max_record_bytes),
                ready: VecDeque::new(),
                stopped: false,
            })),
            Format::JsonLines => {
                Records::JsonLines(LineReader::new(stream, config.max_record_bytes))
            }
            Format::JsonArray => {
                Records::JsonArray(ArrayReader::new(stream, config.max_record_bytes))
            }
            Format::Csv | Format::Tsv => Records::Delimited(Box::new(
                DelimitedReader::new(
                    stream,
                    format,
                    &config.fields,
                    config.max_record_bytes,
                    id_required,
                )
                .map_err(|error| {
                    let message = if compression != Compression::None
                        && error.kind() != io::ErrorKind::InvalidData
                    {
                        describe_read_error(&error, compression)
                    } else {
                        error.to_string()
                    };
                    io::Error::new(error.kind(), format!("{}: {message}", path.display()))
                })?,
            )),
        };
        Ok(CorpusReader {
            context: Context { path: path.to_owned(), config: config.clone(), compression, doc_id },
            file_len,
            n_read,
            format,
            compression,
            records,
            line: 0,
            byte_offset: 0,
            verified,
            incomplete: None,
            warnings: Vec::new(),
            done: false,
        })
    }

    /// How far, in uncompressed bytes, the stream is known to be intact: for gzip, the end of
    /// the last member whose CRC-32 and length matched (the whole stream once the iterator
    /// ended without [`CorpusReader::incomplete`]); for a plain file, which has no checksum,
    /// `u64::MAX`. A record whose `byte_end` is at most this was read from checked data.
    pub fn verified_byte_end(&self) -> u64 {
        self.verified.as_ref().map_or(u64::MAX, |verified| verified.load(Ordering::Relaxed))
    }

    /// Why the file was not read to its end, once the iterator has yielded it: the record
    /// that stopped the reading (a read error or a damaged gzip stream as [`SkipReason::Io`],
    /// a CSV quote open to the end of the file, a CSV record over `max_record_bytes`).
    /// `None` while reading, and after a file read to its end.
    pub fn incomplete(&self) -> Option<&BadRecord> {
        self.incomplete.as_ref()
    }

    /// Takes the warnings about the records yielded so far (dates kept undated, ...): each
    /// record that was kept with a field dropped. The records themselves are
    /// [`RecordResult::Ok`].
    pub fn take_warnings(&mut self) -> Vec<RecordWarning> {
        std::mem::take(&mut self.warnings)
    }

    /// Bytes consumed from the file so far (compressed bytes for gzip), for progress and ETA
    /// against [`CorpusReader::file_len`]. Includes read-ahead, so it runs slightly ahead.
    pub fn bytes_read(&self) -> u64 {
        self.n_read.load(Ordering::Relaxed)
    }

    /// Size of the file on disk when it was opened.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The path given to [`CorpusReader::open`].
    pub fn path(&self) -> &Path {
        &self.context.path
    }

    /// The record format in use (detected or configured).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the file is gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.compression == Compression::Gzip
    }

    /// How the file is compressed.
    pub fn compression(&self) -> Compression {
        self.compression
    }
}

/// What the per-format readers need to know about the file.
struct Context {
    path: PathBuf,
    config: ReaderConfig,
    compression: Compression,
    /// The id of the one document of an HTML or text file.
    doc_id: Option<String>,
}

impl Context {
    fn skipped(&self, line: u64, problem: Problem) -> RecordResult {
        RecordResult::Skipped(problem.at(self.path.clone(), line))
    }
}

/// One JSON record (a JSON Lines line, or an element of a JSON array) as every JSON reader
/// reads it: the fields named by `config.fields`, an id from `config.generate_ids` when it has
/// none (labelled with `path` and `line`), then the checks of `RawFields::into_document`.
fn json_record(
    text: &str,
    config: &ReaderConfig,
    path: &Path,
    line: u64,
) -> Result<(Document, Option<Warning>), Problem> {
    jsonl::parse_record(text, config).and_then(|mut raw| {
        if let Some(scheme) = config.generate_ids {
            raw.generate_id(scheme, path, line);
        }
        raw.into_document(config)
    })
}

/// Validates one JSON document record (the text of a JSON object) exactly as `unspun index`
/// does for a JSON Lines line: the same field names, id rules, text size limit, date formats
/// and date window. `path` and `line` only label the answer.
///
/// `Err` is a record `unspun index` skips; a warning (an unreadable or implausible date) comes
/// with a document kept undated. The server's `POST /v1/documents` validates each document
/// with this and maps the outcomes its own way (a date warning is a rejected document there).
pub fn json_document(
    record: &str,
    config: &ReaderConfig,
    path: &Path,
    line: u64,
) -> Result<(Document, Option<RecordWarning>), BadRecord> {
    match json_record(record, config, path, line) {
        Ok((doc, warning)) => Ok((doc, warning.map(|warning| warning.at(path.into(), line)))),
        Err(problem) => Err(problem.at(path.into(), line)),
    }
}

/// One JSON Lines line (its newline removed) as `unspun index` reads it: a byte-order mark
/// dropped from the file's first line (`at_file_start`), a blank line skipped (`Ok(None)`),
/// UTF-8 checked, then the record validated by [`json_document`]. `path` and `line` label the
/// answer. A reader of a part of a file (a byte range, lines handed over by a distributed
/// engine) gets the same records and errors as the whole file's reader.
#[allow(clippy::type_complexity)]
pub fn json_line(
    bytes: &[u8],
    at_file_start: bool,
    config: &ReaderConfig,
    path: &Path,
    line: u64,
) -> Result<Option<(Document, Option<RecordWarning>)>, BadRecord> {
    match json_line_record(bytes, at_file_start, config, path, line) {
        Ok(found) => {
            Ok(found
                .map(|(doc, warning)| (doc, warning.map(|warning| warning.at(path.into(), line)))))
        }
        Err(problem) => Err(problem.at(path.into(), line)),
    }
}

/// [`json_line`] with the problems and warnings not yet labelled.
#[allow(clippy::type_complexity)]
fn json_line_record(
    bytes: &[u8],
    at_file_start: bool,
    config: &ReaderConfig,
    path: &Path,
    line: u64,
) -> Result<Option<(Document, Option<Warning>)>, Problem> {
    let mut bytes = bytes;
    if at_file_start {
        bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    }
    if bytes.trim_ascii().is_empty() {
        return Ok(None);
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let detail = format!("invalid UTF-8 at byte {} of the line", error.valid_up_to());
        Problem::new(SkipReason::InvalidUtf8, None, detail)
    })?;
    json_record(text, config, path, line).map(Some)
}

/// The next JSON Lines record. `line` is the last line consumed and `byte_offset` the bytes
/// consumed; `done` is set after a read error.
fn next_json_line(
    lines: &mut LineReader,
    line: &mut u64,
    byte_offset: &mut u64,
    done: &mut bool,
    context: &Context,
    warnings: &mut Vec<RecordWarning>,
) -> Option<RecordResult> {
    loop {
        let next = lines.next_line();
        *line += 1;
        let (kind, n_bytes) = match next {
            Ok(Some(next)) => next,
            Ok(None) => return None,
            Err(error) => {
                *done = true;
                let detail = describe_read_error(&error, context.compression);
                return Some(context.skipped(*line, Problem::new(SkipReason::Io, None, detail)));
            }
        };
        *byte_offset += n_bytes;
        let byte_end = *byte_offset;
        if let Line::TooLong(n_total) = kind {
            let detail = format!(
                "record of {n_total} bytes exceeds max_record_bytes ({})",
                context.config.max_record_bytes
            );
            return Some(context.skipped(*line, Problem::new(SkipReason::TooLarge, None, detail)));
        }
        let result =
            json_line_record(lines.line(), *line == 1, &context.config, &context.path, *line);
        return Some(match result {
            // A blank line.
            Ok(None) => continue,
            Ok(Some((doc, warning))) => {
                if let Some(warning) = warning {
                    warnings.push(warning.at(context.path.clone(), *line));
                }
                RecordResult::Ok { doc, line: *line, bytes: n_bytes, byte_end }
            }
            Err(problem) => context.skipped(*line, problem),
        });
    }
}

/// The next CSV/TSV row. `done` is set when the stream cannot be read any further.
fn next_row(
    rows: &mut DelimitedReader,
    done: &mut bool,
    context: &Context,
    warnings: &mut Vec<RecordWarning>,
) -> Option<RecordResult> {
    match rows.next_row() {
        Ok(None) => None,
        Ok(Some(row)) => {
            // A quote open to the end of the file swallowed everything after it.
            *done = row.ends_stream;
            let result = row.fields.and_then(|mut raw| {
                if let Some(scheme) = context.config.generate_ids {
                    raw.generate_id(scheme, &context.path, row.line);
                }
                raw.into_document(&context.config)
            });
            Some(match result {
                Ok((doc, warning)) => {
                    if let Some(warning) = warning {
                        warnings.push(warning.at(context.path.clone(), row.line));
                    }
                    RecordResult::Ok {
                        doc,
                        line: row.line,
                        bytes: row.n_bytes,
                        byte_end: row.byte_end,
                    }
                }
                Err(problem) => context.skipped(row.line, problem),
            })
        }
        Err(mut stop) => {
            *done = true;
            if let (SkipReason::Io, Some(error)) = (stop.problem.reason, &stop.error) {
                stop.problem.detail = describe_read_error(error, context.compression);
            }
            Some(context.skipped(stop.line, stop.problem))
        }
    }
}

/// The one document of an HTML or text file. Reads at most `max_record_bytes` (+1, to
/// tell a larger file), so a huge page costs a bounded read and one [`SkipReason::TooLarge`].
fn next_single(
    stream: &mut Option<Box<dyn BufRead + Send>>,
    format: Format,
    done: &mut bool,
    context: &Context,
    warnings: &mut Vec<RecordWarning>,
) -> Option<RecordResult> {
    let stream = stream.take()?;
    let config = &context.config;
    let limit = u64::try_from(config.max_record_bytes).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    if let Err(error) = stream.take(limit).read_to_end(&mut bytes) {
        *done = true;
        let detail = describe_read_error(&error, context.compression);
        return Some(context.skipped(1, Problem::new(SkipReason::Io, None, detail)));
    }
    let n_bytes = bytes.len() as u64;
    if n_bytes >= limit {
        let detail = format!(
            "{} over max_record_bytes ({}): not read",
            if format == Format::Html { "HTML page" } else { "text file" },
            config.max_record_bytes
        );
        return Some(context.skipped(1, Problem::new(SkipReason::TooLarge, None, detail)));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    // Pages in other encodings are read with replacement characters rather than refused.
    let raw = String::from_utf8_lossy(bytes);
    let id = context.doc_id.clone().unwrap_or_else(|| context.path.display().to_string());
    let mut fields = record::RawFields {
        id: Some(record::FieldValue::Text(id)),
        ..record::RawFields::default()
    };
    let text_field = |value: Option<String>| value.map(record::FieldValue::Text);
    if format == Format::Html {
        let page = html::extract(&raw);
        if page.text.trim().is_empty() {
            let problem = Problem::new(
                SkipReason::EmptyText,
                Some(&config.fields.text),
                "no article text found in the HTML page",
            );
            return Some(context.skipped(1, problem));
        }
        let source = page.site_name.clone().or_else(|| page.url.as_deref().and_then(url_host));
        fields.text = Some(record::FieldValue::Text(page.text));
        fields.title = text_field(page.title);
        fields.date = text_field(page.date);
        fields.url = text_field(page.url);
        fields.source = text_field(source);
    } else {
        let article = Article::parse_text(&raw);
        fields.text = Some(record::FieldValue::Text(article.text));
        fields.title = text_field(article.title);
    }
    Some(match fields.into_document(config) {
        Ok((doc, warning)) => {
            if let Some(warning) = warning {
                warnings.push(warning.at(context.path.clone(), 1));
            }
            RecordResult::Ok { doc, line: 1, bytes: n_bytes, byte_end: n_bytes }
        }
        Err(problem) => context.skipped(1, problem),
    })
}

/// The next element of a JSON array. `done` is set when the array cannot be read further.
fn next_element(
    elements: &mut ArrayReader,
    done: &mut bool,
    context: &Context,
    warnings: &mut Vec<RecordWarning>,
) -> Option<RecordResult> {
    let element = match elements.next_element() {
        Ok(None) => return None,
        Ok(Some(element)) => element,
        Err(error) => {
            *done = true;
            let line = elements.line();
            let detail = if error.kind() == io::ErrorKind::InvalidData
                && context.compression == Compression::None
                || error.to_string().starts_with("line ")
            {
                format!("malformed JSON array: {error}")
            } else if error.to_string().starts_with("the JSON array is not closed") {
                format!("truncated: {error}")
            } else {
                describe_read_error(&error, context.compression)
            };
            return Some(context.skipped(line, Problem::new(SkipReason::Io, None, detail)));
        }
    };
    let line = element.line;
    if !element.fits {
        let detail = format!(
            "record of {} bytes exceeds max_record_bytes ({})",
            element.n_bytes, context.config.max_record_bytes
        );
        return Some(context.skipped(line, Problem::new(SkipReason::TooLarge, None, detail)));
    }
    let text = match std::str::from_utf8(elements.element()) {
        Ok(text) => text,
        Err(error) => {
            let detail = format!("invalid UTF-8 at byte {} of the record", error.valid_up_to());
            return Some(
                context.skipped(line, Problem::new(SkipReason::InvalidUtf8, None, detail)),
            );
        }
    };
    let result = json_record(text, &context.config, &context.path, line);
    Some(match result {
        Ok((doc, warning)) => {
            if let Some(warning) = warning {
                warnings.push(warning.at(context.path.clone(), line));
            }
            RecordResult::Ok { doc, line, bytes: element.n_bytes, byte_end: element.byte_end }
        }
        Err(problem) => context.skipped(line, problem),
    })
}

impl Iterator for CorpusReader {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        if self.done {
            return None;
        }
        let format = self.format;
        let next = match &mut self.records {
            Records::Single(stream) => {
                next_single(stream, format, &mut self.done, &self.context, &mut self.warnings)
            }
            Records::JsonLines(lines) => next_json_line(
                lines,
                &mut self.line,
                &mut self.byte_offset,
                &mut self.done,
                &self.context,
                &mut self.warnings,
            ),
            Records::Warc(records) => {
                next_warc(records, &mut self.done, &self.context, &mut self.warnings)
            }
            Records::JsonArray(elements) => {
                next_element(elements, &mut self.done, &self.context, &mut self.warnings)
            }
            Records::Delimited(rows) => {
                next_row(rows, &mut self.done, &self.context, &mut self.warnings)
            }
            #[cfg(feature = "parquet")]
            Records::Parquet(rows) => read_parquet::next_parquet(
                rows,
                &mut self.done,
                &self.n_read,
                &self.context,
                &mut self.warnings,
            ),
        };
        match &next {
            None => self.done = true,
            Some(RecordResult::Skipped(bad)) if self.done => self.incomplete = Some(bad.clone()),
            Some(_) => {}
        }
        next
    }
}

#[cfg(test)]
mod tests;
