//! CSV and TSV with a header row; columns are found by the [`FieldMap`] names.
//!
//! Rows are read as `csv::ByteRecord`s so that invalid UTF-8 only costs the row it is in, and
//! only in the columns that are used. The csv crate buffers a whole record, so the reader under
//! it ([`LimitedReader`]) refuses to hand out more than `max_record_bytes` (plus buffer slack)
//! past the start of the current record: an unterminated quote in a huge file ends the read
//! with one [`SkipReason::TooLarge`] instead of pulling the rest of the file into memory.
//!
//! The csv crate ends a record silently when the file ends inside a quoted field, with every
//! later row in that field. [`QuoteScan`] follows the quoting of the same bytes as the parser
//! reads them, so such a row becomes a [`SkipReason::UnclosedQuote`] naming the line of the
//! quote. So does a row whose quoted field runs over lines and then closes with text after
//! the closing quote (`"a…\n…"x`): what an unclosed quote looks like when a later quote
//! happens to close it, after swallowing the rows in between.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use csv::{ByteRecord, ErrorKind};

use super::record::{FieldValue, Problem, RawFields, Slot};
use super::{FieldMap, Format, SkipReason};

/// Bytes the csv crate may have read ahead of the record it is parsing.
const READ_AHEAD: u64 = 64 * 1024;

/// Error payload of [`LimitedReader`] when a record grows past the limit.
#[derive(Debug)]
struct RecordTooLarge;

impl std::fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("record exceeds max_record_bytes")
    }
}

impl std::error::Error for RecordTooLarge {}

/// Where csv-core's quoting is, as far as [`QuoteScan`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a field (or of a record).
    FieldStart,
    /// Inside a field that did not open with a quote (quotes in it are plain characters).
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a doubled quote, or the closing one.
    QuoteInQuoted,
}

/// Follows the quoting of a CSV/TSV byte stream as csv-core reads it (fields opening with
/// `"`, doubled `""` inside them; `\r` and `\n` end records outside quotes), to find a
/// quoted field still open when the stream ends.
#[derive(Debug, Clone)]
struct QuoteScan {
    delimiter: u8,
    state: Quoting,
    /// 1-based line of the next byte.
    line: u64,
    /// Stream offset of the next byte.
    offset: u64,
    /// Line and stream offset of the quote that opened the current quoted field.
    opened: (u64, u64),
    /// Quoted fields over several lines closed with text after the closing quote: line and
    /// offset of the opening quote, line of the closing one. Rows take theirs in order.
    swallowed: VecDeque<(u64, u64, u64)>,
    /// Whether the stream has ended.
    at_end: bool,
}

impl QuoteScan {
    fn new(delimiter: u8) -> Self {
        QuoteScan {
            delimiter,
            state: Quoting::FieldStart,
            line: 1,
            offset: 0,
            opened: (0, 0),
            swallowed: VecDeque::new(),
            at_end: false,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state = match (self.state, byte) {
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (Quoting::QuoteInQuoted, byte)
                    if byte != self.delimiter && byte != b'\r' && byte != b'\n' =>
                {
                    if self.line > self.opened.0 {
                        self.swallowed.push_back((self.opened.0, self.opened.1, self.line));
                    }
                    Quoting::Unquoted
                }
                (Quoting::FieldStart, b'"') => {
                    self.opened = (self.line, self.offset);
                    Quoting::Quoted
                }
                (_, b'\r' | b'\n') => Quoting::FieldStart,
                (_, byte) if byte == self.delimiter => Quoting::FieldStart,
                _ => Quoting::Unquoted,
            };
            if byte == b'\n' {
                self.line += 1;
            }
            self.offset += 1;
        }
    }

    /// Line and stream offset of the quote of a quoted field open at the end of the stream.
    fn unclosed_at_end(&self) -> Option<(u64, u64)> {
        (self.at_end && self.state == Quoting::Quoted).then_some(self.opened)
    }

    /// Line of the quote of the quoted field being read, if any.
    fn open_quote_line(&self) -> Option<u64> {
        (self.state == Quoting::Quoted).then_some(self.opened.0)
    }
}

