//! The local driver: runs (or resumes) the stages in order, each skipped when its marker
//! says an earlier run finished it.

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use unspun_core::DocId;
use unspun_core::cluster::boilerplate::BoilerplateScope;
use unspun_core::cluster::graph::Publisher;
use unspun_core::cluster::stream::ReuseBuilder;
use unspun_core::cluster::{
    CLUSTER_SCHEMA, TracedDoc, trace_document, unsourced_document, unsourced_from_profile,
};
use unspun_core::trace::{Candidates, TraceConfig, Tracer};
use unspun_index::{Error, FsStorage, Index, LOCK_FILE, Result, Storage};

use crate::align::{LonelyCandidates, Lookups, PartnerCandidates, Partners};
use crate::docprints::{DocPrints, FreqTable, docprints_file, load_counts, save_counts};
use crate::pairs::{PairRec, PairStats};
use crate::profiles::{Profiled, Profiles, profiles_file};
use crate::spill::{remove_spill_dir, write_records};

use crate::files::*;
use crate::input::InputRun;
use crate::job::*;

use crate::stage::boilerplate::{CommonSentences, boilerplate_stage};
use crate::stage::pairs::pairs_stage;
use crate::stage::prints::prints_stage;
use crate::stage::reuse::{
    ReuseCounts, each_traced_doc, index_order, index_text, write_reuse_streamed,
};

/// The index's block cache set to a budget until dropped, then to what it was before
/// ([`Index::set_block_cache`]), on every path out of the run.
struct BlockCache<'a> {
    index: &'a Index,
    before: usize,
}

impl<'a> BlockCache<'a> {
    fn set(index: &'a Index, bytes: usize) -> Self {
        let before = index.block_cache();
        index.set_block_cache(bytes);
        BlockCache { index, before }
    }
}

impl Drop for BlockCache<'_> {
    fn drop(&mut self) {
        self.index.set_block_cache(self.before);
    }
}

/// How a stage was run, for the summary.
pub(crate) struct StageRun<'a> {
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
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let storage = FsStorage::new(out_dir);
    // One run at a time in a directory.
    let _lock = storage.lock()?;
    run_locked(index, &storage, out_dir, job, None, progress)
}

