//! Corpus-wide reuse over an index (`unspun cluster`): deterministic, restartable batch stages
//! that write plain files into an output directory.
//!
//! Stages, each writing its files atomically (tmp → fsync → rename) and a `<stage>.done`
//! marker last, so that a rerun after a kill skips what is finished:
//!
//! 1. `scan`: the whole-sentence hashes of every document in the run →
//!    [`find_boilerplate`] → `boilerplate.jsonl`.
//! 2. `trace`: every document traced against the others ([`trace_document`]), in shards of
//!    [`ClusterJob::shard_docs`] documents (`trace-00000.jsonl`, …), both cores; a rerun
//!    traces only the missing shards.
//! 3. `reuse`: the shards → [`build`] → `documents.jsonl`, `links.jsonl`,
//!    `doc_clusters.jsonl`, `passage_clusters.jsonl`, `boilerplate_passages.jsonl`,
//!    `spins.jsonl`, `outlet_edges.jsonl`, `outlets.graphml`, `outlets.dot`,
//!    `publishers.json`. Its marker
//!    holds a hash of [`ClusterConfig`]: other link thresholds rerun this stage only.
//!
//! `run.json` records the parameters (index generation, filter, the knobs of the first two
//! stages); a rerun with
//! other parameters is refused unless `fresh` is set, so that a directory never mixes runs.
//! Memory: the scan holds the sentence hashes of the run (16 bytes a sentence), the trace
//! stage one shard per thread, the reuse stage the passages of the run (not all pairs of
//! documents: only pairs that share a passage exist at all).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use unspun_core::cluster::boilerplate::{
    BoilerplateConfig, BoilerplateScope, DocSentences, find_boilerplate, sentence_hashes,
};
use unspun_core::cluster::graph::{
    OutletEdge, Publisher, add_spins, outlet_dot, outlet_edges, outlet_graphml, publishers,
};
use unspun_core::cluster::{
    CLUSTER_SCHEMA, ClusterConfig, ClusterOutput, TracedDoc, build, trace_document,
};
use unspun_core::text::analyze;
use unspun_core::trace::{Candidates, TraceConfig};
use unspun_core::{DocId, Document, Timestamp};

use crate::storage::{FsStorage, Storage, TMP_SUFFIX};
use crate::{Error, Index, Result};

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
    /// Documents per trace shard (0: 1000).
    pub shard_docs: usize,
    /// Start over: remove the outputs of an earlier run in the directory first.
    pub fresh: bool,
}

/// The stages of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Sentence hashes and boilerplate.
    Scan,
    /// Every document traced.
    Trace,
    /// Links, clusters, graph, publishers.
    Reuse,
}

impl Stage {
    /// The stage's name (as in file names and reports).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Scan => "scan",
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
    /// Shards traced by an earlier run (trace stage only).
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
const DEFAULT_SHARD_DOCS: usize = 1000;
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

fn owned_file(name: &str) -> bool {
    let name = name.strip_suffix(TMP_SUFFIX).unwrap_or(name);
    name == RUN_FILE
        || name == SUMMARY_FILE
        || name == BOILERPLATE_FILE
        || REUSE_FILES.contains(&name)
        || name.ends_with(".done")
        || (name.starts_with("trace-") && name.ends_with(".jsonl"))
}

/// `index` restricted to the documents of a run.
struct RunCandidates<'a> {
    index: &'a Index,
    /// `None`: every document.
    allowed: Option<&'a HashSet<DocId>>,
}

