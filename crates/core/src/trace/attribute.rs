//! Attribution: every sentence aligned against the windows of the candidates that share
//! enough content words with it, the best source per sentence (the earliest equivalent
//! document as origin), common and title sentences, and reordering.

use std::collections::{BTreeMap, HashMap};

use super::TraceConfig;
use super::fetch::Candidate;
use super::query::Query;
use super::retrieve::Retrieval;
use crate::DocId;
use crate::align::{Alignment, Op, PairBounds, align, align_with, max_pairs};
use crate::limits::hit;
use crate::report::{SentenceStatus, TraceStats};
use crate::text::{Analyzed, Token, normalize_token};
use crate::thesaurus::{Thesaurus, intersects};

/// One accepted alignment of a query sentence against a candidate.
#[derive(Clone)]
pub(super) struct Hit {
    pub(super) candidate: usize,
    pub(super) alignment: Alignment,
}

/// A sentence's source: the origin (a candidate index), its accepted alignment, and the
/// co-copies (candidate indexes of equivalent later documents).
pub(super) type Origin = (usize, Hit, Vec<usize>);

/// Aligns every sentence against every candidate window that shares enough content words
/// with it (see [`window`]); per sentence, the accepted alignments.
pub(super) fn align_sentences(
    query: &Query<'_>,
    cands: &[Candidate],
    retrieval: &Retrieval,
    config: &TraceConfig,
    stats: &mut TraceStats,
) -> Vec<Vec<Hit>> {
    let analyzed = &query.analyzed;
    let limits = &config.limits;
    // Which candidates each sentence is aligned against: all of them, unless there are so
    // many that a long article would cost sentences × candidates (see `TraceLimits`).
    let n_pairs = analyzed.sentences.len().saturating_mul(cands.len());
    let local = (n_pairs > limits.max_sentence_candidate_pairs).then(|| {
        stats.limits_hit.push(hit::LOCAL_CANDIDATES.to_string());
        LocalCandidates::new(cands, &retrieval.overall_top, &retrieval.per_sentence_top)
    });
    let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); analyzed.sentences.len()];
    let mut senses = config.thesaurus.as_deref().map(SenseMemo::new);
    let mut n_cells = 0u64;
    let mut window_scratch = WindowScratch::default();
    'sentences: for (idx, sentence) in analyzed.sentences.iter().enumerate() {
        let tokens = &analyzed.tokens[sentence.token_start..sentence.token_end];
        if tokens.len() < config.min_matches {
            continue;
        }
        if config.cancel.is_cancelled() {
            break;
        }
        let q_senses = senses.as_mut().map(|s| s.of(query.body, tokens));
        let words = SentenceWords::new(tokens);
        for (c_idx, cand) in cands.iter().enumerate() {
            if local.as_ref().is_some_and(|local| !local.allows(idx, c_idx)) {
                continue;
            }
            let found = window_of(
                tokens.len(),
                &words,
                cand,
                config.window_min_shared,
                &mut window_scratch,
            );
            let Some((lo, hi)) = found else { continue };
            n_cells += (tokens.len() * (hi - lo)) as u64;
            if n_cells > limits.max_alignment_cells {
                stats.limits_hit.push(hit::ALIGNMENT_CELLS.to_string());
                break 'sentences;
            }
            stats.n_alignments += 1;
            let synonyms = senses.as_mut().zip(q_senses.as_deref());
            let aligned = align_window(tokens, cand, (lo, hi), synonyms, config);
            let Some(mut alignment) = aligned else { continue };
            alignment.q_start += sentence.token_start;
            alignment.q_end += sentence.token_start;
            alignment.s_start += lo;
            alignment.s_end += lo;
            extend_edges(&mut alignment, sentence.token_start, sentence.token_end, &cand.analyzed);
            if accept(&alignment, &analyzed.tokens, tokens.len(), config) {
                hits[idx].push(Hit { candidate: c_idx, alignment });
            }
        }
    }
    hits
}