/// [`run_cluster`] in `out_dir` (`storage`), whose lock the caller holds; `input` when the
/// run's documents were read from corpus files into a store of documents only.
pub(crate) fn run_locked(
    index: &Index,
    storage: &FsStorage,
    out_dir: &Path,
    job: &ClusterJob,
    input: Option<InputRun>,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<ClusterSummary> {
    // The index's fingerprint scheme, whatever `job.trace.shingle` says; `run.json` records it.
    let job = &ClusterJob {
        trace: TraceConfig { shingle: index.config().shingle.clone(), ..job.trace.clone() },
        ..job.clone()
    };
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
        inputs: input.as_ref().map(|i| i.key.clone()),
    };
    let spill_dir = open_run(storage, out_dir, job, &params)?;

    let docs = run_documents(index, &job.filter)?;
    let allowed: Option<HashSet<DocId>> =
        (!job.filter.is_everything()).then(|| docs.iter().copied().collect());
    let mut run = StageRun { stages: Vec::new(), progress };

    // 1. prints
    let print_shards: Vec<&[DocId]> = docs.chunks(prints_shard_docs).collect();
    let started = Instant::now();
    if storage.exists(&done_file(Stage::Prints))? {
        run.skipped(Stage::Prints, print_shards.len());
    } else {
        let reused = prints_stage(index, storage, &print_shards, job, progress)?;
        write_scratch_bytes(storage, &done_file(Stage::Prints), b"done\n")?;
        run.finished(Stage::Prints, started, reused);
    }

    // A trace stage still to run needs the counts of stages 2 and 3: kept in files when
    // those stages are done and it is not.
    let trace_done = storage.exists(&done_file(Stage::Trace))?;

    // 2. boilerplate
    let (boilerplate, common_sentences) =
        boilerplate_or_resume(index, storage, print_shards.len(), job, !trace_done, &mut run)?;
    // Counted over the run's documents: the index's frequencies only when they are all of it.
    let common_sentences = common_sentences.filter(|_| job.filter.is_everything());
    let boilerplate_set: HashSet<u64> =
        boilerplate.iter().filter_map(|b| u64::from_str_radix(&b.hash, 16).ok()).collect();

    // 3. pairs
    let n_ids = docs.last().map_or(0, |d| d.0 as usize + 1);
    let (pairs, pair_stats, freqs) = pairs_or_resume(
        storage,
        &spill_dir,
        print_shards.len(),
        n_ids,
        job,
        spill_budget,
        !trace_done,
        &mut run,
    )?;
    let partners = Partners::from_pairs(&pairs, n_ids);
    drop(pairs);
    // Counted over the run's documents: the index's frequencies only when they are all of it.
    let freqs = freqs.filter(|_| job.filter.is_everything());

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

    // 4. trace and 5. reuse read each document's partners in no order: their blocks are
    // decompressed once while they fit (the caller's budget is back when this returns).
    let block_cache = BlockCache::set(index, TRACE_BLOCK_CACHE_BYTES);

    // 4. trace
    let started = Instant::now();
    let shards: Vec<&[DocId]> = docs.chunks(shard_docs).collect();
    // The documents' own fingerprints from the prints stage (none when an earlier run removed
    // them: the trace then asks the index, with the same answers).
    let doc_prints = if trace_done { None } else { DocPrints::open(storage, print_shards.len())? };
    // Likewise the profiles of documents without partners (without them, each is analysed).
    let profiles = if trace_done { None } else { Profiles::open(storage, print_shards.len())? };
    // A store of documents only has no postings: the run's own records must answer.
    if index.config().documents_only && !trace_done {
        let missing = [
            (doc_prints.is_none(), "the prints stage's document fingerprints (docprints-*.bin)"),
            (freqs.is_none(), "the pairs stage's frequencies (freqs.bin)"),
            (common_sentences.is_none(), "the common sentences (common-sentences.bin)"),
        ];
        if let Some((_, what)) = missing.iter().find(|(gone, _)| *gone) {
            return Err(Error::RunMismatch {
                path: out_dir.to_path_buf(),
                reason: format!(
                    "holds a run over corpus files whose trace stage needs {what}, which is \
                     gone: rerun with --fresh"
                ),
            });
        }
    }
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
        let ctx = TraceContext {
            index,
            job,
            partners: &partners,
            boilerplate: &boilerplate_set,
            common_sentences: common_sentences.as_ref(),
            resolve: &resolve,
            tracer: &tracer,
            doc_prints: doc_prints.as_ref(),
            profiles: profiles.as_ref(),
            freqs: freqs.as_ref(),
        };
        pending.par_iter().try_for_each(|(shard, shard_docs)| -> Result<()> {
            let mut traced = Vec::with_capacity(shard_docs.len());
            let lookups = RefCell::new(Lookups::default());
            for &doc_id in *shard_docs {
                if let Some(done) = ctx.trace(doc_id, &lookups)? {
                    traced.push(done);
                }
                let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
                if done.is_multiple_of(64) {
                    progress(&ClusterEvent::Advanced { stage: Stage::Trace, done });
                }
            }
            write_scratch_json_lines(storage, &shard_file(*shard), &traced)
        })?;
        write_scratch_bytes(storage, &done_file(Stage::Trace), b"done\n")?;
        progress(&ClusterEvent::Advanced { stage: Stage::Trace, done: docs.len() as u64 });
        run.finished(Stage::Trace, started, n_reused);
    }
    drop(partners);
    drop(freqs);
    drop(doc_prints);
    drop(profiles);
    if !job.keep_intermediate {
        let names = (0..print_shards.len()).flat_map(|s| [docprints_file(s), profiles_file(s)]);
        for name in names.chain([FREQS_FILE.to_owned(), COMMON_SENTENCES_FILE.to_owned()]) {
            if storage.exists(&name)? {
                storage.remove(&name)?;
            }
        }
    }

    // 5. reuse: the trace shards are read twice, one at a time, and kept compact (see
    // `unspun_core::cluster::stream`); the files are written a chunk of values at a time.
    let started = Instant::now();
    let reuse_done = storage.exists(&done_file(Stage::Reuse))?
        && *storage.read(&done_file(Stage::Reuse))? == *reuse_marker.as_bytes();
    let mut builder = ReuseBuilder::new(&job.cluster);
    each_traced_doc(storage, shards.len(), &mut |doc| builder.add_doc(doc))?;
    if !reuse_done {
        progress(&ClusterEvent::Started {
            stage: Stage::Reuse,
            total: builder.n_docs() as u64,
            done: 0,
        });
    }
    each_traced_doc(storage, shards.len(), &mut |doc| builder.add_substitutions(doc))?;
    let output = builder.finish();
    let text_of = index_text(index);
    let order_of = index_order(index);
    let (reuse_counts, report) = if reuse_done {
        run.skipped(Stage::Reuse, 0);
        write_reuse_streamed(storage, &text_of, Some(&order_of), &output, false)?
    } else {
        // A marker of other link knobs must not outlive the files it vouched for.
        if storage.exists(&done_file(Stage::Reuse))? {
            storage.remove(&done_file(Stage::Reuse))?;
        }
        let written = write_reuse_streamed(storage, &text_of, Some(&order_of), &output, true)?;
        write_bytes(storage, &done_file(Stage::Reuse), reuse_marker.as_bytes())?;
        run.finished(Stage::Reuse, started, 0);
        written
    };
    drop(output);
    drop(block_cache);
    close_scratch(storage)?;

    let mut stages = run.stages;
    if let Some(input) = &input {
        stages.insert(0, input.stage.clone());
    }
    let summary = summarise(index, out_dir, &docs, &boilerplate, reuse_counts, report, stages);
    let summary = ClusterSummary {
        input: input.map(|input| input.report),
        files: list_outputs(storage)?,
        n_spilled_bytes: pair_stats.n_spilled_bytes,
        n_pair_records: pair_stats.n_pair_records,
        pairs: pair_stats,
        ..summary
    };
    let summary_path = storage.path_of(SUMMARY_FILE);
    write_bytes(storage, SUMMARY_FILE, &to_json(&summary, &summary_path)?)?;
    Ok(summary)
}

