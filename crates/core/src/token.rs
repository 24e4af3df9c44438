//! One word token of a text: its byte offsets, its hash (stored on disk) and its canonical
//! hash. Below both [`crate::text`] (which makes tokens) and [`crate::canon`] (which rewrites
//! their canonical forms), so that neither imports the other's types.

/// The `canon` of a word that belongs to the alias phrase started by an earlier token.
pub const ABSORBED: u64 = 0;

/// One word token of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the token's first byte in the original text.
    pub byte_start: usize,
    /// Byte offset one past the token's last byte in the original text.
    pub byte_end: usize,
    /// [`token_hash`] of the token's normalised form.
    pub hash: u64,
    /// Hash of the canonical form ([`crate::canon`]): equal to `hash` for most words, shared
    /// by aliases and spelling variants ("U.S." and "USA"), [`ABSORBED`] for
    /// the later words of an alias phrase ("Federation" in "Russian Federation").
    pub canon: u64,
    /// Whether the normalised form is an English stop word ([`crate::text::is_stopword`]).
    pub is_stopword: bool,
    /// Whether the word as written starts with an upper-case letter or holds a digit: with
    /// the position in its sentence, what makes it an immutable (a name or a number) that
    /// spinners keep.
    pub is_marked: bool,
}

impl Token {
    /// Whether the token is a content word once canonical forms are used: not a stop word,
    /// or a stop word that is an alias ("US" written in capitals).
    pub fn is_content(&self) -> bool {
        !self.is_stopword || self.canon != self.hash
    }

    /// The canonical hash of a content word that stands for itself: `None` for stop words
    /// and for words absorbed by an alias phrase.
    pub fn content_word(&self) -> Option<u64> {
        (self.is_content() && self.canon != ABSORBED).then_some(self.canon)
    }
}

/// The fixed 64-bit hash of a normalised token (xxh3_64, seed 0).
///
/// Stored in the index: this function must never change (a golden test pins it).
pub fn token_hash(normalized: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(normalized.as_bytes())
}
