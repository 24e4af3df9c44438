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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use unspun_core::Document;
use unspun_core::shingle::document_fingerprints;
use unspun_core::text::analyze;

use super::{BadRecord, CorpusReader, ReaderConfig, RecordResult};
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
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            reader: ReaderConfig::default(),
            replace: false,
            strict: false,
            batch_docs: 256,
            max_reported: 100,
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
}

impl IngestReport {
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
}

/// Reads every file in `paths` into `writer` and commits. Files are read in order, one reader
/// thread at a time; a file that cannot be opened is an error (nothing of it was added).
pub fn ingest_files(
    writer: &mut IndexWriter,
    paths: &[PathBuf],
    config: &IngestConfig,
    progress: &mut dyn FnMut(&IngestProgress<'_>),
) -> Result<IngestReport> {
    let mut readers = Vec::with_capacity(paths.len());
    for path in paths {
        let reader = CorpusReader::open(path, &config.reader).map_err(|e| Error::io(path, e))?;
        readers.push(reader);
    }
    let bytes_total: u64 = readers.iter().map(CorpusReader::file_len).sum();
    let mut report = IngestReport::default();
    let mut bytes_before = 0u64;
    for reader in readers {
        let path = reader.path().to_path_buf();
        let file_len = reader.file_len();
        let batch_docs = config.batch_docs.max(1);
        let (sender, receiver) = crossbeam_channel::bounded::<Batch>(4);
        let outcome = std::thread::scope(|scope| -> Result<()> {
            scope.spawn(move || {
                let mut reader = reader;
                let mut records = Vec::with_capacity(batch_docs);
                while let Some(record) = reader.next() {
                    records.push(record);
                    if records.len() >= batch_docs {
                        let batch = Batch {
                            records: std::mem::replace(
                                &mut records,
                                Vec::with_capacity(batch_docs),
                            ),
                            bytes_read: reader.bytes_read(),
                        };
                        if sender.send(batch).is_err() {
                            return; // the consumer stopped (strict mode or an error)
                        }
                    }
                }
                let _ = sender.send(Batch { records, bytes_read: reader.bytes_read() });
            });
            for batch in receiver.iter() {
                add_batch(writer, batch.records, config, &mut report)?;
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
        add_batch(writer, std::mem::take(batch), config, report)?;
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
        batch.push(RecordResult::Ok { doc, line, bytes });
        if batch.len() >= batch_docs {
            flush(&mut batch, &mut report)?;
        }
    }
    flush(&mut batch, &mut report)?;
    writer.commit()?;
    Ok(report)
}

/// Fingerprints one batch in parallel, then adds it to the writer in order.
fn add_batch(
    writer: &mut IndexWriter,
    records: Vec<RecordResult>,
    config: &IngestConfig,
    report: &mut IngestReport,
) -> Result<()> {
    let shingle = writer.config().shingle.clone();
    let fingerprinted: Vec<(RecordResult, Vec<u64>)> = records
        .into_par_iter()
        .map(|record| {
            let fingerprints = match &record {
                RecordResult::Ok { doc, .. } => {
                    document_fingerprints(&analyze(&doc.text), &shingle)
                }
                RecordResult::Skipped(_) => Vec::new(),
            };
            (record, fingerprints)
        })
        .collect();
    for (record, fingerprints) in fingerprinted {
        report.n_records += 1;
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
                report.skip(bad, config.max_reported);
            }
            RecordResult::Ok { doc, .. } => {
                let id = doc.id.clone();
                let text_bytes = doc.text.len() as u64;
                match writer.add(doc, &fingerprints, config.replace)? {
                    AddOutcome::Added(_) => {
                        report.n_added += 1;
                        report.text_bytes += text_bytes;
                    }
                    AddOutcome::Replaced { .. } => {
                        report.n_replaced += 1;
                        report.text_bytes += text_bytes;
                    }
                    AddOutcome::Duplicate(_) => {
                        report.n_duplicate += 1;
                        if report.duplicate_ids.len() < config.max_reported {
                            report.duplicate_ids.push(id);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
