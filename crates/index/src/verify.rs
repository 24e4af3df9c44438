//! [`verify`]: a read-only check of an index directory, and what of it is recoverable.
//!
//! `Index::open` refuses a damaged index as a whole; this says what exactly is wrong: a lost
//! or damaged MANIFEST, which segment files are intact (frame, checksum, tables) and how many
//! documents they hold, files the MANIFEST no longer names (a crashed writer's leftovers) and
//! files that are not the index's. It never writes, locks or removes anything, so it may run
//! beside a writer and on a folder the writer refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::manifest::{
    MANIFEST_FILE, Manifest, docs_file_name, postings_file_name, read_tombstones,
};
use crate::segment::{DocStore, PostingsTable, Verify};
use crate::semantic::SEMANTIC_FILE;
use crate::storage::{FsStorage, LOCK_FILE, Storage};
use crate::writer::is_index_file;

/// What [`verify`] found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The directory checked.
    pub index: PathBuf,
    /// Whether the index opens and every file it names is intact.
    pub healthy: bool,
    /// `ok`, `missing` or `damaged: <reason>`.
    pub manifest: String,
    /// The MANIFEST's generation, when it could be read.
    pub generation: Option<u64>,
    /// Every segment found: named by the MANIFEST, or (without one) every segment file.
    pub segments: Vec<SegmentCheck>,
    /// `ok`, `none` or `damaged: <reason>` for the tombstone file the MANIFEST names.
    pub tombstones: String,
    /// Documents in intact segments (deleted ones included).
    pub n_docs_recoverable: u64,
    /// Index files that the MANIFEST does not name (leftovers of a crashed writer, removed by
    /// the next writer), or every index file when there is no MANIFEST.
    pub unreferenced: Vec<String>,
    /// Files that are not the index's (never touched by unspun).
    pub foreign: Vec<String>,
    /// What to do, in words.
    pub advice: String,
}

/// One segment's files.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentCheck {
    /// The segment's file number.
    pub number: u64,
    /// Documents its document store holds, when intact.
    pub n_docs: Option<u32>,
    /// `ok`, `missing` or `damaged: <reason>` for the document store.
    pub docs: String,
    /// The same for the postings table.
    pub postings: String,
}

impl SegmentCheck {
    fn intact(&self) -> bool {
        self.docs == "ok" && self.postings == "ok"
    }
}

/// Checks the index in `dir` without changing anything. Fails only when the directory cannot
/// be listed.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    if !dir.is_dir() {
        return Err(Error::NotAnIndex { path: dir.to_path_buf() });
    }
    let storage = FsStorage::new(dir);
    let names: BTreeSet<String> = storage.list()?.into_iter().collect();
    let manifest = if names.contains(MANIFEST_FILE) {
        Some(Manifest::read(&storage).map_err(|error| error.to_string()))
    } else {
        None
    };
    let mut report = VerifyReport {
        index: dir.to_path_buf(),
        healthy: false,
        manifest: match &manifest {
            None => "missing".into(),
            Some(Ok(_)) => "ok".into(),
            Some(Err(reason)) => format!("damaged: {reason}"),
        },
        generation: None,
        segments: Vec::new(),
        tombstones: "none".into(),
        n_docs_recoverable: 0,
        unreferenced: Vec::new(),
        foreign: Vec::new(),
        advice: String::new(),
    };
    let mut referenced: BTreeSet<String> =
        [MANIFEST_FILE, LOCK_FILE, SEMANTIC_FILE].iter().map(|name| name.to_string()).collect();
    if let Some(Ok(manifest)) = &manifest {
        report.generation = Some(manifest.generation);
        for segment in &manifest.segments {
            report.segments.push(check_segment(&storage, segment.number));
        }
        if let Some(meta) = &manifest.tombstones {
            report.tombstones = match read_tombstones(&storage, meta) {
                Ok(_) => "ok".into(),
                Err(error) => format!("damaged: {error}"),
            };
        }
        referenced.extend(manifest.file_names());
    } else {
        let numbers: BTreeSet<u64> = names.iter().filter_map(|name| segment_number(name)).collect();
        for number in numbers {
            report.segments.push(check_segment(&storage, number));
        }
    }
    for name in &names {
        if referenced.contains(name) {
            continue;
        }
        if is_index_file(name) {
            report.unreferenced.push(name.clone());
        } else {
            report.foreign.push(name.clone());
        }
    }
    report.n_docs_recoverable =
        report.segments.iter().filter(|s| s.intact()).filter_map(|s| s.n_docs).map(u64::from).sum();
    let all_intact = report.segments.iter().all(SegmentCheck::intact);
    report.healthy = matches!(manifest, Some(Ok(_)))
        && all_intact
        && (report.tombstones == "ok" || report.tombstones == "none");
    report.advice = advice(&report, all_intact);
    Ok(report)
}

