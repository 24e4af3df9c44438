//! Stage 2 (shuffle by fingerprint, reduce): candidate pairs of documents from the fingerprints
//! they share, counted, with a cheap filter before any alignment.
//!
//! The documents of one fingerprint arrive together (earliest first). A fingerprint in at most
//! [`PairConfig::all_pairs_docs`] documents pairs every two of them; a more common one (a
//! story syndicated to many outlets) pairs each document with the earliest
//! [`PairConfig::star_docs`] only, so work stays linear in the number of documents; one in more
//! than [`PairConfig::max_doc_freq`] documents is common text and pairs nothing. A pair becomes
//! a candidate when the documents share at least [`PairConfig::min_shared`] fingerprints: one
//! stock phrase is not enough, a copied sentence is.

use serde::{Deserialize, Serialize};
use unspun_core::canon::KeyMap;

use crate::prints::{PrintRec, u32_at};
use crate::spill::{Record, RunReader, put_varint};

/// Knobs of the pair stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairConfig {
    /// Fingerprints in at most this many documents pair all of them.
    pub all_pairs_docs: usize,
    /// More common fingerprints pair each document with this many earliest ones.
    pub star_docs: usize,
    /// Fingerprints in more documents than this pair nothing (the trace skips them too).
    pub max_doc_freq: usize,
    /// A candidate pair shares at least this many fingerprints.
    pub min_shared: u32,
}

impl Default for PairConfig {
    fn default() -> Self {
        PairConfig { all_pairs_docs: 64, star_docs: 16, max_doc_freq: 2000, min_shared: 8 }
    }
}

/// A pair of documents (`a < b`) and the number of fingerprints they share. Equality and order
/// are on the pair only, so that counts of one pair can be combined.
#[derive(Debug, Clone, Copy)]
pub struct PairRec {
    /// The lower DocId.
    pub a: u32,
    /// The higher DocId.
    pub b: u32,
    /// Shared fingerprints.
    pub n: u32,
    /// Which may be the other's source, by date: [`A_SOURCE_OF_B`], [`B_SOURCE_OF_A`] (both
    /// when the dates allow either; set when the pair is kept).
    pub dir: u8,
}

/// [`PairRec::dir`]: `a` is dated early enough to be a source of `b`.
pub const A_SOURCE_OF_B: u8 = 1;
/// [`PairRec::dir`]: `b` is dated early enough to be a source of `a`.
pub const B_SOURCE_OF_A: u8 = 2;

/// Whether a document dated `source` may be a source of one dated `copy` (seconds,
/// [`crate::prints::UNDATED`] when unknown): the trace's own rule, where a date without a time of
/// day covers the whole day and an unknown date allows anything.
pub fn may_be_source(source: i64, copy: i64) -> bool {
    use crate::prints::UNDATED;
    if source == UNDATED || copy == UNDATED {
        return true;
    }
    let latest = if copy.rem_euclid(86_400) == 0 { copy.saturating_add(86_399) } else { copy };
    source <= latest
}

/// The direction bits of a pair from the dates of its documents.
pub fn directions(date_a: i64, date_b: i64) -> u8 {
    let mut dir = 0;
    if may_be_source(date_a, date_b) {
        dir |= A_SOURCE_OF_B;
    }
    if may_be_source(date_b, date_a) {
        dir |= B_SOURCE_OF_A;
    }
    dir
}

impl PairRec {
    fn key(&self) -> u64 {
        (u64::from(self.a) << 32) | u64::from(self.b)
    }
}

