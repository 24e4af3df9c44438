//! Stage 3, `pairs`: candidate document pairs from the shards' fingerprints.
//!
//! Two passes, each on every core, with the same bytes out whatever the number of threads:
//!
//! 1. **Emit**: the fingerprint space is cut into ranges (by its top bits: fingerprints are
//!    uniform hashes); workers take ranges in turn, read a range's records from every shard
//!    file (sorted: where each range starts is found first, by binary search), order them by a counting
//!    sort on the next bits of the fingerprint, then walk the groups: stats, the frequency
//!    table (per range, concatenated in range order), each worker's [`GroupFold`] and its
//!    pair buffer. A full buffer is sorted, counts of equal pairs summed, and spilled as one
//!    run file per partition of the lower document id.
//! 2. **Count**: each partition of the lower document id merges its runs and the workers'
//!    last buffers, sums the counts of each pair and keeps the candidates. Partitions hold
//!    ascending ranges of ids, so their candidates, one after the other, are in order.
//!
//! Half the spill budget holds the workers' ranges, half their pair buffers (and an eighth
//! more the folds, as before).

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;
use unspun_index::{Error, FsStorage, Result, Storage};

use crate::docprints::FreqTable;
use crate::pairs::{GroupFold, PairConfig, PairRec, PairStats, add_counts, directions};
use crate::prints::{PrintRec, UNDATED, u64_at};
use crate::spill::{MAX_FAN_IN, Record, combine_sorted, merge_runs, remove_spill_dir, write_run};

use crate::files::*;

/// Partitions of the lower document id counted apart (any number gives the same output).
const N_PARTS: usize = 16;
/// Most fingerprint ranges (a power of two).
const MAX_RANGES: usize = 1 << 12;
/// Memory a fingerprint record of a range takes while it is sorted and walked (as read, as
/// sorted, and its share of the counting sort's buckets).
const RANGE_BYTES_PER_RECORD: usize = PrintRec::SIZE + size_of::<PrintRec>() + 2;

