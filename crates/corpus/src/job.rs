//! The job, its stages, events and summary: the types of `run_cluster`'s interface.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use unspun_core::cluster::ClusterConfig;
use unspun_core::cluster::boilerplate::{BoilerplateConfig, BoilerplateScope};
use unspun_core::cluster::graph::Publisher;
use unspun_core::trace::TraceConfig;
use unspun_core::{Document, Timestamp};

use crate::pairs::{PairConfig, PairStats};

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

    pub(crate) fn is_everything(&self) -> bool {
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
    /// The corpus files read into the run's store (`unspun cluster --input` only).
    Input,
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
            Stage::Input => "input",
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
    /// Pair records the pair stage sorted in this run, after identical fingerprint groups were
    /// folded (0 when an earlier run did it); `pairs.n_emitted` is what they stand for.
    pub n_pair_records: u64,
    /// Boilerplate sentences found.
    pub n_boilerplate: usize,
    /// Of which within one outlet.
    pub n_boilerplate_outlet: usize,
    /// What the reuse stage found: links, verdicts, clusters, outlet edges, spins (flattened:
    /// `summary.json` has `n_links`, `links_by_kind`, … at the top level).
    #[serde(flatten)]
    pub reuse: crate::ReuseCounts,
    /// The publisher report (every outlet, most reused text first).
    pub publishers: Vec<Publisher>,
    /// The stages.
    pub stages: Vec<StageSummary>,
    /// Files written, with sizes.
    pub files: Vec<OutputFile>,
    /// What reading the corpus files found (`unspun cluster --input` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<crate::input::InputReport>,
}

/// The parameters of a run (`run.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunParams {
    pub(crate) schema: String,
    pub(crate) index_generation: u64,
    pub(crate) n_index_docs: u64,
    pub(crate) filter: CorpusFilter,
    pub(crate) shard_docs: usize,
    /// xxh3 of every knob, printed with `{:?}`.
    pub(crate) knobs_hash: String,
    /// For a run over corpus files: the key of the inputs its store was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inputs: Option<String>,
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