impl PartialEq for PairRec {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for PairRec {}
impl PartialOrd for PairRec {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for PairRec {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl Record for PairRec {
    const SIZE: usize = 13;
    fn encode(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.a.to_le_bytes());
        out[4..8].copy_from_slice(&self.b.to_le_bytes());
        out[8..12].copy_from_slice(&self.n.to_le_bytes());
        out[12] = self.dir;
    }
    fn decode(b: &[u8]) -> Self {
        PairRec { a: u32_at(b, 0), b: u32_at(b, 4), n: u32_at(b, 8), dir: b[12] }
    }
    /// In a sorted run: `a` as the difference from the record before, `b` as the difference
    /// when `a` is the same (else whole), then `n`, all varints, and `dir`: about 5 bytes
    /// where the fixed layout takes 13.
    fn encode_after(&self, prev: Option<&Self>, out: &mut Vec<u8>) {
        let (prev_a, prev_b) = prev.map_or((0, 0), |p| (p.a, p.b));
        let a_step = self.a.wrapping_sub(prev_a);
        put_varint(out, u64::from(a_step));
        let b = if a_step == 0 && prev.is_some() { self.b.wrapping_sub(prev_b) } else { self.b };
        put_varint(out, u64::from(b));
        put_varint(out, u64::from(self.n));
        out.push(self.dir);
    }
    fn decode_after(prev: Option<&Self>, run: &mut RunReader) -> std::io::Result<Self> {
        let (prev_a, prev_b) = prev.map_or((0, 0), |p| (p.a, p.b));
        let word = |v: u64| {
            u32::try_from(v).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "a pair field above u32")
            })
        };
        let a_step = word(run.varint()?)?;
        let b = word(run.varint()?)?;
        let b = if a_step == 0 && prev.is_some() { prev_b.wrapping_add(b) } else { b };
        let n = word(run.varint()?)?;
        Ok(PairRec { a: prev_a.wrapping_add(a_step), b, n, dir: run.byte()? })
    }
}

/// Sums the counts of one pair (the [`crate::spill::Combine`] of the pair stage).
pub fn add_counts(into: &mut PairRec, other: &PairRec) {
    into.n = into.n.saturating_add(other.n);
}

/// The pairs one fingerprint gives: `group` is its documents, earliest first.
pub fn group_pairs(group: &[PrintRec], config: &PairConfig, emit: &mut dyn FnMut(PairRec)) {
    let n = group.len();
    if n < 2 || n > config.max_doc_freq {
        return;
    }
    let pair = |x: u32, y: u32| PairRec { a: x.min(y), b: x.max(y), n: 1, dir: 0 };
    let sources = if n <= config.all_pairs_docs { n } else { config.star_docs.clamp(1, n) };
    for i in 0..sources {
        for later in &group[i + 1..] {
            if later.doc != group[i].doc {
                emit(pair(group[i].doc, later.doc));
            }
        }
    }
}

/// Folds fingerprints held by exactly the same documents before their pairs are emitted.
///
/// A near-duplicate family of k documents shares hundreds of fingerprints, each held by the
/// same k documents: emitted one fingerprint at a time, that is hundreds of copies of the same
/// k(k-1)/2 pairs to sort and spill. The fold counts each distinct group of documents once,
/// with how many fingerprints it stands for, and emits its pairs with that count
/// ([`PairRec::n`]) when it is drained. The counts that come out are the same as
/// [`group_pairs`] one fingerprint at a time; only the number of records differs. Groups above
/// [`PairConfig::all_pairs_docs`] are not folded (they pair earliest-first, linear already).
/// Memory is bounded: past `max_docs_held` document ids, the fold drains itself.
#[derive(Debug, Default)]
pub struct GroupFold {
    /// The first held group with a given hash of its documents (more in its `next` chain).
    heads: KeyMap<u32>,
    /// The groups held, in arrival order.
    groups: Vec<HeldGroup>,
    /// The documents of every held group, one after the other.
    docs: Vec<u32>,
    max_docs_held: usize,
}

/// One distinct group of documents in a [`GroupFold`].
#[derive(Debug, Clone, Copy)]
struct HeldGroup {
    /// Where its documents start in `GroupFold::docs`.
    start: u32,
    /// How many documents it has.
    len: u32,
    /// How many fingerprints it stands for.
    n: u32,
    /// The next held group with the same hash, or `u32::MAX`.
    next: u32,
}

impl GroupFold {
    /// A fold holding at most about `max_docs_held` document ids before it drains.
    pub fn new(max_docs_held: usize) -> Self {
        GroupFold { max_docs_held: max_docs_held.max(1), ..GroupFold::default() }
    }

