//! unspun-corpus: corpus-wide reuse over an index (`unspun cluster`) as deterministic,
//! restartable batch stages that write plain files into an output directory.
//!
//! Every stage is a pure function over plain records ([`prints`], [`pairs`], [`align`],
//! [`spill`]), driven here over shards of the index; a distributed driver can call the same
//! functions on its partitions. Stages, each writing its files atomically (tmp → fsync →
//! rename) and a `<stage>.done` marker last, so that a rerun after a kill skips what is done:
//!
//! 1. `prints` (map): every document's fingerprints and whole-sentence hashes, in shards of
//!    [`PRINT_SHARD_DOCS`] documents, each shard a sorted run (`prints-00000.bin`,
//!    `sentences-00000.bin`).
//! 2. `boilerplate` (reduce by sentence hash): count, then judge →
//!    `boilerplate.jsonl`.
//! 3. `pairs` (reduce by fingerprint): candidate document pairs from the fingerprints they
//!    share (document-frequency cut, counts spilled to disk in sorted runs under
//!    [`ClusterJob::spill_budget_bytes`]) → `pairs.bin`, `pairs.json`.
//! 4. `trace` (map): every document traced against its candidate partners only
//!    ([`align::PartnerCandidates`]), in shards of [`ClusterJob::shard_docs`] documents
//!    (`trace-00000.jsonl`, …), both cores; a rerun traces only the missing shards.
//! 5. `reuse`: the shards → [`build`] → `documents.jsonl`, `links.jsonl`,
//!    `doc_clusters.jsonl`, `passage_clusters.jsonl`, `boilerplate_passages.jsonl`,
//!    `spins.jsonl`, `outlet_edges.jsonl`, `outlets.graphml`, `outlets.dot`,
//!    `publishers.json`. Its marker holds a hash of [`ClusterConfig`]: other link thresholds
//!    rerun this stage only.
//!
//! `run.json` records the parameters (index generation, filter, the knobs of the first four
//! stages); a rerun with other parameters is refused unless `fresh` is set, so that a
//! directory never mixes runs. Memory: the prints stage holds one shard per thread; the
//! boilerplate and pairs stages merge the sorted shard files and hold the spill budget, the
//! frequent sentences and the candidate pairs (16 bytes each in memory); the trace stage one shard per
//! thread; the reuse stage the passages of the run.

#![warn(missing_docs)]

pub mod align;
pub mod dedup;
pub mod pairs;
pub mod prints;
pub mod spill;

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use unspun_core::cluster::boilerplate::{
    BoilerplateConfig, BoilerplateScope, SentenceCount, judge_boilerplate, sentence_hashes,
};
use unspun_core::cluster::graph::{
    OutletEdge, Publisher, add_spins, outlet_dot, outlet_edges, outlet_graphml, publishers,
};
use unspun_core::cluster::{
    CLUSTER_SCHEMA, ClusterConfig, ClusterOutput, TracedDoc, build, trace_document,
    unsourced_document,
};
use unspun_core::text::analyze;
use unspun_core::trace::{Candidates, TraceConfig};
use unspun_core::{DocId, Document, Timestamp};
use unspun_index::{Error, FsStorage, Index, LOCK_FILE, Result, Storage, TMP_SUFFIX};

use crate::align::{LonelyCandidates, PartnerCandidates, Partners};
use crate::pairs::{PairConfig, PairRec, PairStats, add_counts, directions, group_pairs};
use crate::prints::{PrintRec, SentenceRec, document_prints};
use crate::spill::{Merged, Record, Sorter, Source, remove_spill_dir, write_records};

/// Which documents of the index take part (on both sides: traced and as sources).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CorpusFilter {
    /// Only documents dated at or after this (undated documents are left out when set).
    pub since: Option<Timestamp>,
    /// Only documents dated at or before this.
    pub until: Option<Timestamp>,
    /// Only documents of these outlets (exact names); empty: every outlet.
    pub sources: Vec<String>,
}

impl CorpusFilter {
    /// Whether `doc` takes part.
    pub fn accepts(&self, doc: &Document) -> bool {
        let dated_ok = match (self.since, self.until, doc.date) {
            (None, None, _) => true,
            (_, _, None) => false,
            (since, until, Some(date)) => {
                since.is_none_or(|s| date >= s) && until.is_none_or(|u| date <= u)
            }
        };
        dated_ok
            && (self.sources.is_empty()
                || doc.source.as_ref().is_some_and(|s| self.sources.contains(s)))
    }

    fn is_everything(&self) -> bool {
        self.since.is_none() && self.until.is_none() && self.sources.is_empty()
    }
}

