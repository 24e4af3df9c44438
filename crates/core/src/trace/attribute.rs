//! Attribution: every sentence aligned against the windows of the candidates that share
//! enough content words with it, the best source per sentence (the earliest equivalent
//! document as origin), common and title sentences, and reordering.

use std::collections::{BTreeMap, HashMap};

use super::TraceConfig;
use super::fetch::Candidate;
use super::query::Query;
use super::retrieve::Retrieval;
use crate::DocId;
use crate::align::{Alignment, Op, PairBounds, QueryBounds, SynonymRows, align, align_with_rows};
use crate::canon::KeyMap;
use crate::limits::hit;
use crate::report::{SentenceStatus, TraceStats};
use crate::text::{Analyzed, Token, normalize_token};
use crate::thesaurus::Thesaurus;

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
    let mut synonyms = config.thesaurus.as_deref().map(|t| Synonyms::new(t, cands.len()));
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
        // The sentence's senses and bound table, made at its first window.
        let mut bounder: Option<QueryBounds> = None;
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
            let bounder = bounder.get_or_insert_with(|| {
                if let Some(synonyms) = synonyms.as_mut() {
                    synonyms.start_sentence(query.body, tokens);
                }
                QueryBounds::new(tokens)
            });
            let aligned =
                align_window(tokens, (c_idx, cand), (lo, hi), synonyms.as_mut(), bounder, config);
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

/// Aligns `tokens` against the tokens `lo..hi` of `cand` (candidate `c_idx`); with a
/// thesaurus (`synonyms`, started on the sentence of `tokens`), words sharing a sense are
/// equivalent. `None` without aligning when [`max_pairs`](crate::align::max_pairs) proves that no alignment there can
/// be accepted.
fn align_window(
    tokens: &[Token],
    (c_idx, cand): (usize, &Candidate),
    (lo, hi): (usize, usize),
    synonyms: Option<&mut Synonyms<'_>>,
    bounder: &mut QueryBounds,
    config: &TraceConfig,
) -> Option<Alignment> {
    let s_tokens = &cand.analyzed.tokens[lo..hi];
    let scoring = &config.scoring;
    let Some(synonyms) = synonyms else {
        if !may_accept(bounder.max_pairs(s_tokens, None), tokens.len(), config) {
            return None;
        }
        return align(tokens, s_tokens, scoring);
    };
    let rows = synonyms.rows(c_idx, cand, (lo, hi));
    if !may_accept(bounder.max_pairs(s_tokens, Some(rows)), tokens.len(), config) {
        return None;
    }
    align_with_rows(tokens, s_tokens, scoring, rows)
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
    index: KeyMap<u32>,
    /// Sense lists; `store[0]` is empty.
    store: Vec<Vec<u32>>,
}

impl<'a> SenseMemo<'a> {
    fn new(thesaurus: &'a Thesaurus) -> SenseMemo<'a> {
        SenseMemo { thesaurus, index: KeyMap::default(), store: vec![Vec::new()] }
    }

    /// The index in `store` of the senses of `token` (a word of `text`): 0 unless it is a
    /// content word with senses.
    fn of(&mut self, text: &str, token: &Token) -> u32 {
        if !token.is_content() {
            return 0;
        }
        if let Some(idx) = self.index.get(&token.hash) {
            return *idx;
        }
        let word = normalize_token(&text[token.byte_start..token.byte_end]);
        let senses = self.thesaurus.senses(&word);
        let idx = if senses.is_empty() {
            0
        } else {
            self.store.push(senses);
            (self.store.len() - 1) as u32
        };
        self.index.insert(token.hash, idx);
        idx
    }
}

/// The thesaurus of one trace as the alignment asks it ([`SynonymRows`]): per source token,
/// the bit set of the sentence's tokens sharing a sense with it. Two words are synonyms when
/// their sense lists intersect; the bit set of a source word is the union, over its senses,
/// of the sentence's tokens that have that sense.
struct Synonyms<'a> {
    memo: SenseMemo<'a>,
    /// Per candidate, the sense list (index into the memo's store) of each of its tokens,
    /// `u32::MAX` until looked up.
    cand_senses: Vec<Vec<u32>>,
    /// Words per bit set: ⌈sentence tokens / 64⌉.
    words: usize,
    /// Sense (mixed, see [`sense_key`]) → offset in `sense_masks` of the sentence's tokens
    /// that have it.
    by_sense: KeyMap<u32>,
    sense_masks: Vec<u64>,
    /// Per sense list: the sentence (`stamp`) its bit set in `list_masks` was made for, and
    /// its offset there.
    list_at: Vec<(u32, u32)>,
    list_masks: Vec<u64>,
    /// The current sentence's number, from 1.
    stamp: u32,
    /// The bit sets of the current window.
    rows: Vec<u64>,
}

