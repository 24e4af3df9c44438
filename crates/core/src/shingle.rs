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
/// Seed of anchor hashes (pairs of immutables).
const ANCHOR_SEED: u64 = 0x756e_7370_756e_0003;

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
    /// Hash canonical word forms ([`crate::canon`]) instead of surface forms, so that aliases
    /// and spelling variants give the same fingerprints. Indexes written before this option
    /// existed have `false` in their manifest.
    #[serde(default, skip_serializing_if = "is_false")]
    pub canonical: bool,
    /// Also index anchors: pairs of consecutive immutables (runs of names and numbers) of a
    /// sentence, which survive the substitution of common words. `false` in older manifests.
    #[serde(default, skip_serializing_if = "is_false")]
    pub anchors: bool,
}

/// Legacy manifests do not name the options they lack (their bytes stay as they were).
fn is_false(value: &bool) -> bool {
    !*value
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig {
            k: 3,
            skip_stopwords: true,
            min_sentence_tokens: 3,
            canonical: true,
            anchors: true,
        }
    }
}

impl ShingleConfig {
    /// The configuration of indexes written before canonical forms and anchors existed.
    pub fn legacy() -> Self {
        ShingleConfig { canonical: false, anchors: false, ..ShingleConfig::default() }
    }

    /// Whether a token counts as a content word under this configuration.
    fn is_content(&self, token: &crate::text::Token) -> bool {
        if self.canonical { token.is_content() } else { !token.is_stopword }
    }

