//! Sentence embeddings as a second matching stage (paraphrase detection).
//!
//! The core holds no model: a front end that was built with the `semantic` feature passes an
//! [`Embedder`] (the `unspun-semantic` crate implements one with all-MiniLM-L6-v2 on candle).
//! This module holds what is pure: the trait, cosine similarity and the int8 quantisation
//! used to store sentence vectors compactly.

use std::fmt;
use std::sync::Arc;

/// Why an embedding could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedError(pub String);

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbedError {}

/// A sentence-embedding model: texts in, one unit-length vector of [`Embedder::dim`] floats
/// per text out, in input order. Implementations must be deterministic.
pub trait Embedder: Send + Sync {
    /// Length of every vector.
    fn dim(&self) -> usize;
    /// A short model name for reports (e.g. `all-MiniLM-L6-v2`).
    fn name(&self) -> &str;
    /// Embeds `texts`; each output vector has L2 norm 1 (or is all zeros for an empty text).
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// The paraphrase stage of a trace: sentences that the hashing and alignment stages leave
/// unattributed are embedded and compared with the sentences of the best candidate documents;
/// a match at `min_similarity` or more is reported with kind `paraphrased` and its cosine.
#[derive(Clone)]
pub struct ParaphraseStage {
    /// The model.
    pub embedder: Arc<dyn Embedder>,
    /// Cosine at or above which two sentences are a paraphrase.
    pub min_similarity: f32,
    /// Candidate documents searched: the origins found by alignment first, then the best
    /// candidates by retrieval score.
    pub max_docs: usize,
    /// Sentences with fewer word tokens are not embedded (on either side).
    pub min_tokens: usize,
}

impl ParaphraseStage {
    /// The stage with its default knobs.
    pub fn new(embedder: Arc<dyn Embedder>) -> ParaphraseStage {
        ParaphraseStage { embedder, min_similarity: 0.85, max_docs: 6, min_tokens: 6 }
    }
}

impl fmt::Debug for ParaphraseStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParaphraseStage")
            .field("embedder", &self.embedder.name())
            .field("min_similarity", &self.min_similarity)
            .field("max_docs", &self.max_docs)
            .field("min_tokens", &self.min_tokens)
            .finish()
    }
}

impl PartialEq for ParaphraseStage {
    fn eq(&self, other: &Self) -> bool {
        self.embedder.name() == other.embedder.name()
            && self.min_similarity == other.min_similarity
            && self.max_docs == other.max_docs
            && self.min_tokens == other.min_tokens
    }
}

/// Cosine similarity of two vectors of equal length (0 when either is all zeros).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na.sqrt() * nb.sqrt()) }
}

/// A vector quantised to one signed byte per dimension with one scale: `x ≈ q × scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    /// Scale of the bytes.
    pub scale: f32,
    /// The bytes.
    pub values: Vec<i8>,
}

/// Quantises `v` symmetrically to int8 (max |x| maps to 127).
pub fn quantize(v: &[f32]) -> Quantized {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return Quantized { scale: 0.0, values: vec![0; v.len()] };
    }
    let scale = max / 127.0;
    let values = v.iter().map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8).collect();
    Quantized { scale, values }
}

/// Cosine similarity of two quantised vectors (the scales cancel out).
pub fn cosine_i8(a: &[i8], b: &[i8]) -> f32 {
    let (mut dot, mut na, mut nb) = (0i64, 0i64, 0i64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (i64::from(*x), i64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0 || nb == 0 {
        0.0
    } else {
        (dot as f64 / ((na as f64).sqrt() * (nb as f64).sqrt())) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_equal_and_opposite_vectors() {
        let a = [0.6f32, 0.8, 0.0];
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        let b = [-0.6f32, -0.8, 0.0];
        assert!((cosine(&a, &b) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &[0.0; 3]), 0.0);
    }

    #[test]
    fn quantised_cosine_stays_close() {
        let a: Vec<f32> = (0..384).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
        let b: Vec<f32> = (0..384).map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0).collect();
        let (qa, qb) = (quantize(&a), quantize(&b));
        assert!((cosine(&a, &b) - cosine_i8(&qa.values, &qb.values)).abs() < 0.01);
        assert!((cosine_i8(&qa.values, &qa.values) - 1.0).abs() < 1e-6);
        assert_eq!(quantize(&[0.0; 4]).values, vec![0; 4]);
    }
}