/// A sense id as a key of a [`KeyMap`] (whose hasher takes keys as they are): spread over
/// the 64 bits, one to one.
fn sense_key(sense: u32) -> u64 {
    u64::from(sense).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl<'a> Synonyms<'a> {
    fn new(thesaurus: &'a Thesaurus, n_cands: usize) -> Synonyms<'a> {
        Synonyms {
            memo: SenseMemo::new(thesaurus),
            cand_senses: vec![Vec::new(); n_cands],
            words: 0,
            by_sense: KeyMap::default(),
            sense_masks: Vec::new(),
            list_at: Vec::new(),
            list_masks: Vec::new(),
            stamp: 0,
            rows: Vec::new(),
        }
    }

    /// Starts the sentence of `tokens` (words of `text`): which of its tokens have each sense.
    fn start_sentence(&mut self, text: &str, tokens: &[Token]) {
        self.stamp += 1;
        let words = tokens.len().div_ceil(64);
        self.words = words;
        self.by_sense.clear();
        self.sense_masks.clear();
        self.list_masks.clear();
        for (i, token) in tokens.iter().enumerate() {
            let list = self.memo.of(text, token) as usize;
            for sense in &self.memo.store[list] {
                let next = self.sense_masks.len() as u32;
                let at = *self.by_sense.entry(sense_key(*sense)).or_insert(next) as usize;
                if at == self.sense_masks.len() {
                    self.sense_masks.resize(at + words, 0);
                }
                self.sense_masks[at + i / 64] |= 1u64 << (i % 64);
            }
        }
    }

    /// The offset in `list_masks` of the sentence's tokens sharing a sense with the sense
    /// list `list`.
    fn list_mask(&mut self, list: u32) -> usize {
        let list = list as usize;
        if self.list_at.len() <= list {
            self.list_at.resize(list + 1, (0, 0));
        }
        let (stamp, at) = self.list_at[list];
        if stamp == self.stamp {
            return at as usize;
        }
        let at = self.list_masks.len();
        self.list_masks.resize(at + self.words, 0);
        for sense in &self.memo.store[list] {
            if let Some(from) = self.by_sense.get(&sense_key(*sense)) {
                let from = *from as usize;
                for k in 0..self.words {
                    self.list_masks[at + k] |= self.sense_masks[from + k];
                }
            }
        }
        self.list_at[list] = (self.stamp, at as u32);
        at
    }

    /// The bit sets of the tokens `lo..hi` of candidate `c_idx`.
    fn rows(
        &mut self,
        c_idx: usize,
        cand: &Candidate,
        (lo, hi): (usize, usize),
    ) -> SynonymRows<'_> {
        let words = self.words;
        let tokens = &cand.analyzed.tokens;
        if self.cand_senses[c_idx].is_empty() {
            self.cand_senses[c_idx] = vec![u32::MAX; tokens.len()];
        }
        self.rows.clear();
        self.rows.resize((hi - lo) * words, 0);
        for (k, token) in tokens[lo..hi].iter().enumerate() {
            let mut list = self.cand_senses[c_idx][lo + k];
            if list == u32::MAX {
                list = self.memo.of(&cand.doc.text, token);
                self.cand_senses[c_idx][lo + k] = list;
            }
            if list != 0 {
                let at = self.list_mask(list);
                let row = k * words;
                self.rows[row..row + words].copy_from_slice(&self.list_masks[at..at + words]);
            }
        }
        SynonymRows { words, rows: &self.rows }
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
    let needed = min_shared.min(words.n_content).max(2);
    // A window holds at most as many distinct words as the candidate shares: with fewer
    // than `needed` (by its bloom filter, which may only count too many), there is none.
    let mut shared = 0usize;
    for word in &words.distinct {
        shared += usize::from(cand.words.may_contain(*word));
        if shared >= needed {
            break;
        }
    }
    if shared < needed {
        return None;
    }
    let positions = &mut scratch.positions;
    positions.clear();
    for (idx, word) in words.distinct.iter().enumerate() {
        if cand.words.may_contain(*word) {
            let found = cand.words.get(*word);
            positions.extend(found.iter().take(256).map(|p| (*p, idx as u32)));
        }
    }
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