    /// Adds the documents of one fingerprint (earliest first), emitting through `emit` what
    /// cannot be folded and, when the fold is full, everything it holds.
    pub fn add(&mut self, group: &[PrintRec], config: &PairConfig, emit: &mut dyn FnMut(PairRec)) {
        if group.len() < 2 || group.len() > config.all_pairs_docs {
            group_pairs(group, config, emit);
            return;
        }
        // Equal groups must hash equal; different ones are told apart by comparing them.
        let hash = group.iter().fold(group.len() as u64, |h, rec| {
            (h.rotate_left(23) ^ u64::from(rec.doc)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        });
        let same = |held: &HeldGroup, docs: &[u32]| {
            let held = &docs[held.start as usize..(held.start + held.len) as usize];
            held.len() == group.len() && held.iter().zip(group).all(|(d, rec)| *d == rec.doc)
        };
        let mut at = self.heads.get(&hash).copied().unwrap_or(u32::MAX);
        while at != u32::MAX {
            let held = &mut self.groups[at as usize];
            if same(held, &self.docs) {
                held.n += 1;
                return;
            }
            at = held.next;
        }
        let next = self.heads.insert(hash, self.groups.len() as u32).unwrap_or(u32::MAX);
        let start = self.docs.len() as u32;
        self.docs.extend(group.iter().map(|rec| rec.doc));
        self.groups.push(HeldGroup { start, len: group.len() as u32, n: 1, next });
        if self.docs.len() > self.max_docs_held {
            self.drain(config, emit);
        }
    }

    /// Emits the pairs of every group held, each with its count, and empties the fold.
    pub fn drain(&mut self, config: &PairConfig, emit: &mut dyn FnMut(PairRec)) {
        let mut group: Vec<PrintRec> = Vec::new();
        for held in &self.groups {
            group.clear();
            let docs = &self.docs[held.start as usize..(held.start + held.len) as usize];
            group.extend(docs.iter().map(|&doc| PrintRec { fingerprint: 0, date: 0, doc }));
            group_pairs(&group, config, &mut |pair| emit(PairRec { n: pair.n * held.n, ..pair }));
        }
        self.heads.clear();
        self.groups.clear();
        self.docs.clear();
    }
}

/// What the pair stage found (`pairs.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairStats {
    /// Fingerprint records read.
    pub n_prints: u64,
    /// Distinct fingerprints.
    pub n_fingerprints: u64,
    /// Of which in two or more documents.
    pub n_shared_fingerprints: u64,
    /// Of which paired earliest-first only (more than `all_pairs_docs` documents).
    pub n_star_fingerprints: u64,
    /// Of which too common to pair.
    pub n_common_fingerprints: u64,
    /// Pair emissions (before counting).
    pub n_emitted: u64,
    /// Distinct pairs.
    pub n_pairs: u64,
    /// Pairs sharing at least `min_shared` fingerprints: the candidates.
    pub n_candidates: u64,
    /// Bytes spilled to disk while counting, in this run (depends on the memory budget, so it
    /// is not in `pairs.json`: in `summary.json` as `n_spilled_bytes`).
    #[serde(skip)]
    pub n_spilled_bytes: u64,
    /// Pair records given to the sorter after [`GroupFold`] (`n_emitted` counts the pairs
    /// they stand for). Not in `pairs.json` (a distributed driver may fold differently): in
    /// `summary.json` as `n_pair_records`.
    #[serde(skip)]
    pub n_pair_records: u64,
}

