//! Boilerplate: sentences that recur in documents that otherwise have nothing in common.
//!
//! passim's "pboiler" drops passages reused within one outlet. That also drops an outlet's
//! real re-runs and updates of one story (reuters21578 is full of them). The rule here is
//! sharper: a sentence is boilerplate when it is found in at least `min_docs` documents *and*
//! those documents are unrelated apart from it — pairs of them share few of their other
//! sentences. A newsletter box in 300 unrelated articles is boilerplate; a paragraph shared by
//! five versions of one wire story is reuse.
//!
//! Two passes: the second measures relatedness without the sentences the first found to be
//! boilerplate, so that a footer of several sentences does not make its documents look related
//! to each other when another sentence of the footer is judged.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::shingle::{ShingleConfig, sentence_hash};
use crate::text::analyze;

/// Knobs of [`find_boilerplate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoilerplateConfig {
    /// A sentence must be found in at least this many documents.
    pub min_docs: u32,
    /// ...and sampled pairs of those documents must share at most this median share of their
    /// other sentences.
    pub max_related_share: f64,
    /// Documents sampled per sentence (consecutive pairs of them are compared).
    pub sample_docs: usize,
}

impl Default for BoilerplateConfig {
    fn default() -> Self {
        BoilerplateConfig { min_docs: 3, max_related_share: 0.3, sample_docs: 24 }
    }
}

/// The whole-sentence hashes of one document (see [`crate::shingle::sentence_hash`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocSentences {
    /// The document's outlet as a small number (`None` when unknown).
    pub outlet: Option<u32>,
    /// Sentence hashes, sorted and deduplicated.
    pub hashes: Vec<u64>,
}

/// The whole-sentence hashes of `text`, sorted and deduplicated, with the first sentence
/// index of each (for an example of the text).
pub fn sentence_hashes(text: &str, config: &ShingleConfig) -> Vec<(u64, usize)> {
    let analyzed = analyze(text);
    let mut out: Vec<(u64, usize)> = (0..analyzed.sentences.len())
        .filter_map(|idx| sentence_hash(&analyzed, idx, config).map(|hash| (hash, idx)))
        .collect();
    out.sort_unstable();
    out.dedup_by_key(|(hash, _)| *hash);
    out
}

/// One boilerplate sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boilerplate {
    /// Its whole-sentence hash.
    pub hash: u64,
    /// Documents containing it.
    pub n_docs: u32,
    /// Distinct outlets among them (unknown outlets count as one).
    pub n_outlets: u32,
    /// `outlet` when every document is of one outlet, else `corpus`.
    pub scope: BoilerplateScope,
    /// Median share of other sentences that sampled pairs of its documents share.
    pub related_share: f64,
    /// Position in the input of the first document containing it.
    pub first_doc: usize,
}

/// Where boilerplate recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoilerplateScope {
    /// Within one outlet (its footer, byline, newsletter box).
    Outlet,
    /// Across outlets.
    Corpus,
}

#[derive(Default)]
struct Occurrences {
    n_docs: u32,
    /// The first `sample_docs` documents, by input position.
    sample: Vec<u32>,
    outlets: Vec<Option<u32>>,
}

/// Finds the boilerplate sentences of `docs`, sorted by hash.
pub fn find_boilerplate(docs: &[DocSentences], config: &BoilerplateConfig) -> Vec<Boilerplate> {
    let mut occurrences: HashMap<u64, Occurrences> = HashMap::new();
    for (doc_idx, doc) in docs.iter().enumerate() {
        for hash in &doc.hashes {
            let entry = occurrences.entry(*hash).or_default();
            entry.n_docs += 1;
            if entry.sample.len() < config.sample_docs.max(2) {
                entry.sample.push(doc_idx as u32);
            }
            // Outlets are tracked up to a handful: enough to tell one from several.
            if entry.outlets.len() < 8 && !entry.outlets.contains(&doc.outlet) {
                entry.outlets.push(doc.outlet);
            }
        }
    }
    let frequent: Vec<(u64, &Occurrences)> = occurrences
        .iter()
        .filter(|(_, o)| o.n_docs >= config.min_docs.max(2))
        .map(|(h, o)| (*h, o))
        .collect();
    let first_pass: HashMap<u64, f64> = frequent
        .iter()
        .filter_map(|(hash, occ)| {
            let share = related_share(docs, *hash, occ, &|_| false);
            (share <= config.max_related_share).then_some((*hash, share))
        })
        .collect();
    let mut out: Vec<Boilerplate> = frequent
        .iter()
        .filter_map(|(hash, occ)| {
            let share = related_share(docs, *hash, occ, &|h| first_pass.contains_key(&h));
            (share <= config.max_related_share).then(|| Boilerplate {
                hash: *hash,
                n_docs: occ.n_docs,
                n_outlets: occ.outlets.len() as u32,
                scope: if occ.outlets.len() == 1 && occ.outlets[0].is_some() {
                    BoilerplateScope::Outlet
                } else {
                    BoilerplateScope::Corpus
                },
                related_share: share,
                first_doc: occ.sample[0] as usize,
            })
        })
        .collect();
    out.sort_by_key(|b| b.hash);
    out
}

