//! The ingest pipeline: corpus records → fingerprints → [`IndexWriter`].
//!
//! One thread reads and parses records (decompression, JSON/CSV, validation) and sends
//! batches over a bounded channel; the calling thread fingerprints each batch on the rayon
//! pool (both cores) and adds the documents to the writer in input order, so the result is
//! deterministic. Memory is bounded by the channel capacity, the batch size and the
//! writer's segment budget: nothing loads a whole corpus.
//!
//! Bad records are data: they are counted by reason, the first ones are kept with file and
//! line for the report, and ingest goes on — unless [`IngestConfig::strict`] is set, in which
//! case the first bad record stops the ingest with [`Error::BadRecord`] before the pending
//! documents are committed (segments flushed earlier stay committed).
//!
//! A file that cannot be read to its end (a truncated or corrupt gzip stream, a CRC mismatch,
//! a read error, a CSV quote open to the end of the file) is not a bad record but an
//! [`IncompleteFile`]. Gzip checks a member's CRC-32 only at its end, so the documents of a
//! gzip file are held back, fingerprinted, until a checked member covers them
//! ([`CorpusReader::verified_byte_end`]): a multi-member file releases them member by member,
//! a single-member file at its end. Held documents take at most
//! [`IngestConfig::max_unverified_bytes`]; past that they are added and committed at once, and
//! counted as committed unverified. When the stream breaks, the held documents are dropped,
//! everything added before is committed (earlier files, checked data), and ingest stops there
//! unless [`IngestConfig::keep_going`] is set. So no document decoded after the last checked
//! point is ever committed, except those the memory bound forced out, which are counted.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use unspun_core::date::format_date;
use unspun_core::{Document, Timestamp};

use super::{
    BadRecord, CorpusInput, CorpusReader, ReaderConfig, RecordResult, RecordWarning, SkipReason,
    WarningKind,
};
use crate::{AddOutcome, Error, IndexWriter, Result};

/// Settings of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// How records are read and mapped to documents.
    pub reader: ReaderConfig,
    /// Replace documents whose id is already indexed (else they are skipped as duplicates).
    pub replace: bool,
    /// Stop at the first bad record (except empty texts) instead of skipping it.
    pub strict: bool,
    /// Documents per batch handed from the reader thread to the fingerprinting pool.
    pub batch_docs: usize,
    /// Bad records and duplicate ids kept verbatim in the report (all are counted).
    pub max_reported: usize,
    /// After a file that could not be read to its end, go on with the next files (the damage
    /// is in [`IngestReport::files_incomplete`] either way). Without it, ingest stops after
    /// committing what came before the damage, and the later files are not read.
    pub keep_going: bool,
    /// Most bytes (text, strings and fingerprints) of gzip documents held until a checksum
    /// covers them. Past it the held documents are added and committed unverified. A segment
    /// is committed each time, so for a single-member gzip corpus larger than this, segments
    /// hold about this much. Default 64 MiB.
    pub max_unverified_bytes: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            reader: ReaderConfig::default(),
            replace: false,
            strict: false,
            batch_docs: 256,
            max_reported: 100,
            keep_going: false,
            max_unverified_bytes: 64 << 20,
        }
    }
}

/// Where an ingest run is, for progress bars.
#[derive(Debug, Clone)]
pub struct IngestProgress<'a> {
    /// The file being read (`None` for [`ingest_documents`]).
    pub path: Option<&'a Path>,
    /// Records read so far, over all files.
    pub n_records: u64,
    /// Documents added (or replaced) so far.
    pub n_added: u64,
    /// Compressed bytes read so far, over all files.
    pub bytes_read: u64,
    /// Size of all files together (0 for [`ingest_documents`]).
    pub bytes_total: u64,
}

