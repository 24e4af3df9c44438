//! The paraphrase stage ([`ParaphraseStage`]): sentences left unattributed are embedded and
//! compared with the sentences of the best candidates (and, with a stored sentence index,
//! the nearest stored sentences of the whole index).

use std::collections::BTreeMap;

use super::attribute::Origin;
use super::fetch::{Candidate, Fetch, SentenceVectors};
use super::query::Query;
use crate::DocId;
use crate::report::{SentenceStatus, TraceStats};
use crate::semantic::{EmbedError, Embedder, ParaphraseStage, cosine};
use crate::text::{Analyzed, Sentence, Token};

/// What the paraphrase stage reads of the trace so far.
pub(super) struct Lookup<'a> {
    pub(super) best: &'a [Option<Origin>],
    pub(super) total: &'a BTreeMap<DocId, f64>,
    pub(super) fetch: &'a Fetch<'a>,
}

/// Stored sentences the paraphrase stage asks the index for, per query sentence.
const ANN_NEIGHBOURS: usize = 8;

/// A sentence found by the paraphrase stage.
#[derive(Debug, Clone, Copy)]
pub(super) struct ParaphraseHit {
    pub(super) candidate: usize,
    /// Sentence index in the candidate.
    pub(super) sentence: usize,
    pub(super) similarity: f32,
}

/// The paraphrase stage: per query sentence, the most similar sentence among the chosen
/// candidates when its cosine reaches the threshold. With a stored sentence index
/// ([`super::Candidates::similar_sentences`]), the nearest stored sentences of the whole index
/// are candidates too (their documents join `cands`). An embedding error ends the stage with
/// nothing found (said in `stats.paraphrase_error`).
pub(super) fn find_paraphrases(
    stage: &ParaphraseStage,
    query: &Query<'_>,
    status: &[SentenceStatus],
    lookup: Lookup<'_>,
    cands: &mut Vec<Candidate>,
    stats: &mut TraceStats,
) -> Vec<Option<ParaphraseHit>> {
    let Lookup { best, total, fetch } = lookup;
    let analyzed = &query.analyzed;
    let mut out = vec![None; analyzed.sentences.len()];
    let wanted = wanted_sentences(stage, analyzed, status, best);
    if wanted.is_empty() {
        return out;
    }
    let docs = docs_to_search(stage, best, total, cands);
    let embedder = &*stage.embedder;
    let texts: Vec<&str> = wanted
        .iter()
        .map(|&i| {
            let s = &analyzed.sentences[i];
            &query.body[s.byte_start..s.byte_end]
        })
        .collect();
    stats.n_paraphrase_queries = texts.len();
    let queries = match embedder.embed(&texts) {
        Ok(v) => v,
        Err(e) => {
            stats.paraphrase_error = Some(e.to_string());
            return out;
        }
    };
    // A paraphrase keeps some words: names, numbers, a few content words. Candidate sentences
    // sharing fewer than two content words with every wanted sentence are not embedded.
    let wanted_words: Vec<Vec<u64>> = wanted
        .iter()
        .map(|&i| {
            let s = &analyzed.sentences[i];
            content_words(&analyzed.tokens[s.token_start..s.token_end])
        })
        .collect();
    let mut best_hit: Vec<Option<ParaphraseHit>> = vec![None; wanted.len()];
    nearest_stored(stage, &queries, fetch, cands, &mut best_hit, stats);
    for &c in &docs {
        let wanted = Wanted { queries: &queries, words: &wanted_words };
        if let Err(e) = compare_candidate(stage, cands, c, wanted, &mut best_hit, stats) {
            stats.paraphrase_error = Some(e.to_string());
            return out;
        }
    }
    for (w, hit) in best_hit.into_iter().enumerate() {
        out[wanted[w]] = hit;
    }
    out
}

/// Whether `sentence` is long enough for the stage (on either side).
fn long_enough(stage: &ParaphraseStage, sentence: &Sentence) -> bool {
    sentence.token_end - sentence.token_start >= stage.min_tokens
}

/// The sentences to look for: original, without a source, and long enough.
fn wanted_sentences(
    stage: &ParaphraseStage,
    analyzed: &Analyzed,
    status: &[SentenceStatus],
    best: &[Option<Origin>],
) -> Vec<usize> {
    (0..analyzed.sentences.len())
        .filter(|&i| {
            status[i] == SentenceStatus::Original
                && best[i].is_none()
                && long_enough(stage, &analyzed.sentences[i])
        })
        .collect()
}

/// The candidates whose sentences are compared, at most `stage.max_docs`: origins of exact
/// matches first (in text order), then the best retrieved candidates.
fn docs_to_search(
    stage: &ParaphraseStage,
    best: &[Option<Origin>],
    total: &BTreeMap<DocId, f64>,
    cands: &[Candidate],
) -> Vec<usize> {
    let mut docs: Vec<usize> = Vec::new();
    for (origin, _, _) in best.iter().flatten() {
        if !docs.contains(origin) && docs.len() < stage.max_docs {
            docs.push(*origin);
        }
    }
    let mut ranked: Vec<usize> = (0..cands.len()).collect();
    let score = |c: usize| total.get(&cands[c].doc_id).copied().unwrap_or(0.0);
    ranked.sort_by(|a, b| score(*b).total_cmp(&score(*a)).then(a.cmp(b)));
    for c in ranked {
        if docs.len() >= stage.max_docs {
            break;
        }
        if !docs.contains(&c) {
            docs.push(c);
        }
    }
    docs
}