    /// The hash a token contributes to fingerprints, or `None` when it contributes nothing
    /// (a word absorbed by an alias phrase).
    fn word(&self, token: &crate::text::Token) -> Option<u64> {
        if !self.canonical {
            Some(token.hash)
        } else if token.canon == crate::canon::ABSORBED {
            None
        } else {
            Some(token.canon)
        }
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
        .filter(|t| !config.skip_stopwords || config.is_content(t))
        .filter_map(|t| config.word(t))
        .collect();
    let k = config.k.max(1);
    if words.len() < k {
        if words.len() >= 2 { vec![hash_words(&words, SHINGLE_SEED)] } else { Vec::new() }
    } else {
        words.windows(k).map(|w| hash_words(w, SHINGLE_SEED)).collect()
    }
}

/// The shingles of one sentence with the tokens they are made of: `(hash, tokens)` where
/// `tokens` are indexes into `analyzed.tokens`, in text order. The hashes are those of
/// [`sentence_shingles`], in the same order.
pub fn sentence_shingle_tokens(
    analyzed: &Analyzed,
    sentence_idx: usize,
    config: &ShingleConfig,
) -> Vec<(u64, Vec<usize>)> {
    let sentence = &analyzed.sentences[sentence_idx];
    let words: Vec<(usize, u64)> = (sentence.token_start..sentence.token_end)
        .filter(|&i| !config.skip_stopwords || config.is_content(&analyzed.tokens[i]))
        .filter_map(|i| config.word(&analyzed.tokens[i]).map(|w| (i, w)))
        .collect();
    let k = config.k.max(1);
    let shingle = |window: &[(usize, u64)]| {
        let hashes: Vec<u64> = window.iter().map(|(_, w)| *w).collect();
        (hash_words(&hashes, SHINGLE_SEED), window.iter().map(|(i, _)| *i).collect())
    };
    if words.len() < k {
        if words.len() >= 2 { vec![shingle(&words)] } else { Vec::new() }
    } else {
        words.windows(k).map(shingle).collect()
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
    let words: Vec<u64> = tokens.iter().filter_map(|t| config.word(t)).collect();
    Some(hash_words(&words, SENTENCE_SEED))
}

/// The anchor hashes of one sentence (empty unless `config.anchors`): the sentence's
/// immutables are grouped into units (maximal runs of adjacent marked content words:
/// "Vladimir Putin", "2016", "Aleppo"), and each pair of consecutive units is one anchor.
/// A spinner that replaces common words keeps names and numbers, so anchors survive it.
///
/// A marked word is capitalised or holds a digit; the first word of a sentence counts only
/// when it holds a digit or is written in capitals, since every sentence starts capitalised.
pub fn sentence_anchors(
    analyzed: &Analyzed,
    sentence_idx: usize,
    config: &ShingleConfig,
) -> Vec<u64> {
    if !config.anchors {
        return Vec::new();
    }
    let sentence = &analyzed.sentences[sentence_idx];
    let tokens = &analyzed.tokens[sentence.token_start..sentence.token_end];
    let mut units: Vec<u64> = Vec::new();
    let mut current: Vec<u64> = Vec::new();
    for (pos, token) in tokens.iter().enumerate() {
        let Some(word) = config.word(token) else { continue };
        let immutable =
            token.is_marked && config.is_content(token) && (pos > 0 || token.canon != token.hash);
        if immutable {
            current.push(word);
        } else if !current.is_empty() {
            units.push(hash_words(&current, ANCHOR_SEED));
            current.clear();
        }
    }
    if !current.is_empty() {
        units.push(hash_words(&current, ANCHOR_SEED));
    }
    units.windows(2).filter(|w| w[0] != w[1]).map(|w| hash_words(w, ANCHOR_SEED)).collect()
}

/// All fingerprints of a document (shingles and sentence hashes), sorted and deduplicated.
/// This is what the index stores in its postings.
pub fn document_fingerprints(analyzed: &Analyzed, config: &ShingleConfig) -> Vec<u64> {
    let mut out = Vec::with_capacity(analyzed.tokens.len() + analyzed.sentences.len());
    for idx in 0..analyzed.sentences.len() {
        out.extend(sentence_shingles(analyzed, idx, config));
        out.extend(sentence_hash(analyzed, idx, config));
        out.extend(sentence_anchors(analyzed, idx, config));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The shingles of a document in text order, sentence after sentence: the sequence
/// [`winnow`] selects from. The same hashes as [`sentence_shingles`] of each sentence.
pub fn document_shingle_sequence(analyzed: &Analyzed, config: &ShingleConfig) -> Vec<u64> {
    (0..analyzed.sentences.len()).flat_map(|idx| sentence_shingles(analyzed, idx, config)).collect()
}

/// Winnowing (Schleimer, Wilkerson and Aiken 2003): the positions of `hashes` holding the
/// minimum of some window of `w` consecutive values (the rightmost minimum on ties), in
/// ascending order. Every window of `w` consecutive positions contains a selected one, and
/// which one depends only on the window's values, so two sequences sharing a run of `w`
/// values both select the same value in it. A sequence shorter than `w` is one window; `w`
/// of 0 or 1 selects every position. About `2 / (w + 1)` of random values are selected.
pub fn winnow(hashes: &[u64], w: usize) -> Vec<usize> {
    if w <= 1 {
        return (0..hashes.len()).collect();
    }
    let w = w.min(hashes.len());
    let mut selected: Vec<usize> = Vec::with_capacity(2 * hashes.len() / (w + 1) + 1);
    // Candidates for the minimum of the current window: positions with ascending values,
    // each smaller than every later one (a later equal value replaces an earlier one).
    let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for (pos, &hash) in hashes.iter().enumerate() {
        while queue.back().is_some_and(|&back| hashes[back] >= hash) {
            queue.pop_back();
        }
        queue.push_back(pos);
        if pos + 1 < w {
            continue;
        }
        while queue.front().is_some_and(|&front| front + w <= pos) {
            queue.pop_front();
        }
        if let Some(&min) = queue.front()
            && selected.last() != Some(&min)
        {
            selected.push(min);
        }
    }
    selected
}

/// The fingerprints an index keeps of a document when it winnows with window `w`
/// (`w` ≤ 1: all of them, as [`document_fingerprints`]): the shingles [`winnow`] selects
/// from [`document_shingle_sequence`], every whole-sentence hash and every anchor; sorted and
/// deduplicated. Any run of `w` consecutive shingles the document shares with a query, such
/// as `w + k - 1` content words inside one sentence, holds at least one kept shingle.
pub fn document_fingerprints_winnowed(
    analyzed: &Analyzed,
    config: &ShingleConfig,
    w: usize,
) -> Vec<u64> {
    if w <= 1 {
        return document_fingerprints(analyzed, config);
    }
    let shingles = document_shingle_sequence(analyzed, config);
    let mut out: Vec<u64> = winnow(&shingles, w).into_iter().map(|pos| shingles[pos]).collect();
    for idx in 0..analyzed.sentences.len() {
        out.extend(sentence_hash(analyzed, idx, config));
        out.extend(sentence_anchors(analyzed, idx, config));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn hash_words(words: &[u64], seed: u64) -> u64 {
    // Shingles are a few words: their bytes on the stack, no allocation per hash.
    const ON_STACK: usize = 32;
    if words.len() <= ON_STACK {
        let mut bytes = [0u8; ON_STACK * 8];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        return xxhash_rust::xxh3::xxh3_64_with_seed(&bytes[..words.len() * 8], seed);
    }
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
    fn golden(text: &str, config: &ShingleConfig) -> Vec<String> {
        let analyzed = analyze(text);
        (0..analyzed.sentences.len())
            .flat_map(|i| {
                let mut v: Vec<String> = sentence_shingles(&analyzed, i, config)
                    .iter()
                    .map(|h| format!("{h:016x}"))
                    .collect();
                v.extend(sentence_hash(&analyzed, i, config).map(|h| format!("s{h:016x}")));
                v.extend(
                    sentence_anchors(&analyzed, i, config).iter().map(|h| format!("a{h:016x}")),
                );
                v
            })
            .collect()
    }

    /// Indexes written before canonical forms and anchors must still be queried with the
    /// fingerprints they hold.
    #[test]
    fn golden_fingerprints_legacy() {
        let got = golden(
            "Russia ramps up its military presence in Syria. Obama said no.",
            &ShingleConfig::legacy(),
        );
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

    /// The fingerprints of the current configuration (canonical forms and anchors).
    #[test]
    fn golden_fingerprints_canonical() {
        let got = golden(
            "Russia ramps up its military presence in Syria. The U.S. said Vladimir Putin met Barack Obama in 2015.",
            &ShingleConfig::default(),
        );
        expect_test::expect![[r#"
            [
                "0a1d3ce4e9b83abe",
                "2cb2a75eb05528c4",
                "e0e58df112fb0085",
                "s233530c3fc10d188",
                "a26df637738fe8837",
                "371112de5c3c55cc",
                "9114dc537e2d3899",
                "0ac1d359da0b4498",
                "77fa1a9890553b84",
                "64854328ecf5b93d",
                "s56cc7eeec2d036ae",
                "a6b798901611753b8",
                "a8cb910f10ec6a98b",
                "a4d3b4a06cace9b81",
            ]
        "#]]
        .assert_debug_eq(&got);
    }

    #[test]
    fn aliases_share_fingerprints() {
        let config = ShingleConfig::default();
        let a = analyze("The step comes as Russia ramps up its military presence in Syria.");
        let b = analyze(
            "The step comes as Russian Federation ramps up its military presence in Syria.",
        );
        assert_eq!(sentence_shingles(&a, 0, &config), sentence_shingles(&b, 0, &config));
        assert_eq!(sentence_hash(&a, 0, &config), sentence_hash(&b, 0, &config));
        let legacy = ShingleConfig::legacy();
        assert_ne!(sentence_hash(&a, 0, &legacy), sentence_hash(&b, 0, &legacy));
    }

    #[test]
    fn anchors_survive_spinning_of_common_words() {
        let config = ShingleConfig::default();
        let a = analyze(
            "On Monday Vladimir Putin told reporters in Moscow that 2,000 troops would leave Syria.",
        );
        let b = analyze(
            "On Monday Vladimir Putin informed journalists in Moscow that 2000 soldiers will depart Syria.",
        );
        let (aa, ab) = (sentence_anchors(&a, 0, &config), sentence_anchors(&b, 0, &config));
        // Units: [Monday? no: first word] Vladimir Putin | Moscow | 2,000 | Syria.
        assert_eq!(aa.len(), 3, "{aa:?}");
        assert_eq!(aa, ab);
        assert!(sentence_anchors(&a, 0, &ShingleConfig::legacy()).is_empty());
        // A sentence with one immutable has no anchor.
        assert!(sentence_anchors(&analyze("The talks with Iran ended."), 0, &config).is_empty());
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
    #[test]
    fn shingle_tokens_hash_like_sentence_shingles() {
        let analyzed = crate::text::analyze(
            "Russia ramps up its military presence in Syria. The talks were short.",
        );
        for config in [
            ShingleConfig::default(),
            ShingleConfig { canonical: false, ..ShingleConfig::default() },
        ] {
            for idx in 0..analyzed.sentences.len() {
                let spans = sentence_shingle_tokens(&analyzed, idx, &config);
                let hashes: Vec<u64> = spans.iter().map(|(h, _)| *h).collect();
                assert_eq!(hashes, sentence_shingles(&analyzed, idx, &config));
            }
        }
    }

    /// Winnowing keeps one position in every window of `w`, and the same value in two
    /// sequences sharing a window.
    #[test]
    fn winnow_covers_every_window() {
        let hashes: Vec<u64> =
            (0..500u64).map(|n| xxhash_rust::xxh3::xxh3_64(&n.to_le_bytes())).collect();
        for w in [1, 2, 4, 8, 16] {
            let selected = winnow(&hashes, w);
            assert!(selected.windows(2).all(|p| p[0] < p[1]));
            for start in 0..=hashes.len() - w {
                assert!(
                    selected.iter().any(|&s| (start..start + w).contains(&s)),
                    "w {w} at {start}"
                );
            }
            let density = selected.len() as f64 / hashes.len() as f64;
            let expected = 2.0 / (w as f64 + 1.0);
            assert!((density - expected).abs() < 0.06 + expected * 0.15, "w {w}: {density}");
        }
        assert_eq!(winnow(&[5, 3, 9], 8), vec![1], "a short sequence is one window");
        assert_eq!(winnow(&[], 4), Vec::<usize>::new());
        assert_eq!(winnow(&[2, 2, 2, 2], 2), vec![1, 2, 3], "rightmost minimum on ties");
    }

    fn words_text(sentences: &[Vec<String>]) -> String {
        sentences.iter().map(|s| format!("{}.", s.join(" "))).collect::<Vec<_>>().join(" ")
    }

    proptest::proptest! {
        /// The guarantee: a query holding `w + k - 1` consecutive words of one sentence of a
        /// document shares a shingle the winnowed document keeps (anchors and sentence hashes,
        /// kept whole, are switched off so that only shingles can match).
        #[test]
        fn winnowing_keeps_a_shingle_of_every_shared_run(
            sentences in proptest::collection::vec(
                proptest::collection::vec("[bcdfghjklmnpqrstvwxz]{4,7}", 1..40), 1..8),
            prefix in proptest::collection::vec("[bcdfghjklmnpqrstvwxz]{4,7}", 0..6),
            suffix in proptest::collection::vec("[bcdfghjklmnpqrstvwxz]{4,7}", 0..6),
            w in 2usize..12,
            pick in proptest::num::usize::ANY,
        ) {
            let config = ShingleConfig { anchors: false, min_sentence_tokens: 10_000, ..ShingleConfig::default() };
            let run = w + config.k - 1;
            let long: Vec<&Vec<String>> = sentences.iter().filter(|s| s.len() >= run).collect();
            proptest::prop_assume!(!long.is_empty());
            let sentence = long[pick % long.len()];
            let start = (pick / 7) % (sentence.len() - run + 1);
            let mut query = prefix.clone();
            query.extend_from_slice(&sentence[start..start + run]);
            query.extend(suffix.iter().cloned());
            let document = analyze(&words_text(&sentences));
            let kept = document_fingerprints_winnowed(&document, &config, w);
            let query = analyze(&words_text(&[query]));
            let shared = sentence_shingles(&query, 0, &config)
                .into_iter()
                .filter(|h| kept.binary_search(h).is_ok())
                .count();
            proptest::prop_assert!(shared > 0, "no kept shingle in a shared run of {} words", run);
            let all = document_fingerprints(&document, &config);
            proptest::prop_assert!(kept.iter().all(|h| all.binary_search(h).is_ok()));
        }
    }
}