/// Stage 2, `boilerplate`: its lines, read back when an earlier run finished it, and the
/// common sentences it counted (kept in [`COMMON_SENTENCES_FILE`] for a run over the whole
/// index, and read back when `for_trace`; `None` without them: the trace stage then asks the
/// index).
fn boilerplate_or_resume(
    index: &Index,
    storage: &FsStorage,
    n_shards: usize,
    job: &ClusterJob,
    for_trace: bool,
    run: &mut StageRun<'_>,
) -> Result<(Vec<BoilerplateLine>, Option<CommonSentences>)> {
    let started = Instant::now();
    if storage.exists(&done_file(Stage::Boilerplate))? {
        run.skipped(Stage::Boilerplate, 0);
        let common = if for_trace { load_counts(storage, COMMON_SENTENCES_FILE)? } else { None };
        return Ok((read_json_lines(storage, BOILERPLATE_FILE)?, common));
    }
    (run.progress)(&ClusterEvent::Started {
        stage: Stage::Boilerplate,
        total: n_shards as u64,
        done: 0,
    });
    let (lines, common) = boilerplate_stage(index, storage, n_shards, job)?;
    write_scratch_json_lines(storage, BOILERPLATE_FILE, &lines)?;
    if let Some(common) = common.as_ref().filter(|_| job.filter.is_everything()) {
        save_counts(storage, COMMON_SENTENCES_FILE, common)?;
    }
    write_scratch_bytes(storage, &done_file(Stage::Boilerplate), b"done\n")?;
    run.finished(Stage::Boilerplate, started, 0);
    Ok((lines, common))
}

