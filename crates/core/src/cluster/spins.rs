//! The learned spin dictionary: word and phrase substitutions that recur in aligned copies
//! across a corpus ("Russia" → "Russian Federation" 212 times across 14 outlets), with the
//! outlets that make them — a fingerprint of a spinning tool or of an outlet's house style.
//!
//! Mined from the passages of every trace of a corpus run, in the direction of the trace only
//! (source earlier than the copy), so that `from` is always the earlier text. Pairs of stop
//! words only ("the" → "a") are copy editing and are left out.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

pub use crate::lexicon::{Spin, SpinOutlet};

use super::{TracedDoc, UNKNOWN_OUTLET, order_key};

/// Knobs of [`learn_spins`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpinConfig {
    /// A pair must be seen at least this many times...
    pub min_count: usize,
    /// ...in at least this many copying documents.
    pub min_docs: usize,
    /// Pairs with more words than this on either side are edits, not substitutions.
    pub max_words: usize,
}

impl Default for SpinConfig {
    fn default() -> Self {
        SpinConfig { min_count: 3, min_docs: 2, max_words: 3 }
    }
}

fn normalise(words: &str) -> String {
    words.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn has_letters(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

/// Whether every word is a stop word ("the" → "a", "is" → "was"): copy editing, not spin.
fn only_stopwords(text: &str) -> bool {
    text.split(' ').all(|w| {
        crate::text::is_stopword(&crate::text::normalize_token(
            w.trim_matches(|c: char| !c.is_alphanumeric()),
        ))
    })
}

/// The recurring substitutions of a corpus run, most frequent first.
pub fn learn_spins(docs: &[TracedDoc], config: &SpinConfig) -> Vec<Spin> {
    let position: BTreeMap<_, usize> =
        docs.iter().enumerate().map(|(idx, d)| (d.doc, idx)).collect();
    let mut learner = SpinLearner::default();
    for (idx, doc) in docs.iter().enumerate() {
        for passage in &doc.passages {
            let Some(&source) = position.get(&passage.source) else { continue };
            if order_key(&docs[source]) >= order_key(doc) {
                continue;
            }
            learner.add(idx, doc.outlet.as_deref(), &passage.substitutions, config);
        }
    }
    learner.finish(config)
}

/// (n, copying documents, last copying document, outlet → n) of one (from, to) pair.
type Acc = (usize, usize, Option<usize>, BTreeMap<String, usize>);

/// The spin dictionary learnt one passage at a time: [`learn_spins`] without the traces in
/// memory (the reuse stage streams them).
#[derive(Debug, Default)]
pub struct SpinLearner {
    acc: BTreeMap<(String, String), Acc>,
    /// Pair hash → times counted by the first pass, when there is one.
    seen: Option<HashMap<u64, u32>>,
}

/// The normalised (from, to) pair of a substitution, `None` when it is no spin (equal sides,
/// no letters, stop words only, too many words).
fn spin_pair(sub: &crate::report::Substitution, config: &SpinConfig) -> Option<(String, String)> {
    let (from, to) = (normalise(&sub.from), normalise(&sub.to));
    let too_long = |t: &str| t.split(' ').count() > config.max_words;
    if from == to || !has_letters(&from) || !has_letters(&to) {
        return None;
    }
    if only_stopwords(&from) && only_stopwords(&to) {
        return None;
    }
    if too_long(&from) || too_long(&to) {
        return None;
    }
    Some((from, to))
}

fn pair_hash((from, to): &(String, String)) -> u64 {
    let mut bytes = Vec::with_capacity(from.len() + to.len() + 1);
    bytes.extend_from_slice(from.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(to.as_bytes());
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

impl SpinLearner {
    /// A learner that counts only the pairs [`SpinLearner::count`] saw often enough: call
    /// `count` on every passage first (a first pass over the traces), then `add`. Pairs are
    /// counted by a 64-bit hash, at most as often as `add` would see them (collisions only
    /// add), so the dictionary is the same while the pairs seen fewer than
    /// [`SpinConfig::min_count`] times (most of them) take 12 bytes instead of their strings.
    pub fn with_prefilter() -> SpinLearner {
        SpinLearner { acc: BTreeMap::new(), seen: Some(HashMap::new()) }
    }

    /// First pass of a learner made by [`SpinLearner::with_prefilter`]: every substitution of
    /// a passage, whatever its source.
    pub fn count(&mut self, substitutions: &[crate::report::Substitution], config: &SpinConfig) {
        let Some(seen) = self.seen.as_mut() else { return };
        for sub in substitutions {
            if let Some(pair) = spin_pair(sub, config) {
                let n = seen.entry(pair_hash(&pair)).or_insert(0);
                *n = n.saturating_add(1);
            }
        }
    }

    /// Counts the substitutions of one passage taken by document number `idx` (the
    /// documents come in index order) from an earlier document.
    pub fn add(
        &mut self,
        idx: usize,
        outlet: Option<&str>,
        substitutions: &[crate::report::Substitution],
        config: &SpinConfig,
    ) {
        for sub in substitutions {
            let Some(pair) = spin_pair(sub, config) else { continue };
            if let Some(seen) = &self.seen
                && (seen.get(&pair_hash(&pair)).copied().unwrap_or(0) as usize) < config.min_count
            {
                continue;
            }
            let entry = self.acc.entry(pair).or_default();
            entry.0 += 1;
            if entry.2 != Some(idx) {
                entry.1 += 1;
                entry.2 = Some(idx);
            }
            let outlet = outlet.unwrap_or(UNKNOWN_OUTLET);
            match entry.3.get_mut(outlet) {
                Some(n) => *n += 1,
                None => {
                    entry.3.insert(outlet.to_owned(), 1);
                }
            }
        }
    }

    /// The dictionary, most frequent first.
    pub fn finish(self, config: &SpinConfig) -> Vec<Spin> {
        let mut spins: Vec<Spin> = self
            .acc
            .into_iter()
            .filter(|(_, (n, n_docs, _, _))| *n >= config.min_count && *n_docs >= config.min_docs)
            .map(|((from, to), (n, n_docs, _, outlets))| {
                let n_outlets = outlets.len();
                let mut outlets: Vec<SpinOutlet> =
                    outlets.into_iter().map(|(outlet, n)| SpinOutlet { outlet, n }).collect();
                outlets.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.outlet.cmp(&b.outlet)));
                outlets.truncate(5);
                Spin { from, to, n, n_docs, n_outlets, outlets }
            })
            .collect();
        spins.sort_by(|a, b| {
            b.n.cmp(&a.n).then_with(|| a.from.cmp(&b.from)).then_with(|| a.to.cmp(&b.to))
        });
        spins
    }
}
