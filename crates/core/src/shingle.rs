//! Fingerprints: hashed word shingles and whole-sentence hashes.
//!
//! These numbers are stored in the index, so every hash here is fixed by the project
//! (xxh3_64 with fixed seeds over little-endian token hashes) and pinned by golden tests.

use serde::{Deserialize, Serialize};

use crate::text::Analyzed;

/// Seed of shingle hashes (domain separation from sentence hashes).
const SHINGLE_SEED: u64 = 0x756e_7370_756e_0001;
/// Seed of whole-sentence hashes.
const SENTENCE_SEED: u64 = 0x756e_7370_756e_0002;

/// How documents are fingerprinted. Stored in the index manifest: queries must use the
/// configuration the index was built with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShingleConfig {
    /// Words per shingle.
    pub k: usize,
    /// Drop stop words before shingling (shingles of content words only).
    pub skip_stopwords: bool,
    /// Sentences with fewer tokens than this get no whole-sentence hash.
    pub min_sentence_tokens: usize,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig { k: 3, skip_stopwords: true, min_sentence_tokens: 3 }
    }
}

/// The shingle hashes of one sentence of `analyzed`, in text order (may repeat).
pub fn sentence_shingles(
    analyzed: &Analyzed,
    sentence_idx: usize,
    config: &ShingleConfig,
) -> Vec<u64> {
    let sentence = &analyzed.sentences[sentence_idx];
    let words: Vec<u64> = analyzed.tokens[sentence.token_start..sentence.token_end]
        .iter()
        .filter(|t| !(config.skip_stopwords && t.is_stopword))
        .map(|t| t.hash)
        .collect();
    let k = config.k.max(1);
    if words.len() < k {
        if words.len() >= 2 { vec![hash_words(&words, SHINGLE_SEED)] } else { Vec::new() }
    } else {
        words.windows(k).map(|w| hash_words(w, SHINGLE_SEED)).collect()
    }
}

/// The whole-sentence hash of one sentence, or `None` when it is too short.
pub fn sentence_hash(
    analyzed: &Analyzed,
    sentence_idx: usize,
    config: &ShingleConfig,
) -> Option<u64> {
    let sentence = &analyzed.sentences[sentence_idx];
    let tokens = &analyzed.tokens[sentence.token_start..sentence.token_end];
    if tokens.len() < config.min_sentence_tokens.max(1) {
        return None;
    }
    let words: Vec<u64> = tokens.iter().map(|t| t.hash).collect();
    Some(hash_words(&words, SENTENCE_SEED))
}

/// All fingerprints of a document (shingles and sentence hashes), sorted and deduplicated.
/// This is what the index stores in its postings.
pub fn document_fingerprints(analyzed: &Analyzed, config: &ShingleConfig) -> Vec<u64> {
    let mut out = Vec::with_capacity(analyzed.tokens.len() + analyzed.sentences.len());
    for idx in 0..analyzed.sentences.len() {
        out.extend(sentence_shingles(analyzed, idx, config));
        out.extend(sentence_hash(analyzed, idx, config));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn hash_words(words: &[u64], seed: u64) -> u64 {
    let mut bytes = Vec::with_capacity(words.len() * 8);
    for w in words {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    xxhash_rust::xxh3::xxh3_64_with_seed(&bytes, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyze;

    /// These values are stored in every index: if this test fails, the index format changed
    /// (bump FORMAT_VERSION and write a migration), whatever crate upgrade caused it.
    #[test]
    fn golden_fingerprints() {
        let analyzed = analyze("Russia ramps up its military presence in Syria. Obama said no.");
        let config = ShingleConfig::default();
        let got: Vec<String> = (0..analyzed.sentences.len())
            .flat_map(|i| {
                let mut v: Vec<String> = sentence_shingles(&analyzed, i, &config)
                    .iter()
                    .map(|h| format!("{h:016x}"))
                    .collect();
                v.extend(sentence_hash(&analyzed, i, &config).map(|h| format!("s{h:016x}")));
                v
            })
            .collect();
        expect_test::expect![[r#"
            [
                "4b140c73a4acba39",
                "2cb2a75eb05528c4",
                "3a89fc7a72f04e13",
                "s21691ce2868c4d78",
                "se2ad0b62d615d094",
            ]
        "#]]
        .assert_debug_eq(&got);
    }

    #[test]
    fn shingles_skip_stopwords_and_stay_inside_sentences() {
        let config = ShingleConfig::default();
        let a = analyze("The talks in Geneva ended. Nothing else.");
        // "talks geneva ended" → one 3-shingle; "nothing else" → one short-sentence shingle.
        assert_eq!(sentence_shingles(&a, 0, &config).len(), 1);
        assert_eq!(sentence_shingles(&a, 1, &config).len(), 1);
        let b = analyze("In Geneva the talks ended.");
        assert_ne!(sentence_shingles(&a, 0, &config), sentence_shingles(&b, 0, &config));
        let c = analyze("THE TALKS IN GENEVA ENDED!");
        assert_eq!(sentence_shingles(&a, 0, &config), sentence_shingles(&c, 0, &config));
    }

    #[test]
    fn document_fingerprints_are_sorted_and_unique() {
        let a = analyze("Markets fell sharply on Monday. Markets fell sharply on Monday.");
        let fps = document_fingerprints(&a, &ShingleConfig::default());
        assert!(fps.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(fps.len(), 3, "2 shingles + 1 sentence hash, repeated sentence deduplicated");
    }
}