/// Aligns `tokens` against the tokens `lo..hi` of `cand`; with a thesaurus (`synonyms`: the
/// trace's memo and the senses of `tokens`), words sharing a sense are equivalent. `None`
/// without aligning when [`max_pairs`] proves that no alignment there can be accepted.
fn align_window(
    tokens: &[Token],
    cand: &Candidate,
    (lo, hi): (usize, usize),
    synonyms: Option<(&mut SenseMemo<'_>, &[u32])>,
    config: &TraceConfig,
) -> Option<Alignment> {
    let s_tokens = &cand.analyzed.tokens[lo..hi];
    let scoring = &config.scoring;
    let Some((memo, q_senses)) = synonyms else {
        if !may_accept(max_pairs(tokens, s_tokens, None), tokens.len(), config) {
            return None;
        }
        return align(tokens, s_tokens, scoring);
    };
    let s_senses = memo.of(&cand.doc.text, s_tokens);
    let (store, blooms) = (&memo.store, &memo.blooms);
    // Sharing a sense sets a common bit of the two blooms (not conversely).
    let may_share = |i: usize, j: usize| {
        let (a, b) = (q_senses[i] as usize, s_senses[j] as usize);
        blooms[a] & blooms[b] != 0
    };
    if !may_accept(max_pairs(tokens, s_tokens, Some(&may_share)), tokens.len(), config) {
        return None;
    }
    let synonym = |i: usize, j: usize| {
        let (a, b) = (q_senses[i] as usize, s_senses[j] as usize);
        a != 0 && b != 0 && blooms[a] & blooms[b] != 0 && intersects(&store[a], &store[b])
    };
    align_with(tokens, s_tokens, scoring, &synonym)
}

/// Whether an alignment within `bounds` could pass [`accept`] for a sentence of
/// `sentence_len` tokens: [`extend_edges`] adds no pair, so the counts of `accept` are
/// those of the alignment itself.
fn may_accept(bounds: PairBounds, sentence_len: usize, config: &TraceConfig) -> bool {
    let matches = bounds.pairs;
    matches >= config.min_matches
        && bounds.content_matches >= 2
        && (matches as f64 >= config.min_sentence_share * sentence_len as f64
            || matches >= config.long_match)
}

/// WordNet and learned senses of the words met during one trace, computed once per word.
struct SenseMemo<'a> {
    thesaurus: &'a Thesaurus,
    /// Token hash → index into `store` (0: no senses).
    index: HashMap<u64, u32>,
    /// Sense lists; `store[0]` is empty.
    store: Vec<Vec<u32>>,
    /// Per sense list, a 64-bit bloom of its senses ([`sense_bloom`]); `blooms[0]` is 0.
    blooms: Vec<u64>,
}

/// One bit per sense: two lists that share a sense share a bit.
fn sense_bloom(senses: &[u32]) -> u64 {
    senses.iter().fold(0u64, |bloom, sense| bloom | 1u64 << (sense.wrapping_mul(0x9E37_79B1) >> 26))
}

impl<'a> SenseMemo<'a> {
    fn new(thesaurus: &'a Thesaurus) -> SenseMemo<'a> {
        SenseMemo { thesaurus, index: HashMap::new(), store: vec![Vec::new()], blooms: vec![0] }
    }

    /// For each token of `tokens` (words of `text`), the index of its senses in `store`.
    fn of(&mut self, text: &str, tokens: &[Token]) -> Vec<u32> {
        let thesaurus = self.thesaurus;
        tokens
            .iter()
            .map(|token| {
                if !token.is_content() {
                    return 0;
                }
                if let Some(idx) = self.index.get(&token.hash) {
                    return *idx;
                }
                let word = normalize_token(&text[token.byte_start..token.byte_end]);
                let senses = thesaurus.senses(&word);
                let idx = if senses.is_empty() {
                    0
                } else {
                    self.blooms.push(sense_bloom(&senses));
                    self.store.push(senses);
                    (self.store.len() - 1) as u32
                };
                self.index.insert(token.hash, idx);
                idx
            })
            .collect()
    }
}

/// For an article with very many candidates: which candidates each sentence is aligned
/// against. The overall best candidates, and those among the best of the sentence itself or
/// of the sentences up to [`LocalCandidates::REACH`] before or after it (a spun sentence shares
/// no fingerprint, but its neighbours copied from the same source do).
struct LocalCandidates {
    /// Candidate index → whether it is among the overall best.
    overall: Vec<bool>,
    /// Sentence → indexes (into the candidates) of its own best, sorted.
    own: Vec<Vec<usize>>,
}

impl LocalCandidates {
    const REACH: usize = 3;

