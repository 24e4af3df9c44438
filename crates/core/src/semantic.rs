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

/// Where one stored sentence vector came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SentenceRef {
    /// The document.
    pub doc: crate::DocId,
    /// The sentence's index in the document's analysis ([`crate::text::analyze`]).
    pub sentence: u32,
}

/// An approximate nearest-neighbour index over sentence vectors: an inverted file (IVF) of
/// k-means lists over int8 vectors with one scale each. Memory is `dim + 12` bytes per
/// sentence plus the centroids: 1M articles of 30 sentences at 384 dimensions take 11.9 GB.
/// Built deterministically (fixed k-means initialisation, inputs in the order given).
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceIndex {
    dim: usize,
    /// `n_lists × dim`, unit length.
    centroids: Vec<f32>,
    /// Entry indices of each list.
    lists: Vec<Vec<u32>>,
    refs: Vec<SentenceRef>,
    /// Dequantisation factor of each entry: scale over the quantised vector's norm.
    factors: Vec<f32>,
    /// `n × dim`.
    values: Vec<i8>,
}

/// K-means iterations of [`SentenceIndex::build`].
const KMEANS_ITERATIONS: usize = 6;
/// Vectors k-means trains on, at most (a deterministic even sample).
const KMEANS_SAMPLE: usize = 50_000;

impl SentenceIndex {
    /// Builds the index of `vectors` (unit length, `dim` each) named by `refs`, with about
    /// √n lists (at most 4096).
    pub fn build(dim: usize, refs: Vec<SentenceRef>, vectors: &[Vec<f32>]) -> SentenceIndex {
        let n = vectors.len().min(refs.len());
        let n_lists = ((n as f64).sqrt().round() as usize).clamp(1, 4096).min(n.max(1));
        let sample: Vec<&[f32]> = if n <= KMEANS_SAMPLE {
            vectors[..n].iter().map(Vec::as_slice).collect()
        } else {
            (0..KMEANS_SAMPLE).map(|i| vectors[i * n / KMEANS_SAMPLE].as_slice()).collect()
        };
        let mut centroids: Vec<f32> = Vec::with_capacity(n_lists * dim);
        for l in 0..n_lists {
            match sample.get(l * sample.len() / n_lists.max(1)) {
                Some(v) => centroids.extend_from_slice(v),
                None => centroids.extend(std::iter::repeat_n(0.0, dim)),
            }
        }
        for _ in 0..KMEANS_ITERATIONS {
            let mut sums = vec![0f32; n_lists * dim];
            let mut counts = vec![0usize; n_lists];
            for v in &sample {
                let l = nearest(&centroids, dim, v);
                counts[l] += 1;
                for (s, x) in sums[l * dim..(l + 1) * dim].iter_mut().zip(v.iter()) {
                    *s += x;
                }
            }
            for l in 0..n_lists {
                if counts[l] == 0 {
                    continue; // an empty list keeps its centroid
                }
                let c = &mut sums[l * dim..(l + 1) * dim];
                let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt();
                if norm > 0.0 {
                    c.iter_mut().for_each(|x| *x /= norm);
                    centroids[l * dim..(l + 1) * dim].copy_from_slice(c);
                }
            }
        }
        let mut index = SentenceIndex {
            dim,
            centroids,
            lists: vec![Vec::new(); n_lists],
            refs: Vec::with_capacity(n),
            factors: Vec::with_capacity(n),
            values: Vec::with_capacity(n * dim),
        };
        for (r, v) in refs.into_iter().zip(vectors).take(n) {
            let l = nearest(&index.centroids, dim, v);
            index.lists[l].push(index.refs.len() as u32);
            let q = quantize(v);
            let norm = q.values.iter().map(|x| f32::from(*x) * f32::from(*x)).sum::<f32>().sqrt();
            index.refs.push(r);
            index.factors.push(if norm > 0.0 { 1.0 / norm } else { 0.0 });
            index.values.extend_from_slice(&q.values);
        }
        index
    }

    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// Whether it holds no sentence.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Vector length.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of lists.
    pub fn n_lists(&self) -> usize {
        self.lists.len()
    }