/// Fails reads that would take the current record past `max_bytes` (+ [`READ_AHEAD`]), and
/// follows the quoting of every byte it hands out.
pub(crate) struct LimitedReader {
    inner: Box<dyn BufRead + Send>,
    n_delivered: u64,
    /// Stream offset of the first byte of the record being parsed.
    record_start: u64,
    max_bytes: u64,
    quotes: QuoteScan,
}

impl Read for LimitedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.n_delivered.saturating_sub(self.record_start)
            > self.max_bytes.saturating_add(READ_AHEAD)
        {
            return Err(io::Error::other(RecordTooLarge));
        }
        let n_read = self.inner.read(buf)?;
        self.n_delivered += n_read as u64;
        self.quotes.feed(&buf[..n_read]);
        if n_read == 0 && !buf.is_empty() {
            self.quotes.at_end = true;
        }
        Ok(n_read)
    }
}

/// Reads rows of a CSV/TSV stream as [`RawFields`].
pub(crate) struct DelimitedReader {
    reader: csv::Reader<LimitedReader>,
    n_columns: usize,
    /// Column index and slot of each used column.
    columns: Vec<(usize, Slot)>,
    names: FieldMap,
    record: ByteRecord,
    max_record_bytes: u64,
}

/// One row's outcome: the line it starts on, its size in bytes, where it ends in the stream,
/// and the fields or a problem.
pub(crate) struct Row {
    pub(crate) line: u64,
    pub(crate) n_bytes: u64,
    pub(crate) byte_end: u64,
    pub(crate) fields: Result<RawFields, Problem>,
    /// The row ran to the end of the file inside a quoted field: nothing follows it.
    pub(crate) ends_stream: bool,
}

/// Why reading rows stopped for good, with the read error behind it, if any.
pub(crate) struct Stop {
    pub(crate) line: u64,
    pub(crate) problem: Problem,
    pub(crate) error: Option<io::Error>,
}