/// The pairs stage: the shards' fingerprints grouped, each group's pairs counted under the
/// spill budget, and the pairs sharing enough fingerprints kept. Also returns the number of
/// documents of every fingerprint held by two or more (for the trace stage). `n_ids` bounds
/// the document ids (a hint for the partitions: any value gives the same output).
pub(crate) fn pairs_stage(
    storage: &FsStorage,
    spill_dir: &Path,
    n_shards: usize,
    n_ids: usize,
    config: &PairConfig,
    spill_budget: usize,
) -> Result<(Vec<PairRec>, PairStats, FreqTable)> {
    let paths: Vec<PathBuf> = (0..n_shards).map(|s| storage.path_of(&prints_file(s))).collect();
    let mut n_bytes = 0u64;
    for path in &paths {
        n_bytes += std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    }
    let n_records = (n_bytes / PrintRec::SIZE as u64) as usize;
    let threads = rayon::current_num_threads().max(1);
    let range_records = (spill_budget / 2 / threads / RANGE_BYTES_PER_RECORD).max(1024);
    let n_ranges =
        n_records.div_ceil(range_records).max(4 * threads).next_power_of_two().min(MAX_RANGES);
    let range_bits = n_ranges.trailing_zeros();
    let shards: Vec<ShardFile> =
        paths.par_iter().map(|path| ShardFile::open(path, range_bits)).collect::<Result<_>>()?;
    let bounds = part_bounds(n_ids);
    let pair_cap = (spill_budget / 2 / threads / size_of::<PairRec>()).max(1024);
    // Document ids each worker's fold may hold: an eighth of the spill budget in all (4 bytes
    // each, plus the map's overhead).
    let fold_docs = (spill_budget / 32 / threads).max(1 << 16);

    let emit = Emit {
        shards: &shards,
        range_bits,
        n_ranges,
        next: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        freqs: Mutex::new(FreqBuilder::default()),
        config,
    };
    let workers: Vec<Result<Worker<'_>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|id| {
                let emit = &emit;
                let mut worker = Worker {
                    stats: PairStats::default(),
                    dates: vec![UNDATED; n_ids],
                    fold: GroupFold::new(fold_docs),
                    pairs: PartSorter::new(spill_dir, id, pair_cap, &bounds),
                };
                scope.spawn(move || -> Result<Worker<'_>> {
                    let done = worker.run(emit);
                    if done.is_err() {
                        emit.stop.store(true, Ordering::Relaxed);
                    }
                    done.map(|()| worker)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut stats = PairStats::default();
    let mut dates: Vec<i64> = vec![UNDATED; n_ids];
    let mut parts: Vec<(Vec<PathBuf>, Vec<Vec<PairRec>>)> =
        (0..N_PARTS).map(|_| (Vec::new(), Vec::new())).collect();
    for worker in workers {
        let worker = worker?;
        let s = &worker.stats;
        stats.n_prints += s.n_prints;
        stats.n_fingerprints += s.n_fingerprints;
        stats.n_shared_fingerprints += s.n_shared_fingerprints;
        stats.n_star_fingerprints += s.n_star_fingerprints;
        stats.n_common_fingerprints += s.n_common_fingerprints;
        stats.n_emitted += s.n_emitted;
        stats.n_pair_records += s.n_pair_records;
        // A document's records all carry its date; a worker that saw none has UNDATED, the
        // largest value.
        if worker.dates.len() > dates.len() {
            dates.resize(worker.dates.len(), UNDATED);
        }
        for (into, date) in dates.iter_mut().zip(&worker.dates) {
            *into = (*into).min(*date);
        }
        let (memory, runs, spilled) = worker.pairs.finish();
        stats.n_spilled_bytes += spilled;
        for (part, (records, runs)) in memory.into_iter().zip(runs).enumerate() {
            parts[part].0.extend(runs);
            parts[part].1.push(records);
        }
    }
    let freqs = emit.freqs.into_inner().unwrap_or_else(|e| e.into_inner()).table;
    drop(shards);

    let counted: Vec<Result<(Vec<PairRec>, u64)>> = parts
        .into_par_iter()
        .enumerate()
        .map(|(part, (runs, memory))| count_part(part, runs, memory, spill_dir, config))
        .collect();
    let mut pairs: Vec<PairRec> = Vec::new();
    for part in counted {
        let (kept, n_pairs) = part?;
        stats.n_pairs += n_pairs;
        pairs.extend(kept);
    }
    for pair in &mut pairs {
        let date = |doc: u32| dates.get(doc as usize).copied().unwrap_or(UNDATED);
        pair.dir = directions(date(pair.a), date(pair.b));
    }
    remove_spill_dir(spill_dir)?;
    stats.n_candidates = pairs.len() as u64;
    Ok((pairs, stats, freqs.finish()))
}

/// `N_PARTS + 1` bounds on the lower document id of a pair: part `p` holds `bounds[p]..
/// bounds[p + 1]` (the last one everything above). Pairs of random documents have a lower id
/// below `a` with a share of `1 - (1 - a / n)²`: the bounds make that even.
fn part_bounds(n_ids: usize) -> Vec<u32> {
    let n = n_ids as f64;
    let mut bounds: Vec<u32> = (0..N_PARTS)
        .map(|p| (n * (1.0 - (1.0 - p as f64 / N_PARTS as f64).sqrt())) as u32)
        .collect();
    bounds.push(u32::MAX);
    bounds
}

/// A range's shared fingerprints (ascending) and their numbers of documents.
type RangeFreqs = (Vec<u64>, Vec<u32>);

/// The frequency table, filled range by range in order: a range done before the ones under
/// it waits (ranges are taken in order: only a few wait, not the whole table twice).
#[derive(Default)]
struct FreqBuilder {
    table: FreqTable,
    /// The next range to add to the table.
    next: usize,
    waiting: BTreeMap<usize, RangeFreqs>,
}

impl FreqBuilder {
    fn add(&mut self, range: usize, freqs: RangeFreqs) {
        self.waiting.insert(range, freqs);
        while let Some((keys, counts)) = self.waiting.remove(&self.next) {
            for (key, count) in keys.into_iter().zip(counts) {
                self.table.push(key, count);
            }
            self.next += 1;
        }
    }
}

/// What the workers of the emit pass share.
struct Emit<'a> {
    shards: &'a [ShardFile],
    range_bits: u32,
    n_ranges: usize,
    /// The next range to take.
    next: AtomicUsize,
    /// A worker failed: the others stop.
    stop: AtomicBool,
    /// The shared fingerprints and their numbers of documents, range by range.
    freqs: Mutex<FreqBuilder>,
    config: &'a PairConfig,
}

