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
mod date;
mod delimited;
mod jsonl;
pub mod pipeline;
mod record;
pub mod wordnet;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::bufread::{GzDecoder, MultiGzDecoder};
use unspun_core::Document;

pub use article::{Article, ArticleError, id_field, kind, string_field};
pub use date::{DateConfig, check_format, parse_window};
use delimited::DelimitedReader;
use jsonl::{Line, LineReader};
pub use record::{
    BadRecord, RecordWarning, SkipReason, WarningKind, is_fatal_in_strict, json_id,
};
use record::{Problem, describe_read_error};

/// Size of the read buffers, compressed and decompressed.
const BUFFER_BYTES: usize = 256 * 1024;

/// How many decompressed bytes [`detect`] looks at when the name does not tell the format.
const SNIFF_BYTES: usize = 64 * 1024;

/// The two magic bytes that open every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

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
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`).
    JsonLines,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Tab-separated values with a header row (`.tsv`).
    Tsv,
}

impl Format {
    /// Short name: `"jsonl"`, `"csv"` or `"tsv"` (what [`Format::from_str`] reads).
    pub fn name(&self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }

    /// The format a file name announces (`.jsonl`, `.ndjson`, `.json`, `.csv`, `.tsv`, each
    /// optionally followed by `.gz`, any case), or `None`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let (_, extension) = name.rsplit_once('.')?;
        match extension {
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
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

    /// Reads `jsonl` (or `ndjson`, `json`), `csv` or `tsv`, any case.
    fn from_str(name: &str) -> Result<Format, String> {
        match name.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" | "jsonlines" => Ok(Format::JsonLines),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            _ => Err(format!("unknown corpus format `{name}` (expected jsonl, csv or tsv)")),
        }
    }
}

/// Detects the format and compression of a corpus file.
///
/// Compression comes from the content (the gzip magic bytes `1f 8b`), never the name. The
/// format comes from the name ([`Format::from_path`]); failing that, from the first
/// decompressed bytes: a first non-blank byte `{` means JSON Lines; otherwise a first line with
/// tabs and no commas means TSV; anything else is CSV.
pub fn detect(path: &Path) -> io::Result<(Format, bool)> {
    let mut file = BufReader::new(File::open(path)?);
    let gzip = file.fill_buf()?.starts_with(&GZIP_MAGIC);
    if let Some(format) = Format::from_path(path) {
        return Ok((format, gzip));
    }
    let stream: Box<dyn Read> =
        if gzip { Box::new(MultiGzDecoder::new(file)) } else { Box::new(file) };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    stream.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    Ok((sniff_format(&head), gzip))
}

fn sniff_format(head: &[u8]) -> Format {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if head.trim_ascii_start().first() == Some(&b'{') {
        return Format::JsonLines;
    }
    let first_line = head.split(|&byte| byte == b'\n').next().unwrap_or_default();
    if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        Format::Tsv
    } else {
        Format::Csv
    }
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
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            fields: FieldMap::default(),
            format: None,
            max_record_bytes: 16 << 20,
            max_text_bytes: 8 << 20,
            dates: DateConfig::default(),
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

/// Decompresses a gzip stream member by member, like `MultiGzDecoder`, and records how many
/// decompressed bytes lie in members whose CRC-32 and length were checked.
struct GzipMembers {
    /// The member being decoded; `None` after the last one.
    decoder: Option<GzDecoder<BufReader<CountingReader>>>,
    n_delivered: u64,
    /// Decompressed bytes delivered up to the end of the last checked member.
    verified: Arc<AtomicU64>,
}

impl Read for GzipMembers {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = &mut self.decoder else { return Ok(0) };
            let n_read = decoder.read(buf)?;
            if n_read > 0 || buf.is_empty() {
                self.n_delivered += n_read as u64;
                return Ok(n_read);
            }
            // `GzDecoder` returns 0 only after the member's CRC-32 and length matched.
            self.verified.store(self.n_delivered, Ordering::Relaxed);
            let mut inner = self.decoder.take().expect("checked above").into_inner();
            if inner.fill_buf()?.is_empty() {
                return Ok(0);
            }
            self.decoder = Some(GzDecoder::new(inner));
        }
    }
}

enum Records {
    JsonLines(LineReader),
    Delimited(Box<DelimitedReader>),
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
    gzip: bool,
    records: Records,
    /// Last line consumed (JSON Lines only; CSV rows carry their own position).
    line: u64,
    /// Uncompressed bytes consumed (JSON Lines only; CSV rows carry their own position).
    byte_offset: u64,
    /// For gzip, the uncompressed bytes covered by checked members (see [`GzipMembers`]).
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
            .field("gzip", &self.gzip)
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
        let file = File::open(path)?;
        let file_len = file.metadata()?.len();
        let n_read = Arc::new(AtomicU64::new(0));
        let counting = CountingReader { file, n_read: Arc::clone(&n_read) };
        let mut raw = BufReader::with_capacity(BUFFER_BYTES, counting);
        let gzip = raw.fill_buf()?.starts_with(&GZIP_MAGIC);
        let format = match config.format {
            Some(format) => format,
            None => detect(path)?.0,
        };
        let mut verified = None;
        let stream: Box<dyn BufRead + Send> = if gzip {
            let members = GzipMembers {
                decoder: Some(GzDecoder::new(raw)),
                n_delivered: 0,
                verified: Arc::clone(verified.insert(Arc::new(AtomicU64::new(0)))),
            };
            Box::new(BufReader::with_capacity(BUFFER_BYTES, members))
        } else {
            Box::new(raw)
        };
        let records = match format {
            Format::JsonLines => {
                Records::JsonLines(LineReader::new(stream, config.max_record_bytes))
            }
            Format::Csv | Format::Tsv => Records::Delimited(Box::new(
                DelimitedReader::new(stream, format, &config.fields, config.max_record_bytes)
                    .map_err(|error| {
                        let message = if gzip && error.kind() != io::ErrorKind::InvalidData {
                            describe_read_error(&error, gzip)
                        } else {
                            error.to_string()
                        };
                        io::Error::new(error.kind(), format!("{}: {message}", path.display()))
                    })?,
            )),
        };
        Ok(CorpusReader {
            context: Context { path: path.to_owned(), config: config.clone(), gzip },
            file_len,
            n_read,
            format,
            gzip,
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
        self.gzip
    }
}

/// What the per-format readers need to know about the file.
struct Context {
    path: PathBuf,
    config: ReaderConfig,
    gzip: bool,
}

impl Context {
    fn skipped(&self, line: u64, problem: Problem) -> RecordResult {
        RecordResult::Skipped(problem.at(self.path.clone(), line))
    }
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
                let detail = describe_read_error(&error, context.gzip);
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
        let mut bytes = lines.line();
        if *line == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        if bytes.trim_ascii().is_empty() {
            continue;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let detail = format!("invalid UTF-8 at byte {} of the line", error.valid_up_to());
                let problem = Problem::new(SkipReason::InvalidUtf8, None, detail);
                return Some(context.skipped(*line, problem));
            }
        };
        let result = jsonl::parse_record(text, &context.config)
            .and_then(|raw| raw.into_document(&context.config));
        return Some(match result {
            Ok((doc, warning)) => {
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
            let result = row.fields.and_then(|raw| raw.into_document(&context.config));
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
                stop.problem.detail = describe_read_error(error, context.gzip);
            }
            Some(context.skipped(stop.line, stop.problem))
        }
    }
}

impl Iterator for CorpusReader {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        if self.done {
            return None;
        }
        let next = match &mut self.records {
            Records::JsonLines(lines) => next_json_line(
                lines,
                &mut self.line,
                &mut self.byte_offset,
                &mut self.done,
                &self.context,
                &mut self.warnings,
            ),
            Records::Delimited(rows) => {
                next_row(rows, &mut self.done, &self.context, &mut self.warnings)
            }
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