/// Everything a run depends on.
#[derive(Debug, Clone, Default)]
pub struct ClusterJob {
    /// Documents taking part.
    pub filter: CorpusFilter,
    /// Trace knobs; the fingerprint scheme is always the index's.
    pub trace: TraceConfig,
    /// Link, cluster and verdict knobs.
    pub cluster: ClusterConfig,
    /// Boilerplate knobs.
    pub boilerplate: BoilerplateConfig,
    /// Candidate pairs.
    pub pairs: PairConfig,
    /// Documents per trace shard (0: 1000).
    pub shard_docs: usize,
    /// Documents per prints shard (0: [`PRINT_SHARD_DOCS`]).
    pub prints_shard_docs: usize,
    /// Memory for sorting in the pairs stage before it spills to disk (0: 256 MiB).
    pub spill_budget_bytes: usize,
    /// Keep the runs of the prints stage (`prints-*.bin`, `sentences-*.bin`) once the pairs
    /// and the boilerplate are found (they are about twice the size of the text).
    pub keep_intermediate: bool,
    /// Start over: remove the outputs of an earlier run in the directory first.
    pub fresh: bool,
}

/// The stages of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Fingerprints and sentence hashes of every document.
    Prints,
    /// Boilerplate sentences: count, then judge.
    Boilerplate,
    /// Candidate pairs of documents.
    Pairs,
    /// Every document traced against its partners.
    Trace,
    /// Links, clusters, graph, publishers.
    Reuse,
}

impl Stage {
    /// The stage's name (as in file names and reports).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Prints => "prints",
            Stage::Boilerplate => "boilerplate",
            Stage::Pairs => "pairs",
            Stage::Trace => "trace",
            Stage::Reuse => "reuse",
        }
    }
}

/// What a run tells its caller while it works (from any thread).
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterEvent {
    /// A stage starts with `total` documents to do (`done` of them already done).
    Started {
        /// The stage.
        stage: Stage,
        /// Documents in the stage.
        total: u64,
        /// Already done by an earlier run.
        done: u64,
    },
    /// `done` documents of the stage are finished.
    Advanced {
        /// The stage.
        stage: Stage,
        /// Documents done so far.
        done: u64,
    },
    /// A stage finished, or was found finished by an earlier run.
    Finished {
        /// The stage.
        stage: Stage,
        /// Whether an earlier run had done it.
        skipped: bool,
        /// Seconds it took in this run.
        secs: f64,
    },
}

/// One stage in [`ClusterSummary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageSummary {
    /// The stage.
    pub stage: Stage,
    /// Whether an earlier run had done it.
    pub skipped: bool,
    /// Seconds in this run.
    pub secs: f64,
    /// Shards done by an earlier run (prints and trace stages).
    pub n_shards_reused: usize,
}

/// A file written by the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    /// File name in the output directory.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// What a run produced (`summary.json`, and `unspun cluster --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    /// [`CLUSTER_SCHEMA`].
    pub schema: String,
    /// The output directory.
    pub out_dir: PathBuf,
    /// Documents in the index.
    pub n_index_docs: u64,
    /// Documents in the run (after the filter).
    pub n_docs: usize,
    /// What the pair stage found.
    pub pairs: PairStats,
    /// Bytes the pair stage spilled to disk in this run (0 when an earlier run did it).
    pub n_spilled_bytes: u64,
    /// Boilerplate sentences found.
    pub n_boilerplate: usize,
    /// Of which within one outlet.
    pub n_boilerplate_outlet: usize,
    /// Document links.
    pub n_links: usize,
    /// Strong links, by kind.
    pub n_strong_links: usize,
    /// Links by kind (`exact_copy`, …).
    pub links_by_kind: Vec<(String, usize)>,
    /// Documents by verdict.
    pub verdicts: Vec<(String, usize)>,
    /// Document clusters (two or more members).
    pub n_doc_clusters: usize,
    /// Documents in them.
    pub n_clustered_docs: usize,
    /// Passage clusters.
    pub n_passage_clusters: usize,
    /// Passage clusters found to be an outlet's boilerplate (left out of the rest).
    pub n_boilerplate_passages: usize,
    /// Outlet edges.
    pub n_outlet_edges: usize,
    /// Entries of the learned spin dictionary (`spins.jsonl`).
    pub n_spins: usize,
    /// The publisher report (every outlet, most reused text first).
    pub publishers: Vec<Publisher>,
    /// The stages.
    pub stages: Vec<StageSummary>,
    /// Files written, with sizes.
    pub files: Vec<OutputFile>,
}

/// The parameters of a run (`run.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunParams {
    schema: String,
    index_generation: u64,
    n_index_docs: u64,
    filter: CorpusFilter,
    shard_docs: usize,
    /// xxh3 of every knob, printed with `{:?}`.
    knobs_hash: String,
}

/// One line of `boilerplate.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoilerplateLine {
    /// Whole-sentence hash, 16 hex digits.
    pub hash: String,
    /// Documents containing it.
    pub n_docs: u32,
    /// Distinct outlets among them.
    pub n_outlets: u32,
    /// `outlet` or `corpus`.
    pub scope: BoilerplateScope,
    /// The outlet, for outlet boilerplate.
    pub outlet: Option<String>,
    /// Median share of other sentences that sampled pairs of its documents share.
    pub related_share: f64,
    /// A document containing it.
    pub example_id: String,
    /// The sentence as written there (at most 300 characters).
    pub text: String,
}