/// One worker of the emit pass.
struct Worker<'a> {
    stats: PairStats,
    /// The date of every document seen in a shared group, by DocId.
    dates: Vec<i64>,
    fold: GroupFold,
    pairs: PartSorter<'a>,
}

impl Worker<'_> {
    /// Takes ranges until there are none left.
    fn run(&mut self, emit: &Emit<'_>) -> Result<()> {
        let config = emit.config;
        let mut buckets = Scratch::default();
        let Worker { stats, dates, fold, pairs } = self;
        let push = |pair: PairRec, stats: &mut PairStats, pairs: &mut PartSorter<'_>| {
            stats.n_emitted += u64::from(pair.n);
            stats.n_pair_records += 1;
            pairs.push(pair);
        };
        loop {
            let range = emit.next.fetch_add(1, Ordering::Relaxed);
            if range >= emit.n_ranges || emit.stop.load(Ordering::Relaxed) {
                break;
            }
            let records = gather_range(emit.shards, range, emit.range_bits, &mut buckets)?;
            let mut keys: Vec<u64> = Vec::new();
            let mut counts: Vec<u32> = Vec::new();
            for group in records.chunk_by(|x, y| x.fingerprint == y.fingerprint) {
                stats.n_prints += group.len() as u64;
                stats.count_group(group.len(), config);
                if group.len() < 2 {
                    continue;
                }
                keys.push(group[0].fingerprint);
                counts.push(u32::try_from(group.len()).unwrap_or(u32::MAX));
                for rec in group {
                    let at = rec.doc as usize;
                    if at >= dates.len() {
                        dates.resize(at + 1, UNDATED);
                    }
                    dates[at] = rec.date;
                }
                fold.add(group, config, &mut |pair| push(pair, stats, pairs));
            }
            emit.freqs.lock().unwrap_or_else(|e| e.into_inner()).add(range, (keys, counts));
            if pairs.failed.is_some() {
                break;
            }
        }
        fold.drain(config, &mut |pair| push(pair, stats, pairs));
        pairs.failed.take().map_or(Ok(()), Err)
    }
}

/// One shard's fingerprint run, read by ranges of fingerprints. The file is opened for each
/// read only: open files stay bounded whatever the number of shards.
struct ShardFile {
    path: PathBuf,
    /// Where each range starts (a record index), and the end.
    starts: Vec<usize>,
}

impl ShardFile {
    /// The shard's run, and where each range of `range_bits` top bits starts in it (binary
    /// searches, a few reads each: fingerprints are sorted).
    fn open(path: &Path, range_bits: u32) -> Result<ShardFile> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len % PrintRec::SIZE as u64 != 0 {
            return Err(Error::corrupt(
                path,
                format!("{len} bytes is not a whole number of {}-byte records", PrintRec::SIZE),
            ));
        }
        let n = (len / PrintRec::SIZE as u64) as usize;
        let n_ranges = 1usize << range_bits;
        let mut starts = Vec::with_capacity(n_ranges + 1);
        let mut lo = 0usize;
        let mut word = [0u8; 8];
        for range in 0..n_ranges {
            // The first record of a range at or above `range`, at or after the last start.
            let mut hi = n;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                file.read_exact_at(&mut word, (mid * PrintRec::SIZE) as u64)
                    .map_err(|e| Error::io(path, e))?;
                let of =
                    if range_bits == 0 { 0 } else { u64::from_le_bytes(word) >> (64 - range_bits) };
                if (of as usize) < range {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            starts.push(lo);
        }
        starts.push(n);
        Ok(ShardFile { path: path.to_path_buf(), starts })
    }