impl DelimitedReader {
    /// Reads the header. Fails when the header cannot be read or lacks the id (when
    /// `id_required`: ids are not generated) or text column;
    /// an empty stream (no header at all) gives a reader with no rows.
    pub(crate) fn new(
        inner: Box<dyn BufRead + Send>,
        format: Format,
        fields: &FieldMap,
        max_record_bytes: usize,
        id_required: bool,
    ) -> io::Result<Self> {
        let max_record_bytes = u64::try_from(max_record_bytes).unwrap_or(u64::MAX);
        let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
        let limited = LimitedReader {
            inner,
            n_delivered: 0,
            record_start: 0,
            max_bytes: max_record_bytes,
            quotes: QuoteScan::new(delimiter),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(READ_AHEAD as usize / 2)
            .from_reader(limited);
        let header = reader.byte_headers().map_err(csv_to_io)?.clone();
        if let Some((line, _)) = reader.get_ref().quotes.unclosed_at_end() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the header row has an unclosed quote opened at line {line}"),
            ));
        }
        let mut columns = Vec::new();
        for (index, name) in header.iter().enumerate() {
            let slot = std::str::from_utf8(name).ok().and_then(|name| Slot::of(name, fields));
            if let Some(slot) = slot {
                // With a repeated column name, the first one wins.
                if !columns.iter().any(|&(_, used)| used == slot) {
                    columns.push((index, slot));
                }
            }
        }
        if !header.is_empty() {
            for (slot, name) in [(Slot::Id, &fields.id), (Slot::Text, &fields.text)] {
                if slot == Slot::Id && !id_required {
                    continue;
                }
                if !columns.iter().any(|&(_, used)| used == slot) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("the header row has no `{name}` column"),
                    ));
                }
            }
        }
        let start = reader.position().byte();
        reader.get_mut().record_start = start;
        Ok(DelimitedReader {
            reader,
            n_columns: header.len(),
            columns,
            names: fields.clone(),
            record: ByteRecord::new(),
            max_record_bytes,
        })
    }

    /// The next row; `Ok(None)` at the end, `Err` when the stream cannot be read any further.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>, Stop> {
        let start = self.reader.position().clone();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(error) => return Err(self.stop(start.line(), error)),
        }
        let end = self.reader.position().byte();
        self.reader.get_mut().record_start = end;
        let line = self.record.position().map_or(start.line(), csv::Position::line);
        let record_start = self.record.position().map_or(start.byte(), csv::Position::byte);
        let n_bytes = end - record_start;
        // The scan runs ahead of the parser, which returns the last record only after the
        // stream ended, so it has seen every quote of this row.
        let quotes = &mut self.reader.get_mut().quotes;
        while quotes.swallowed.front().is_some_and(|&(_, offset, _)| offset < record_start) {
            quotes.swallowed.pop_front();
        }
        let swallowed = quotes.swallowed.front().copied().filter(|&(_, offset, _)| offset < end);
        let unclosed =
            quotes.unclosed_at_end().filter(|(_, offset)| (record_start..end).contains(offset));
        let fields = if let Some((quote_line, quote_offset)) = unclosed {
            Err(Problem::new(
                SkipReason::UnclosedQuote,
                None,
                format!(
                    "unclosed quote opened at line {quote_line}: the rest of the file ({} \
                     bytes) ran into this row and was not read as rows",
                    end.saturating_sub(quote_offset)
                ),
            ))
        } else if let Some((quote_line, _, close_line)) = swallowed {
            Err(Problem::new(
                SkipReason::UnclosedQuote,
                None,
                format!(
                    "unclosed quote opened at line {quote_line}: a quote at line {close_line} \
                     closed it with text after it, so the lines in between ran into this row"
                ),
            ))
        } else {
            self.fields(n_bytes)
        };
        Ok(Some(Row { line, n_bytes, byte_end: end, fields, ends_stream: unclosed.is_some() }))
    }

    fn fields(&self, n_bytes: u64) -> Result<RawFields, Problem> {
        if n_bytes > self.max_record_bytes {
            return Err(Problem::new(
                SkipReason::TooLarge,
                None,
                format!(
                    "record of {n_bytes} bytes exceeds max_record_bytes ({})",
                    self.max_record_bytes
                ),
            ));
        }
        if self.record.len() != self.n_columns {
            return Err(Problem::new(
                SkipReason::MalformedCsv,
                None,
                format!(
                    "expected {} fields (from the header), found {}",
                    self.n_columns,
                    self.record.len()
                ),
            ));
        }
        let mut raw = RawFields::default();
        for &(index, slot) in &self.columns {
            let bytes = self.record.get(index).unwrap_or_default();
            let value = std::str::from_utf8(bytes).map_err(|error| {
                Problem::new(
                    SkipReason::InvalidUtf8,
                    Some(self.name(slot)),
                    format!("invalid UTF-8 at byte {} of the field", error.valid_up_to()),
                )
            })?;
            raw.set(slot, FieldValue::Text(value.to_owned()));
        }
        Ok(raw)
    }

    fn name(&self, slot: Slot) -> &str {
        match slot {
            Slot::Id => &self.names.id,
            Slot::Text => &self.names.text,
            Slot::Title => &self.names.title,
            Slot::Date => &self.names.date,
            Slot::Source => &self.names.source,
            Slot::Url => &self.names.url,
        }
    }

    fn stop(&self, line: u64, error: csv::Error) -> Stop {
        let too_large = matches!(
            error.kind(),
            ErrorKind::Io(io_error)
                if io_error.get_ref().is_some_and(|inner| inner.is::<RecordTooLarge>())
        );
        if too_large {
            let open_quote = match self.reader.get_ref().quotes.open_quote_line() {
                Some(quote_line) => format!(" (a quote opened at line {quote_line} is still open)"),
                None => String::new(),
            };
            let detail = format!(
                "record exceeds max_record_bytes ({}){open_quote}; reading stopped here",
                self.max_record_bytes
            );
            let problem = Problem::new(SkipReason::TooLarge, None, detail);
            return Stop { line, problem, error: None };
        }
        if !matches!(error.kind(), ErrorKind::Io(_)) {
            let problem =
                Problem::new(SkipReason::MalformedCsv, None, format!("malformed CSV: {error}"));
            return Stop { line, problem, error: None };
        }
        let io_error = csv_to_io(error);
        let problem = Problem::new(SkipReason::Io, None, format!("read error: {io_error}"));
        Stop { line, problem, error: Some(io_error) }
    }
}

fn csv_to_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        ErrorKind::Io(io_error) => io_error,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{:?}", other)),
    }
}