/// What an ingest run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    /// Records read (good and bad).
    pub n_records: u64,
    /// New documents added.
    pub n_added: u64,
    /// Documents that replaced an indexed document with the same id.
    pub n_replaced: u64,
    /// Documents skipped because their id was already indexed.
    pub n_duplicate: u64,
    /// Records skipped as bad (including empty texts).
    pub n_skipped: u64,
    /// Skipped records by reason (`malformed-json`, `empty-text`, ...).
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// The first bad records, with file and line.
    pub bad_records: Vec<BadRecord>,
    /// The first duplicate ids.
    pub duplicate_ids: Vec<String>,
    /// Compressed bytes read from the files.
    pub bytes_read: u64,
    /// Bytes of document text indexed.
    pub text_bytes: u64,
    /// Files that could not be read to their end (`files_incomplete.len()`).
    pub n_unreadable_files: u64,
    /// Each file that could not be read to its end: where, why, and what of it is indexed.
    pub files_incomplete: Vec<IncompleteFile>,
    /// Files not read at all because ingest stopped at an incomplete file.
    pub files_not_read: Vec<PathBuf>,
    /// Documents added although no gzip checksum had covered them yet, because
    /// [`IngestConfig::max_unverified_bytes`] was reached (all files).
    pub n_committed_unverified: u64,
    /// Records kept with a field dropped (a date kept undated, ...): they are also counted in
    /// `n_records` and, once added, in `n_added`.
    pub n_warnings: u64,
    /// Warnings by kind (`unparseable-date`, `date-out-of-window`).
    pub warnings_by_kind: BTreeMap<String, u64>,
    /// The first warnings, with file and line.
    pub warnings: Vec<RecordWarning>,
    /// Dates of the documents added or replaced.
    pub dates: DateRange,
}

/// The dates of the documents an ingest added: how many have one, and the earliest and
/// latest (`YYYY-MM-DD`, or with a time of day).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DateRange {
    /// Documents with a date.
    pub n_dated: u64,
    /// Documents without one (none given, unreadable or outside the window).
    pub n_undated: u64,
    /// The earliest date.
    pub earliest: Option<String>,
    /// The latest date.
    pub latest: Option<String>,
    #[serde(skip)]
    bounds: Option<(Timestamp, Timestamp)>,
}

impl DateRange {
    fn add(&mut self, date: Option<Timestamp>) {
        let Some(date) = date else {
            self.n_undated += 1;
            return;
        };
        self.n_dated += 1;
        let (earliest, latest) = self.bounds.get_or_insert((date, date));
        *earliest = (*earliest).min(date);
        *latest = (*latest).max(date);
        self.earliest = Some(format_date(*earliest));
        self.latest = Some(format_date(*latest));
    }
}

/// A file that could not be read to its end.
///
/// Displays as `cut.jsonl.gz:1201: truncated: the gzip stream ends early (...); 1200 records
/// read: 0 documents of this file are in the index, 1200 read after the last verified point
/// were discarded`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncompleteFile {
    /// The corpus file.
    pub path: PathBuf,
    /// The line (or CSV record start) reached when reading stopped.
    pub line: u64,
    /// The reason (`io` for a damaged stream or read error, `unclosed-quote`, `too-large`).
    pub reason: SkipReason,
    /// What happened: `truncated: ...`, `corrupt deflate data (...)`, `CRC mismatch: ...`,
    /// `unclosed quote opened at line N: ...`, `read error: ...`.
    pub detail: String,
    /// Records read from the file before the stop (good and bad).
    pub n_records: u64,
    /// Documents of this file that are in the index (added or replaced, and committed).
    pub n_docs_committed: u64,
    /// Of those, documents committed before a gzip checksum covered them (forced by
    /// [`IngestConfig::max_unverified_bytes`]): they may hold garbled text.
    pub n_docs_unverified: u64,
    /// Documents read after the last verified point of the stream and dropped.
    pub n_docs_discarded: u64,
}

impl fmt::Display for IncompleteFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}; {} records read: {} documents of this file are in the index",
            self.path.display(),
            self.line,
            self.detail,
            self.n_records,
            self.n_docs_committed
        )?;
        if self.n_docs_unverified > 0 {
            write!(
                f,
                " ({} of them committed before a checksum could confirm their text)",
                self.n_docs_unverified
            )?;
        }
        if self.n_docs_discarded > 0 {
            write!(
                f,
                ", {} read after the last verified point were discarded",
                self.n_docs_discarded
            )?;
        }
        Ok(())
    }
}