    /// Appends the records of `range` (as written) to `out`.
    fn read_range(&self, range: usize, out: &mut Vec<u8>) -> Result<()> {
        let (start, end) = (self.starts[range], self.starts[range + 1]);
        if start == end {
            return Ok(());
        }
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let at = out.len();
        out.resize(at + (end - start) * PrintRec::SIZE, 0);
        file.read_exact_at(&mut out[at..], (start * PrintRec::SIZE) as u64)
            .map_err(|e| Error::io(&self.path, e))
    }
}

/// A worker's buffers for [`gather_range`].
#[derive(Default)]
struct Scratch {
    bytes: Vec<u8>,
    buckets: Vec<u32>,
}

/// The records of fingerprint range `range` of every shard, in order (fingerprint, date,
/// document).
fn gather_range(
    shards: &[ShardFile],
    range: usize,
    range_bits: u32,
    scratch: &mut Scratch,
) -> Result<Vec<PrintRec>> {
    let Scratch { bytes, buckets } = scratch;
    bytes.clear();
    for shard in shards {
        shard.read_range(range, bytes)?;
    }
    let n = bytes.len() / PrintRec::SIZE;
    // About four records a bucket; within the range, fingerprints are uniform on the bits
    // below the range's.
    let bucket_bits = (n / 4).max(2).ilog2().clamp(1, 22);
    let bucket = |fp: u64| ((fp << range_bits) >> (64 - bucket_bits)) as usize;
    buckets.clear();
    buckets.resize((1 << bucket_bits) + 1, 0);
    for rec in bytes.chunks_exact(PrintRec::SIZE) {
        buckets[bucket(u64_at(rec, 0)) + 1] += 1;
    }
    for b in 1..buckets.len() {
        buckets[b] += buckets[b - 1];
    }
    // `buckets[b]` is where bucket b starts; `cursor` where its next record goes.
    let mut cursor: Vec<u32> = buckets[..buckets.len() - 1].to_vec();
    let mut out = vec![PrintRec { fingerprint: 0, date: 0, doc: 0 }; n];
    for rec in bytes.chunks_exact(PrintRec::SIZE) {
        let rec = PrintRec::decode(rec);
        let at = &mut cursor[bucket(rec.fingerprint)];
        out[*at as usize] = rec;
        *at += 1;
    }
    for b in buckets.windows(2) {
        if b[1] - b[0] > 1 {
            out[b[0] as usize..b[1] as usize].sort_unstable();
        }
    }
    Ok(out)
}

/// A worker's pair buffer: sorted and combined when full, and spilled, one run file per
/// partition, when combining did not halve it.
struct PartSorter<'a> {
    buf: Vec<PairRec>,
    cap: usize,
    bounds: &'a [u32],
    dir: &'a Path,
    worker: usize,
    n_spills: usize,
    /// Run files by partition.
    runs: Vec<Vec<PathBuf>>,
    n_spilled_bytes: u64,
    /// The first error spilling (what is pushed after it is dropped).
    failed: Option<Error>,
}

impl<'a> PartSorter<'a> {
    fn new(dir: &'a Path, worker: usize, cap: usize, bounds: &'a [u32]) -> Self {
        PartSorter {
            buf: Vec::new(),
            cap,
            bounds,
            dir,
            worker,
            n_spills: 0,
            runs: vec![Vec::new(); N_PARTS],
            n_spilled_bytes: 0,
            failed: None,
        }
    }

    fn push(&mut self, pair: PairRec) {
        if self.failed.is_some() {
            return;
        }
        self.buf.push(pair);
        if self.buf.len() >= self.cap
            && let Err(e) = self.spill()
        {
            self.failed.get_or_insert(e);
            self.buf.clear();
        }
    }

    fn compact(&mut self) {
        self.buf.sort_unstable_by_key(|p| (u64::from(p.a) << 32) | u64::from(p.b));
        combine_sorted(&mut self.buf, add_counts);
    }

