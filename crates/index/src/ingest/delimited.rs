//! CSV and TSV with a header row; columns are found by the [`FieldMap`] names.
//!
//! Rows are read as `csv::ByteRecord`s so that invalid UTF-8 only costs the row it is in, and
//! only in the columns that are used. The csv crate buffers a whole record, so the reader under
//! it ([`LimitedReader`]) refuses to hand out more than `max_record_bytes` (plus buffer slack)
//! past the start of the current record: an unterminated quote in a huge file ends the read
//! with one [`SkipReason::TooLarge`] instead of pulling the rest of the file into memory.

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

/// Fails reads that would take the current record past `max_bytes` (+ [`READ_AHEAD`]).
pub(crate) struct LimitedReader {
    inner: Box<dyn BufRead + Send>,
    n_delivered: u64,
    /// Stream offset of the first byte of the record being parsed.
    record_start: u64,
    max_bytes: u64,
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

/// One row's outcome: the line it starts on, its size in bytes, and the fields or a problem.
pub(crate) struct Row {
    pub(crate) line: u64,
    pub(crate) n_bytes: u64,
    pub(crate) fields: Result<RawFields, Problem>,
}

/// Why reading rows stopped for good.
pub(crate) struct Stop {
    pub(crate) line: u64,
    pub(crate) problem: Problem,
}

impl DelimitedReader {
    /// Reads the header. Fails when the header cannot be read or lacks the id or text column;
    /// an empty stream (no header at all) gives a reader with no rows.
    pub(crate) fn new(
        inner: Box<dyn BufRead + Send>,
        format: Format,
        fields: &FieldMap,
        max_record_bytes: usize,
    ) -> io::Result<Self> {
        let max_record_bytes = u64::try_from(max_record_bytes).unwrap_or(u64::MAX);
        let limited =
            LimitedReader { inner, n_delivered: 0, record_start: 0, max_bytes: max_record_bytes };
        let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(READ_AHEAD as usize / 2)
            .from_reader(limited);
        let header = reader.byte_headers().map_err(csv_to_io)?.clone();
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
        let n_bytes = end - self.record.position().map_or(start.byte(), csv::Position::byte);
        Ok(Some(Row { line, n_bytes, fields: self.fields(n_bytes) }))
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
        let problem = if too_large {
            Problem::new(
                SkipReason::TooLarge,
                None,
                format!(
                    "record exceeds max_record_bytes ({}); reading stopped here",
                    self.max_record_bytes
                ),
            )
        } else if let ErrorKind::Io(io_error) = error.kind() {
            Problem::new(SkipReason::Io, None, format!("read error: {io_error}"))
        } else {
            Problem::new(SkipReason::MalformedCsv, None, format!("malformed CSV: {error}"))
        };
        Stop { line, problem }
    }
}

fn csv_to_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        ErrorKind::Io(io_error) => io_error,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{:?}", other)),
    }
}