fn advice(report: &VerifyReport, all_intact: bool) -> String {
    let n_intact = report.segments.iter().filter(|s| s.intact()).count();
    if report.healthy {
        return if report.unreferenced.is_empty() {
            "the index is healthy".into()
        } else {
            "the index is healthy; the unreferenced files are leftovers of an interrupted \
             write that the next `unspun index` removes"
                .into()
        };
    }
    let mut advice = match report.manifest.as_str() {
        "ok" => String::new(),
        _ => format!(
            "without an intact MANIFEST the index cannot be opened or extended; {n_intact} \
             intact segment(s) hold {} document(s). Keep this folder as it is (unspun never \
             deletes its files), build a new index from the source corpora into a new folder, \
             and remove this one yourself once the new index is complete. ",
            report.n_docs_recoverable
        ),
    };
    if !all_intact {
        advice.push_str(
            "Damaged segment files cannot be repaired: restore them from a backup, or re-index \
             their documents into a new index.",
        );
    } else if report.tombstones.starts_with("damaged") {
        advice.push_str("The tombstone file is damaged: deleted documents cannot be told apart.");
    }
    advice.trim_end().to_string()
}

fn check_segment(storage: &FsStorage, number: u64) -> SegmentCheck {
    let docs_name = docs_file_name(number);
    let postings_name = postings_file_name(number);
    let mut n_docs = None;
    let docs = match storage.read(&docs_name) {
        Err(_) if !storage.exists(&docs_name).unwrap_or(false) => "missing".into(),
        Err(error) => format!("damaged: {error}"),
        // Every byte: the whole-file checksum, then each block's own.
        Ok(bytes) => match DocStore::open(bytes, storage.path_of(&docs_name), Verify::Full)
            .and_then(|store| match &store {
                DocStore::V3(v3) => v3.check_blocks().map(|()| store),
                DocStore::V1(_) => Ok(store),
            }) {
            Ok(store) => {
                n_docs = Some(store.n_docs());
                "ok".into()
            }
            Err(error) => format!("damaged: {error}"),
        },
    };
    let postings = match storage.read(&postings_name) {
        Err(_) if !storage.exists(&postings_name).unwrap_or(false) => "missing".into(),
        Err(error) => format!("damaged: {error}"),
        Ok(bytes) => {
            match PostingsTable::open(bytes, &storage.path_of(&postings_name), Verify::Full)
                .and_then(|table| match &table {
                    PostingsTable::V3(v3) => v3.check_chunks(),
                    PostingsTable::V1(_) => Ok(()),
                }) {
                Ok(_) => "ok".into(),
                Err(error) => format!("damaged: {error}"),
            }
        }
    };
    SegmentCheck { number, n_docs, docs, postings }
}

/// The file number of a segment file name (`seg-0000000001.docs` → 1).
fn segment_number(name: &str) -> Option<u64> {
    let rest = name.strip_prefix("seg-")?;
    let digits = rest.strip_suffix(".docs").or_else(|| rest.strip_suffix(".post"))?;
    (digits.len() == 10).then(|| digits.parse().ok()).flatten()
}
