//! Which two different words mean the same: the aligner's thesaurus.
//!
//! Two sources, both optional: WordNet synsets (Debian's `wordnet-base`, parsed by
//! [`WordNet`]; a word's readings under every part of speech and inflection, the most frequent
//! senses of each) and a learned spin dictionary (word pairs that spinners swap, mined from
//! aligned copies by `unspun cluster`, see [`crate::lexicon::Spin`]). Two content words are
//! synonyms when they share a WordNet synset or a learned pair.
//!
//! The thesaurus is built by the front end (which reads the files) and handed to the trace in
//! [`crate::trace::TraceConfig::thesaurus`]; it is immutable once built.

use std::collections::HashMap;
use std::fmt;

use crate::lexicon::{Spin, WordNet};

/// Senses of each word taken from WordNet: the most frequent ones, as the spinner-facing
/// meanings of a word (a word's rare senses make false synonyms).
pub const WORDNET_SENSES: usize = 3;

/// Learned pair ids live above every WordNet synset index.
const LEARNED_BASE: u32 = 1 << 31;

/// A word-level thesaurus. See the module documentation.
#[derive(Default)]
pub struct Thesaurus {
    wordnet: Option<WordNet>,
    /// Lower-case word → ids of the learned pairs it belongs to (sorted).
    learned: HashMap<String, Vec<u32>>,
    n_learned: u32,
    /// The learned dictionary's entries by (from, to), lower-cased: evidence for reports.
    spins: HashMap<(String, String), Spin>,
    /// What it was built from, for reports and equality.
    description: String,
}

impl fmt::Debug for Thesaurus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

impl PartialEq for Thesaurus {
    fn eq(&self, other: &Self) -> bool {
        self.description == other.description
    }
}

impl Thesaurus {
    /// An empty thesaurus (no two different words are synonyms).
    pub fn new() -> Thesaurus {
        Thesaurus { description: "none".into(), ..Thesaurus::default() }
    }

    /// Adds WordNet.
    pub fn with_wordnet(mut self, wordnet: WordNet) -> Thesaurus {
        self.description =
            format!("{} + wordnet ({} synsets)", self.description, wordnet.n_synsets());
        self.wordnet = Some(wordnet);
        self
    }

    /// Adds learned substitution pairs (`from` → `to`, single words; phrases are skipped:
    /// the aligner compares one word with one word). Case is ignored.
    pub fn with_learned<'a>(
        mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Thesaurus {
        let mut n = 0;
        for (from, to) in pairs {
            let (from, to) =
                (crate::text::normalize(from.trim()), crate::text::normalize(to.trim()));
            if from.is_empty()
                || to.is_empty()
                || from == to
                || from.contains(' ')
                || to.contains(' ')
            {
                continue;
            }
            let id = LEARNED_BASE + self.n_learned;
            self.n_learned += 1;
            n += 1;
            for word in [from, to] {
                let ids = self.learned.entry(word).or_default();
                ids.push(id);
            }
        }
        self.description = format!("{} + {n} learned pairs", self.description);
        self
    }

    /// Adds a learned spin dictionary: its single-word pairs become synonyms, and every entry
    /// is kept as evidence ([`Thesaurus::known_spin`]).
    pub fn with_spins(mut self, spins: &[Spin]) -> Thesaurus {
        for spin in spins {
            let key = (crate::text::normalize(&spin.from), crate::text::normalize(&spin.to));
            self.spins.entry(key).or_insert_with(|| spin.clone());
        }
        self.with_learned(spins.iter().map(|s| (s.from.as_str(), s.to.as_str())))
    }

    /// The learned dictionary's entry for a substitution, if it has one.
    pub fn known_spin(&self, from: &str, to: &str) -> Option<&Spin> {
        if self.spins.is_empty() {
            return None;
        }
        let norm =
            |t: &str| crate::text::normalize(t).split_whitespace().collect::<Vec<_>>().join(" ");
        self.spins.get(&(norm(from), norm(to)))
    }

    /// Number of learned pairs kept.
    pub fn n_learned(&self) -> u32 {
        self.n_learned
    }

    /// Whether WordNet is part of it.
    pub fn has_wordnet(&self) -> bool {
        self.wordnet.is_some()
    }

    /// What it holds, in words (for reports).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The sense ids of a normalised (lower-case) word: sorted; two words are synonyms when
    /// their lists intersect.
    pub fn senses(&self, normalized: &str) -> Vec<u32> {
        let mut out = match &self.wordnet {
            Some(wordnet) => wordnet.sense_ids(normalized, WORDNET_SENSES),
            None => Vec::new(),
        };
        if let Some(ids) = self.learned.get(normalized) {
            out.extend(ids);
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// Whether two normalised words are synonyms.
    pub fn are_synonyms(&self, a: &str, b: &str) -> bool {
        a != b && intersects(&self.senses(a), &self.senses(b))
    }
}

/// Whether two sorted lists share an element.
pub fn intersects(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_pairs_are_synonyms_both_ways() {
        let t = Thesaurus::new().with_learned([("Kremlin", "Moscow"), ("u.s", "united states")]);
        assert!(t.are_synonyms("kremlin", "moscow"));
        assert!(t.are_synonyms("moscow", "kremlin"));
        assert!(!t.are_synonyms("moscow", "paris"));
        assert_eq!(t.n_learned(), 1, "phrases are skipped");
        assert!(!t.are_synonyms("moscow", "moscow"), "a word is not its own synonym");
    }

    #[test]
    fn intersection_of_sorted_lists() {
        assert!(intersects(&[1, 4, 9], &[2, 4]));
        assert!(!intersects(&[1, 3], &[2, 4]));
        assert!(!intersects(&[], &[1]));
    }
}
