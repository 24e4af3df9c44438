//! The learned spin dictionary: word and phrase substitutions that recur in aligned copies
//! across a corpus ("Russia" → "Russian Federation" 212 times across 14 outlets), with the
//! outlets that make them — a fingerprint of a spinning tool or of an outlet's house style.
//!
//! Mined from the passages of every trace of a corpus run, in the direction of the trace only
//! (source earlier than the copy), so that `from` is always the earlier text. Pairs of stop
//! words only ("the" → "a") are copy editing and are left out.

use std::collections::BTreeMap;

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
    // (from, to) → (n, documents, outlet → n)
    type Acc = (usize, Vec<usize>, BTreeMap<String, usize>);
    let mut acc: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for (idx, doc) in docs.iter().enumerate() {
        for passage in &doc.passages {
            let Some(&source) = position.get(&passage.source) else { continue };
            if order_key(&docs[source]) >= order_key(doc) {
                continue;
            }
            for sub in &passage.substitutions {
                let (from, to) = (normalise(&sub.from), normalise(&sub.to));
                let too_long = |t: &str| t.split(' ').count() > config.max_words;
                if from == to || !has_letters(&from) || !has_letters(&to) {
                    continue;
                }
                if only_stopwords(&from) && only_stopwords(&to) {
                    continue;
                }
                if too_long(&from) || too_long(&to) {
                    continue;
                }
                let entry = acc.entry((from, to)).or_default();
                entry.0 += 1;
                if entry.1.last() != Some(&idx) {
                    entry.1.push(idx);
                }
                let outlet = doc.outlet.clone().unwrap_or_else(|| UNKNOWN_OUTLET.into());
                *entry.2.entry(outlet).or_default() += 1;
            }
        }
    }
    let mut spins: Vec<Spin> = acc
        .into_iter()
        .filter(|(_, (n, docs, _))| *n >= config.min_count && docs.len() >= config.min_docs)
        .map(|((from, to), (n, docs, outlets))| {
            let n_outlets = outlets.len();
            let mut outlets: Vec<SpinOutlet> =
                outlets.into_iter().map(|(outlet, n)| SpinOutlet { outlet, n }).collect();
            outlets.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.outlet.cmp(&b.outlet)));
            outlets.truncate(5);
            Spin { from, to, n, n_docs: docs.len(), n_outlets, outlets }
        })
        .collect();
    spins.sort_by(|a, b| {
        b.n.cmp(&a.n).then_with(|| a.from.cmp(&b.from)).then_with(|| a.to.cmp(&b.to))
    });
    spins
}
