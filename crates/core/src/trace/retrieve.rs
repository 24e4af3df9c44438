//! Retrieval: which documents share the article's fingerprints, weighted by inverse document
//! frequency, and which of them become candidates.

use std::collections::{BTreeMap, BTreeSet};

use super::{Candidates, TraceConfig};
use crate::DocId;
use crate::limits::{TraceLimits, hit};
use crate::report::TraceStats;
use crate::shingle::{sentence_anchors, sentence_hash, sentence_shingles};
use crate::text::Analyzed;

/// What retrieval found for the article.
#[derive(Default)]
pub(super) struct Retrieval {
    /// Per sentence: how many documents hold it verbatim (0 without a sentence hash).
    pub(super) sentence_df: Vec<u32>,
    /// Retrieval score of every document found, over all sentences.
    pub(super) total: BTreeMap<DocId, f64>,
    /// The best documents by `total`, best first.
    pub(super) overall_top: Vec<DocId>,
    /// Per sentence: the best documents by that sentence's own score, best first.
    pub(super) per_sentence_top: Vec<Vec<DocId>>,
    /// The candidates to fetch, in DocId order (see [`choose_candidates`]).
    pub(super) chosen: Vec<DocId>,
}

/// Looks up the fingerprints of every sentence of `analyzed` (and of the title, whose best
/// documents become candidates too) and chooses the candidates.
pub(super) fn retrieve(
    analyzed: &Analyzed,
    title: Option<&str>,
    candidates: &dyn Candidates,
    config: &TraceConfig,
    stats: &mut TraceStats,
) -> Retrieval {
    let sentence_df = sentence_frequencies(analyzed, candidates, config);
    let (total, per_sentence) = score_documents(analyzed, &sentence_df, candidates, config, stats);
    let mut per_sentence_top: Vec<Vec<DocId>> = per_sentence
        .iter()
        .map(|scores| top_docs(scores, config.per_sentence_candidates))
        .collect();
    let overall_top = top_docs(&total, config.max_candidates);
    let title_top =
        title.map(|t| title_documents(t, candidates, config, stats)).unwrap_or_default();
    per_sentence_top.push(title_top);
    let chosen = choose_candidates(&overall_top, &per_sentence_top, &config.limits, stats);
    per_sentence_top.pop();
    Retrieval { sentence_df, total, overall_top, per_sentence_top, chosen }
}

/// The best documents sharing fingerprints with the title (looked up as a text of its own).
fn title_documents(
    title: &str,
    candidates: &dyn Candidates,
    config: &TraceConfig,
    stats: &mut TraceStats,
) -> Vec<DocId> {
    let analyzed = crate::text::analyze(title);
    let no_common = vec![0; analyzed.sentences.len()];
    let (total, _) = score_documents(&analyzed, &no_common, candidates, config, stats);
    top_docs(&total, config.per_sentence_candidates)
}

/// Exact-sentence frequencies: sentences in many documents are candidates for common text.
fn sentence_frequencies(
    analyzed: &Analyzed,
    candidates: &dyn Candidates,
    config: &TraceConfig,
) -> Vec<u32> {
    (0..analyzed.sentences.len())
        .map(|idx| {
            sentence_hash(analyzed, idx, &config.shingle).map_or(0, |h| candidates.doc_freq(h))
        })
        .collect()
}

/// Idf-weighted scores of the documents sharing fingerprints with the article: in all and per
/// sentence. Common sentences are not looked up; fingerprints in more than
/// `config.max_doc_freq` documents are skipped.
fn score_documents(
    analyzed: &Analyzed,
    sentence_df: &[u32],
    candidates: &dyn Candidates,
    config: &TraceConfig,
    stats: &mut TraceStats,
) -> (BTreeMap<DocId, f64>, Vec<BTreeMap<DocId, f64>>) {
    let n_sentences = analyzed.sentences.len();
    let n_docs = candidates.n_docs().max(1) as f64;
    let mut total: BTreeMap<DocId, f64> = BTreeMap::new();
    let mut per_sentence: Vec<BTreeMap<DocId, f64>> = vec![BTreeMap::new(); n_sentences];
    let mut postings = Vec::new();
    let mut n_postings_read = 0u64;
    for idx in 0..n_sentences {
        if sentence_df[idx] >= config.common_sentence_docs {
            continue;
        }
        if n_postings_read >= config.limits.max_postings {
            stats.limits_hit.push(hit::POSTINGS.to_string());
            break;
        }
        if config.cancel.is_cancelled() {
            break;
        }
        for fingerprint in sentence_fingerprints(analyzed, idx, config) {
            stats.n_fingerprints += 1;
            let df = candidates.doc_freq(fingerprint);
            if df == 0 {
                continue;
            }
            if df > config.max_doc_freq {
                stats.n_fingerprints_too_common += 1;
                continue;
            }
            let weight = (1.0 + n_docs / f64::from(df)).ln();
            postings.clear();
            candidates.postings(fingerprint, &mut postings);
            n_postings_read += postings.len() as u64;
            postings.dedup();
            for doc in &postings {
                *per_sentence[idx].entry(*doc).or_default() += weight;
                *total.entry(*doc).or_default() += weight;
            }
        }
    }
    (total, per_sentence)
}

/// The distinct shingles and anchors of sentence `idx`, sorted.
fn sentence_fingerprints(analyzed: &Analyzed, idx: usize, config: &TraceConfig) -> Vec<u64> {
    let mut fingerprints = sentence_shingles(analyzed, idx, &config.shingle);
    fingerprints.extend(sentence_anchors(analyzed, idx, &config.shingle));
    fingerprints.sort_unstable();
    fingerprints.dedup();
    fingerprints
}

/// The candidates to fetch, in DocId order: the overall best and each sentence's best, or,
/// when that is more than [`TraceLimits::max_candidates`], that many taken by rank (the overall
/// best first, then each sentence's first choice, then its second, ...).
pub(super) fn choose_candidates(
    overall_top: &[DocId],
    per_sentence_top: &[Vec<DocId>],
    limits: &TraceLimits,
    stats: &mut TraceStats,
) -> Vec<DocId> {
    let mut chosen: Vec<DocId> = overall_top.to_vec();
    for top in per_sentence_top {
        chosen.extend(top);
    }
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.len() <= limits.max_candidates {
        return chosen;
    }
    stats.limits_hit.push(hit::CANDIDATES.to_string());
    let mut taken: BTreeSet<DocId> = overall_top.iter().copied().collect();
    let depth = per_sentence_top.iter().map(Vec::len).max().unwrap_or(0);
    'ranks: for rank in 0..depth {
        for top in per_sentence_top {
            if taken.len() >= limits.max_candidates {
                break 'ranks;
            }
            if let Some(doc) = top.get(rank) {
                taken.insert(*doc);
            }
        }
    }
    taken.into_iter().take(limits.max_candidates).collect()
}

/// The `n` best-scored documents, best first (ties by DocId).
fn top_docs(scores: &BTreeMap<DocId, f64>, n: usize) -> Vec<DocId> {
    let mut ranked: Vec<(DocId, f64)> = scores.iter().map(|(d, s)| (*d, *s)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(n);
    ranked.into_iter().map(|(d, _)| d).collect()
}