/// The stored sentence index: the nearest sentences of the whole index, for every wanted
/// sentence (`queries`: their embeddings). Their documents join `cands`.
fn nearest_stored(
    stage: &ParaphraseStage,
    queries: &[Vec<f32>],
    fetch: &Fetch<'_>,
    cands: &mut Vec<Candidate>,
    best_hit: &mut [Option<ParaphraseHit>],
    stats: &mut TraceStats,
) {
    let embedder = &*stage.embedder;
    for (w, q) in queries.iter().enumerate() {
        for (doc_id, s_idx, sim) in
            fetch.candidates.similar_sentences(embedder.name(), q, ANN_NEIGHBOURS)
        {
            if sim < stage.min_similarity || best_hit[w].is_some_and(|b| b.similarity >= sim) {
                continue;
            }
            let c = match cands.iter().position(|c| c.doc_id == doc_id) {
                Some(c) => c,
                None => match fetch.candidate(doc_id, stats) {
                    Some(cand) => {
                        cands.push(cand);
                        cands.len() - 1
                    }
                    None => continue,
                },
            };
            if (s_idx as usize) < cands[c].analyzed.sentences.len() {
                stats.n_paraphrase_ann_hits += 1;
                best_hit[w] =
                    Some(ParaphraseHit { candidate: c, sentence: s_idx as usize, similarity: sim });
            }
        }
    }
}

/// The wanted sentences: their embeddings and content words (by [`content_words`]).
#[derive(Clone, Copy)]
struct Wanted<'a> {
    queries: &'a [Vec<f32>],
    words: &'a [Vec<u64>],
}

/// Compares the sentences of candidate `c` with the wanted sentences they share content words
/// with, embedding those not embedded yet (kept in the candidate).
fn compare_candidate(
    stage: &ParaphraseStage,
    cands: &[Candidate],
    c: usize,
    wanted: Wanted<'_>,
    best_hit: &mut [Option<ParaphraseHit>],
    stats: &mut TraceStats,
) -> Result<(), EmbedError> {
    let cand = &cands[c];
    let pairs = candidate_pairs(stage, cand, wanted.words);
    if pairs.is_empty() {
        return Ok(());
    }
    let embedder = &*stage.embedder;
    let Ok(mut cache) = cand.vectors.lock() else { return Ok(()) };
    if cache.model != embedder.name() {
        *cache = SentenceVectors { model: embedder.name().to_string(), ..Default::default() };
    }
    embed_missing(embedder, cand, &pairs, &mut cache, stats)?;
    for (s_idx, targets) in &pairs {
        let Some(v) = cache.by_sentence.get(s_idx) else { continue };
        for &w in targets {
            let sim = cosine(&wanted.queries[w], v);
            if sim >= stage.min_similarity
                && best_hit[w].is_none_or(|b: ParaphraseHit| sim > b.similarity)
            {
                best_hit[w] =
                    Some(ParaphraseHit { candidate: c, sentence: *s_idx, similarity: sim });
            }
        }
    }
    Ok(())
}

/// The sentences of `cand` worth embedding: (candidate sentence, wanted sentences it shares
/// at least two content words with).
fn candidate_pairs(
    stage: &ParaphraseStage,
    cand: &Candidate,
    wanted_words: &[Vec<u64>],
) -> Vec<(usize, Vec<usize>)> {
    let mut pairs: Vec<(usize, Vec<usize>)> = Vec::new();
    for (s_idx, sentence) in cand.analyzed.sentences.iter().enumerate() {
        if !long_enough(stage, sentence) {
            continue;
        }
        let words = content_words(&cand.analyzed.tokens[sentence.token_start..sentence.token_end]);
        let targets: Vec<usize> = (0..wanted_words.len())
            .filter(|&w| {
                words.iter().filter(|h| wanted_words[w].binary_search(h).is_ok()).count() >= 2
            })
            .collect();
        if !targets.is_empty() {
            pairs.push((s_idx, targets));
        }
    }
    pairs
}

/// Embeds the sentences of `pairs` that `cache` lacks.
fn embed_missing(
    embedder: &dyn Embedder,
    cand: &Candidate,
    pairs: &[(usize, Vec<usize>)],
    cache: &mut SentenceVectors,
    stats: &mut TraceStats,
) -> Result<(), EmbedError> {
    let missing: Vec<usize> =
        pairs.iter().map(|(i, _)| *i).filter(|i| !cache.by_sentence.contains_key(i)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sentences = &cand.analyzed.sentences;
    let texts: Vec<&str> = missing
        .iter()
        .map(|&i| &cand.doc.text[sentences[i].byte_start..sentences[i].byte_end])
        .collect();
    let vectors = embedder.embed(&texts)?;
    stats.n_paraphrase_embedded += vectors.len();
    for (i, v) in missing.into_iter().zip(vectors) {
        cache.by_sentence.insert(i, v.into());
    }
    Ok(())
}

/// The distinct content words of `tokens` (canonical hashes), sorted.
fn content_words(tokens: &[Token]) -> Vec<u64> {
    let mut words: Vec<u64> = tokens.iter().filter_map(Token::content_word).collect();
    words.sort_unstable();
    words.dedup();
    words
}
