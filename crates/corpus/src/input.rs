//! `unspun cluster --input`: a run over corpus files instead of an index. The files are read
//! once (the reader and record rules of `unspun index`) into a store of documents without
//! postings (`store/` in the run directory, [`unspun_index::IndexConfig::documents_only`]):
//! no fingerprint is computed or stored at ingest, because every stage of the run answers from
//! its own records (the prints stage's fingerprints, the pairs stage's frequencies, the
//! boilerplate stage's common sentences). The store is made once: `store.json` records the
//! inputs (path, size, modification time) and the reader's settings, and a rerun reuses the
//! store only while they are the same.
//!
//! The store is the run's own: `--fresh` removes it, a store left half-built by a killed run
//! is removed and built again, and a `store/` directory without `store.json` (not made by a
//! run) is never touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use unspun_index::ingest::CorpusInput;
use unspun_index::ingest::pipeline::{IngestConfig, IngestProgress, IngestReport, ingest_corpora};
use unspun_index::{
    Error, FsStorage, Index, IndexConfig, IndexWriter, Result, Storage, WriterConfig,
    remove_documents_store,
};

use crate::driver::run_locked;
use crate::files::{remove_run_outputs, to_json, write_bytes};
use crate::job::{ClusterEvent, ClusterJob, ClusterSummary, Stage, StageSummary};

/// The store of the run's documents, in the run directory.
pub const STORE_DIR: &str = "store";
/// What the store was read from, and whether it is complete.
pub const STORE_FILE: &str = "store.json";
/// Bad records and duplicate ids kept verbatim in [`InputReport`] (all are counted).
const MAX_REPORTED: usize = 100;

/// What reading the inputs found (`input` in `summary.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// The input files, in the order read.
    pub files: Vec<PathBuf>,
    /// Bytes read.
    pub bytes_read: u64,
    /// Records read (documents and bad records).
    pub n_records: u64,
    /// Documents stored.
    pub n_docs: u64,
    /// Records whose id an earlier record had: skipped (the first one is kept).
    pub n_duplicate: u64,
    /// Bad records skipped (with `--strict`, the first one stops the run instead).
    pub n_skipped: u64,
    /// Bad records by reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// The first bad records: file, line, field and reason.
    pub bad_records: Vec<String>,
    /// The first duplicate ids.
    pub duplicate_ids: Vec<String>,
    /// Records kept with a warning (an unparseable or implausible date, ...), by kind.
    pub warnings_by_kind: BTreeMap<String, u64>,
    /// Bytes of body text stored.
    pub text_bytes: u64,
}

impl InputReport {
    fn new(files: Vec<PathBuf>, r: &IngestReport) -> Self {
        InputReport {
            files,
            bytes_read: r.bytes_read,
            n_records: r.n_records,
            n_docs: r.n_added + r.n_replaced,
            n_duplicate: r.n_duplicate,
            n_skipped: r.n_skipped,
            skipped_by_reason: r.skipped_by_reason.clone(),
            bad_records: r.bad_records.iter().map(ToString::to_string).collect(),
            duplicate_ids: r.duplicate_ids.clone(),
            warnings_by_kind: r.warnings_by_kind.clone(),
            text_bytes: r.text_bytes,
        }
    }
}

/// `store.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoreState {
    /// `building` until the store is committed, then `done`.
    state: String,
    /// [`inputs_key`] of the inputs and reader settings it was read from.
    inputs_key: String,
    /// What reading found (when done).
    report: Option<InputReport>,
}