    fn new(cands: &[Candidate], overall_top: &[DocId], per_sentence_top: &[Vec<DocId>]) -> Self {
        let position: HashMap<DocId, usize> =
            cands.iter().enumerate().map(|(c_idx, cand)| (cand.doc_id, c_idx)).collect();
        let mut overall = vec![false; cands.len()];
        for doc in overall_top {
            if let Some(&c_idx) = position.get(doc) {
                overall[c_idx] = true;
            }
        }
        let own = per_sentence_top
            .iter()
            .map(|top| {
                let mut idxs: Vec<usize> =
                    top.iter().filter_map(|doc| position.get(doc).copied()).collect();
                idxs.sort_unstable();
                idxs
            })
            .collect();
        LocalCandidates { overall, own }
    }

    fn allows(&self, sentence: usize, c_idx: usize) -> bool {
        if self.overall[c_idx] {
            return true;
        }
        let lo = sentence.saturating_sub(Self::REACH);
        let hi = (sentence + Self::REACH + 1).min(self.own.len());
        self.own[lo..hi].iter().any(|idxs| idxs.binary_search(&c_idx).is_ok())
    }
}

/// The window of `cand` to align a sentence against: around the densest cluster of shared
/// content words, or `None` when fewer than `min_shared` distinct ones are shared (or than
/// the sentence has, but at least 2).
pub(super) fn window(
    tokens: &[Token],
    cand: &Candidate,
    min_shared: usize,
) -> Option<(usize, usize)> {
    let words = SentenceWords::new(tokens);
    window_of(tokens.len(), &words, cand, min_shared, &mut WindowScratch::default())
}

/// The content words of a sentence, as [`window`] looks them up in every candidate.
pub(super) struct SentenceWords {
    /// The distinct content words, in order of first occurrence.
    distinct: Vec<u64>,
    /// The number of content words, repeats included.
    n_content: usize,
}

impl SentenceWords {
    pub(super) fn new(tokens: &[Token]) -> SentenceWords {
        let mut distinct: Vec<u64> = Vec::new();
        let mut n_content = 0usize;
        for word in tokens.iter().filter_map(Token::content_word) {
            n_content += 1;
            if !distinct.contains(&word) {
                distinct.push(word);
            }
        }
        SentenceWords { distinct, n_content }
    }
}

/// Buffers of [`window_of`], reused from candidate to candidate.
#[derive(Default)]
pub(super) struct WindowScratch {
    positions: Vec<(u32, u32)>,
    counts: Vec<u32>,
}

/// [`window`] of a sentence of `n_tokens` tokens and content words `words`.
pub(super) fn window_of(
    n_tokens: usize,
    words: &SentenceWords,
    cand: &Candidate,
    min_shared: usize,
    scratch: &mut WindowScratch,
) -> Option<(usize, usize)> {
    // (position in the candidate, index of the distinct query content word found there)
    let positions = &mut scratch.positions;
    positions.clear();
    for (idx, word) in words.distinct.iter().enumerate() {
        if let Some(found) = cand.positions.get(word) {
            positions.extend(found.iter().take(256).map(|p| (*p, idx as u32)));
        }
    }
    let needed = min_shared.min(words.n_content).max(2);
    if positions.len() < needed {
        return None;
    }
    positions.sort_unstable();
    // The window of the candidate where the most DISTINCT query words occur: a name repeated
    // all over the candidate must not pull the window away from the copied sentence.
    let span = (n_tokens * 2 + 8) as u32;
    let counts = &mut scratch.counts;
    counts.clear();
    counts.resize(words.distinct.len(), 0);
    let (mut distinct, mut best) = (0usize, (0usize, 0usize, 0usize)); // (distinct, lo, hi)
    let mut lo = 0usize;
    for hi in 0..positions.len() {
        let word = positions[hi].1 as usize;
        counts[word] += 1;
        if counts[word] == 1 {
            distinct += 1;
        }
        while positions[hi].0 - positions[lo].0 > span {
            let old = positions[lo].1 as usize;
            counts[old] -= 1;
            if counts[old] == 0 {
                distinct -= 1;
            }
            lo += 1;
        }
        if distinct > best.0 {
            best = (distinct, lo, hi);
        }
    }
    if best.0 < needed {
        return None;
    }
    let first = positions[best.1].0 as usize;
    let last = positions[best.2].0 as usize;
    let pad = n_tokens / 2 + 4;
    let n = cand.analyzed.tokens.len();
    Some((first.saturating_sub(pad), (last + pad + 1).min(n)))
}

/// Words an alignment may leave unmatched at a sentence edge and still absorb.
const EDGE_TOKENS: usize = 3;

/// Local alignment starts and ends on a match, so a substitution at a sentence edge
/// ("Russia ramps up" → "Russian Federation ramps up") or a prefix like a dateline would be
/// left out. Absorb up to [`EDGE_TOKENS`] unmatched words at each edge of the query sentence:
/// paired with the source's words up to its sentence edge as substitutions, else as insertions.
fn extend_edges(a: &mut Alignment, q_sent_start: usize, q_sent_end: usize, source: &Analyzed) {
    let sentence_of = |token: usize| {
        let idx = source.sentences.partition_point(|s| s.token_end <= token);
        source.sentences.get(idx).map_or((0, source.tokens.len()), |s| (s.token_start, s.token_end))
    };
    let edge_ops = |q_take: usize, s_take: usize| -> Vec<Op> {
        (0..q_take.max(s_take))
            .map(|k| match (k < q_take, k < s_take) {
                (true, true) => Op::Substitute,
                (true, false) => Op::Insert,
                _ => Op::Delete,
            })
            .collect()
    };
    let q_pre = a.q_start - q_sent_start;
    if q_pre > 0 {
        let s_pre = a.s_start - sentence_of(a.s_start).0;
        let (q_take, s_take) = edge_take(q_pre, s_pre);
        let mut ops = edge_ops(q_take, s_take);
        ops.extend_from_slice(&a.ops);
        a.ops = ops;
        a.q_start -= q_take;
        a.s_start -= s_take;
    }
    let q_post = q_sent_end - a.q_end;
    if q_post > 0 {
        let s_post = sentence_of(a.s_end - 1).1 - a.s_end;
        let (q_take, s_take) = edge_take(q_post, s_post);
        a.ops.extend(edge_ops(q_take, s_take));
        a.q_end += q_take;
        a.s_end += s_take;
    }
}

/// How many unmatched words to absorb at one edge, given `q_left` query words and `s_left`
/// source words up to the sentence edges. A source edge of up to [`EDGE_TOKENS`] words pairs
/// with at most twice as many query words (a 1→2 substitution like "Russia" → "Russian
/// Federation"); with nothing left in the source, a short query edge is an insertion (a
/// dateline); a long one is the query's own text and stays out.
fn edge_take(q_left: usize, s_left: usize) -> (usize, usize) {
    if (1..=EDGE_TOKENS).contains(&s_left) {
        (q_left.min(EDGE_TOKENS).min(2 * s_left), s_left)
    } else if q_left <= EDGE_TOKENS {
        (q_left, 0)
    } else {
        (0, 0)
    }
}

/// Whether an alignment is evidence of reuse: enough equal words (two of them content
/// words), similar enough, and covering enough of the sentence.
pub(super) fn accept(
    alignment: &Alignment,
    query_tokens: &[Token],
    sentence_len: usize,
    config: &TraceConfig,
) -> bool {
    // Equivalent words (aliases, synonyms) count as matches, but an alignment needs two
    // equal content words of its own.
    let matches = alignment.n_matches() + alignment.n_equivalents();
    let mut qi = alignment.q_start;
    let mut content_matches = 0;
    for op in &alignment.ops {
        if *op == Op::Match && !query_tokens[qi].is_stopword {
            content_matches += 1;
        }
        if *op != Op::Delete {
            qi += 1;
        }
    }
    matches >= config.min_matches
        && content_matches >= 2
        && alignment.similarity() >= config.min_similarity
        && (matches as f64 >= config.min_sentence_share * sentence_len as f64
            || matches >= config.long_match)
}

/// Per sentence, its source among its hits (see [`choose_origin`]).
pub(super) fn choose_origins(
    hits: Vec<Vec<Hit>>,
    cands: &[Candidate],
    config: &TraceConfig,
) -> Vec<Option<Origin>> {
    hits.into_iter().map(|sentence_hits| choose_origin(sentence_hits, cands, config)).collect()
}

/// Picks the origin among a sentence's hits: the earliest dated document among those scoring
/// within `co_copy_ratio` of the best (undated ones rank after dated ones, then by DocId).
pub(super) fn choose_origin(
    mut hits: Vec<Hit>,
    cands: &[Candidate],
    config: &TraceConfig,
) -> Option<Origin> {
    let best_score = hits.iter().map(|h| h.alignment.score).max()?;
    let floor = (f64::from(best_score) * config.co_copy_ratio).ceil() as i32;
    hits.retain(|h| h.alignment.score >= floor);
    hits.sort_by(|a, b| {
        let (da, db) = (&cands[a.candidate], &cands[b.candidate]);
        let key_a =
            (da.doc.date.is_none(), da.doc.date, std::cmp::Reverse(a.alignment.score), da.doc_id);
        let key_b =
            (db.doc.date.is_none(), db.doc.date, std::cmp::Reverse(b.alignment.score), db.doc_id);
        key_a.cmp(&key_b)
    });
    let mut iter = hits.into_iter();
    let origin = iter.next()?;
    let co: Vec<usize> = iter.map(|h| h.candidate).collect();
    Some((origin.candidate, origin, co))
}

/// Per sentence: `Title` where the title is printed again, `Common` for frequent sentences
/// whose source supplies nothing else (both lose their source), `Sourced` where a source is
/// left, else `Original`.
pub(super) fn sentence_status(
    analyzed: &Analyzed,
    title_repeats: &[(usize, usize)],
    sentence_df: &[u32],
    best: &mut [Option<Origin>],
    config: &TraceConfig,
) -> Vec<SentenceStatus> {
    let mut status = vec![SentenceStatus::Original; analyzed.sentences.len()];
    for (idx, sentence) in analyzed.sentences.iter().enumerate() {
        // Compare words, not bytes: the sentence may end with a full stop the title lacks.
        let words = &analyzed.tokens[sentence.token_start..sentence.token_end];
        let inside = !words.is_empty()
            && title_repeats.iter().any(|(start, end)| {
                *start <= words[0].byte_start && words[words.len() - 1].byte_end <= *end
            });
        if inside {
            status[idx] = SentenceStatus::Title;
            best[idx] = None;
        }
    }
    mark_common(&mut status, sentence_df, best, config);
    for (idx, b) in best.iter().enumerate() {
        if b.is_some() {
            status[idx] = SentenceStatus::Sourced;
        }
    }
    status
}

/// Marks as `Common` the sentences found verbatim in many documents whose origin supplies no
/// other (uncommon) sentence of the article.
fn mark_common(
    status: &mut [SentenceStatus],
    sentence_df: &[u32],
    best: &mut [Option<Origin>],
    config: &TraceConfig,
) {
    for idx in 0..status.len() {
        if sentence_df[idx] < config.common_sentence_docs || status[idx] == SentenceStatus::Title {
            continue;
        }
        let supported = best[idx].as_ref().is_some_and(|(origin, _, _)| {
            best.iter().enumerate().any(|(other, b)| {
                other != idx
                    && sentence_df[other] < config.common_sentence_docs
                    && b.as_ref().is_some_and(|(o, _, co)| o == origin || co.contains(origin))
            })
        });
        if !supported {
            status[idx] = SentenceStatus::Common;
            best[idx] = None;
        }
    }
}

/// Per sentence, whether it is out of its origin's order: per origin, the sentences outside
/// the longest increasing run of source positions.
pub(super) fn reordered(best: &[Option<Origin>]) -> Vec<bool> {
    let mut reordered = vec![false; best.len()];
    let mut by_origin: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (idx, b) in best.iter().enumerate() {
        if let Some((origin, _, _)) = b {
            by_origin.entry(*origin).or_default().push(idx);
        }
    }
    for sentence_idxs in by_origin.values() {
        let starts: Vec<usize> = sentence_idxs
            .iter()
            .map(|i| best[*i].as_ref().map_or(0, |(_, hit, _)| hit.alignment.s_start))
            .collect();
        let keep = longest_increasing(&starts);
        for (pos, idx) in sentence_idxs.iter().enumerate() {
            if !keep[pos] {
                reordered[*idx] = true;
            }
        }
    }
    reordered
}

/// Marks the elements of the longest strictly increasing subsequence of `values`.
pub(super) fn longest_increasing(values: &[usize]) -> Vec<bool> {
    let n = values.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if values[j] < values[i] && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut keep = vec![false; n];
    let Some(mut at) = (0..n).max_by_key(|i| (len[*i], std::cmp::Reverse(*i))) else {
        return keep;
    };
    loop {
        keep[at] = true;
        if prev[at] == usize::MAX {
            break;
        }
        at = prev[at];
    }
    keep
}
