//! Text analysis: normalisation, word tokens with byte offsets, and a news-aware sentence
//! splitter.
//!
//! Everything here works on the *original* text and reports byte offsets into it, so that a
//! passage found by alignment can be shown exactly as it was written. Normalisation (NFKC,
//! typographic quotes and dashes, white space, case) only feeds comparisons and hashes.
//!
//! - [`normalize`] / [`normalize_token`]: the comparison form of a text or a word.
//! - [`tokenize`]: UAX#29 words with byte offsets, hashed with [`token_hash`] (stored on disk).
//! - [`split_sentences`]: rule-based sentence boundaries tuned on newswire (abbreviations,
//!   initials, datelines, hard-wrapped Reuters bodies, glued extractive summaries).
//! - [`analyze`]: both at once, with sentence token ranges that tile the token vector.
//!
//! Sentences are split on the original, cased text: the rules rely on upper-case letters.

mod ascii_words;
mod normalize;
mod sentences;
mod words;

pub use crate::token::{Token, token_hash};
pub use normalize::{normalize, normalize_into, normalize_token, normalize_token_into};
pub use sentences::split_sentences;
pub use words::{STOPWORDS, is_stopword, tokenize};

/// One sentence of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// Byte offset of the sentence's first non-space byte.
    pub byte_start: usize,
    /// Byte offset one past the sentence's last non-space byte.
    pub byte_end: usize,
    /// Index of the sentence's first token in [`Analyzed::tokens`].
    pub token_start: usize,
    /// Index one past the sentence's last token in [`Analyzed::tokens`].
    pub token_end: usize,
}

/// A text split into tokens and sentences. Every token belongs to exactly one sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analyzed {
    /// Word tokens in text order.
    pub tokens: Vec<Token>,
    /// Sentences in text order; their token ranges tile `tokens`.
    pub sentences: Vec<Sentence>,
}

/// Splits `text` into sentences, then tokens.
///
/// Sentence token ranges tile [`Analyzed::tokens`]: every token is in exactly one sentence,
/// the one that contains its first byte (a token that straddles a boundary, such as
/// `U.S.The` glued by an extractive summary, goes to the earlier sentence).
pub fn analyze(text: &str) -> Analyzed {
    let tokens = tokenize(text);
    let ranges = split_sentences(text);
    let mut sentences = Vec::with_capacity(ranges.len());
    let mut t = 0;
    for (idx, range) in ranges.iter().enumerate() {
        let token_start = t;
        match ranges.get(idx + 1) {
            Some(next) => {
                while t < tokens.len() && tokens[t].byte_start < next.start {
                    t += 1;
                }
            }
            None => t = tokens.len(),
        }
        sentences.push(Sentence {
            byte_start: range.start,
            byte_end: range.end,
            token_start,
            token_end: t,
        });
    }
    Analyzed { tokens, sentences }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn analyze_tiles_tokens() {
        let a = analyze("One two. Three\n\nfour.Five");
        assert_eq!(a.tokens.len(), 5);
        let ranges: Vec<_> = a.sentences.iter().map(|s| (s.token_start, s.token_end)).collect();
        assert_eq!(ranges, [(0, 2), (2, 3), (3, 4), (4, 5)]);
        // A token that straddles a boundary belongs to the sentence holding its start.
        let a = analyze("in the U.S.The end");
        assert_eq!(a.sentences.len(), 1);
        assert_eq!(analyze("").sentences, []);
    }

    // --- properties --------------------------------------------------------------------

    /// Text biased towards the characters the rules care about.
    pub(crate) fn newsy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("."),
                Just(" "),
                Just("\n"),
                Just("\n\n"),
                Just("  "),
                Just("U.S."),
                Just("Mr."),
                Just("The"),
                Just("the"),
                Just("a"),
                Just("?"),
                Just("!"),
                Just("”"),
                Just("“"),
                Just("'"),
                Just("\""),
                Just(")"),
                Just("…"),
                Just("2.5"),
                Just("é"),
                Just("\u{301}"),
                Just("\u{AD}"),
                Just("İ"),
                Just("ﬁ"),
                Just("\r"),
                Just("\u{2029}"),
                Just("\u{A0}"),
                Just("Ω"),
                Just("ǅ"),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    fn check_sentence_ranges(text: &str) {
        let ranges = split_sentences(text);
        let mut prev_end = 0;
        for r in &ranges {
            assert!(r.start < r.end, "{r:?} empty in {text:?}");
            assert!(prev_end <= r.start, "{r:?} overlaps in {text:?}");
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            let s = &text[r.clone()];
            assert_eq!(s, s.trim(), "untrimmed {s:?} in {text:?}");
            prev_end = r.end;
        }
        assert!(text[prev_end..].trim().is_empty() || ranges.is_empty() && text.trim().is_empty());
    }

    fn check_tokens(text: &str) {
        let mut prev_end = 0;
        for t in tokenize(text) {
            assert!(
                prev_end <= t.byte_start && t.byte_start < t.byte_end && t.byte_end <= text.len()
            );
            assert!(text.is_char_boundary(t.byte_start) && text.is_char_boundary(t.byte_end));
            let word = &text[t.byte_start..t.byte_end];
            let normalized = normalize_token(word);
            assert_eq!(t.hash, token_hash(&normalized));
            assert_eq!(t.is_stopword, is_stopword(&normalized));
            let marked = word.chars().next().is_some_and(char::is_uppercase)
                || word.bytes().any(|b| b.is_ascii_digit());
            assert_eq!(t.is_marked, marked);
            prev_end = t.byte_end;
        }
    }

    fn check_analyze(text: &str) {
        let a = analyze(text);
        let mut next = 0;
        for s in &a.sentences {
            assert_eq!(s.token_start, next);
            assert!(s.token_start <= s.token_end);
            next = s.token_end;
        }
        assert_eq!(next, a.tokens.len(), "tokens not tiled in {text:?}");
    }

    proptest! {
        #[test]

        #[test]
        fn ranges_are_well_formed(s in any::<String>()) {
            check_tokens(&s);
            check_sentence_ranges(&s);
            check_analyze(&s);
        }

        #[test]
        fn newsy_ranges_are_well_formed(s in newsy()) {
            check_tokens(&s);
            check_sentence_ranges(&s);
            check_analyze(&s);
        }
    }
    #[test]
    fn issue_13_a_token_never_starts_with_white_space() {
        // Found by the normalize_split fuzz target: U+06DA after a space.
        for text in [" \u{6DA}", "? \u{6DA}"] {
            let analyzed = analyze(text);
            for token in &analyzed.tokens {
                assert!(!text[token.byte_start..].starts_with(char::is_whitespace), "{text:?}");
            }
            for sentence in &analyzed.sentences {
                for token in &analyzed.tokens[sentence.token_start..sentence.token_end] {
                    assert!(sentence.byte_start <= token.byte_start, "{text:?}");
                }
            }
        }
    }
}