/// Stage 3, `pairs`: the candidate pairs and the stage's counts, read back when an earlier run
/// finished it, and the frequencies of the shared fingerprints (kept in [`FREQS_FILE`] for a
/// run over the whole index, and read back when `for_trace`; `None` without them: the trace
/// stage then asks the index).
#[allow(clippy::too_many_arguments)]
fn pairs_or_resume(
    storage: &FsStorage,
    spill_dir: &Path,
    n_shards: usize,
    n_ids: usize,
    job: &ClusterJob,
    spill_budget: usize,
    for_trace: bool,
    run: &mut StageRun<'_>,
) -> Result<(Vec<PairRec>, PairStats, Option<FreqTable>)> {
    let started = Instant::now();
    if storage.exists(&done_file(Stage::Pairs))? {
        run.skipped(Stage::Pairs, 0);
        let stats: PairStats =
            serde_json::from_slice(&storage.read(PAIR_STATS_FILE)?).map_err(|e| {
                Error::corrupt(
                    storage.path_of(PAIR_STATS_FILE),
                    format!("{e} (rerun with --fresh)"),
                )
            })?;
        let freqs = if for_trace { FreqTable::load(storage, FREQS_FILE)? } else { None };
        return Ok((read_records::<PairRec>(&storage.path_of(PAIRS_FILE))?, stats, freqs));
    }
    (run.progress)(&ClusterEvent::Started { stage: Stage::Pairs, total: n_shards as u64, done: 0 });
    let (pairs, stats, freqs) =
        pairs_stage(storage, spill_dir, n_shards, n_ids, &job.pairs, spill_budget)?;
    write_records(&storage.path_of(PAIRS_FILE), &pairs)?;
    if job.filter.is_everything() {
        freqs.save(storage, FREQS_FILE)?;
    }
    let stats_path = storage.path_of(PAIR_STATS_FILE);
    write_scratch_bytes(storage, PAIR_STATS_FILE, &to_json(&stats, &stats_path)?)?;
    write_scratch_bytes(storage, &done_file(Stage::Pairs), b"done\n")?;
    run.finished(Stage::Pairs, started, 0);
    Ok((pairs, stats, Some(freqs)))
}

/// Checks that `storage` holds no run, or a run with these `params` (or removes its own files
/// with `--fresh`), clears the spill directory of a killed run and writes `run.json`. Returns
/// the spill directory. The caller holds the directory's lock.
fn open_run(
    storage: &FsStorage,
    out_dir: &Path,
    job: &ClusterJob,
    params: &RunParams,
) -> Result<PathBuf> {
    let run_path = storage.path_of(RUN_FILE);
    let has_run = storage.exists(RUN_FILE)?;
    let has_outputs =
        storage.list()?.iter().any(|name| owned_file(name) && name.as_str() != LOCK_FILE);
    if !has_run && has_outputs {
        // Without run.json nothing proves these files are a run's: never remove them.
        return Err(Error::RunMismatch {
            path: run_path,
            reason: "missing, but the directory holds files named like cluster outputs; remove \
                     them yourself or choose another --out"
                .to_owned(),
        });
    }
    if job.fresh {
        remove_run_outputs(storage)?;
    } else if storage.exists(RUN_FILE)? {
        let bytes = storage.read(RUN_FILE)?;
        let earlier: Option<RunParams> = serde_json::from_slice(&bytes).ok();
        if earlier.as_ref() != Some(params) {
            return Err(Error::RunMismatch {
                path: run_path,
                reason: "the directory holds a run with other parameters (another index \
                         generation, filter or option); pass --fresh to start over, or choose \
                         another --out"
                    .to_owned(),
            });
        }
    }
    if !job.fresh {
        discard_scratch_of_other_boot(storage)?;
    }
    // Run files of a killed run are the only thing in the spill directory.
    let spill_dir = out_dir.join(SPILL_DIR);
    remove_spill_dir(&spill_dir)?;
    write_bytes(storage, RUN_FILE, &to_json(params, &run_path)?)?;
    record_scratch_boot(storage)?;

    Ok(spill_dir)
}

/// The documents of the run, in index order: every live one, or those `filter` accepts.
fn run_documents(index: &Index, filter: &CorpusFilter) -> Result<Vec<DocId>> {
    let mut all: Vec<DocId> = index.live_docs();
    all.sort_unstable();
    if filter.is_everything() {
        return Ok(all);
    }
    let keep: Vec<bool> = all
        .par_iter()
        .map(|&doc| index.document(doc).map(|d| d.is_some_and(|d| filter.accepts(&d))))
        .collect::<Result<_>>()?;
    Ok(all.into_iter().zip(keep).filter_map(|(doc, keep)| keep.then_some(doc)).collect())
}