    /// Where each partition starts in the sorted buffer, and its end.
    fn part_starts(&self) -> Vec<usize> {
        let mut starts: Vec<usize> =
            self.bounds[..N_PARTS].iter().map(|&b| self.buf.partition_point(|p| p.a < b)).collect();
        starts.push(self.buf.len());
        starts
    }

    fn spill(&mut self) -> Result<()> {
        self.compact();
        // Combining may have shrunk the buffer a lot: spill only when it is still large.
        if self.buf.len() < self.cap / 2 {
            return Ok(());
        }
        std::fs::create_dir_all(self.dir).map_err(|e| Error::io(self.dir, e))?;
        let starts = self.part_starts();
        for part in 0..N_PARTS {
            let records = &self.buf[starts[part]..starts[part + 1]];
            if records.is_empty() {
                continue;
            }
            let name = format!("pairs-w{:03}-{:05}-p{part:03}.run", self.worker, self.n_spills);
            let path = self.dir.join(name);
            self.n_spilled_bytes += write_run(&path, records)?;
            self.runs[part].push(path);
        }
        self.n_spills += 1;
        self.buf.clear();
        Ok(())
    }

    /// What is left in memory and the run files, by partition, and the bytes spilled.
    fn finish(mut self) -> (Vec<Vec<PairRec>>, Vec<Vec<PathBuf>>, u64) {
        self.compact();
        let starts = self.part_starts();
        let mut memory: Vec<Vec<PairRec>> = Vec::with_capacity(N_PARTS);
        for part in (0..N_PARTS).rev() {
            memory.push(self.buf.split_off(starts[part]));
            // What was split off is a copy: give back its room at once.
            self.buf.shrink_to_fit();
        }
        memory.reverse();
        (memory, self.runs, self.n_spilled_bytes)
    }
}