const RUN_FILE: &str = "run.json";
const SUMMARY_FILE: &str = "summary.json";
const BOILERPLATE_FILE: &str = "boilerplate.jsonl";
const PAIRS_FILE: &str = "pairs.bin";
const PAIR_STATS_FILE: &str = "pairs.json";
const SPILL_DIR: &str = "spill";
const DEFAULT_SHARD_DOCS: usize = 1000;
const DEFAULT_SPILL_BUDGET: usize = 256 << 20;
/// Documents per shard of the prints stage, by default.
pub const PRINT_SHARD_DOCS: usize = 4096;
const EXCERPT_CHARS: usize = 300;
/// Analysed candidates kept by the trace stage (a few hundred MB at most).
const CANDIDATE_CACHE_DOCS: usize = 4096;
/// Files of the reuse stage.
const REUSE_FILES: [&str; 10] = [
    "documents.jsonl",
    "spins.jsonl",
    "boilerplate_passages.jsonl",
    "links.jsonl",
    "doc_clusters.jsonl",
    "passage_clusters.jsonl",
    "outlet_edges.jsonl",
    "outlets.graphml",
    "outlets.dot",
    "publishers.json",
];

fn done_file(stage: Stage) -> String {
    format!("{}.done", stage.name())
}

fn shard_file(shard: usize) -> String {
    format!("trace-{shard:05}.jsonl")
}

fn prints_file(shard: usize) -> String {
    format!("prints-{shard:05}.bin")
}

fn sentences_file(shard: usize) -> String {
    format!("sentences-{shard:05}.bin")
}