/// Median, over consecutive pairs of sampled documents, of the share of the smaller one's
/// other sentences (not `hash`, not `ignore`d) that the other one also has.
fn related_share(
    docs: &[DocSentences],
    hash: u64,
    occ: &Occurrences,
    ignore: &dyn Fn(u64) -> bool,
) -> f64 {
    let mut shares: Vec<f64> = occ
        .sample
        .windows(2)
        .map(|pair| {
            let keep = |h: &&u64| **h != hash && !ignore(**h);
            let a: Vec<u64> = docs[pair[0] as usize].hashes.iter().filter(keep).copied().collect();
            let b: Vec<u64> = docs[pair[1] as usize].hashes.iter().filter(keep).copied().collect();
            let smaller = a.len().min(b.len());
            if smaller == 0 {
                // Nothing else to compare: two documents that are only this sentence are the
                // same text, not boilerplate.
                return if a.len() == b.len() { 1.0 } else { 0.0 };
            }
            n_common_sorted(&a, &b) as f64 / smaller as f64
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    shares.get(shares.len() / 2).copied().unwrap_or(1.0)
}

/// Elements common to two sorted, deduplicated slices.
fn n_common_sorted(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(outlet: u32, hashes: &[u64]) -> DocSentences {
        let mut hashes = hashes.to_vec();
        hashes.sort_unstable();
        hashes.dedup();
        DocSentences { outlet: Some(outlet), hashes }
    }

    fn check(docs: &[DocSentences], expect: &[(u64, BoilerplateScope)]) {
        let found: Vec<(u64, BoilerplateScope)> =
            find_boilerplate(docs, &BoilerplateConfig::default())
                .iter()
                .map(|b| (b.hash, b.scope))
                .collect();
        assert_eq!(found, expect);
    }

    #[test]
    fn footer_in_unrelated_documents_is_boilerplate() {
        // Sentence 999 ends three unrelated stories of outlet 1.
        let docs = [doc(1, &[1, 2, 3, 999]), doc(1, &[4, 5, 6, 999]), doc(1, &[7, 8, 9, 999])];
        check(&docs, &[(999, BoilerplateScope::Outlet)]);
    }

    #[test]
    fn versions_of_one_story_are_not_boilerplate() {
        // Three updates of one wire story share most sentences: reuse, not boilerplate.
        let docs = [doc(1, &[1, 2, 3, 4]), doc(1, &[1, 2, 3, 5]), doc(2, &[1, 2, 3, 4, 6])];
        check(&docs, &[]);
    }

    #[test]
    fn cross_outlet_boilerplate() {
        // 50 and 60 (a two-sentence box) end unrelated stories of two outlets.
        let docs = [
            doc(1, &[1, 2, 3, 4, 5, 50, 60]),
            doc(2, &[6, 7, 8, 9, 10, 50, 60]),
            doc(1, &[11, 12, 13, 14, 50, 60]),
            doc(2, &[15, 16, 17, 18, 19, 20, 50, 60]),
        ];
        check(&docs, &[(50, BoilerplateScope::Corpus), (60, BoilerplateScope::Corpus)]);
    }

    #[test]
    fn short_documents_are_ambiguous() {
        // FIXME: two three-sentence documents that share a two-sentence box look like versions
        // of one text (half their other sentences shared); the box is kept as reuse.
        let docs = [doc(1, &[1, 50, 60]), doc(2, &[2, 50, 60]), doc(1, &[3, 50, 60])];
        check(&docs, &[]);
    }

    #[test]
    fn rare_sentences_are_never_boilerplate() {
        let docs = [doc(1, &[1, 999]), doc(1, &[2, 999])];
        check(&docs, &[]);
    }

    #[test]
    fn exact_duplicates_are_not_boilerplate() {
        let docs = [doc(1, &[7]), doc(2, &[7]), doc(3, &[7])];
        check(&docs, &[]);
    }
}