/// The pairs of one partition: its runs and buffers merged, the counts of each pair summed;
/// the candidates (without their direction) and the number of distinct pairs.
fn count_part(
    part: usize,
    runs: Vec<PathBuf>,
    memory: Vec<Vec<PairRec>>,
    spill_dir: &Path,
    config: &PairConfig,
) -> Result<(Vec<PairRec>, u64)> {
    let memory: Vec<Vec<PairRec>> = memory.into_iter().filter(|m| !m.is_empty()).collect();
    let prefix = format!("pairs-m{part:03}");
    let mut merged = merge_runs(runs, memory, spill_dir, &prefix, Some(add_counts), MAX_FAN_IN)?;
    let mut kept: Vec<PairRec> = Vec::new();
    let mut n_pairs = 0u64;
    let mut current: Option<PairRec> = None;
    let mut keep = |pair: PairRec| {
        n_pairs += 1;
        if pair.n >= config.min_shared {
            kept.push(pair);
        }
    };
    while let Some(pair) = merged.next_record()? {
        match &mut current {
            Some(c) if *c == pair => add_counts(c, &pair),
            _ => {
                if let Some(done) = current.replace(pair) {
                    keep(done);
                }
            }
        }
    }
    if let Some(done) = current {
        keep(done);
    }
    Ok((kept, n_pairs))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::pairs::group_pairs;
    use crate::spill::write_records;

    /// Fingerprint records of `n_docs` documents in shards of `shard_docs`: a few families of
    /// near-duplicates, common fingerprints (some above the document-frequency cut) and noise.
    fn corpus(n_docs: u32, shard_docs: u32) -> Vec<Vec<PrintRec>> {
        let mut shards = Vec::new();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let spread = |x: u64| x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for first in (0..n_docs).step_by(shard_docs as usize) {
            let mut records = Vec::new();
            for doc in first..(first + shard_docs).min(n_docs) {
                let date = if doc % 11 == 0 { UNDATED } else { 86_400 * i64::from(doc % 5) };
                let mut prints: Vec<u64> = Vec::new();
                let family = u64::from(doc % 23);
                prints.extend((0..30).map(|i| spread(1 + family * 1000 + i)));
                prints.extend((0..3).map(|_| spread(100_000 + rand() % 40)));
                prints.push(spread(7)); // in every document
                prints.extend((0..20).map(|_| rand()));
                prints.sort_unstable();
                prints.dedup();
                records.extend(prints.into_iter().map(|fingerprint| PrintRec {
                    fingerprint,
                    date,
                    doc,
                }));
            }
            records.sort_unstable();
            shards.push(records);
        }
        shards
    }

    /// The pairs, stats and frequencies as the stage computed them before it ran on both
    /// cores: one merge, one fingerprint at a time, counted in a map.
    fn reference(
        shards: &[Vec<PrintRec>],
        config: &PairConfig,
    ) -> (Vec<PairRec>, PairStats, Vec<(u64, u32)>) {
        let mut all: Vec<PrintRec> = shards.concat();
        all.sort_unstable();
        let mut stats = PairStats::default();
        let mut counts: BTreeMap<(u32, u32), u32> = BTreeMap::new();
        let mut freqs = Vec::new();
        let mut dates = BTreeMap::new();
        for group in all.chunk_by(|x, y| x.fingerprint == y.fingerprint) {
            stats.n_prints += group.len() as u64;
            stats.count_group(group.len(), config);
            if group.len() >= 2 {
                freqs.push((group[0].fingerprint, group.len() as u32));
            }
            for rec in group {
                dates.insert(rec.doc, rec.date);
            }
            group_pairs(group, config, &mut |p| {
                stats.n_emitted += 1;
                *counts.entry((p.a, p.b)).or_insert(0) += 1;
            });
        }
        stats.n_pairs = counts.len() as u64;
        let pairs: Vec<PairRec> = counts
            .into_iter()
            .filter(|(_, n)| *n >= config.min_shared)
            .map(|((a, b), n)| PairRec { a, b, n, dir: directions(dates[&a], dates[&b]) })
            .collect();
        stats.n_candidates = pairs.len() as u64;
        (pairs, stats, freqs)
    }

    #[test]
    fn any_budget_and_thread_count_gives_the_reference_bytes() {
        let config =
            PairConfig { all_pairs_docs: 20, star_docs: 3, max_doc_freq: 150, min_shared: 4 };
        let shards = corpus(400, 37);
        let (want, want_stats, want_freqs) = reference(&shards, &config);
        assert!(want.len() > 100, "{}", want.len());
        assert!(want_stats.n_star_fingerprints > 0 && want_stats.n_common_fingerprints > 0);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let storage = FsStorage::new(dir.path());
        for (shard, records) in shards.iter().enumerate() {
            write_records(&storage.path_of(&prints_file(shard)), records)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let spill = dir.path().join("spill");
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            // A budget that spills every 1,024 pairs, one that never spills; a wrong `n_ids`
            // only moves the partitions.
            for (budget, n_ids) in [(1, 400), (1 << 30, 400), (1, 3)] {
                let (pairs, mut stats, freqs) = pool
                    .install(|| pairs_stage(&storage, &spill, shards.len(), n_ids, &config, budget))
                    .unwrap_or_else(|e| panic!("{e}"));
                let at = format!("threads {threads}, budget {budget}, n_ids {n_ids}");
                if budget == 1 {
                    assert!(stats.n_spilled_bytes > 0, "{at}");
                }
                assert!(!spill.exists(), "{at}");
                let got: Vec<(u32, u32, u32, u8)> =
                    pairs.iter().map(|p| (p.a, p.b, p.n, p.dir)).collect();
                let expected: Vec<(u32, u32, u32, u8)> =
                    want.iter().map(|p| (p.a, p.b, p.n, p.dir)).collect();
                assert_eq!(got, expected, "{at}");
                assert!(stats.n_pair_records <= stats.n_emitted);
                (stats.n_spilled_bytes, stats.n_pair_records) = (0, 0);
                assert_eq!(stats, want_stats, "{at}");
                assert_eq!(freqs.len(), want_freqs.len(), "{at}");
                for (key, n) in &want_freqs {
                    assert_eq!(freqs.get(*key), Some(*n), "{at}");
                }
            }
        }
    }
}