/// Whether `name` is `prefix` + 5 digits + `suffix`.
fn numbered(name: &str, prefix: &str, suffix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|digits| digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The exact names of the files a run writes (and their `.tmp` while written).
fn owned_file(name: &str) -> bool {
    let name = name.strip_suffix(TMP_SUFFIX).unwrap_or(name);
    const STAGES: [Stage; 5] =
        [Stage::Prints, Stage::Boilerplate, Stage::Pairs, Stage::Trace, Stage::Reuse];
    name == RUN_FILE
        || name == SUMMARY_FILE
        || name == BOILERPLATE_FILE
        || name == PAIRS_FILE
        || name == PAIR_STATS_FILE
        || name == LOCK_FILE
        || REUSE_FILES.contains(&name)
        || STAGES.iter().any(|stage| name == done_file(*stage))
        || numbered(name, "trace-", ".jsonl")
        || numbered(name, "prints-", ".bin")
        || numbered(name, "sentences-", ".bin")
}

fn write_json_lines<T: Serialize>(storage: &FsStorage, name: &str, items: &[T]) -> Result<()> {
    let path = storage.path_of(name);
    storage.write_atomic(name, &mut |out: &mut dyn Write| {
        for item in items {
            serde_json::to_writer(&mut *out, item)
                .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
            out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    })
}

fn write_bytes(storage: &FsStorage, name: &str, bytes: &[u8]) -> Result<()> {
    let path = storage.path_of(name);
    storage.write_atomic(name, &mut |out: &mut dyn Write| {
        out.write_all(bytes).map_err(|e| Error::io(&path, e))
    })
}

fn to_json<T: Serialize>(value: &T, path: &Path) -> Result<Vec<u8>> {
    let mut bytes =
        serde_json::to_vec_pretty(value).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn read_json_lines<T: for<'de> Deserialize<'de>>(
    storage: &FsStorage,
    name: &str,
) -> Result<Vec<T>> {
    let path = storage.path_of(name);
    let bytes = storage.read(name)?;
    let mut out = Vec::new();
    for (line_idx, line) in bytes.lines().enumerate() {
        let line = line.map_err(|e| Error::io(&path, e))?;
        if line.is_empty() {
            continue;
        }
        let item = serde_json::from_str(&line).map_err(|e| {
            Error::corrupt(&path, format!("line {}: {e} (rerun with --fresh)", line_idx + 1))
        })?;
        out.push(item);
    }
    Ok(out)
}

fn char_excerpt(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take((end.saturating_sub(start)).min(EXCERPT_CHARS)).collect()
}

/// How a stage was run, for the summary.
struct StageRun<'a> {
    stages: Vec<StageSummary>,
    progress: &'a (dyn Fn(&ClusterEvent) + Sync),
}

impl StageRun<'_> {
    fn skipped(&mut self, stage: Stage, n_shards_reused: usize) {
        (self.progress)(&ClusterEvent::Finished { stage, skipped: true, secs: 0.0 });
        self.stages.push(StageSummary { stage, skipped: true, secs: 0.0, n_shards_reused });
    }

    fn finished(&mut self, stage: Stage, started: Instant, n_shards_reused: usize) {
        let secs = started.elapsed().as_secs_f64();
        (self.progress)(&ClusterEvent::Finished { stage, skipped: false, secs });
        self.stages.push(StageSummary { stage, skipped: false, secs, n_shards_reused });
    }
}

/// Runs (or resumes) the corpus-wide analysis of `index` into `out_dir`, which is created if
/// needed. `progress` is called from worker threads.
pub fn run_cluster(
    index: &Index,
    out_dir: &Path,
    job: &ClusterJob,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<ClusterSummary> {
    // The index's fingerprint scheme, whatever `job.trace.shingle` says; `run.json` records it.
    let job = &ClusterJob {
        trace: TraceConfig { shingle: index.config().shingle.clone(), ..job.trace.clone() },
        ..job.clone()
    };
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let storage = FsStorage::new(out_dir);
    let shard_docs = if job.shard_docs == 0 { DEFAULT_SHARD_DOCS } else { job.shard_docs };
    let prints_shard_docs =
        if job.prints_shard_docs == 0 { PRINT_SHARD_DOCS } else { job.prints_shard_docs };
    let spill_budget =
        if job.spill_budget_bytes == 0 { DEFAULT_SPILL_BUDGET } else { job.spill_budget_bytes };
    // The knobs of the first four stages; those of the reuse stage only rerun that stage (its
    // marker holds their hash), so trying other link thresholds costs seconds.
    let c = &job.cluster;
    let knobs = format!(
        "{:?}|{:?}|{:?}|{}|{}|{}|{}",
        job.trace,
        job.boilerplate,
        job.pairs,
        prints_shard_docs,
        c.min_passage_chars,
        c.passage_gap_chars,
        c.min_number_agreement
    );
    let reuse_marker =
        format!("{:016x}\n", xxhash_rust::xxh3::xxh3_64(format!("{c:?}").as_bytes()));
    let params = RunParams {
        schema: CLUSTER_SCHEMA.to_owned(),
        index_generation: index.generation(),
        n_index_docs: index.n_docs(),
        filter: job.filter.clone(),
        shard_docs,
        knobs_hash: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(knobs.as_bytes())),
    };
    let run_path = storage.path_of(RUN_FILE);
    // One run at a time in a directory.
    let _lock = storage.lock()?;
    let has_run = storage.exists(RUN_FILE)?;
    let has_outputs =
        storage.list()?.iter().any(|name| owned_file(name) && name.as_str() != LOCK_FILE);
    if !has_run && has_outputs {
        // Without run.json nothing proves these files are a run's: never remove them.
        return Err(Error::RunMismatch {
            path: run_path,
            reason: "missing, but the directory holds files named like cluster outputs; remove                      them yourself or choose another --out"
                .to_owned(),
        });
    }
    if job.fresh {
        for name in storage.list()? {
            if owned_file(&name) {
                storage.remove(&name)?;
            }
        }
    } else if storage.exists(RUN_FILE)? {
        let bytes = storage.read(RUN_FILE)?;
        let earlier: Option<RunParams> = serde_json::from_slice(&bytes).ok();
        if earlier.as_ref() != Some(&params) {
            return Err(Error::RunMismatch {
                path: run_path,
                reason: "the directory holds a run with other parameters (another index \
                         generation, filter or option); pass --fresh to start over, or choose \
                         another --out"
                    .to_owned(),
            });
        }
    }
    // Run files of a killed run are the only thing in the spill directory.
    let spill_dir = out_dir.join(SPILL_DIR);
    remove_spill_dir(&spill_dir)?;
    write_bytes(&storage, RUN_FILE, &to_json(&params, &run_path)?)?;

    // The documents of the run, in index order.
    let mut all: Vec<DocId> = index.live_docs();
    all.sort_unstable();
    let docs: Vec<DocId> = if job.filter.is_everything() {
        all
    } else {
        let keep: Vec<bool> = all
            .par_iter()
            .map(|&doc| index.document(doc).map(|d| d.is_some_and(|d| job.filter.accepts(&d))))
            .collect::<Result<_>>()?;
        all.into_iter().zip(keep).filter_map(|(doc, keep)| keep.then_some(doc)).collect()
    };
    let allowed: Option<HashSet<DocId>> =
        (!job.filter.is_everything()).then(|| docs.iter().copied().collect());
    let mut run = StageRun { stages: Vec::new(), progress };

    // 1. prints
    let print_shards: Vec<&[DocId]> = docs.chunks(prints_shard_docs).collect();
    let started = Instant::now();
    if storage.exists(&done_file(Stage::Prints))? {
        run.skipped(Stage::Prints, print_shards.len());
    } else {
        let reused = prints_stage(index, &storage, &print_shards, job, progress)?;
        write_bytes(&storage, &done_file(Stage::Prints), b"done\n")?;
        run.finished(Stage::Prints, started, reused);
    }

    // 2. boilerplate
    let started = Instant::now();
    let boilerplate: Vec<BoilerplateLine> = if storage.exists(&done_file(Stage::Boilerplate))? {
        run.skipped(Stage::Boilerplate, 0);
        read_json_lines(&storage, BOILERPLATE_FILE)?
    } else {
        progress(&ClusterEvent::Started {
            stage: Stage::Boilerplate,
            total: print_shards.len() as u64,
            done: 0,
        });
        let lines = boilerplate_stage(index, &storage, print_shards.len(), job)?;
        write_json_lines(&storage, BOILERPLATE_FILE, &lines)?;
        write_bytes(&storage, &done_file(Stage::Boilerplate), b"done\n")?;
        run.finished(Stage::Boilerplate, started, 0);
        lines
    };
    let boilerplate_set: HashSet<u64> =
        boilerplate.iter().filter_map(|b| u64::from_str_radix(&b.hash, 16).ok()).collect();

    // 3. pairs
    let started = Instant::now();
    let (pairs, pair_stats) = if storage.exists(&done_file(Stage::Pairs))? {
        run.skipped(Stage::Pairs, 0);
        let stats: PairStats =
            serde_json::from_slice(&storage.read(PAIR_STATS_FILE)?).map_err(|e| {
                Error::corrupt(
                    storage.path_of(PAIR_STATS_FILE),
                    format!("{e} (rerun with --fresh)"),
                )
            })?;
        (read_records::<PairRec>(&storage.path_of(PAIRS_FILE))?, stats)
    } else {
        progress(&ClusterEvent::Started {
            stage: Stage::Pairs,
            total: print_shards.len() as u64,
            done: 0,
        });
        let (pairs, stats) =
            pairs_stage(&storage, &spill_dir, print_shards.len(), &job.pairs, spill_budget)?;
        write_records(&storage.path_of(PAIRS_FILE), &pairs)?;
        let stats_path = storage.path_of(PAIR_STATS_FILE);
        write_bytes(&storage, PAIR_STATS_FILE, &to_json(&stats, &stats_path)?)?;
        write_bytes(&storage, &done_file(Stage::Pairs), b"done\n")?;
        run.finished(Stage::Pairs, started, 0);
        (pairs, stats)
    };
    let n_ids = docs.last().map_or(0, |d| d.0 as usize + 1);
    let partners = Partners::from_pairs(&pairs, n_ids);
    drop(pairs);

    // The fingerprint runs are needed by no later stage.
    if !job.keep_intermediate {
        for shard in 0..print_shards.len() {
            for name in [prints_file(shard), sentences_file(shard)] {
                if storage.exists(&name)? {
                    storage.remove(&name)?;
                }
            }
        }
    }

    // 4. trace
    let started = Instant::now();
    let shards: Vec<&[DocId]> = docs.chunks(shard_docs).collect();
    let trace_done = storage.exists(&done_file(Stage::Trace))?;
    let mut pending = Vec::new();
    for (shard, shard_docs) in shards.iter().enumerate() {
        if !trace_done && !storage.exists(&shard_file(shard))? {
            pending.push((shard, *shard_docs));
        }
    }
    let n_reused = shards.len() - pending.len();
    if trace_done {
        run.skipped(Stage::Trace, shards.len());
    } else {
        let n_pending_docs: usize = pending.iter().map(|(_, d)| d.len()).sum();
        let n_done_before = (docs.len() - n_pending_docs) as u64;
        progress(&ClusterEvent::Started {
            stage: Stage::Trace,
            total: docs.len() as u64,
            done: n_done_before,
        });
        let counter = AtomicU64::new(n_done_before);
        let resolve = |id: &str| {
            index.doc_id(id).filter(|doc| allowed.as_ref().is_none_or(|a| a.contains(doc)))
        };
        // Popular sources are candidates of many traces: keep their analyses (about 100 KB
        // each) between traces of both threads.
        let tracer = index.tracer_with_cache(job.trace.clone(), CANDIDATE_CACHE_DOCS);
        pending.par_iter().try_for_each(|(shard, shard_docs)| -> Result<()> {
            let mut traced = Vec::with_capacity(shard_docs.len());
            for &doc_id in *shard_docs {
                let Some(doc) = index.document(doc_id)? else { continue };
                let partners = partners.of(doc_id);
                let unsourced = partners.is_empty().then(|| {
                    unsourced_document(
                        doc_id,
                        &doc,
                        &job.trace.shingle,
                        &boilerplate_set,
                        &|h| index.doc_freq(h),
                        job.trace.common_sentence_docs,
                        job.trace.limits.max_sentence_tokens,
                    )
                });
                if let Some(Some(done)) = unsourced {
                    traced.push(done);
                } else {
                    // Long sentences are windowed by the trace: trace those documents, against
                    // nothing when they have no partner.
                    let lonely;
                    let with_partners;
                    let candidates: &dyn Candidates = if partners.is_empty() {
                        lonely = LonelyCandidates::new(index, &doc.text, &job.trace.shingle);
                        &lonely
                    } else {
                        with_partners = PartnerCandidates { index, partners };
                        &with_partners
                    };
                    traced.push(trace_document(
                        doc_id,
                        &doc,
                        candidates,
                        &tracer,
                        &boilerplate_set,
                        &resolve,
                        &job.cluster,
                    ));
                }
                let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
                if done.is_multiple_of(64) {
                    progress(&ClusterEvent::Advanced { stage: Stage::Trace, done });
                }
            }
            write_json_lines(&storage, &shard_file(*shard), &traced)
        })?;
        write_bytes(&storage, &done_file(Stage::Trace), b"done\n")?;
        progress(&ClusterEvent::Advanced { stage: Stage::Trace, done: docs.len() as u64 });
        run.finished(Stage::Trace, started, n_reused);
    }
    drop(partners);

    // 5. reuse
    let started = Instant::now();
    let mut traced: Vec<TracedDoc> = Vec::with_capacity(docs.len());
    for shard in 0..shards.len() {
        traced.extend(read_json_lines::<TracedDoc>(&storage, &shard_file(shard))?);
    }
    let reuse_done = storage.exists(&done_file(Stage::Reuse))?
        && *storage.read(&done_file(Stage::Reuse))? == *reuse_marker.as_bytes();
    if !reuse_done {
        progress(&ClusterEvent::Started {
            stage: Stage::Reuse,
            total: traced.len() as u64,
            done: 0,
        });
    }
    let mut output = build(&traced, &job.cluster);
    let edges = outlet_edges(&output.links);
    let mut report = publishers(&output.documents, &output.links);
    add_spins(&mut report, &output.spins);
    if reuse_done {
        run.skipped(Stage::Reuse, 0);
    } else {
        fill_passage_texts(index, &mut output)?;
        // A marker of other link knobs must not outlive the files it vouched for.
        if storage.exists(&done_file(Stage::Reuse))? {
            storage.remove(&done_file(Stage::Reuse))?;
        }
        write_reuse(&storage, &output, &edges, &report)?;
        write_bytes(&storage, &done_file(Stage::Reuse), reuse_marker.as_bytes())?;
        run.finished(Stage::Reuse, started, 0);
    }

    let summary =
        summarise(index, out_dir, &docs, &boilerplate, &output, &edges, report, run.stages);
    let summary = ClusterSummary {
        files: list_outputs(&storage)?,
        n_spilled_bytes: pair_stats.n_spilled_bytes,
        pairs: pair_stats,
        ..summary
    };
    let summary_path = storage.path_of(SUMMARY_FILE);
    write_bytes(&storage, SUMMARY_FILE, &to_json(&summary, &summary_path)?)?;
    Ok(summary)
}

/// Reads a whole file of records.
fn read_records<R: Record>(path: &Path) -> Result<Vec<R>> {
    let mut merged = Merged::new(vec![Source::<R>::file(path)?], Vec::new())?;
    let mut out = Vec::new();
    while let Some(record) = merged.next_record()? {
        out.push(record);
    }
    Ok(out)
}

/// A merge of one kind of shard file of the prints stage.
fn merge_shards<R: Record>(
    storage: &FsStorage,
    n_shards: usize,
    name: fn(usize) -> String,
) -> Result<Merged<R>> {
    let sources = (0..n_shards)
        .map(|shard| Source::file(&storage.path_of(&name(shard))))
        .collect::<Result<Vec<_>>>()?;
    Merged::new(sources, Vec::new())
}

/// The prints stage: one sorted run of fingerprints and one of sentence hashes per shard.
/// Returns the number of shards an earlier run had done.
fn prints_stage(
    index: &Index,
    storage: &FsStorage,
    shards: &[&[DocId]],
    job: &ClusterJob,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<usize> {
    let mut pending = Vec::new();
    for (shard, docs) in shards.iter().enumerate() {
        if !storage.exists(&prints_file(shard))? || !storage.exists(&sentences_file(shard))? {
            pending.push((shard, *docs));
        }
    }
    let n_docs: usize = shards.iter().map(|s| s.len()).sum();
    let n_pending: usize = pending.iter().map(|(_, d)| d.len()).sum();
    let done_before = (n_docs - n_pending) as u64;
    progress(&ClusterEvent::Started {
        stage: Stage::Prints,
        total: n_docs as u64,
        done: done_before,
    });
    let counter = AtomicU64::new(done_before);
    let shingle = &job.trace.shingle;
    pending.par_iter().try_for_each(|(shard, docs)| -> Result<()> {
        let mut prints: Vec<PrintRec> = Vec::new();
        let mut sentences: Vec<SentenceRec> = Vec::new();
        for &doc_id in *docs {
            let Some(doc) = index.document(doc_id)? else { continue };
            let (p, s) = document_prints(doc_id, &doc, shingle);
            prints.extend(p);
            sentences.extend(s);
            let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if done.is_multiple_of(256) {
                progress(&ClusterEvent::Advanced { stage: Stage::Prints, done });
            }
        }
        prints.sort_unstable();
        sentences.sort_unstable();
        // A shard counts as done when both its files exist.
        write_records(&storage.path_of(&sentences_file(*shard)), &sentences)?;
        write_records(&storage.path_of(&prints_file(*shard)), &prints)
    })?;
    progress(&ClusterEvent::Advanced { stage: Stage::Prints, done: n_docs as u64 });
    Ok(shards.len() - pending.len())
}

/// The boilerplate stage: count every sentence hash over the shards (a streaming merge), then
/// judge the frequent ones on the sentences of their sampled documents.
fn boilerplate_stage(
    index: &Index,
    storage: &FsStorage,
    n_shards: usize,
    job: &ClusterJob,
) -> Result<Vec<BoilerplateLine>> {
    let config = &job.boilerplate;
    let shingle = &job.trace.shingle;
    let mut merged = merge_shards::<SentenceRec>(storage, n_shards, sentences_file)?;
    let mut frequent: Vec<SentenceCount> = Vec::new();
    let mut current: Option<SentenceCount> = None;
    while let Some(rec) = merged.next_record()? {
        if current.as_ref().is_some_and(|c| c.hash != rec.hash) {
            let count = current.take().unwrap_or_default();
            if count.is_frequent(config) {
                frequent.push(count);
            }
        }
        current
            .get_or_insert_with(|| SentenceCount::new(rec.hash))
            .add(rec.doc, rec.outlet, config);
    }
    if let Some(count) = current.take().filter(|c| c.is_frequent(config)) {
        frequent.push(count);
    }
    // The sentences of every sampled document, from the stored text.
    let mut sampled: Vec<u32> = frequent.iter().flat_map(|c| c.sample.iter().copied()).collect();
    sampled.sort_unstable();
    sampled.dedup();
    let hashes: Vec<Vec<u64>> = sampled
        .par_iter()
        .map(|&doc| {
            let text = index.document(DocId(doc))?.map(|d| d.text).unwrap_or_default();
            Ok(sentence_hashes(&text, shingle).into_iter().map(|(h, _)| h).collect())
        })
        .collect::<Result<_>>()?;
    let lookup = |doc: u32| sampled.binary_search(&doc).ok().map(|i| hashes[i].as_slice());
    let found = judge_boilerplate(&frequent, &lookup, config);
    let mut lines = Vec::with_capacity(found.len());
    for b in found {
        let document = index.document(DocId(b.first_doc as u32))?.unwrap_or_default();
        let analyzed = analyze(&document.text);
        let text = (0..analyzed.sentences.len())
            .find(|&idx| {
                unspun_core::shingle::sentence_hash(&analyzed, idx, shingle) == Some(b.hash)
            })
            .map(|idx| {
                let s = analyzed.sentences[idx];
                document.text[s.byte_start..s.byte_end].chars().take(EXCERPT_CHARS).collect()
            })
            .unwrap_or_default();
        lines.push(BoilerplateLine {
            hash: format!("{:016x}", b.hash),
            n_docs: b.n_docs,
            n_outlets: b.n_outlets,
            scope: b.scope,
            outlet: (b.scope == BoilerplateScope::Outlet)
                .then(|| document.source.clone())
                .flatten(),
            related_share: b.related_share,
            example_id: document.id,
            text,
        });
    }
    // Most widespread first.
    lines.sort_by(|a, b| b.n_docs.cmp(&a.n_docs).then_with(|| a.hash.cmp(&b.hash)));
    Ok(lines)
}

/// The pairs stage: the shards' fingerprints merged into groups, each group's pairs counted
/// under the spill budget, and the pairs sharing enough fingerprints kept.
fn pairs_stage(
    storage: &FsStorage,
    spill_dir: &Path,
    n_shards: usize,
    config: &PairConfig,
    spill_budget: usize,
) -> Result<(Vec<PairRec>, PairStats)> {
    let mut stats = PairStats::default();
    let mut merged = merge_shards::<PrintRec>(storage, n_shards, prints_file)?;
    let mut sorter: Sorter<PairRec> =
        Sorter::new(spill_dir, "pairs", spill_budget, Some(add_counts));
    let mut group: Vec<PrintRec> = Vec::new();
    // Every document's date (for the direction of its pairs), by DocId.
    let mut dates: Vec<i64> = Vec::new();
    let mut failed: Option<Error> = None;
    let mut flush =
        |group: &mut Vec<PrintRec>, stats: &mut PairStats, sorter: &mut Sorter<PairRec>| {
            if group.is_empty() {
                return;
            }
            stats.n_fingerprints += 1;
            if group.len() >= 2 {
                stats.n_shared_fingerprints += 1;
                if group.len() > config.max_doc_freq {
                    stats.n_common_fingerprints += 1;
                } else if group.len() > config.all_pairs_docs {
                    stats.n_star_fingerprints += 1;
                }
            }
            group_pairs(group, config, &mut |pair| {
                stats.n_emitted += 1;
                if failed.is_none()
                    && let Err(e) = sorter.push(pair)
                {
                    failed = Some(e);
                }
            });
            group.clear();
        };
    while let Some(rec) = merged.next_record()? {
        stats.n_prints += 1;
        let at = rec.doc as usize;
        if at >= dates.len() {
            dates.resize(at + 1, crate::prints::UNDATED);
        }
        dates[at] = rec.date;
        if group.last().is_some_and(|g| g.fingerprint != rec.fingerprint) {
            flush(&mut group, &mut stats, &mut sorter);
        }
        group.push(rec);
    }
    flush(&mut group, &mut stats, &mut sorter);
    if let Some(e) = failed {
        return Err(e);
    }
    stats.n_spilled_bytes = sorter.n_spilled_bytes();
    let mut counted = sorter.finish()?;
    let mut pairs: Vec<PairRec> = Vec::new();
    let mut current: Option<PairRec> = None;
    let mut keep = |pair: PairRec, stats: &mut PairStats| {
        stats.n_pairs += 1;
        if pair.n >= config.min_shared {
            let dir = directions(dates[pair.a as usize], dates[pair.b as usize]);
            pairs.push(PairRec { dir, ..pair });
        }
    };
    while let Some(pair) = counted.next_record()? {
        match &mut current {
            Some(c) if *c == pair => add_counts(c, &pair),
            _ => {
                if let Some(done) = current.replace(pair) {
                    keep(done, &mut stats);
                }
            }
        }
    }
    if let Some(done) = current {
        keep(done, &mut stats);
    }
    drop(counted);
    remove_spill_dir(spill_dir)?;
    stats.n_candidates = pairs.len() as u64;
    Ok((pairs, stats))
}

/// Puts the text of each passage cluster's first member in the cluster.
fn fill_passage_texts(index: &Index, output: &mut ClusterOutput) -> Result<()> {
    for cluster in output.passage_clusters.iter_mut().chain(&mut output.boilerplate_passages) {
        let first = &cluster.members[0];
        if let Some(doc) = index.doc_id(&first.id)
            && let Some(document) = index.document(doc)?
        {
            cluster.text = Some(char_excerpt(&document.text, first.char_start, first.char_end));
        }
    }
    Ok(())
}

fn write_reuse(
    storage: &FsStorage,
    output: &ClusterOutput,
    edges: &[OutletEdge],
    report: &[Publisher],
) -> Result<()> {
    write_json_lines(storage, "documents.jsonl", &output.documents)?;
    write_json_lines(storage, "links.jsonl", &output.links)?;
    write_json_lines(storage, "doc_clusters.jsonl", &output.doc_clusters)?;
    write_json_lines(storage, "passage_clusters.jsonl", &output.passage_clusters)?;
    write_json_lines(storage, "boilerplate_passages.jsonl", &output.boilerplate_passages)?;
    write_json_lines(storage, "spins.jsonl", &output.spins)?;
    write_json_lines(storage, "outlet_edges.jsonl", edges)?;
    write_bytes(storage, "outlets.graphml", outlet_graphml(report, edges).as_bytes())?;
    write_bytes(storage, "outlets.dot", outlet_dot(report, edges).as_bytes())?;
    let path = storage.path_of("publishers.json");
    write_bytes(storage, "publishers.json", &to_json(&report, &path)?)
}

fn list_outputs(storage: &FsStorage) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    let mut names = storage.list()?;
    names.sort();
    for name in names {
        if owned_file(&name) && !name.ends_with(TMP_SUFFIX) && name != SUMMARY_FILE {
            let path = storage.path_of(&name);
            let bytes = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
            files.push(OutputFile { name, bytes });
        }
    }
    Ok(files)
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    index: &Index,
    out_dir: &Path,
    docs: &[DocId],
    boilerplate: &[BoilerplateLine],
    output: &ClusterOutput,
    edges: &[OutletEdge],
    report: Vec<Publisher>,
    stages: Vec<StageSummary>,
) -> ClusterSummary {
    let count_by = |names: Vec<String>| {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for name in names {
            match counts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name, 1)),
            }
        }
        counts.sort();
        counts
    };
    ClusterSummary {
        schema: CLUSTER_SCHEMA.to_owned(),
        out_dir: out_dir.to_path_buf(),
        n_index_docs: index.n_docs(),
        n_docs: docs.len(),
        pairs: PairStats::default(),
        n_spilled_bytes: 0,
        n_boilerplate: boilerplate.len(),
        n_boilerplate_outlet: boilerplate
            .iter()
            .filter(|b| b.scope == BoilerplateScope::Outlet)
            .count(),
        n_links: output.links.len(),
        n_strong_links: output.links.iter().filter(|l| l.strong).count(),
        links_by_kind: count_by(
            output
                .links
                .iter()
                .map(|l| unspun_core::cluster::link_kind_name(l.kind).to_owned())
                .collect(),
        ),
        verdicts: count_by(
            output
                .documents
                .iter()
                .map(|d| {
                    serde_json::to_value(d.verdict)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .collect(),
        ),
        n_doc_clusters: output.doc_clusters.len(),
        n_clustered_docs: output.doc_clusters.iter().map(|c| c.n_members).sum(),
        n_passage_clusters: output.passage_clusters.len(),
        n_boilerplate_passages: output.boilerplate_passages.len(),
        n_outlet_edges: edges.len(),
        n_spins: output.spins.len(),
        publishers: report,
        stages,
        files: Vec::new(),
    }
}