impl Candidates for RunCandidates<'_> {
    fn n_docs(&self) -> u64 {
        self.index.n_docs()
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        // Frequencies stay those of the whole index: common text is common whatever the run.
        self.index.doc_freq(fingerprint)
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        let start = out.len();
        self.index.postings(fingerprint, out);
        if let Some(allowed) = self.allowed {
            let mut kept = start;
            for i in start..out.len() {
                if allowed.contains(&out[i]) {
                    out[kept] = out[i];
                    kept += 1;
                }
            }
            out.truncate(kept);
        }
    }
    fn document(&self, doc: DocId) -> Option<Document> {
        if self.allowed.is_some_and(|a| !a.contains(&doc)) {
            return None;
        }
        self.index.document(doc).ok().flatten()
    }
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        Some(self.index.has_outlet_like(outlet))
    }
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
    // The knobs of the scan and trace stages; those of the reuse stage only rerun that stage
    // (its marker holds their hash), so trying other link thresholds costs seconds.
    let c = &job.cluster;
    let knobs = format!(
        "{:?}|{:?}|{}|{}|{}",
        job.trace,
        job.boilerplate,
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
    } else if storage.list()?.iter().any(|name| owned_file(name)) {
        return Err(Error::RunMismatch {
            path: run_path,
            reason: "missing, but the directory holds cluster outputs; pass --fresh".to_owned(),
        });
    }
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
    let candidates = RunCandidates { index, allowed: allowed.as_ref() };
    let mut stages = Vec::new();

    // 1. scan
    let started = Instant::now();
    let boilerplate: Vec<BoilerplateLine> = if storage.exists(&done_file(Stage::Scan))? {
        progress(&ClusterEvent::Finished { stage: Stage::Scan, skipped: true, secs: 0.0 });
        stages.push(StageSummary {
            stage: Stage::Scan,
            skipped: true,
            secs: 0.0,
            n_shards_reused: 0,
        });
        read_json_lines(&storage, BOILERPLATE_FILE)?
    } else {
        progress(&ClusterEvent::Started { stage: Stage::Scan, total: docs.len() as u64, done: 0 });
        let lines = scan(index, &docs, job, progress)?;
        write_json_lines(&storage, BOILERPLATE_FILE, &lines)?;
        write_bytes(&storage, &done_file(Stage::Scan), b"done\n")?;
        let secs = started.elapsed().as_secs_f64();
        progress(&ClusterEvent::Finished { stage: Stage::Scan, skipped: false, secs });
        stages.push(StageSummary { stage: Stage::Scan, skipped: false, secs, n_shards_reused: 0 });
        lines
    };
    let boilerplate_set: HashSet<u64> =
        boilerplate.iter().filter_map(|b| u64::from_str_radix(&b.hash, 16).ok()).collect();

    // 2. trace
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
        progress(&ClusterEvent::Finished { stage: Stage::Trace, skipped: true, secs: 0.0 });
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
                traced.push(trace_document(
                    doc_id,
                    &doc,
                    &candidates,
                    &tracer,
                    &boilerplate_set,
                    &resolve,
                    &job.cluster,
                ));
                let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
                if done.is_multiple_of(64) {
                    progress(&ClusterEvent::Advanced { stage: Stage::Trace, done });
                }
            }
            write_json_lines(&storage, &shard_file(*shard), &traced)
        })?;
        write_bytes(&storage, &done_file(Stage::Trace), b"done\n")?;
        progress(&ClusterEvent::Advanced { stage: Stage::Trace, done: docs.len() as u64 });
        let secs = started.elapsed().as_secs_f64();
        progress(&ClusterEvent::Finished { stage: Stage::Trace, skipped: false, secs });
    }
    stages.push(StageSummary {
        stage: Stage::Trace,
        skipped: trace_done,
        secs: if trace_done { 0.0 } else { started.elapsed().as_secs_f64() },
        n_shards_reused: if trace_done { shards.len() } else { n_reused },
    });

    // 3. reuse
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
        progress(&ClusterEvent::Finished { stage: Stage::Reuse, skipped: true, secs: 0.0 });
    } else {
        fill_passage_texts(index, &mut output)?;
        write_reuse(&storage, &output, &edges, &report)?;
        write_bytes(&storage, &done_file(Stage::Reuse), reuse_marker.as_bytes())?;
        let secs = started.elapsed().as_secs_f64();
        progress(&ClusterEvent::Finished { stage: Stage::Reuse, skipped: false, secs });
    }
    stages.push(StageSummary {
        stage: Stage::Reuse,
        skipped: reuse_done,
        secs: if reuse_done { 0.0 } else { started.elapsed().as_secs_f64() },
        n_shards_reused: 0,
    });

    let summary = summarise(index, out_dir, &docs, &boilerplate, &output, &edges, report, stages);
    let summary = ClusterSummary { files: list_outputs(&storage)?, ..summary };
    let summary_path = storage.path_of(SUMMARY_FILE);
    write_bytes(&storage, SUMMARY_FILE, &to_json(&summary, &summary_path)?)?;
    Ok(summary)
}

/// The scan stage: boilerplate over the run's documents.
fn scan(
    index: &Index,
    docs: &[DocId],
    job: &ClusterJob,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<Vec<BoilerplateLine>> {
    let shingle = &job.trace.shingle;
    let counter = AtomicU64::new(0);
    let scanned: Vec<(Option<String>, Vec<u64>)> = docs
        .par_iter()
        .map(|&doc| {
            let document = index.document(doc)?.unwrap_or_default();
            let hashes = sentence_hashes(&document.text, shingle).into_iter().map(|(h, _)| h);
            let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if done.is_multiple_of(1024) {
                progress(&ClusterEvent::Advanced { stage: Stage::Scan, done });
            }
            Ok((document.source, hashes.collect()))
        })
        .collect::<Result<_>>()?;
    // Outlets numbered in order of first appearance: deterministic.
    let mut outlet_numbers: HashMap<String, u32> = HashMap::new();
    let mut outlet_names: Vec<String> = Vec::new();
    let sentences: Vec<DocSentences> = scanned
        .into_iter()
        .map(|(outlet, hashes)| DocSentences {
            outlet: outlet.map(|name| {
                *outlet_numbers.entry(name.clone()).or_insert_with(|| {
                    outlet_names.push(name);
                    (outlet_names.len() - 1) as u32
                })
            }),
            hashes,
        })
        .collect();
    let found = find_boilerplate(&sentences, &job.boilerplate);
    let mut lines = Vec::with_capacity(found.len());
    for b in found {
        let document = index.document(docs[b.first_doc])?.unwrap_or_default();
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