impl PairStats {
    /// Counts one fingerprint held by `n_docs` documents: shared, paired earliest-first, or
    /// too common to pair (the same rule as [`group_pairs`]).
    pub fn count_group(&mut self, n_docs: usize, config: &PairConfig) {
        self.n_fingerprints += 1;
        if n_docs >= 2 {
            self.n_shared_fingerprints += 1;
            if n_docs > config.max_doc_freq {
                self.n_common_fingerprints += 1;
            } else if n_docs > config.all_pairs_docs {
                self.n_star_fingerprints += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spill::Sorter;

    fn group(docs: &[u32]) -> Vec<PrintRec> {
        docs.iter().map(|&doc| PrintRec { fingerprint: 1, date: 0, doc }).collect()
    }

    fn pairs(docs: &[u32], config: &PairConfig) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        group_pairs(&group(docs), config, &mut |p| out.push((p.a, p.b)));
        out.sort_unstable();
        out
    }

    #[test]
    fn folded_groups_count_like_one_fingerprint_at_a_time() {
        let config = PairConfig { all_pairs_docs: 4, star_docs: 1, ..PairConfig::default() };
        let groups: Vec<Vec<u32>> = (0..400u32)
            .map(|i| match i % 5 {
                0 | 1 => vec![1, 2, 3],
                2 => vec![1, 2, 3, 4],
                3 => vec![(i % 7) + 1, (i % 11) + 20],
                _ => vec![9, 8, 7, 6, 5], // above all_pairs_docs: not folded
            })
            .collect();
        let total = |pairs: Vec<PairRec>| {
            let mut counts = std::collections::BTreeMap::new();
            for p in pairs {
                *counts.entry((p.a, p.b)).or_insert(0u32) += p.n;
            }
            counts
        };
        let mut plain = Vec::new();
        for docs in &groups {
            group_pairs(&group(docs), &config, &mut |p| plain.push(p));
        }
        for max_docs_held in [1, 7, 1 << 20] {
            let mut fold = GroupFold::new(max_docs_held);
            let mut folded = Vec::new();
            for docs in &groups {
                fold.add(&group(docs), &config, &mut |p| folded.push(p));
            }
            fold.drain(&config, &mut |p| folded.push(p));
            if max_docs_held > 1000 {
                assert!(folded.len() * 3 < plain.len(), "{} of {}", folded.len(), plain.len());
            }
            assert_eq!(total(folded), total(plain.clone()), "max_docs_held {max_docs_held}");
        }
    }

    #[test]
    fn pair_runs_round_trip_in_their_compact_form() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let spill = dir.path().join("spill");
        // A budget of 1,024 records: 40 runs, merged 3 at a time through intermediate runs.
        let mut sorter: Sorter<PairRec> =
            Sorter::new(&spill, "pairs", 1, Some(add_counts)).with_fan_in(3);
        let mut expected = std::collections::BTreeMap::new();
        for i in 0..40_000u32 {
            let (x, y) = (i % 50, 100 + i.wrapping_mul(2_654_435_761) % 1_000_000);
            let pair = PairRec { a: x.min(y), b: x.max(y), n: 1 + i % 3, dir: 0 };
            *expected.entry((pair.a, pair.b)).or_insert(0u32) += pair.n;
            sorter.push(pair).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(sorter.n_spilled_bytes() > 0);
        assert!(sorter.n_spilled_bytes() < 40_000 * 9, "{}", sorter.n_spilled_bytes());
        let mut merged = sorter.finish().unwrap_or_else(|e| panic!("{e}"));
        let mut got = std::collections::BTreeMap::new();
        while let Some(p) = merged.next_record().unwrap_or_else(|e| panic!("{e}")) {
            *got.entry((p.a, p.b)).or_insert(0u32) += p.n;
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn small_groups_pair_everything() {
        assert_eq!(pairs(&[5, 2, 9], &PairConfig::default()), vec![(2, 5), (2, 9), (5, 9)]);
        assert!(pairs(&[5], &PairConfig::default()).is_empty());
    }

    #[test]
    fn sources_are_not_later_than_their_copies_day() {
        let day = 86_400 * 20_000;
        assert!(may_be_source(day + 3_600, day)); // same day, copy dated without a time
        assert!(!may_be_source(day + 86_400, day));
        assert!(!may_be_source(day + 2, day + 1)); // copy with a time of day
        assert!(may_be_source(crate::prints::UNDATED, day));
        assert_eq!(directions(day, day + 86_400), A_SOURCE_OF_B);
        assert_eq!(directions(day, day), A_SOURCE_OF_B | B_SOURCE_OF_A);
    }

    #[test]
    fn large_groups_pair_with_the_earliest_only() {
        let config = PairConfig { all_pairs_docs: 3, star_docs: 1, ..PairConfig::default() };
        assert_eq!(pairs(&[7, 1, 2, 3], &config), vec![(1, 7), (2, 7), (3, 7)]);
        let config = PairConfig { max_doc_freq: 3, ..config };
        assert!(pairs(&[7, 1, 2, 3], &config).is_empty());
    }
}