/// What tracing one document of the run needs.
struct TraceContext<'a> {
    index: &'a Index,
    job: &'a ClusterJob,
    partners: &'a Partners,
    boilerplate: &'a HashSet<u64>,
    /// The sentences in at least `common_sentence_docs` documents, when the boilerplate stage
    /// counted them over the whole index in this process.
    common_sentences: Option<&'a CommonSentences>,
    resolve: &'a (dyn Fn(&str) -> Option<DocId> + Sync),
    tracer: &'a Tracer,
    /// The documents' own fingerprints, when the prints stage's files are there.
    doc_prints: Option<&'a DocPrints>,
    /// The documents' unsourced profiles, when the prints stage's files are there.
    profiles: Option<&'a Profiles>,
    /// The frequencies of the run's shared fingerprints, when the pairs stage counted them in
    /// this process over the whole index.
    freqs: Option<&'a FreqTable>,
}

impl TraceContext<'_> {
    /// The trace of one document against its candidate partners (`None` when it is gone). A
    /// document without partners gets one analysis instead, unless a sentence is long enough
    /// to be windowed by the trace: it is then traced against nothing. `lookups` is the
    /// thread's table of index lookups, reused from document to document.
    fn trace(&self, doc_id: DocId, lookups: &RefCell<Lookups>) -> Result<Option<TracedDoc>> {
        let (index, job) = (self.index, self.job);
        let Some(doc) = index.document(doc_id)? else { return Ok(None) };
        let partners = self.partners.of(doc_id);
        // `unsourced_document` only asks whether a sentence is in `common_sentence_docs`
        // documents or more: the counted common sentences answer that (0 for the others)
        // without a lookup in every segment of the index.
        let doc_freq = |h: u64| match self.common_sentences {
            Some(common) => common.get(&h).copied().unwrap_or(0),
            None => index.doc_freq(h),
        };
        if partners.is_empty() {
            // The prints stage's profile when it wrote one: no second analysis of the text.
            let profiled = match self.profiles {
                Some(profiles) => profiles.read(doc_id)?,
                None => Profiled::Missing,
            };
            let done = match profiled {
                Profiled::Profile(profile) => Some(unsourced_from_profile(
                    doc_id,
                    &doc,
                    &profile,
                    self.boilerplate,
                    &doc_freq,
                    job.trace.common_sentence_docs,
                )),
                Profiled::MustTrace => None,
                Profiled::Missing => unsourced_document(
                    doc_id,
                    &doc,
                    &job.trace.shingle,
                    self.boilerplate,
                    &doc_freq,
                    job.trace.common_sentence_docs,
                    job.trace.limits.max_sentence_tokens,
                ),
            };
            if let Some(done) = done {
                return Ok(Some(done));
            }
        }
        let lonely;
        let with_partners;
        let candidates: &dyn Candidates = if partners.is_empty() {
            lonely = LonelyCandidates {
                common: self.common_sentences.filter(|_| index.config().documents_only),
                ..LonelyCandidates::new(index, &doc.text, &job.trace.shingle)
            };
            &lonely
        } else {
            with_partners = match self.doc_prints {
                Some(prints) => PartnerCandidates::with_prints(
                    index, doc_id, partners, lookups, prints, self.freqs,
                )?,
                None => PartnerCandidates::new(index, partners, lookups),
            };
            &with_partners
        };
        Ok(Some(trace_document(
            doc_id,
            &doc,
            candidates,
            self.tracer,
            self.boilerplate,
            self.resolve,
            &job.cluster,
        )))
    }
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    index: &Index,
    out_dir: &Path,
    docs: &[DocId],
    boilerplate: &[BoilerplateLine],
    reuse: ReuseCounts,
    report: Vec<Publisher>,
    stages: Vec<StageSummary>,
) -> ClusterSummary {
    ClusterSummary {
        schema: CLUSTER_SCHEMA.to_owned(),
        out_dir: out_dir.to_path_buf(),
        n_index_docs: index.n_docs(),
        n_docs: docs.len(),
        pairs: PairStats::default(),
        n_spilled_bytes: 0,
        n_pair_records: 0,
        n_boilerplate: boilerplate.len(),
        n_boilerplate_outlet: boilerplate
            .iter()
            .filter(|b| b.scope == BoilerplateScope::Outlet)
            .count(),
        reuse,
        publishers: report,
        stages,
        files: Vec::new(),
        input: None,
    }
}
