//! Text analysis: normalisation, word tokens with byte offsets, and sentence splitting.
//!
//! PLACEHOLDER: naive implementation, to be replaced by the real analyser.

use std::ops::Range;

/// One word token of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the token's first byte in the original text.
    pub byte_start: usize,
    /// Byte offset one past the token's last byte in the original text.
    pub byte_end: usize,
    /// [`token_hash`] of the token's normalised form.
    pub hash: u64,
    /// Whether the normalised form is an English stop word ([`is_stopword`]).
    pub is_stopword: bool,
}

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
pub fn analyze(text: &str) -> Analyzed {
    let tokens = tokenize(text);
    let mut sentences = Vec::new();
    let mut t = 0;
    for range in split_sentences(text) {
        let token_start = t;
        while t < tokens.len() && tokens[t].byte_start < range.end {
            t += 1;
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

/// Normalises text for comparison: NFKC, quotes/dashes/white space folded, case folded.
pub fn normalize(text: &str) -> String {
    text.to_lowercase()
}

/// Normalises one word (as [`normalize`], minus white space handling).
pub fn normalize_token(word: &str) -> String {
    word.to_lowercase()
}

/// The fixed 64-bit hash of a normalised token (xxh3_64, seed 0).
pub fn token_hash(normalized: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(normalized.as_bytes())
}

/// Whether a normalised word is an English stop word.
pub fn is_stopword(normalized: &str) -> bool {
    matches!(normalized, "the" | "a" | "an" | "of" | "to" | "in" | "and" | "is" | "was")
}

/// Word tokens of `text` with byte offsets into it.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(make_token(text, s, i));
        }
    }
    if let Some(s) = start {
        out.push(make_token(text, s, text.len()));
    }
    out
}

fn make_token(text: &str, start: usize, end: usize) -> Token {
    let norm = normalize_token(&text[start..end]);
    Token { byte_start: start, byte_end: end, hash: token_hash(&norm), is_stopword: is_stopword(&norm) }
}

/// Byte ranges of the sentences of `text`, trimmed of surrounding white space.
pub fn split_sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            push_trimmed(text, start, i + c.len_utf8(), &mut out);
            start = i + c.len_utf8();
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Range<usize>>) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if start + lead < end - trail {
        out.push(start + lead..end - trail);
    }
}