/// A hash of what the store is made from: every input's path, size and modification time, and
/// `reader_key` (the reader's settings as the caller states them: not `ReaderConfig` itself,
/// whose default latest plausible date moves with the clock).
fn inputs_key(inputs: &[CorpusInput], ingest: &IngestConfig, reader_key: &str) -> Result<String> {
    let mut key = format!("{reader_key}|{}|", ingest.strict);
    for input in inputs {
        let meta = std::fs::metadata(&input.path).map_err(|e| Error::io(&input.path, e))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        key.push_str(&format!(
            "{}\0{:?}\0{}\0{modified}\n",
            input.path.display(),
            input.doc_id,
            meta.len()
        ));
    }
    Ok(format!("{:016x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes())))
}

/// Runs (or resumes) the corpus-wide analysis of the corpus files `inputs` into `out_dir`:
/// the inputs are read into the run's store (or the store of an earlier run over the same
/// inputs is reused), then the stages run over it as [`crate::run_cluster`] runs them over an
/// index. `job.filter` must take every document (filter the inputs instead). `reader_key`
/// identifies `ingest.reader`'s settings for a rerun (the CLI gives its reader flags): a store
/// read with others is not reused. `progress` gets the `input` stage's bytes read as its
/// `done` and `total`.
pub fn run_cluster_inputs(
    inputs: &[CorpusInput],
    ingest: &IngestConfig,
    reader_key: &str,
    out_dir: &Path,
    job: &ClusterJob,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<ClusterSummary> {
    if inputs.is_empty() {
        return Err(Error::BadRecord {
            path: out_dir.to_path_buf(),
            line: 0,
            field: None,
            reason: "no input files".to_owned(),
        });
    }
    if !job.filter.is_everything() {
        return Err(Error::RunMismatch {
            path: out_dir.to_path_buf(),
            reason: "a run over corpus files takes every document of the files: filter them \
                     first"
                .to_owned(),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let storage = FsStorage::new(out_dir);
    let _lock = storage.lock()?;
    let key = inputs_key(inputs, ingest, reader_key)?;
    let store_dir = out_dir.join(STORE_DIR);
    let earlier: Option<StoreState> = if storage.exists(STORE_FILE)? {
        let bytes = storage.read(STORE_FILE)?;
        match serde_json::from_slice(&bytes) {
            Ok(state) => Some(state),
            // Damaged: a store it vouched for is read again with --fresh.
            Err(_) if job.fresh => Some(StoreState {
                state: "building".into(),
                inputs_key: String::new(),
                report: None,
            }),
            Err(e) => {
                return Err(Error::corrupt(
                    storage.path_of(STORE_FILE),
                    format!("{e} (rerun with --fresh)"),
                ));
            }
        }
    } else {
        None
    };
    if earlier.is_none() && store_dir.exists() {
        // Without store.json nothing proves the directory is a run's: never remove it.
        return Err(Error::RunMismatch {
            path: store_dir,
            reason: format!(
                "exists, but {STORE_FILE} is missing: it was not made by a run; remove it \
                 yourself or choose another --out"
            ),
        });
    }
    let reusable = match &earlier {
        Some(state) if state.state == "done" && !job.fresh => {
            if state.inputs_key != key {
                return Err(Error::RunMismatch {
                    path: storage.path_of(STORE_FILE),
                    reason: "the run's documents were read from other inputs (or the inputs \
                             changed since, or the reader's settings did); pass --fresh to \
                             start over, or choose another --out"
                        .to_owned(),
                });
            }
            state.report.clone()
        }
        _ => None,
    };
    let started = std::time::Instant::now();
    let skipped = reusable.is_some();
    let report = match reusable {
        Some(report) => {
            progress(&ClusterEvent::Finished { stage: Stage::Input, skipped: true, secs: 0.0 });
            report
        }
        None => {
            // Marked building first: from here until the store is read again, no later run
            // (nor `unspun dedup`) takes the directory for a finished run's.
            let building =
                StoreState { state: "building".into(), inputs_key: key.clone(), report: None };
            let path = storage.path_of(STORE_FILE);
            write_bytes(&storage, STORE_FILE, &to_json(&building, &path)?)?;
            if earlier.is_some() {
                // The outputs of the run over the earlier store go first (with --fresh; a
                // store killed while read has none), then that store: the run's own, and only
                // the files an unspun writer names.
                if job.fresh {
                    remove_run_outputs(&storage)?;
                }
                remove_documents_store(&store_dir)?;
            }
            let report = build_store(&store_dir, inputs, ingest, job, progress)?;
            let done = StoreState {
                state: "done".into(),
                inputs_key: key.clone(),
                report: Some(report.clone()),
            };
            write_bytes(&storage, STORE_FILE, &to_json(&done, &path)?)?;
            let secs = started.elapsed().as_secs_f64();
            progress(&ClusterEvent::Finished { stage: Stage::Input, skipped: false, secs });
            report
        }
    };
    let index = Index::open_documents(&store_dir)?;
    let stage = StageSummary {
        stage: Stage::Input,
        skipped,
        secs: if skipped { 0.0 } else { started.elapsed().as_secs_f64() },
        n_shards_reused: 0,
    };
    let input = InputRun { key, report, stage };
    run_locked(&index, &storage, out_dir, job, Some(input), progress)
}

/// What the `input` stage hands the driver.
pub(crate) struct InputRun {
    /// [`inputs_key`], recorded in `run.json`.
    pub(crate) key: String,
    pub(crate) report: InputReport,
    pub(crate) stage: StageSummary,
}

/// Checks, for `unspun dedup`, that `cluster_dir` holds a complete store read from the inputs
/// its run names (`run_inputs`, the `inputs` of `run.json`).
pub(crate) fn check_store(cluster_dir: &Path, run_inputs: Option<&str>) -> Result<()> {
    let path = cluster_dir.join(STORE_FILE);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let state: StoreState = serde_json::from_slice(&bytes)
        .map_err(|e| Error::corrupt(&path, format!("{e} (rerun `unspun cluster --fresh`)")))?;
    if state.state != "done" || Some(state.inputs_key.as_str()) != run_inputs {
        return Err(Error::RunMismatch {
            path,
            reason: "the run's store is not the complete one its run was made over (a read was \
                     stopped or killed): run `unspun cluster` again first"
                .to_owned(),
        });
    }
    Ok(())
}

/// Reads `inputs` into a new store at `dir`; returns what was read. A file that cannot be read
/// to its end is an error, as is a corpus without a document.
fn build_store(
    dir: &Path,
    inputs: &[CorpusInput],
    ingest: &IngestConfig,
    job: &ClusterJob,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<InputReport> {
    let config = WriterConfig {
        index: IndexConfig {
            shingle: job.trace.shingle.clone(),
            winnow: 0,
            documents_only: true,
            ..IndexConfig::default()
        },
        ..WriterConfig::default()
    };
    let mut writer = IndexWriter::open_or_create(dir, config)?;
    let ingest = IngestConfig {
        max_reported: MAX_REPORTED,
        keep_going: false,
        replace: false,
        ..ingest.clone()
    };
    let mut started = false;
    let report = ingest_corpora(&mut writer, inputs, &ingest, &mut |p: &IngestProgress<'_>| {
        if !started {
            progress(&ClusterEvent::Started { stage: Stage::Input, total: p.bytes_total, done: 0 });
            started = true;
        }
        progress(&ClusterEvent::Advanced { stage: Stage::Input, done: p.bytes_read });
    })?;
    drop(writer);
    if let Some(incomplete) = report.files_incomplete.first() {
        return Err(Error::BadRecord {
            path: incomplete.path.clone(),
            line: incomplete.line,
            field: None,
            reason: format!(
                "the input could not be read to its end ({incomplete}); fix or drop the file \
                 and run again"
            ),
        });
    }
    let files = inputs.iter().map(|input| input.path.clone()).collect();
    let report = InputReport::new(files, &report);
    if report.n_docs == 0 {
        return Err(Error::BadRecord {
            path: inputs[0].path.clone(),
            line: 0,
            field: None,
            reason: format!(
                "no document in the inputs: {} records read, {} bad",
                report.n_records, report.n_skipped
            ),
        });
    }
    Ok(report)
}