    /// The `k` stored sentences most similar to `query` (unit length) among the `n_probe`
    /// lists nearest to it, with their cosine, best first.
    pub fn search(&self, query: &[f32], n_probe: usize, k: usize) -> Vec<(SentenceRef, f32)> {
        if self.is_empty() || query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let dim = self.dim;
        let mut by_list: Vec<(f32, usize)> = (0..self.lists.len())
            .map(|l| (dot(&self.centroids[l * dim..(l + 1) * dim], query), l))
            .collect();
        by_list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut found: Vec<(f32, u32)> = Vec::new();
        for (_, l) in by_list.into_iter().take(n_probe.max(1)) {
            for &e in &self.lists[l] {
                let e_us = e as usize;
                let v = &self.values[e_us * dim..(e_us + 1) * dim];
                let d: f32 = v.iter().zip(query).map(|(a, b)| f32::from(*a) * b).sum();
                found.push((d * self.factors[e_us], e));
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        found.truncate(k);
        found.into_iter().map(|(sim, e)| (self.refs[e as usize], sim.min(1.0))).collect()
    }

    /// The index as bytes (little-endian; the index crate frames and checksums them).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.values.len() + self.refs.len() * 12 + 64);
        let put = |out: &mut Vec<u8>, x: u64| out.extend_from_slice(&x.to_le_bytes());
        put(&mut out, self.dim as u64);
        put(&mut out, self.lists.len() as u64);
        put(&mut out, self.refs.len() as u64);
        for c in &self.centroids {
            out.extend_from_slice(&c.to_le_bytes());
        }
        for list in &self.lists {
            put(&mut out, list.len() as u64);
            for e in list {
                out.extend_from_slice(&e.to_le_bytes());
            }
        }
        for (r, f) in self.refs.iter().zip(&self.factors) {
            out.extend_from_slice(&r.doc.0.to_le_bytes());
            out.extend_from_slice(&r.sentence.to_le_bytes());
            out.extend_from_slice(&f.to_le_bytes());
        }
        out.extend(self.values.iter().map(|v| v.to_le_bytes()[0]));
        out
    }

    /// Reads [`SentenceIndex::to_bytes`]; an error says what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<SentenceIndex, String> {
        let mut r = ByteReader { bytes, at: 0 };
        let dim = usize::try_from(r.u64()?).map_err(|_| "bad dim")?;
        let n_lists = usize::try_from(r.u64()?).map_err(|_| "bad list count")?;
        let n = usize::try_from(r.u64()?).map_err(|_| "bad count")?;
        if dim == 0 || dim > 65_536 || n_lists > 1 << 20 || n > u32::MAX as usize {
            return Err(format!("implausible sizes: dim {dim}, {n_lists} lists, {n} vectors"));
        }
        let f32s = |b: &[u8]| -> Vec<f32> {
            b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        };
        let centroids = f32s(r.take(n_lists * dim * 4)?);
        let mut lists = Vec::with_capacity(n_lists);
        for _ in 0..n_lists {
            let len = usize::try_from(r.u64()?).map_err(|_| "bad list")?;
            if len > n {
                return Err("a list longer than the index".into());
            }
            let b = r.take(len * 4)?;
            let list: Vec<u32> =
                b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            if list.iter().any(|e| *e as usize >= n) {
                return Err("a list names a missing vector".into());
            }
            lists.push(list);
        }
        let meta = r.take(n * 12)?;
        let mut refs = Vec::with_capacity(n);
        let mut factors = Vec::with_capacity(n);
        for c in meta.chunks_exact(12) {
            let doc = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            let sentence = u32::from_le_bytes([c[4], c[5], c[6], c[7]]);
            refs.push(SentenceRef { doc: crate::DocId(doc), sentence });
            factors.push(f32::from_le_bytes([c[8], c[9], c[10], c[11]]));
        }
        let values: Vec<i8> = r.take(n * dim)?.iter().map(|b| i8::from_le_bytes([*b])).collect();
        if r.at != bytes.len() {
            return Err(format!("{} bytes left over", bytes.len() - r.at));
        }
        Ok(SentenceIndex { dim, centroids, lists, refs, factors, values })
    }
}

/// Reads little-endian values off a byte slice.
struct ByteReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> ByteReader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(len).filter(|e| *e <= self.bytes.len()).ok_or("truncated")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| "truncated")?))
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The list whose centroid is nearest to `v` (largest dot product; first on ties).
fn nearest(centroids: &[f32], dim: usize, v: &[f32]) -> usize {
    let mut best = (f32::NEG_INFINITY, 0usize);
    for (l, c) in centroids.chunks_exact(dim.max(1)).enumerate() {
        let d = dot(c, v);
        if d > best.0 {
            best = (d, l);
        }
    }
    best.1
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

    fn unit(v: Vec<f32>) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    fn vectors(n: usize, dim: usize) -> Vec<Vec<f32>> {
        (0..n)
            .map(|i| {
                unit(
                    (0..dim)
                        .map(|d| (((i * 31 + d * 17) % 23) as f32 - 11.0) + (d % 3) as f32)
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn sentence_index_finds_the_vector_itself_and_round_trips() {
        let vs = vectors(900, 16);
        let refs: Vec<SentenceRef> = (0..900)
            .map(|i| SentenceRef { doc: crate::DocId(i as u32 / 10), sentence: i as u32 % 10 })
            .collect();
        let index = SentenceIndex::build(16, refs.clone(), &vs);
        assert_eq!(index.len(), 900);
        assert_eq!(index.n_lists(), 30);
        let mut found = 0;
        for (i, v) in vs.iter().enumerate().step_by(7) {
            let hits = index.search(v, 4, 3);
            if hits.first().is_some_and(|(r, sim)| *r == refs[i] || *sim > 0.999) {
                found += 1;
            }
            assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
        }
        assert!(found >= 120, "found itself {found} of 129 times");
        let back = SentenceIndex::from_bytes(&index.to_bytes()).expect("round trip");
        assert_eq!(back, index);
        let bytes = index.to_bytes();
        assert!(SentenceIndex::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(SentenceIndex::build(16, Vec::new(), &[]).search(&vs[0], 1, 1).is_empty());
    }

    #[test]
    fn sentence_index_is_deterministic() {
        let vs = vectors(200, 8);
        let refs: Vec<SentenceRef> =
            (0..200).map(|i| SentenceRef { doc: crate::DocId(i), sentence: 0 }).collect();
        assert_eq!(
            SentenceIndex::build(8, refs.clone(), &vs).to_bytes(),
            SentenceIndex::build(8, refs, &vs).to_bytes()
        );
    }
}
