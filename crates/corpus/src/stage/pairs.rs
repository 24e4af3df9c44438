//! Stage 3, `pairs`: candidate document pairs from the shards' fingerprints.

use std::path::Path;

use unspun_index::{Error, FsStorage, Result};

use crate::docprints::FreqTable;
use crate::pairs::{GroupFold, PairConfig, PairRec, PairStats, add_counts, directions};
use crate::prints::PrintRec;
use crate::spill::{Sorter, remove_spill_dir};

use crate::files::*;

/// The pairs stage: the shards' fingerprints merged into groups, each group's pairs counted
/// under the spill budget, and the pairs sharing enough fingerprints kept. Also returns the
/// number of documents of every fingerprint held by two or more (for the trace stage).
pub(crate) fn pairs_stage(
    storage: &FsStorage,
    spill_dir: &Path,
    n_shards: usize,
    config: &PairConfig,
    spill_budget: usize,
) -> Result<(Vec<PairRec>, PairStats, FreqTable)> {
    let mut stats = PairStats::default();
    let mut freqs = FreqTable::default();
    let mut merged = merge_shards::<PrintRec>(storage, n_shards, prints_file)?;
    let mut sorter: Sorter<PairRec> =
        Sorter::new(spill_dir, "pairs", spill_budget, Some(add_counts));
    let mut group: Vec<PrintRec> = Vec::new();
    // Document ids the fold may hold: an eighth of the spill budget (4 bytes each, plus the
    // map's overhead).
    let mut fold = GroupFold::new((spill_budget / 32).max(1 << 16));
    // Every document's date (for the direction of its pairs), by DocId.
    let mut dates: Vec<i64> = Vec::new();
    let mut failed: Option<Error> = None;
    let mut push = |pair: PairRec, stats: &mut PairStats, sorter: &mut Sorter<PairRec>| {
        stats.n_emitted += u64::from(pair.n);
        stats.n_pair_records += 1;
        if failed.is_none()
            && let Err(e) = sorter.push(pair)
        {
            failed = Some(e);
        }
    };
    let mut flush =
        |group: &mut Vec<PrintRec>, stats: &mut PairStats, sorter: &mut Sorter<PairRec>| {
            if group.is_empty() {
                return;
            }
            stats.count_group(group.len(), config);
            if group.len() >= 2 {
                freqs.push(group[0].fingerprint, u32::try_from(group.len()).unwrap_or(u32::MAX));
            }
            fold.add(group, config, &mut |pair| push(pair, stats, sorter));
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
    fold.drain(config, &mut |pair| push(pair, &mut stats, &mut sorter));
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
    Ok((pairs, stats, freqs.finish()))
}