impl IngestReport {
    fn warn(&mut self, warning: RecordWarning, max_reported: usize) {
        self.n_warnings += 1;
        *self.warnings_by_kind.entry(warning.kind.name().to_string()).or_default() += 1;
        if self.warnings.len() < max_reported {
            self.warnings.push(warning);
        }
    }

    fn skip(&mut self, bad: BadRecord, max_reported: usize) {
        self.n_skipped += 1;
        *self.skipped_by_reason.entry(bad.reason.name().to_string()).or_default() += 1;
        if self.bad_records.len() < max_reported {
            self.bad_records.push(bad);
        }
    }
}

/// A batch sent from the reader thread.
struct Batch {
    records: Vec<RecordResult>,
    /// Compressed bytes read from the current file when the batch was cut.
    bytes_read: u64,
    /// [`CorpusReader::verified_byte_end`] when the batch was cut.
    verified_byte_end: u64,
    /// In the last batch of a file not read to its end: why.
    incomplete: Option<BadRecord>,
    /// Warnings about the batch's records.
    warnings: Vec<RecordWarning>,
}

/// A fingerprinted document waiting for a checksum to cover it.
struct Held {
    doc: Document,
    fingerprints: Vec<u64>,
    byte_end: u64,
    n_bytes: usize,
}

/// The documents of the file being read that are not in the writer yet, and its counts.
#[derive(Default)]
struct FileState {
    held: VecDeque<Held>,
    held_bytes: usize,
    n_records: u64,
    n_docs_committed: u64,
    n_docs_unverified: u64,
}

impl FileState {
    /// Adds the held documents that end at or before `verified_byte_end` to the writer.
    fn release(
        &mut self,
        writer: &mut IndexWriter,
        verified_byte_end: u64,
        config: &IngestConfig,
        report: &mut IngestReport,
    ) -> Result<()> {
        while self.held.front().is_some_and(|held| held.byte_end <= verified_byte_end) {
            let held = self.held.pop_front().expect("checked above");
            self.held_bytes -= held.n_bytes;
            if add_document(writer, held.doc, &held.fingerprints, config, report)? {
                self.n_docs_committed += 1;
            }
        }
        Ok(())
    }

    /// Past the memory bound: adds every held document and commits, so that no unverified
    /// document is left uncommitted in the writer when a later stream error must drop them.
    fn force_release(
        &mut self,
        writer: &mut IndexWriter,
        config: &IngestConfig,
        report: &mut IngestReport,
    ) -> Result<()> {
        let n_before = self.n_docs_committed;
        self.release(writer, u64::MAX, config, report)?;
        writer.commit()?;
        let n_forced = self.n_docs_committed - n_before;
        self.n_docs_unverified += n_forced;
        report.n_committed_unverified += n_forced;
        Ok(())
    }
}

