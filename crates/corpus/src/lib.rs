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
//!    `sentences-00000.bin`), and its documents' own fingerprints for the trace stage
//!    (`docprints-00000.bin`, [`docprints::DocPrints`]).
//! 2. `boilerplate` (reduce by sentence hash): count, then judge →
//!    `boilerplate.jsonl`.
//! 3. `pairs` (reduce by fingerprint, on every core): ranges of the fingerprint space read
//!    from every shard and counting-sorted by worker threads; candidate document pairs from
//!    the fingerprints they share (document-frequency cut, counts spilled to disk in sorted
//!    runs per partition of the lower DocId under [`ClusterJob::spill_budget_bytes`], the
//!    partitions merged in parallel) → `pairs.bin`, `pairs.json`; and, in memory, the
//!    frequency of every shared fingerprint ([`docprints::FreqTable`]).
//! 4. `trace` (map): every document traced against its candidate partners only
//!    ([`align::PartnerCandidates`], answered from the run's own fingerprints and
//!    frequencies, not the index's postings), in shards of [`ClusterJob::shard_docs`] documents
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
//! boilerplate stage merges the sorted shard files; the pairs stage holds the ranges being
//! sorted and the pair buffers (within the spill budget), the frequency table and the
//! candidate pairs (16 bytes each in memory); the trace stage one shard per thread and the
//! frequency table (12 bytes a shared fingerprint); the reuse stage
//! (`unspun_core::cluster::stream`) reads the trace shards one at a time and holds a few
//! numbers per document and per passage.

#![warn(missing_docs)]

pub mod align;
pub mod dedup;
pub mod docprints;
mod driver;
mod files;
pub mod input;
mod job;
pub mod pairs;
pub mod prints;
pub mod profiles;
pub mod spill;
mod stage;

pub use driver::run_cluster;
pub use files::PRINT_SHARD_DOCS;
pub use input::{InputReport, run_cluster_inputs};
pub use job::{
    BoilerplateLine, ClusterEvent, ClusterJob, ClusterSummary, CorpusFilter, OutputFile, Stage,
    StageSummary,
};
pub use stage::boilerplate::{boilerplate_line, sort_boilerplate_lines};
pub use stage::reuse::{
    EachTracedDoc, ReuseCounts, TextOf, each_traced_doc, passage_text_ids, reuse_marker,
    reuse_stage,
};