/// Reads every file in `paths` into `writer` and commits. Files are read in order, one reader
/// thread at a time; a file that cannot be opened is an error (nothing of it was added). A
/// file that cannot be read to its end is reported in [`IngestReport::files_incomplete`] (see
/// the module documentation); with [`IngestConfig::strict`] it is an [`Error::BadRecord`].
pub fn ingest_files(
    writer: &mut IndexWriter,
    paths: &[PathBuf],
    config: &IngestConfig,
    progress: &mut dyn FnMut(&IngestProgress<'_>),
) -> Result<IngestReport> {
    let inputs: Vec<CorpusInput> =
        paths.iter().map(|path| CorpusInput { path: path.clone(), doc_id: None }).collect();
    ingest_corpora(writer, &inputs, config, progress)
}

/// [`ingest_files`] for inputs found by [`super::expand_inputs`]: each HTML or text file
/// gives its document the input's `doc_id`. Every file is opened once up front (so a
/// missing or unsupported one fails before anything is added) and then again when its turn
/// comes, so that a folder of many files never holds many open at once.
pub fn ingest_corpora(
    writer: &mut IndexWriter,
    inputs: &[CorpusInput],
    config: &IngestConfig,
    progress: &mut dyn FnMut(&IngestProgress<'_>),
) -> Result<IngestReport> {
    let mut bytes_total = 0u64;
    for input in inputs {
        let reader = CorpusReader::open(&input.path, &config.reader)
            .map_err(|e| Error::io(&input.path, e))?;
        bytes_total += reader.file_len();
    }
    let mut report = IngestReport::default();
    let mut bytes_before = 0u64;
    for (input_idx, input) in inputs.iter().enumerate() {
        let reader = CorpusReader::open_as(&input.path, &config.reader, input.doc_id.clone())
            .map_err(|e| Error::io(&input.path, e))?;
        let path = reader.path().to_path_buf();
        let file_len = reader.file_len();
        let batch_docs = config.batch_docs.max(1);
        let (sender, receiver) = crossbeam_channel::bounded::<Batch>(4);
        let mut file = FileState::default();
        let mut incomplete = None;
        let outcome = std::thread::scope(|scope| -> Result<()> {
            scope.spawn(move || {
                let mut reader = reader;
                let mut records = Vec::with_capacity(batch_docs);
                let mut warnings = Vec::new();
                while let Some(record) = reader.next() {
                    records.push(record);
                    warnings.extend(reader.take_warnings());
                    if records.len() >= batch_docs {
                        let batch = Batch {
                            records: std::mem::replace(
                                &mut records,
                                Vec::with_capacity(batch_docs),
                            ),
                            bytes_read: reader.bytes_read(),
                            verified_byte_end: reader.verified_byte_end(),
                            incomplete: None,
                            warnings: std::mem::take(&mut warnings),
                        };
                        if sender.send(batch).is_err() {
                            return; // the consumer stopped (strict mode or an error)
                        }
                    }
                }
                let _ = sender.send(Batch {
                    records,
                    bytes_read: reader.bytes_read(),
                    verified_byte_end: reader.verified_byte_end(),
                    incomplete: reader.incomplete().cloned(),
                    warnings,
                });
            });
            for batch in receiver.iter() {
                for warning in batch.warnings {
                    if config.strict && warning.kind == WarningKind::UnparseableDate {
                        return Err(Error::BadRecord {
                            path: warning.path,
                            line: warning.line,
                            field: Some(warning.field),
                            reason: warning.detail,
                        });
                    }
                    report.warn(warning, config.max_reported);
                }
                add_batch(writer, batch.records, config, &mut report, &mut file)?;
                file.release(writer, batch.verified_byte_end, config, &mut report)?;
                if file.held_bytes > config.max_unverified_bytes {
                    file.force_release(writer, config, &mut report)?;
                }
                incomplete = batch.incomplete;
                report.bytes_read = bytes_before + batch.bytes_read;
                progress(&IngestProgress {
                    path: Some(&path),
                    n_records: report.n_records,
                    n_added: report.n_added + report.n_replaced,
                    bytes_read: report.bytes_read,
                    bytes_total,
                });
            }
            Ok(())
        });
        outcome?;
        bytes_before += file_len;
        report.bytes_read = bytes_before;
        let Some(stop) = incomplete else {
            // Read to its end: every member's checksum matched.
            file.release(writer, u64::MAX, config, &mut report)?;
            continue;
        };
        // Drop what no checksum covers; keep (commit) everything added before.
        let n_docs_discarded = file.held.len() as u64;
        file.held.clear();
        writer.commit()?;
        report.n_unreadable_files += 1;
        report.files_incomplete.push(IncompleteFile {
            path: stop.path,
            line: stop.line,
            reason: stop.reason,
            detail: stop.detail,
            n_records: file.n_records,
            n_docs_committed: file.n_docs_committed,
            n_docs_unverified: file.n_docs_unverified,
            n_docs_discarded,
        });
        if !config.keep_going {
            report.files_not_read =
                inputs[input_idx + 1..].iter().map(|input| input.path.clone()).collect();
            break;
        }
    }
    writer.commit()?;
    Ok(report)
}

/// Adds documents given in memory to `writer` and commits.
pub fn ingest_documents(
    writer: &mut IndexWriter,
    docs: impl Iterator<Item = Document>,
    config: &IngestConfig,
    progress: &mut dyn FnMut(&IngestProgress<'_>),
) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    let batch_docs = config.batch_docs.max(1);
    let mut batch = Vec::with_capacity(batch_docs);
    let mut flush = |batch: &mut Vec<RecordResult>, report: &mut IngestReport| -> Result<()> {
        let mut file = FileState::default();
        add_batch(writer, std::mem::take(batch), config, report, &mut file)?;
        file.release(writer, u64::MAX, config, report)?;
        progress(&IngestProgress {
            path: None,
            n_records: report.n_records,
            n_added: report.n_added + report.n_replaced,
            bytes_read: 0,
            bytes_total: 0,
        });
        Ok(())
    };
    for (n, doc) in docs.enumerate() {
        let line = n as u64 + 1;
        let bytes = doc.text.len() as u64;
        batch.push(RecordResult::Ok { doc, line, bytes, byte_end: 0 });
        if batch.len() >= batch_docs {
            flush(&mut batch, &mut report)?;
        }
    }
    flush(&mut batch, &mut report)?;
    writer.commit()?;
    Ok(report)
}

/// Fingerprints one batch in parallel, then counts its bad records and holds its documents in
/// `file`, in order, for [`FileState::release`].
fn add_batch(
    writer: &mut IndexWriter,
    records: Vec<RecordResult>,
    config: &IngestConfig,
    report: &mut IngestReport,
    file: &mut FileState,
) -> Result<()> {
    let fingerprinter = writer.fingerprinter();
    // A store of documents only keeps no postings: nothing to fingerprint.
    let documents_only = writer.config().documents_only;
    let fingerprinted: Vec<(RecordResult, Vec<u64>)> = records
        .into_par_iter()
        .map(|record| {
            let fingerprints = match &record {
                RecordResult::Ok { doc, .. } if !documents_only => {
                    fingerprinter.fingerprints(&doc.text)
                }
                _ => Vec::new(),
            };
            (record, fingerprints)
        })
        .collect();
    for (record, fingerprints) in fingerprinted {
        match record {
            RecordResult::Skipped(bad) => {
                if config.strict && bad.reason.is_fatal_in_strict() {
                    return Err(Error::BadRecord {
                        path: bad.path,
                        line: bad.line,
                        field: bad.field,
                        reason: bad.detail,
                    });
                }
                // A read error is no record: the file is reported as incomplete.
                if bad.reason != SkipReason::Io {
                    report.n_records += 1;
                    file.n_records += 1;
                    report.skip(bad, config.max_reported);
                }
            }
            RecordResult::Ok { doc, byte_end, .. } => {
                report.n_records += 1;
                file.n_records += 1;
                let n_bytes = 64
                    + doc.id.len()
                    + doc.text.len()
                    + doc.title.as_ref().map_or(0, String::len)
                    + doc.source.as_ref().map_or(0, String::len)
                    + doc.url.as_ref().map_or(0, String::len)
                    + fingerprints.len() * size_of::<u64>();
                file.held_bytes += n_bytes;
                file.held.push_back(Held { doc, fingerprints, byte_end, n_bytes });
            }
        }
    }
    Ok(())
}

/// Adds one document to the writer and counts it; returns whether it was added or replaced.
fn add_document(
    writer: &mut IndexWriter,
    doc: Document,
    fingerprints: &[u64],
    config: &IngestConfig,
    report: &mut IngestReport,
) -> Result<bool> {
    let id = doc.id.clone();
    let text_bytes = doc.text.len() as u64;
    let date = doc.date;
    match writer.add_with_fingerprints(doc, fingerprints, config.replace)? {
        AddOutcome::Added(_) => {
            report.n_added += 1;
            report.dates.add(date);
            report.text_bytes += text_bytes;
            Ok(true)
        }
        AddOutcome::Replaced { .. } => {
            report.n_replaced += 1;
            report.dates.add(date);
            report.text_bytes += text_bytes;
            Ok(true)
        }
        AddOutcome::Duplicate(_) => {
            report.n_duplicate += 1;
            if report.duplicate_ids.len() < config.max_reported {
                report.duplicate_ids.push(id);
            }
            Ok(false)
        }
    }
}
